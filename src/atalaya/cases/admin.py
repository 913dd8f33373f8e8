"""Teams, the services catalogue and instruments in the admin. Persons, identities, cases, intakes and screenings
are not here on purpose: they are read through the case pages, which apply the team scope and write the access log."""

from django.contrib import admin

from atalaya.core.admin_mixins import ScopedAdminMixin

from .models import Instrument, Service, Team, TeamMember


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(Team)
class TeamAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "municipality", "module")
    list_filter = ("module", "municipality")
    inlines = [TeamMemberInline]


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    """Versions are read-only once saved (a change is a new version: ``cases.services.save_instrument``)."""

    list_display = ("name", "code", "version", "module", "created_at")
    list_filter = ("module",)
    readonly_fields = ("code", "version", "module", "name", "definition", "created_at")

    def has_add_permission(self, request):
        return False


@admin.register(Service)
class ServiceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The catalogue a case plan draws from; a service no longer offered is marked not current, never deleted
    while a plan uses it."""

    list_display = ("name", "provider", "provider_kind", "municipality", "active")
    list_filter = ("provider_kind", "active", "municipality")
    search_fields = ("name", "provider")
