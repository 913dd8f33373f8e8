"""View mixins for permissions and the change log, shared by every app."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from atalaya.core.changelog import log_change

from .models import IMPORT_ROLES


class ImporterRequiredMixin(LoginRequiredMixin):
    """Only analysts and administrators (of some municipality), or superusers, get through."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (
            user.is_superuser or user.memberships.filter(role__in=list(IMPORT_ROLES)).exists()
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class LoggedFormMixin:
    """Create and update views that stamp the author and write who saved what to the change log."""

    log_action = "guardar"

    def log_message(self) -> str:
        return str(self.object)

    def log_municipality(self):
        """The municipality the saved object belongs to, for the change log (``None``: shared or global)."""
        return getattr(self.object, "municipality", None)

    def form_valid(self, form):
        if not form.instance.pk and hasattr(form.instance, "created_by_id"):
            form.instance.created_by = self.request.user
        response = super().form_valid(form)
        log_change(
            user=self.request.user,
            action=self.log_action,
            obj=self.object,
            origin=f"web:{self.request.path}",
            message=self.log_message(),
            municipality=self.log_municipality(),
        )
        return response
