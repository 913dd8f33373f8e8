"""Programmes as IATI activities (standard 2.03): each programme's identification, status, dates, budget by year
and its results framework — every logframe level with indicators becomes an IATI ``result`` (fin → impact,
propósito → outcome, componente and actividad → output), each indicator with its baseline and, per target period,
the target and the approved actual value. Valid against the IATI activity schema (tested).

The reporting organisation's identifier is ``{country}-MUN-{official code}``: municipalities have no registered
IATI organisation prefix; one that has its own sets ``ATALAYA_IATI_ORG_PREFIX``.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from django.conf import settings
from django.utils import timezone

from .choices import Direction, LevelKind, MeasurementStatus, ProgrammeStatus, Unit
from .models import BudgetLine, Programme, ResultIndicator

VERSION = "2.03"
RESULT_TYPE = {LevelKind.ACTIVITY: "1", LevelKind.OUTPUT: "1", LevelKind.OUTCOME: "2", LevelKind.GOAL: "3"}
ACTIVITY_STATUS = {
    ProgrammeStatus.DRAFT: "1",
    ProgrammeStatus.AWAITING_APPROVAL: "1",
    ProgrammeStatus.TRACKING: "2",
    ProgrammeStatus.AWAITING_VERIFICATION: "3",
    ProgrammeStatus.CLOSED: "4",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def organisation_ref(programme: Programme) -> str:
    prefix = settings.ATALAYA_IATI_ORG_PREFIX or f"{programme.municipality.country.code}-MUN"
    return f"{prefix}-{programme.municipality.code}"


def _narrative(parent: ET.Element, tag: str, text: str, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    ET.SubElement(element, "narrative").text = text or "—"
    return element


def _number(value: float) -> str:
    return f"{value:.10g}"


def _activity(root: ET.Element, programme: Programme, now: str) -> None:
    activity = ET.SubElement(
        root,
        "iati-activity",
        {"last-updated-datetime": now, XML_LANG: "es", "default-currency": programme.currency},
    )
    ET.SubElement(activity, "iati-identifier").text = f"{organisation_ref(programme)}-{programme.code}"
    _narrative(
        activity,
        "reporting-org",
        f"Municipio de {programme.municipality.name}",
        ref=organisation_ref(programme),
        type="10",
    )
    _narrative(activity, "title", programme.name)
    _narrative(activity, "description", programme.description or programme.problem or programme.name, type="1")
    if programme.target_groups:
        _narrative(activity, "description", programme.target_groups, type="3")
    _narrative(
        activity,
        "participating-org",
        f"Municipio de {programme.municipality.name}",
        ref=organisation_ref(programme),
        role="4",
        type="10",
    )
    ET.SubElement(activity, "activity-status", {"code": ACTIVITY_STATUS[ProgrammeStatus(programme.status)]})
    started = programme.status in (
        ProgrammeStatus.TRACKING,
        ProgrammeStatus.AWAITING_VERIFICATION,
        ProgrammeStatus.CLOSED,
    )
    ET.SubElement(activity, "activity-date", {"iso-date": programme.start.isoformat(), "type": "2" if started else "1"})
    if programme.end:
        closed = programme.status == ProgrammeStatus.CLOSED
        ET.SubElement(
            activity, "activity-date", {"iso-date": programme.end.isoformat(), "type": "4" if closed else "3"}
        )
    ET.SubElement(activity, "recipient-country", {"code": programme.municipality.country.code})
    _budgets(activity, programme)
    _results(activity, programme)


def _budgets(activity: ET.Element, programme: Programme) -> None:
    by_year: dict[int, float] = {}
    for line in BudgetLine.objects.filter(programme=programme):
        by_year[line.year] = by_year.get(line.year, 0.0) + float(line.planned)
    for year, amount in sorted(by_year.items()):
        budget = ET.SubElement(activity, "budget", {"type": "1", "status": "2"})
        ET.SubElement(budget, "period-start", {"iso-date": dt.date(year, 1, 1).isoformat()})
        ET.SubElement(budget, "period-end", {"iso-date": dt.date(year, 12, 31).isoformat()})
        value = ET.SubElement(
            budget, "value", {"currency": programme.currency, "value-date": dt.date(year, 1, 1).isoformat()}
        )
        value.text = f"{amount:.2f}"


def _results(activity: ET.Element, programme: Programme) -> None:
    indicators = (
        ResultIndicator.objects.filter(level__programme=programme)
        .select_related("level")
        .prefetch_related("targets", "measurements")
        .order_by("level__order", "level_id", "code")
    )
    by_level: dict[int, list[ResultIndicator]] = {}
    levels = {}
    for indicator in indicators:
        by_level.setdefault(indicator.level_id, []).append(indicator)
        levels[indicator.level_id] = indicator.level
    for level_id, items in by_level.items():
        level = levels[level_id]
        result = ET.SubElement(
            activity, "result", {"type": RESULT_TYPE[LevelKind(level.kind)], "aggregation-status": "0"}
        )
        _narrative(result, "title", level.narrative[:500])
        if level.assumptions:
            _narrative(result, "description", level.assumptions)
        for indicator in items:
            _indicator(result, indicator)


def _indicator(result: ET.Element, indicator: ResultIndicator) -> None:
    measure = "2" if indicator.unit == Unit.PERCENT else "1"
    element = ET.SubElement(
        result, "indicator", {"measure": measure, "ascending": "1" if indicator.direction == Direction.UP else "0"}
    )
    _narrative(element, "title", indicator.name)
    if indicator.definition:
        _narrative(element, "description", indicator.definition)
    if indicator.baseline_value is not None and indicator.baseline_date:
        ET.SubElement(
            element,
            "baseline",
            {
                "year": str(indicator.baseline_date.year),
                "iso-date": indicator.baseline_date.isoformat(),
                "value": _number(indicator.baseline_value),
            },
        )
    actuals = {
        (m.period_start, m.period_end): m.value
        for m in indicator.measurements.all()
        if m.status == MeasurementStatus.APPROVED and not m.disaggregation
    }
    for target in indicator.targets.all():
        period = ET.SubElement(element, "period")
        ET.SubElement(period, "period-start", {"iso-date": target.period_start.isoformat()})
        ET.SubElement(period, "period-end", {"iso-date": target.period_end.isoformat()})
        ET.SubElement(period, "target", {"value": _number(target.value)})
        actual = actuals.get((target.period_start, target.period_end))
        if actual is not None:
            ET.SubElement(period, "actual", {"value": _number(actual)})


def iati_xml(programmes) -> bytes:
    """An ``iati-activities`` document with one activity per programme."""
    now = timezone.now().replace(microsecond=0).isoformat()
    root = ET.Element("iati-activities", {"version": VERSION, "generated-datetime": now})
    for programme in programmes:
        _activity(root, programme, now)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
