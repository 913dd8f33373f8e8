"""What every API view shares: query parameters that are checked, never ignored (an unknown one answers 400 with
the list of valid ones, in Spanish), bounded pages (:mod:`.pagination`), scope and audit.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from . import audit
from .scoping import ScopedAPIMixin

#: Parameters every API view understands (pagination and DRF's format suffix).
COMMON_PARAMS = frozenset({"limit", "offset", "format"})


class CheckedQueryParams:
    """API view mixin: ``query_params`` names what the view reads; anything else is refused with the list."""

    query_params: frozenset[str] = frozenset()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        allowed = self.query_params | COMMON_PARAMS
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise ValidationError(
                {
                    "detail": _("Parámetro desconocido: %(unknown)s. Parámetros válidos: %(allowed)s.")
                    % {"unknown": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
                }
            )


class ObjectListAPIView(CheckedQueryParams, ScopedAPIMixin, generics.ListAPIView):
    """An API list configured by attributes, the twin of :class:`~atalaya.core.generic.ObjectListView`:
    ``model``, ``serializer_class``, ``filterset_class`` (the page's FilterSet, whose names are the only query
    parameters accepted), ``scope_queryset`` for ordering and joins. Rows of personal or sensitive models are
    written to the access log."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.filterset_class is not None:
            cls.query_params = cls.query_params | frozenset(cls.filterset_class.base_filters)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        shown = page if page is not None else queryset
        audit.record_search(self.request.user, self.model, shown, self.request.query_params.urlencode())
        return page


class ObjectDetailAPIView(ScopedAPIMixin, generics.RetrieveAPIView):
    """One object over the API (404 outside the user's municipalities); reading a personal or sensitive one is
    written to the access log."""

    def get_object(self):
        obj = super().get_object()
        audit.record_read(self.request.user, obj)
        return obj
