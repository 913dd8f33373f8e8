"""The access log and emergency grants in the admin: read-only evidence for supervisors and administrators."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .admin_mixins import AuditedAdminMixin, ReadOnlyAdminMixin
from .models import AccessGrant, AccessLogEntry, ChangeLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "username", "action", "object_type", "object_id", "reason", "request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_id", "reason", "request_id"]
    date_hierarchy = "created_at"


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["granted_at", "user", "municipality", "object_type", "object_id", "expires_at", "revoked_at"]
    list_filter = ["municipality", "object_type"]
    search_fields = ["user__username", "reason"]


@admin.register(ChangeLogEntry)
class ChangeLogEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "username", "municipality", "action", "object_type", "object_id", "origin"]
    list_filter = ["action", "municipality"]
    search_fields = ["message", "object_id", "request_id"]


# Users are personal records: reading them in the admin is audited like any other read.
User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(AuditedAdminMixin, UserAdmin):
    pass
