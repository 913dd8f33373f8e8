"""The case list's filters (page and, later, API alike). No filter reads an identity: names are encrypted and a
person is found by national id through the blind index only (the ``rut_curp`` filter)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from atalaya.analysis.identifiers import InvalidIdentifier

from .choices import Module, RiskLevel, Stage
from .models import Case, Person
from .services import national_id_index

OPEN, CLOSED = "abiertos", "cerrados"


class CaseFilter(django_filters.FilterSet):
    module = django_filters.ChoiceFilter(choices=Module.choices, label=_("Módulo"))
    risk = django_filters.ChoiceFilter(field_name="risk_level", choices=RiskLevel.choices, label=_("Riesgo"))
    state = django_filters.ChoiceFilter(
        choices=[(OPEN, _("abiertos")), (CLOSED, _("cerrados"))], method="filter_state", label=_("Estado")
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("Etapa"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Solo mis casos"))
    code = django_filters.CharFilter(field_name="person__code", lookup_expr="iexact", label=_("Código de persona"))
    rut_curp = django_filters.CharFilter(method="filter_national_id", label=_("RUT o CURP"))

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_state(self, queryset, name, value):
        return queryset.filter(closed_at__isnull=value == OPEN)

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value and self.request else queryset

    def filter_national_id(self, queryset, name, value):
        """Exact match through the blind index, for each country the listed cases belong to."""
        indexes = set()
        for country in ("CL", "MX"):
            try:
                indexes.add(national_id_index(value, country))
            except InvalidIdentifier:
                continue
        if not indexes:
            return queryset.none()
        # The cases of those persons first (a handful, through the persons' index), then the list by primary key:
        # filtering through the join lets the database walk every case of the list in order to find them.
        persons = Person.objects.filter(national_id_index__in=indexes).values("pk")
        return queryset.filter(pk__in=list(Case.objects.filter(person__in=persons).values_list("pk", flat=True)[:50]))
