"""Read-only API of the data core. Every queryset is scoped to the municipalities the user may see."""

from __future__ import annotations

from rest_framework import generics

from atalaya.core.api import CheckedQueryParams
from atalaya.datasets.models import Dataset
from atalaya.geo.models import Municipality

from .serializers import DatasetSerializer, MunicipalitySerializer


class MunicipalityList(CheckedQueryParams, generics.ListAPIView):
    serializer_class = MunicipalitySerializer

    def get_queryset(self):
        return Municipality.objects.visible_to(self.request.user).select_related("country").order_by("code")


class DatasetList(CheckedQueryParams, generics.ListAPIView):
    serializer_class = DatasetSerializer

    def get_queryset(self):
        return (
            Dataset.objects.visible_to(self.request.user)
            .select_related("catalogue")
            .prefetch_related("municipalities")
            .order_by("-created_at")
        )
