"""The datasets list's filters: one FilterSet for the page and the API (same names, same validation)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from atalaya.hooks import READERS, format_label

from .choices import DatasetStatus
from .models import ColumnMapping, Dataset


def _formats() -> list[tuple[str, str]]:
    return [(name, format_label(name)) for name in READERS]


class DatasetFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(
        field_name="municipalities__code", label=_("Municipio (código oficial)"), distinct=True
    )
    source = django_filters.CharFilter(label=_("Fuente"))
    format = django_filters.ChoiceFilter(choices=_formats, label=_("Formato"))
    status = django_filters.ChoiceFilter(choices=DatasetStatus.choices, label=_("Estado"))
    file = django_filters.CharFilter(field_name="file_name", lookup_expr="icontains", label=_("Archivo"))

    class Meta:
        model = Dataset
        fields: list[str] = []


class MappingFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Nombre"))
    source = django_filters.CharFilter(field_name="definition__source", label=_("Fuente"))

    class Meta:
        model = ColumnMapping
        fields: list[str] = []
