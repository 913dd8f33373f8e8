"""Role gates for views (the change log of saved forms is in :mod:`atalaya.core.generic`)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

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
