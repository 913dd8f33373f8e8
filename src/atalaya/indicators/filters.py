"""The indicator catalogue's filters (page and API alike)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Indicator


class IndicatorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Código o nombre"))
    builtin = django_filters.BooleanFilter(field_name="is_builtin", label=_("Incorporado"))

    class Meta:
        model = Indicator
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)) if value else queryset
