"""Read-only API of the data core. Every queryset is scoped to the municipalities the user may see."""

from __future__ import annotations

from atalaya.core.api import ObjectListAPIView
from atalaya.datasets.filters import DatasetFilter
from atalaya.datasets.models import Dataset
from atalaya.geo.models import Municipality

from .serializers import DatasetSerializer, MunicipalitySerializer


class MunicipalityList(ObjectListAPIView):
    model = Municipality
    serializer_class = MunicipalitySerializer

    def scope_queryset(self, queryset):
        return queryset.select_related("country").order_by("code")


class DatasetList(ObjectListAPIView):
    """The datasets the user may see, filtered by :class:`~atalaya.datasets.filters.DatasetFilter` (as the
    datasets page)."""

    model = Dataset
    serializer_class = DatasetSerializer
    filterset_class = DatasetFilter

    def scope_queryset(self, queryset):
        return queryset.select_related("catalogue").prefetch_related("municipalities").order_by("-created_at")
