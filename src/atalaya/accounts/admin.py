from django.contrib import admin

from atalaya.core.admin_mixins import AuditedAdminMixin

from .models import Membership


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "municipality", "role"]
    list_filter = ["municipality", "role"]
    search_fields = ["user__username"]
