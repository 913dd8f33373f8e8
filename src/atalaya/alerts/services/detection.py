"""From alarms to alerts: run the detectors on every series, store episodes, undo an import's alerts."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
from django.db import transaction

from atalaya.analysis.alerts import detect
from atalaya.analysis.alerts.series import PERIODS_PER_YEAR
from atalaya.analysis.parsing import month_end
from atalaya.cube.reading import last_day
from atalaya.geo.models import Municipality
from atalaya.taxonomy.models import Family

from ..models import Alert, AlertEvent, AlertSettings, QuietPeriod, Severity, Status
from .notifications import notify_new_alerts
from .series import POINTS_KEPT, CountSeries, count_series, point_source

log = logging.getLogger(__name__)


def settings_for(municipality: Municipality) -> AlertSettings:
    return AlertSettings.objects.get_or_create(municipality=municipality)[0]


HIGH_MIN_EXCESS = 10  # cases above the expected value that a high-severity peak must have


def severity(count: float, expected: float, upperbound: float | None, length: int) -> int:
    """Alta, media or baja from how far the peak passes the threshold and how long the episode lasts.

    r = (count − expected)/(threshold − expected) is 1 at the threshold; r ≥ 2.5 or 3+ periods in a row is high,
    r ≥ 1.5 or 2 periods is medium. Without a usable threshold (semáforo: threshold = expected) the ratio
    count/expected is used instead (≥ 2 high, ≥ 1.5 medium). A peak only a few cases above what was expected is
    at most medium, however large r is: in a nearly empty series 5 cases against 0.1 expected is unusual, but it
    is not where a director should look first.
    """
    if upperbound is not None and upperbound - expected > 1e-9:
        r = (count - expected) / (upperbound - expected)
        high, medium = r >= 2.5, r >= 1.5
    else:
        ratio = count / expected if expected > 0 else np.inf
        high, medium = ratio >= 2, ratio >= 1.5
    high = high and count - expected >= HIGH_MIN_EXCESS
    if high or length >= 3:
        return Severity.HIGH
    if medium or length == 2:
        return Severity.MEDIUM
    return Severity.LOW


def _quiet(municipality: Municipality, dates: list[dt.date], freq: str) -> np.ndarray:
    quiet = np.zeros(len(dates), dtype=bool)
    for start, end in QuietPeriod.objects.filter(municipality=municipality).values_list("start", "end"):
        for j, d in enumerate(dates):
            last = d + dt.timedelta(days=6) if freq == "week" else month_end(d)
            quiet[j] |= d <= end and last >= start
    return quiet


def _optional(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 3)


def run_detection(
    municipality: Municipality, *, lookback: dict[str, int] | None = None, notify: bool = True, dataset=None
) -> dict[str, int]:
    """Detect on every series, merge alarms into episodes and store them. Returns counts of what changed.

    ``lookback`` ({"week": n, "month": m}) overrides how many recent periods are examined (the settings say 8
    weeks and 3 months); a longer look back is used once, e.g. for the demo, to review the past.
    """
    config = settings_for(municipality)
    summary = {"series": 0, "alarms": 0, "created": 0, "extended": 0}
    source = point_source(municipality)
    if not config.enabled or source is None:
        return summary
    families = set(config.families.values_list("code", flat=True)) or None
    family_ids = dict(Family.objects.values_list("code", "pk"))
    params = dict(config.params or {})
    created: list[Alert] = []
    for freq, wanted in (("week", config.weekly), ("month", config.monthly)):
        if not wanted:
            continue
        series = count_series(municipality, source, freq, families)
        if not series.keys:
            continue
        n_time = len(series.dates)
        back = (lookback or {}).get(freq) or (config.lookback_weeks if freq == "week" else config.lookback_months)
        window = list(range(max(0, n_time - back), n_time))
        run_params = {**params, **history_years(config.method, params, n_time - back, freq)}
        try:
            result = detect(config.method, series.matrix, series.dates, freq, evaluate=window, **run_params)
        except ValueError as exc:  # a method that cannot run on this history (too short): nothing to alert
            log.info("alertas %s %s: %s", municipality.code, freq, exc)
            continue
        in_window = np.zeros(n_time, dtype=bool)
        in_window[window] = True
        alarm = (
            result.alarm & in_window & (series.matrix >= config.min_cases) & ~_quiet(municipality, series.dates, freq)
        )
        summary["series"] += len(series.keys)
        summary["alarms"] += int(alarm.sum())
        existing = {}
        for a in Alert.objects.filter(municipality=municipality, freq=freq, method=config.method, source=source):
            existing.setdefault((a.territory_id, a.family_id), []).append(a)
        alarmed = np.flatnonzero(alarm.any(axis=1))
        chart = _chart_history(config.method, series, alarmed, freq, run_params, window[0]) if alarmed.size else None
        for k, i in enumerate(alarmed):
            territory_id, family_code = series.keys[i]
            family_id = family_ids[family_code]
            for run in _runs(np.flatnonzero(alarm[i])):
                alert, is_new = _store_episode(
                    municipality,
                    territory_id,
                    family_id,
                    source,
                    freq,
                    config.method,
                    series,
                    result,
                    i,
                    run,
                    (chart, k),
                    existing.setdefault((territory_id, family_id), []),
                    dataset,
                )
                if alert is None:
                    continue
                summary["created" if is_new else "extended"] += 1
                if is_new:
                    created.append(alert)
    if notify and created:
        transaction.on_commit(lambda: notify_new_alerts(created))
    return summary


def history_years(method: str, params: dict, history: int, freq: str) -> dict:
    """Farrington looks ``b`` = 5 years back; a younger observatory uses the whole years it has (at least 2).

    ``history`` is the number of periods before the first one evaluated. An explicit ``b`` in the settings wins.
    """
    if not method.startswith("farrington") or "b" in params:
        return {}
    w = params.get("w", 3)
    per_year = 365.25 / 7 if freq == "week" else PERIODS_PER_YEAR[freq]  # dated weeks: 52 or 53 a year
    years = int((history - w - 1) // per_year)
    return {"b": int(min(5, max(2, years)))}


def _runs(indices: np.ndarray) -> list[list[int]]:
    runs: list[list[int]] = []
    for j in indices.tolist():
        if runs and j == runs[-1][-1] + 1:
            runs[-1].append(j)
        else:
            runs.append([j])
    return runs


def _chart_history(method: str, series: CountSeries, rows: np.ndarray, freq: str, params: dict, first: int):
    """Expected values and thresholds over the periods an alert's chart shows, for the alarmed series only.

    The run itself evaluates only the last few periods (Farrington is costly); the chart needs the band over
    ``POINTS_KEPT`` periods before each alarm, so those few series are evaluated once more from ``first`` (the
    first period examined) minus that many.
    """
    n_time = len(series.dates)
    try:
        return detect(
            method,
            series.matrix[rows],
            series.dates,
            freq,
            evaluate=list(range(max(0, first - POINTS_KEPT + 1), n_time)),
            **params,
        )
    except ValueError:
        return None


#: Fields of an alert that an extension changes, and a rollback of that import restores.
EXTENDED_FIELDS = ("count", "expected", "upperbound", "peak_period", "last_period", "points", "severity")


def _snapshot(alert: Alert) -> dict:
    return {f: (v.isoformat() if isinstance(v, dt.date) else v) for f in EXTENDED_FIELDS for v in [getattr(alert, f)]}


def _store_episode(
    municipality, territory_id, family_id, source, freq, method, series, result, i, run, chart, known, dataset=None
):
    """Create the alert of one run of alarms, or extend the open episode it continues. (alert, created?)"""
    dates, y = series.dates, series.matrix[i]
    history, row = chart
    if history is not None:
        band_expected, band_upper = history.expected[row], history.upperbound[row]
    else:
        band_expected, band_upper = result.expected[i], result.upperbound[i]
    first, last = dates[run[0]], dates[run[-1]]
    previous = dates[run[0] - 1] if run[0] > 0 else first
    peak = max(run, key=lambda j: y[j] - (result.upperbound[i, j] if np.isfinite(result.upperbound[i, j]) else 0))
    start = max(0, run[-1] - POINTS_KEPT + 1)
    points = [
        {
            "period": dates[j].isoformat(),
            "count": int(y[j]),
            "expected": _optional(band_expected[j]),
            "upperbound": _optional(band_upper[j]),
            "alarm": bool(result.alarm[i, j]),
        }
        for j in range(start, run[-1] + 1)
    ]
    values = dict(
        count=int(y[peak]),
        expected=float(np.nan_to_num(result.expected[i, peak])),
        upperbound=_optional(result.upperbound[i, peak]),
        peak_period=dates[peak],
    )
    for alert in known:
        if alert.first_period <= last and alert.last_period >= previous:
            if alert.status == Status.CLOSED or alert.last_period >= last:
                return None, False  # already known (re-run) or closed by someone: left as it is
            before = _snapshot(alert)
            length = len(run) + sum(1 for p in alert.points if p["alarm"] and p["period"] < first.isoformat())
            if values["count"] >= alert.count:
                for field, value in values.items():
                    setattr(alert, field, value)
            alert.last_period = last
            alert.points = points
            alert.severity = max(alert.severity, severity(alert.count, alert.expected, alert.upperbound, length))
            alert.save()
            AlertEvent.objects.create(
                alert=alert, kind=AlertEvent.Kind.EXTENDED, text=last.isoformat(), dataset=dataset, previous=before
            )
            return alert, False
    alert = Alert.objects.create(
        municipality=municipality,
        territory_id=territory_id,
        family_id=family_id,
        source=source,
        freq=freq,
        method=method,
        first_period=first,
        last_period=last,
        points=points,
        severity=severity(values["count"], values["expected"], values["upperbound"], len(run)),
        created_by_import=dataset,
        **values,
    )
    AlertEvent.objects.create(alert=alert, kind=AlertEvent.Kind.CREATED, to_status=Status.NEW, dataset=dataset)
    known.append(alert)
    return alert, True


def detect_after_import(municipality_ids: list[int], source: str, dataset=None) -> None:
    """After-import hook: new incidents may complete a week or a month, so look again."""
    if last_day(municipality_ids, source) is None:
        return  # published counts (no territories, no days): nothing for territorial alerts
    for municipality in Municipality.objects.filter(pk__in=municipality_ids):
        run_detection(municipality, dataset=dataset)


def undo_import(dataset) -> None:
    """After-rollback hook: take back what the rolled-back import alone did to the alerts.

    Extensions are restored to what the alert said before. An alert the import created goes if nobody acted on
    it; one that people already worked on stays, with a comment saying its data were reverted.
    """
    for event in AlertEvent.objects.filter(dataset=dataset, kind=AlertEvent.Kind.EXTENDED).select_related("alert"):
        alert = event.alert
        for name, value in (event.previous or {}).items():
            if name in ("peak_period", "last_period") and value:
                value = dt.date.fromisoformat(value)
            setattr(alert, name, value)
        alert.save()
        event.delete()
    for alert in Alert.objects.filter(created_by_import=dataset):
        if alert.status == Status.NEW and not alert.events.exclude(kind=AlertEvent.Kind.CREATED).exists():
            alert.delete()
        else:
            AlertEvent.objects.create(
                alert=alert,
                kind=AlertEvent.Kind.COMMENT,
                text=f"Los datos que originaron esta alerta se revirtieron (conjunto {dataset.pk}).",
            )
