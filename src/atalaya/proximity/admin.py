"""Problem categories (the Open311 services), proximity officers and API clients in the admin. Problems,
reporters and timelines are not here on purpose: they change through the services, which keep the public copy
and the timeline in step and write the logs."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from atalaya.core.admin_mixins import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import ApiClient, Mesa, ProblemCategory, ProximityOfficer


@admin.register(ProblemCategory)
class ProblemCategoryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "group", "municipality", "active", "order")
    list_filter = ("active", "municipality")
    search_fields = ("name", "code")


@admin.register(ProximityOfficer)
class ProximityOfficerAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "municipality", "is_coordinator")
    list_filter = ("is_coordinator", "municipality")
    filter_horizontal = ("territories",)
    autocomplete_fields = ("user",)


@admin.register(ApiClient)
class ApiClientAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Keys are made by ``atalaya problems api-key`` (shown once); here they are seen and revoked."""

    list_display = ("name", "key_prefix", "municipality", "active", "created_at", "last_used_at")
    list_filter = ("active", "municipality")
    actions = ["revoke"]

    @admin.action(description=_("Revocar las claves elegidas"))
    def revoke(self, request, queryset):
        count = queryset.update(active=False)
        self.message_user(request, _("%(n)s clave(s) revocada(s).") % {"n": count}, messages.SUCCESS)


@admin.register(Mesa)
class MesaAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The table's definition (members, sessions and agreements are run from its page, which logs them)."""

    list_display = ("name", "kind", "municipality", "territory", "active", "is_public")
    list_filter = ("kind", "active", "is_public", "municipality")
    filter_horizontal = ("indicators",)
    fields = (
        "municipality",
        "name",
        "kind",
        "territory",
        "theme",
        "chair",
        "schedule",
        "every_days",
        "active",
        "is_public",
        "indicators",
    )
