"""The cube's counts over the API: the same table as ``atalaya export counts``, scoped to the user."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from atalaya.core.api import CheckedQueryParams
from atalaya.core.pagination import paginated
from atalaya.cube.exporting import ExportError, export_counts
from atalaya.geo.models import Municipality

from .serializers import CountRowSerializer


class CountList(CheckedQueryParams, APIView):
    """Counts from the analytics cube, the same table as ``atalaya export counts``, in pages (``limit``, at most
    1,000 rows, and ``offset``); the whole table, as CSV, is ``atalaya export counts``."""

    query_params = frozenset({"municipality", "by", "level", "territories", "source"})

    @extend_schema(
        parameters=[
            OpenApiParameter("municipality", OpenApiTypes.STR, description="código oficial del municipio"),
            OpenApiParameter("by", OpenApiTypes.STR, enum=["day", "week", "month"]),
            OpenApiParameter("level", OpenApiTypes.STR, enum=["source", "iccs", "family"]),
            OpenApiParameter("territories", OpenApiTypes.STR, description="«hoja» o un nivel territorial"),
            OpenApiParameter("source", OpenApiTypes.STR),
            OpenApiParameter("limit", OpenApiTypes.INT, description="filas por página (1–1000, 500 por omisión)"),
            OpenApiParameter("offset", OpenApiTypes.INT),
        ],
        responses=CountRowSerializer(many=True),
    )
    def get(self, request):
        params = request.query_params
        try:
            frame = export_counts(
                municipality_code=params.get("municipality"),
                municipalities=Municipality.objects.visible_to(request.user),
                by=params.get("by", "month"),
                level=params.get("level", "source"),
                territories=params.get("territories"),
                source=params.get("source"),
            )
        except ExportError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return paginated(self, CountRowSerializer(frame.to_dicts(), many=True).data)
