"""Words: what an alert says, in Spanish, with its period and cases."""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _

from atalaya.core.numbers import decimal

from ..models import Alert


def period_label(day: dt.date, freq: str) -> str:
    if freq == "week":
        year, week, _weekday = day.isocalendar()
        return _("la semana %(week)s") % {"week": f"{year}-W{week:02d}"}
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _cases(value: float) -> str:
    """Whole cases from 1 up; one decimal below (in the user's number format); «< 0,1» for almost none.

    >>> from django.utils import translation
    >>> with translation.override("es"):
    ...     _cases(12.6), _cases(0.082), _cases(0.01)
    ('13', '0,1', '< 0,1')
    """
    if value >= 1:
        return decimal(value, 0)
    if value < 0.05:
        return "< " + decimal(0.1, 1)
    return decimal(value, 1)


def explain(alert: Alert) -> str:
    """The plain-language sentence of an alert, e.g. «Robos con violencia en Sector 4: 11 en la semana 2026-W14,
    se esperaban 3 (umbral 7).»"""
    values = {
        "family": alert.family.name,
        "place": alert.place,
        "count": alert.count,
        "period": period_label(alert.peak_period, alert.freq),
        "expected": _cases(alert.expected),
        "upper": _cases(alert.upperbound) if alert.upperbound is not None else "—",
    }
    text = _("%(family)s en %(place)s: %(count)s en %(period)s, se esperaban %(expected)s (umbral %(upper)s).") % values
    if alert.last_period > alert.first_period:
        text += " " + _("Alarmas seguidas desde %(first)s.") % {"first": period_label(alert.first_period, alert.freq)}
    return text
