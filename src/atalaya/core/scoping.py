"""Scope by municipality, decided in one place and applied by one mechanism.

Who sees which municipality is ``Municipality.objects.visible_to(user)`` (superusers all, others their
memberships). Every scoped model's manager is a :class:`ScopedQuerySet` (``Model.objects.visible_to(user)``),
views and API views take their objects from :class:`ScopedViewMixin` / :class:`ScopedAPIMixin`, and the admin from
``admin_mixins.ScopedAdminMixin``: an object of another municipality answers 404, never 403, so that its existence
is not revealed. The municipality model comes from ``ATALAYA_MUNICIPALITY_MODEL`` (as Django's user model), so
``core`` does not import the apps it serves.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models


def get_municipality_model() -> type[models.Model]:
    return apps.get_model(getattr(settings, "ATALAYA_MUNICIPALITY_MODEL", "geo.Municipality"))


def visible_municipalities(user) -> models.QuerySet:
    """The municipalities ``user`` may see (none for anonymous users)."""
    return get_municipality_model().objects.visible_to(user)


class ScopedQuerySet(models.QuerySet):
    """Querysets of records that belong to a municipality (``municipality_field``), filtered to what a user
    may see."""

    municipality_field = "municipality"

    @classmethod
    def through(cls, field: str) -> models.Manager:
        """A manager for records that belong to a municipality through another record (``case__municipality``)."""
        queryset = type(f"{cls.__name__}Through", (cls,), {"municipality_field": field, "__module__": cls.__module__})
        return queryset.as_manager()

    def visible_to(self, user):
        if user is not None and getattr(user, "is_superuser", False):
            return self
        return self.filter(**{f"{self.municipality_field}__in": visible_municipalities(user)}).distinct()


class ScopedViewMixin:
    """For Django's generic views: the queryset is the model's records the user may see (404 outside them).

    A view sets ``model`` (its manager must be a :class:`ScopedQuerySet`) and may refine the queryset in
    ``scope_queryset`` (``select_related``, ordering)."""

    model: type[models.Model]

    def scope_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        return self.scope_queryset(self.model.objects.visible_to(self.request.user))


class ScopedAPIMixin(ScopedViewMixin):
    """The same for Django REST framework views (``queryset`` is ignored: scope comes from the user)."""
