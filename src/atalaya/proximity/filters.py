"""The problem list's filters: one FilterSet for the staff page (and the API when it comes)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .choices import Source, Status
from .models import Problem

OPEN = "abiertos"


class ProblemFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(field_name="municipality__code", label=_("Municipio (código oficial)"))
    status = django_filters.ChoiceFilter(
        choices=[(OPEN, _("abiertos")), *Status.choices], method="filter_status", label=_("Estado")
    )
    category = django_filters.CharFilter(field_name="category__code", label=_("Categoría (código)"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Origen"))
    territory = django_filters.CharFilter(field_name="territory__code", label=_("Territorio (código)"))
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Título contiene"))

    class Meta:
        model = Problem
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.exclude(status=Status.CLOSED)
        return queryset.filter(status=value)
