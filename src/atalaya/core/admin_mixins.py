"""Admin behaviour shared by every app: tenancy scoping, read-only records, audited reads of personal records."""

from __future__ import annotations

from .scoping import visible_municipalities


class ScopedAdminMixin:
    """Staff who are not superusers see only their municipalities' records in the admin."""

    municipality_lookup = "municipality"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        visible = visible_municipalities(request.user)
        return queryset.filter(**{f"{self.municipality_lookup}__in": visible}).distinct()


class ReadOnlyAdminMixin:
    """Records (provenance, change log) are evidence: they can be read in the admin, never edited."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdminMixin:
    """Opening a personal or sensitive record in the admin (its page, or a list that shows it) is written to the
    access log, as any other read of such records is."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("cl")  # absent on redirects and errors
        if shown is not None:
            from atalaya.core.audit import record_access

            record_access(
                user=request.user,
                action="busqueda" if shown.query else "lectura",
                model=self.model,
                object_ids=[obj.pk for obj in shown.result_list],
                detail=f"admin, lista{f' «{shown.query}»' if shown.query else ''}",
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if getattr(response, "status_code", 200) == 200:
            from atalaya.core.audit import record_access

            record_access(user=request.user, action="lectura", model=self.model, object_ids=[object_id], detail="admin")
        return response
