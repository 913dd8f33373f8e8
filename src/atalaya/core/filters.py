"""Filters of the access and change logs (the pages that supervisors and administrators read)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import AccessAction, AccessLogEntry, ChangeLogEntry


class LogFilter(django_filters.FilterSet):
    """What both logs are searched by: who, what object, which request or job, and when."""

    username = django_filters.CharFilter(label=_("Usuario"))
    object_type = django_filters.CharFilter(lookup_expr="icontains", label=_("Tipo de objeto"))
    object_id = django_filters.CharFilter(label=_("Objeto"))
    request_id = django_filters.CharFilter(label=_("Petición o trabajo"))
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("Desde"))
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("Hasta"))


class AccessLogFilter(LogFilter):
    action = django_filters.ChoiceFilter(choices=AccessAction.choices, label=_("Acción"))

    class Meta:
        model = AccessLogEntry
        fields: list[str] = []


class ChangeLogFilter(LogFilter):
    action = django_filters.CharFilter(label=_("Acción"))

    class Meta:
        model = ChangeLogEntry
        fields: list[str] = []
