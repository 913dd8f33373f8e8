from django.contrib import admin

from atalaya.core.admin_mixins import AuditedAdminMixin, ReadOnlyAdminMixin

from .models import ChangeLogEntry, Membership


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "municipality", "role"]
    list_filter = ["municipality", "role"]
    search_fields = ["user__username"]


@admin.register(ChangeLogEntry)
class ChangeLogEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "user", "municipality", "action", "object_type", "object_id", "origin"]
    list_filter = ["action", "municipality"]
    search_fields = ["message", "object_id"]
