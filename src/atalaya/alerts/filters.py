"""The inbox filters: one FilterSet for the web page and the API (same names, same rules, same validation)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Alert, Freq, Severity, Status

OPEN = "abiertas"
ALL = "todas"


class AlertFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(field_name="municipality__code", label=_("Municipio (código oficial)"))
    status = django_filters.ChoiceFilter(
        choices=[(OPEN, _("abiertas")), (ALL, _("todas")), *Status.choices],
        method="filter_status",
        label=_("Estado"),
        empty_label=None,
    )
    min_severity = django_filters.TypedChoiceFilter(
        choices=Severity.choices, coerce=int, field_name="severity", lookup_expr="gte", label=_("Severidad mínima")
    )
    family = django_filters.CharFilter(field_name="family__code", label=_("Familia (código)"))
    freq = django_filters.ChoiceFilter(choices=Freq.choices, label=_("Series"))
    q = django_filters.CharFilter(method="filter_territory", label=_("Territorio (nombre o código)"))

    class Meta:
        model = Alert
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.exclude(status=Status.CLOSED)
        if value == ALL:
            return queryset
        return queryset.filter(status=value)

    def filter_territory(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(territory__name__icontains=value) | Q(territory__code__iexact=value))
