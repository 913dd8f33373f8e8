"""Admin behaviour shared by every app: tenancy scoping and read-only records."""

from __future__ import annotations

from atalaya.geo.models import Municipality


class ScopedAdminMixin:
    """Staff who are not superusers see only their municipalities' records in the admin."""

    municipality_lookup = "municipality"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        visible = Municipality.objects.visible_to(request.user)
        return queryset.filter(**{f"{self.municipality_lookup}__in": visible}).distinct()


class ReadOnlyAdminMixin:
    """Records (provenance, change log) are evidence: they can be read in the admin, never edited."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
