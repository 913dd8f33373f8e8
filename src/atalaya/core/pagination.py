"""Bounded API pages: a ``limit`` that is not a small positive integer or an ``offset`` out of range answers 400
with a Spanish message (a huge ``limit`` used to reach the database and answer 500).

Its own module because DRF imports the pagination class from the settings while API views are being defined.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_PAGE = 1000
MAX_OFFSET = 10_000_000


def _bounded_integer(request, name: str, low: int, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not low <= int(raw[:12]) <= high or len(raw) > 12:
        raise ValidationError(
            {
                name: _("«%(name)s» debe ser un entero entre %(low)s y %(high)s.")
                % {"name": name, "low": low, "high": high}
            }
        )
    return int(raw)


class BoundedPagination(LimitOffsetPagination):
    """Pages of at most :data:`MAX_PAGE` rows; a bad ``limit`` or ``offset`` is a 400, not a silent default."""

    default_limit = 500
    max_limit = MAX_PAGE

    def get_limit(self, request):
        limit = _bounded_integer(request, self.limit_query_param, 1, self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request):
        return _bounded_integer(request, self.offset_query_param, 0, MAX_OFFSET) or 0


def paginated(view, rows: list) -> object:
    """A paginated response of an in-memory list (the cube's rows), with the same page rules as querysets."""
    paginator = BoundedPagination()
    page = paginator.paginate_queryset(rows, view.request, view=view)
    return paginator.get_paginated_response(page)
