"""The programmes' rules, used alike by pages, the command line, jobs and the demo: the approval workflow, the
logical framework, measurements (entered and approved, or computed from the observatory and the surveys), progress
against targets with its light, and the budget. Every change goes to the change log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.core.changelog import log_change
from atalaya.indicators.services import StoredValuesReader

from .access import may_approve, may_edit
from .choices import Direction, IndicatorSource, Light, MeasurementStatus, ProgrammeStatus, Unit
from .models import BudgetLine, Evidence, Measurement, Programme, ResultIndicator, StatusChange

#: Allowed steps of the workflow: ``(from, to) → who may take it`` ("edit" or "approve").
TRANSITIONS = {
    (ProgrammeStatus.DRAFT, ProgrammeStatus.AWAITING_APPROVAL): "edit",
    (ProgrammeStatus.AWAITING_APPROVAL, ProgrammeStatus.DRAFT): "approve",  # returned with comments
    (ProgrammeStatus.AWAITING_APPROVAL, ProgrammeStatus.TRACKING): "approve",
    (ProgrammeStatus.TRACKING, ProgrammeStatus.AWAITING_VERIFICATION): "edit",
    (ProgrammeStatus.AWAITING_VERIFICATION, ProgrammeStatus.TRACKING): "approve",
    (ProgrammeStatus.AWAITING_VERIFICATION, ProgrammeStatus.CLOSED): "approve",
}

#: Progress (share of the planned change achieved) at or above which an indicator is green, and amber.
GREEN_FROM, AMBER_FROM = 0.85, 0.60


def change_status(programme: Programme, to: str, user, comment: str = "") -> StatusChange:
    """Take one step of the workflow; returning a programme or a verification needs a comment."""
    step = TRANSITIONS.get((programme.status, to))
    if step is None:
        raise ValidationError(
            _("No se puede pasar de «%(a)s» a «%(b)s».")
            % {"a": programme.get_status_display(), "b": ProgrammeStatus(to).label}
        )
    allowed = may_approve if step == "approve" else may_edit
    if not allowed(user, programme.municipality):
        raise PermissionDenied
    backwards = (programme.status, to) in {
        (ProgrammeStatus.AWAITING_APPROVAL, ProgrammeStatus.DRAFT),
        (ProgrammeStatus.AWAITING_VERIFICATION, ProgrammeStatus.TRACKING),
    }
    if backwards and not comment.strip():
        raise ValidationError(_("Para devolver el programa escriba qué falta."))
    if (
        to == ProgrammeStatus.AWAITING_APPROVAL
        and not ResultIndicator.objects.filter(level__programme=programme).exists()
    ):
        raise ValidationError(_("Antes de enviarlo a aprobación, el marco lógico necesita al menos un indicador."))
    with transaction.atomic():
        change = StatusChange.objects.create(
            programme=programme, from_status=programme.status, to_status=to, comment=comment.strip(), user=user
        )
        programme.status = to
        programme.save(update_fields=["status", "updated_at"])
        log_change(
            user=user,
            action="estado",
            obj=programme,
            municipality=programme.municipality,
            message=f"{change.from_status} → {to}" + (f": {comment.strip()}" if comment.strip() else ""),
        )
    return change


def record_measurement(
    indicator: ResultIndicator,
    user,
    *,
    period_start: dt.date,
    period_end: dt.date,
    value: float,
    comment: str = "",
    evidence_url: str = "",
    disaggregation: dict | None = None,
    submit: bool = True,
    evidence=None,
) -> Measurement:
    """An entered value, sent for approval (or kept as a draft); ``evidence`` is an uploaded file (a PDF or a
    photo), checked and kept as an :class:`Evidence`."""
    municipality = indicator.level.programme.municipality
    if not may_edit(user, municipality):
        raise PermissionDenied
    if period_end < period_start:
        raise ValidationError(_("El periodo termina antes de empezar."))
    if indicator.unit == Unit.PERCENT and not 0 <= value <= 100:
        raise ValidationError(_("Un porcentaje va de 0 a 100."))
    clean = None
    if evidence is not None:
        from atalaya.proximity.attachments import clean_upload

        clean = clean_upload(evidence, allow_pdf=True)  # refuses what is not a PDF or an image, in Spanish
    if not comment.strip() and not evidence_url and clean is None:
        raise ValidationError(_("Indique la evidencia: un enlace o un comentario que diga de dónde sale el dato."))
    measurement = Measurement.objects.create(
        indicator=indicator,
        period_start=period_start,
        period_end=period_end,
        value=value,
        comment=comment.strip(),
        evidence_url=evidence_url,
        disaggregation=disaggregation or {},
        status=MeasurementStatus.SUBMITTED if submit else MeasurementStatus.DRAFT,
        created_by=user,
    )
    if clean is not None:
        from atalaya.proximity.attachments import keep

        keep(Evidence, clean, user=user, measurement=measurement)
    log_change(
        user=user,
        action="medicion",
        obj=measurement,
        municipality=municipality,
        message=f"{indicator.code} {period_start}–{period_end}: {value}",
    )
    return measurement


def review_measurement(measurement: Measurement, user, *, approve: bool, comment: str = "") -> Measurement:
    """Approve or reject a submitted value; nobody approves their own, and a rejection says why."""
    municipality = measurement.indicator.level.programme.municipality
    if not may_approve(user, municipality):
        raise PermissionDenied
    if measurement.status != MeasurementStatus.SUBMITTED:
        raise ValidationError(_("Solo se revisan mediciones enviadas a aprobación."))
    if measurement.created_by_id == getattr(user, "pk", None):
        raise ValidationError(_("Una medición la aprueba otra persona que quien la ingresó."))
    if not approve and not comment.strip():
        raise ValidationError(_("Para rechazar una medición escriba el motivo."))
    measurement.status = MeasurementStatus.APPROVED if approve else MeasurementStatus.REJECTED
    measurement.approved_by = user
    measurement.approved_at = timezone.now()
    measurement.review_comment = comment.strip()
    measurement.save(update_fields=["status", "approved_by", "approved_at", "review_comment"])
    log_change(
        user=user,
        action="aprobar" if approve else "rechazar",
        obj=measurement,
        municipality=municipality,
        message=f"{measurement.indicator.code} {measurement.period_end}: {measurement.value}",
    )
    return measurement


# --- computed measurements ------------------------------------------------------------------------------------------


def _periods(indicator: ResultIndicator) -> list[tuple[dt.date, dt.date]]:
    """The periods to compute: each target's, and each quarter from the baseline (or the programme's start)."""
    periods = {(t.period_start, t.period_end) for t in indicator.targets.all()}
    return sorted(periods)


def observatory_value(indicator: ResultIndicator, start: dt.date, end: dt.date) -> float | None:
    """The linked observatory indicator over the programme's territories (the municipality when it lists none),
    as a count or, for a rate, per 100 000 inhabitants a year. ``None`` when the cube does not cover the period."""
    programme = indicator.level.programme
    reader = StoredValuesReader(programme.municipality, indicator.observatory_source)
    territories = list(programme.territories.all())
    levels = {t.level for t in territories}
    if len(levels) > 1:
        raise ValidationError(_("Los territorios del programa deben ser de un mismo nivel para calcular indicadores."))
    level = levels.pop() if levels else None
    monthly = reader.monthly(indicator.observatory_indicator, level)
    if level:
        monthly = monthly.filter(pl.col("territory_code").is_in([t.code for t in territories]))
    window = monthly.filter((pl.col("period_start") >= start) & (pl.col("period_start") <= end))
    months = window.get_column("period_start").n_unique()
    expected = (end.year - start.year) * 12 + end.month - start.month + 1
    if months < expected:
        return None
    count = float(window.get_column("count").sum())
    if indicator.unit != Unit.RATE:
        return count
    years = sorted({start.year, end.year})
    population = reader.populations(years, level)
    if level:
        population = population.filter(pl.col("territory_code").is_in([t.code for t in territories]))
    total = population.group_by("year").agg(pl.col("population").sum()).get_column("population").mean()
    if not total:
        return None
    return count / total * 100_000 * 12 / months


def survey_value(indicator: ResultIndicator, start: dt.date, end: dt.date) -> float | None:
    """The municipality's city estimate of the linked survey indicator in the period, as a percentage."""
    from atalaya.surveys.models import SurveyEstimate
    from atalaya.surveys.services import period_label

    programme = indicator.level.programme
    for est in SurveyEstimate.objects.filter(
        municipality=programme.municipality, indicator=indicator.survey_indicator, domain="ciudad"
    ).select_related("dataset"):
        if est.city != est.dataset.city_code or est.estimate is None:
            continue
        label = period_label(est.dataset.kind, est.period)  # 2023-T2 or a year
        year = int(label[:4]) if label[:4].isdigit() else None
        quarter = int(label[-1]) if "-T" in label else None
        if year is None:
            continue
        survey_day = dt.date(year, quarter * 3, 15) if quarter else dt.date(year, 6, 30)
        if start <= survey_day <= end:
            return round(100 * est.estimate, 2)
    return None


def compute_measurements(indicator: ResultIndicator) -> int:
    """(Re)compute the linked indicator's value for each target period; computed values need no approval (their
    source is the observatory's own data) and replace the previous computation."""
    if indicator.source == IndicatorSource.ENTERED:
        return 0
    made = 0
    with transaction.atomic():
        indicator.measurements.filter(computed=True).delete()
        for start, end in _periods(indicator):
            if indicator.source == IndicatorSource.OBSERVATORY:
                value = observatory_value(indicator, start, end)
            else:
                value = survey_value(indicator, start, end)
            if value is None:
                continue
            Measurement.objects.create(
                indicator=indicator,
                period_start=start,
                period_end=end,
                value=round(value, 2),
                status=MeasurementStatus.APPROVED,
                computed=True,
                comment=_("Calculado por el observatorio."),
                approved_at=timezone.now(),
            )
            made += 1
    return made


# --- progress --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    indicator: ResultIndicator
    light: str
    actual: float | None
    target: float | None
    period_end: dt.date | None
    share: float | None  # of the planned change achieved (1 = on target)

    @property
    def percent(self) -> float | None:
        return None if self.share is None else round(100 * self.share)


def _light(share: float | None) -> str:
    if share is None:
        return Light.NONE
    if share >= GREEN_FROM:
        return Light.GREEN
    return Light.AMBER if share >= AMBER_FROM else Light.RED


def progress(indicator: ResultIndicator, targets=None, measurements=None) -> Progress:
    """Where the indicator stands: its latest approved overall value against the target of that period.

    Share achieved = (value − baseline) / (target − baseline), the other way round when lower is better; without a
    baseline, value / target (or target / value). Green from 85 %, amber from 60 %, red below (documented in the
    guide); no approved value or no target for its period: no light.
    """
    targets = list(indicator.targets.all() if targets is None else targets)
    approved = [
        m
        for m in (indicator.measurements.all() if measurements is None else measurements)
        if m.status == MeasurementStatus.APPROVED and not m.disaggregation
    ]
    if not approved:
        upcoming = sorted(targets, key=lambda t: t.period_end)
        nearest = next((t for t in upcoming if t.period_end >= dt.date.today()), upcoming[-1] if upcoming else None)
        return Progress(indicator, Light.NONE, None, nearest.value if nearest else None, None, None)
    latest = max(approved, key=lambda m: (m.period_end, m.pk))
    target = next((t for t in targets if t.period_end == latest.period_end), None)
    if target is None:
        return Progress(indicator, Light.NONE, latest.value, None, latest.period_end, None)
    base, value, goal = indicator.baseline_value, latest.value, target.value
    down = indicator.direction == Direction.DOWN
    if base is not None and goal != base:
        share = (value - base) / (goal - base)
    elif down:
        share = goal / value if value else 1.0
    else:
        share = value / goal if goal else None
    return Progress(indicator, _light(share), value, goal, latest.period_end, share)


def programme_light(lights: list[str]) -> str:
    """The programme's light: its worst indicator's, ignoring those without data."""
    known = [light for light in lights if light != Light.NONE]
    if not known:
        return Light.NONE
    for light in (Light.RED, Light.AMBER):
        if light in known:
            return light
    return Light.GREEN


def programme_progress(programme: Programme) -> dict:
    """Every indicator's progress on the logical framework, and the programme's light (one query per kind)."""
    indicators = list(
        ResultIndicator.objects.filter(level__programme=programme)
        .select_related("level", "observatory_indicator")
        .prefetch_related("targets", "measurements")
    )
    rows = [progress(i, i.targets.all(), i.measurements.all()) for i in indicators]
    return {"rows": rows, "light": programme_light([r.light for r in rows])}


def budget_summary(programme: Programme) -> dict:
    """Planned and executed by year, and the execution rate of the years with an executed figure."""
    by_year: dict[int, dict] = {}
    for line in BudgetLine.objects.filter(programme=programme):
        year = by_year.setdefault(line.year, {"year": line.year, "planned": 0.0, "actual": None})
        year["planned"] += float(line.planned)
        if line.actual is not None:
            year["actual"] = (year["actual"] or 0.0) + float(line.actual)
    years = sorted(by_year.values(), key=lambda y: y["year"])
    executed = [y for y in years if y["actual"] is not None]
    planned = sum(y["planned"] for y in executed)
    return {
        "years": years,
        "planned_total": sum(y["planned"] for y in years),
        "actual_total": sum(y["actual"] for y in executed),
        "execution": (sum(y["actual"] for y in executed) / planned) if planned else None,
    }


def costs_by_year(programme: Programme) -> dict[int, float]:
    """What the programme cost each year: executed where known, planned otherwise (the sheet says which)."""
    years = budget_summary(programme)["years"]
    return {y["year"]: (y["actual"] if y["actual"] is not None else y["planned"]) for y in years}
