"""Run the detectors on every territory × family series of a municipality and keep the alerts' lifecycle.

The analysis (``atalaya.analysis.alerts``) sees only a matrix of counts; this module builds that matrix from the
daily cube (weekly or monthly periods, every territory at every level plus the municipality total), turns alarm
periods into :class:`~.models.Alert` episodes and moves them through nueva → en revisión → derivada → cerrada.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.conf import settings as django_settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atalaya.accounts.models import IMPORT_ROLES, Role
from atalaya.accounts.services import role_in
from atalaya.analysis.alerts import detect
from atalaya.analysis.alerts.series import PERIODS_PER_YEAR
from atalaya.analysis.parsing import add_months, month_end, month_range
from atalaya.datasets.exporting import cube_frame
from atalaya.datasets.models import DailyCount
from atalaya.geo.models import Municipality, Territory
from atalaya.taxonomy.models import Family
from atalaya.taxonomy.services import harmonised_table
from atalaya.web.numbers import decimal

from .models import Alert, AlertEvent, AlertSettings, QuietPeriod, Severity, Status, Subscription

log = logging.getLogger(__name__)

POINTS_KEPT = 26  # periods of history stored with an alert for its chart
STEP = {"week": 7, "month": None}


# -- count series from the cube --------------------------------------------------------------------------------


@dataclass
class CountSeries:
    """Series keyed by (territory id or None for the municipality total, family code), over contiguous periods."""

    keys: list[tuple[int | None, str]]
    dates: list[dt.date]
    matrix: np.ndarray


def point_source(municipality: Municipality) -> str | None:
    """The incident source to watch: the one that records the most incidents over the last year of the daily
    cube. (The most recent one used to win, and a prosecutors' file of homicides that ends on the same day as
    the police file won by its name: the inbox then watched homicides only.)"""
    last = DailyCount.objects.filter(municipality=municipality).aggregate(last=Max("day"))["last"]
    if last is None:
        return None
    row = (
        DailyCount.objects.filter(municipality=municipality, day__gt=last - dt.timedelta(days=365))
        .values("source")
        .annotate(n=Sum("count"))
        .order_by("-n", "source")
        .first()
    )
    return row["source"] if row else None


def _ancestors(municipality: Municipality) -> dict[int, list[int]]:
    parents = dict(Territory.objects.filter(municipality=municipality).values_list("pk", "parent_id"))
    chains = {}
    for pk in parents:
        chain, node = [], pk
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        chains[pk] = chain
    return chains


def count_series(municipality: Municipality, source: str, freq: str, families: set[str] | None = None) -> CountSeries:
    """Counts per (territory at every level, family) and per (municipality, family), complete periods only.

    A period is complete when the cube's last day reaches its end: the current, partial week is not compared
    with whole weeks.
    """
    last_day = DailyCount.objects.filter(municipality=municipality, source=source).aggregate(last=Max("day"))["last"]
    if last_day is None:
        return CountSeries([], [], np.zeros((0, 0)))
    frame = cube_frame([municipality.pk], by="week" if freq == "week" else "month", measures=(), source=source)
    categories = harmonised_table().select("category_id", "family_code").drop_nulls()
    frame = frame.join(categories, on="category_id", how="inner")
    if families:
        frame = frame.filter(pl.col("family_code").is_in(sorted(families)))
    # Families, not categories, before each leaf is repeated for its ancestors (rows × levels otherwise).
    frame = frame.group_by("territory_id", "family_code", "period_start").agg(pl.col("count").sum())
    if frame.is_empty():
        return CountSeries([], [], np.zeros((0, 0)))
    if freq == "week":
        last_complete = last_day - dt.timedelta(days=(last_day.weekday() + 1) % 7)  # the last Sunday on or before
        last_period = last_complete - dt.timedelta(days=6)
        first = frame["period_start"].min()
        dates = [first + dt.timedelta(weeks=k) for k in range((last_period - first).days // 7 + 1)]
    else:
        month = add_months(last_day, 0)
        last_period = month if month_end(month) == last_day else add_months(month, -1)
        dates = month_range(frame["period_start"].min(), last_period)
    chains = _ancestors(municipality)
    links = pl.DataFrame(
        [(leaf, node) for leaf, chain in chains.items() for node in chain],
        schema={"territory_id": pl.Int64, "series_territory": pl.Int64},
        orient="row",
    )
    placed = frame.join(links, on="territory_id", how="inner")
    total = frame.with_columns(pl.lit(None, pl.Int64).alias("series_territory"))
    long = (
        pl.concat([placed.select(total.columns), total])
        .filter(pl.col("period_start").is_in(dates))
        .group_by("series_territory", "family_code", "period_start")
        .agg(pl.col("count").sum())
    )
    keys_frame = (
        long.select("series_territory", "family_code")
        .unique()
        .sort("series_territory", "family_code", nulls_last=False)
    )
    keys = [(t, f) for t, f in keys_frame.iter_rows()]
    positions = long.join(
        keys_frame.with_row_index("row"), on=["series_territory", "family_code"], nulls_equal=True
    ).join(
        pl.DataFrame({"period_start": dates, "col": range(len(dates))}, schema_overrides={"period_start": pl.Date}),
        on="period_start",
    )
    matrix = np.zeros((len(keys), len(dates)))
    matrix[positions["row"].to_numpy(), positions["col"].to_numpy()] = positions["count"].to_numpy()
    return CountSeries(keys, dates, matrix)


# -- from alarms to alerts -------------------------------------------------------------------------------------


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
    if not DailyCount.objects.filter(municipality_id__in=municipality_ids, source=source).exists():
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


# -- words -----------------------------------------------------------------------------------------------------


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


# -- lifecycle -------------------------------------------------------------------------------------------------

TRANSITIONS = {
    Status.NEW: {Status.REVIEW, Status.REFERRED, Status.CLOSED},
    Status.REVIEW: {Status.REFERRED, Status.CLOSED},
    Status.REFERRED: {Status.REVIEW, Status.CLOSED},
    Status.CLOSED: {Status.REVIEW},  # reopened by an analyst when the closure was wrong
}
ACTING_ROLES = frozenset({*IMPORT_ROLES, Role.DIRECTOR})


UNKNOWN_COLLEAGUE = gettext_lazy("No hay nadie con ese usuario en este municipio.")


class TransitionError(ValueError):
    """A change of state that the rules do not allow; the message says why, in the user's language."""


def can_act(user, alert: Alert) -> bool:
    """Analysts, administrators and directors of the municipality act on alerts; so does the person it went to."""
    if user is None or not user.is_authenticated:
        return False
    if alert.assigned_to_id == user.pk:
        return True
    return user.is_superuser or role_in(user, alert.municipality) in ACTING_ROLES


def visible_alerts(user):
    return Alert.objects.filter(municipality__in=Municipality.objects.visible_to(user)).select_related(
        "municipality", "territory", "family", "assigned_to"
    )


@transaction.atomic
def colleague(alert: Alert, username: str | None):
    """The active user called ``username`` who works on the alert's municipality; anyone else — nobody by that
    name, or someone of another municipality — is the same :class:`TransitionError`."""
    from django.contrib.auth import get_user_model

    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not Municipality.objects.visible_to(user).filter(pk=alert.municipality_id).exists():
        raise TransitionError(UNKNOWN_COLLEAGUE)
    return user


def change_status(
    alert: Alert, user, to_status: str, *, result: str = "", assigned_to=None, referred_to: str = "", comment: str = ""
) -> Alert:
    """Move an alert along its lifecycle, writing the history. Closing needs a result; referring, a recipient."""
    if not can_act(user, alert):
        raise TransitionError(_("No tiene permiso para cambiar esta alerta."))
    if to_status not in TRANSITIONS[alert.status]:
        raise TransitionError(
            _("Una alerta %(from)s no puede pasar a %(to)s.")
            % {"from": Status(alert.status).label, "to": Status(to_status).label}
        )
    if to_status == Status.CLOSED and not result:
        raise TransitionError(_("Para cerrar una alerta indique el resultado."))
    if to_status == Status.REFERRED and not (assigned_to or referred_to.strip()):
        raise TransitionError(_("Para derivar una alerta indique a quién o a qué mesa."))
    if (
        assigned_to is not None
        and not Municipality.objects.visible_to(assigned_to).filter(pk=alert.municipality_id).exists()
    ):
        raise TransitionError(UNKNOWN_COLLEAGUE)
    AlertEvent.objects.create(
        alert=alert,
        user=user,
        kind=AlertEvent.Kind.STATUS,
        from_status=alert.status,
        to_status=to_status,
        text=comment.strip(),
    )
    alert.status = to_status
    if to_status == Status.REFERRED:
        alert.assigned_to = assigned_to
        alert.referred_to = referred_to.strip()
    if to_status == Status.CLOSED:
        alert.result = result
        alert.closed_at = timezone.now()
    else:
        alert.result = ""
        alert.closed_at = None
    alert.save()
    return alert


def add_comment(alert: Alert, user, text: str) -> AlertEvent:
    if not can_act(user, alert):
        raise TransitionError(_("No tiene permiso para comentar esta alerta."))
    if not text.strip():
        raise TransitionError(_("El comentario está vacío."))
    return AlertEvent.objects.create(alert=alert, user=user, kind=AlertEvent.Kind.COMMENT, text=text.strip())


def closure_statistics(alerts) -> list[dict]:
    """Per method and family: alerts closed and the share confirmed, false alarms and data artefacts."""
    frame = pl.DataFrame(
        list(alerts.filter(status=Status.CLOSED).values("method", "family__name", "result")),
        schema={"method": pl.String, "family__name": pl.String, "result": pl.String},
    )
    if frame.is_empty():
        return []
    table = frame.group_by("method", "family__name").agg(
        pl.len().alias("closed"),
        (pl.col("result") == "confirmado").sum().alias("confirmed"),
        (pl.col("result") == "falsa_alarma").sum().alias("false_alarms"),
        (pl.col("result") == "artefacto").sum().alias("artefacts"),
    )
    return (
        table.with_columns((pl.col("confirmed") / pl.col("closed")).alias("precision"))
        .sort("method", "family__name")
        .to_dicts()
    )


# -- notifications ---------------------------------------------------------------------------------------------


def _subscribers(alert: Alert, mode: str):
    subscriptions = Subscription.objects.filter(municipality=alert.municipality, mode=mode).select_related("user")
    for s in subscriptions:
        if (s.family_id is None or s.family_id == alert.family_id) and s.user.email and s.user.is_active:
            if Municipality.objects.visible_to(s.user).filter(pk=alert.municipality_id).exists():
                yield s


def _alert_url(alert: Alert) -> str:
    base = getattr(django_settings, "ATALAYA_BASE_URL", "").rstrip("/")
    return f"{base}/alertas/{alert.pk}/"


def notify_new_alerts(alerts: list[Alert]) -> int:
    """Immediate e-mails, one per subscriber with the new alerts they may see. Returns the number sent."""
    per_user: dict[int, tuple] = {}
    for alert in alerts:
        for s in _subscribers(alert, Subscription.Mode.IMMEDIATE):
            per_user.setdefault(s.user.pk, (s.user, []))[1].append(alert)
    sent = 0
    for user, mine in per_user.values():
        lines = [f"- [{Severity(a.severity).label}] {explain(a)}\n  {_alert_url(a)}" for a in mine]
        subject = _("Atalaya: %(n)s alerta(s) nueva(s)") % {"n": len(mine)}
        sent += send_mail(subject, "\n".join(lines), None, [user.email], fail_silently=True)
    return sent


def send_weekly_digests(now: dt.datetime | None = None) -> int:
    """One e-mail per weekly subscriber with the alerts created since their last digest (7 days the first time)."""
    now = now or timezone.now()
    sent = 0
    for s in Subscription.objects.filter(mode=Subscription.Mode.WEEKLY).select_related("user", "municipality"):
        since = s.last_digest_at or now - dt.timedelta(days=7)
        alerts = Alert.objects.filter(municipality=s.municipality, created_at__gt=since, created_at__lte=now)
        if s.family_id:
            alerts = alerts.filter(family_id=s.family_id)
        alerts = [a for a in alerts.select_related("family", "territory", "municipality") if s.user.email]
        if alerts and Municipality.objects.visible_to(s.user).filter(pk=s.municipality_id).exists():
            lines = [f"- [{Severity(a.severity).label}] {explain(a)}\n  {_alert_url(a)}" for a in alerts]
            subject = _("Atalaya: resumen semanal de alertas de %(municipality)s") % {"municipality": s.municipality}
            sent += send_mail(subject, "\n".join(lines), None, [s.user.email], fail_silently=True)
        s.last_digest_at = now
        s.save(update_fields=["last_digest_at"])
    return sent


# -- what the pages show ---------------------------------------------------------------------------------------


def period_end(day: dt.date, freq: str) -> dt.date:
    """The last day of the week (Sunday) or month that starts on ``day``."""
    return day + dt.timedelta(days=6) if freq == "week" else month_end(day)


def map_url(alert: Alert) -> str:
    """The incidents map of the municipality, filtered to the alert's family, place and episode."""
    from urllib.parse import urlencode

    from django.urls import reverse

    params = {
        "familia": alert.family.code,
        "desde": alert.first_period.isoformat(),
        "hasta": period_end(alert.last_period, alert.freq).isoformat(),
    }
    if alert.territory_id:
        params["territorio"] = alert.territory.code
    return reverse("spatial:map", kwargs={"code": alert.municipality.code}) + "?" + urlencode(params)


def chart_spec(alert: Alert) -> dict:
    """Plotly spec of the stored series: counts, the expected line, the band up to the threshold, alarms."""
    points = alert.points
    x = [p["period"] for p in points]
    expected = [p["expected"] for p in points]
    upper = [p["upperbound"] for p in points]
    alarms = [p for p in points if p["alarm"]]
    weekly = alert.freq == "week"
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": expected,
                "name": _("esperado"),
                "line": {"color": "#6b7b8c", "dash": "dot"},
                "connectgaps": False,
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": upper,
                "name": _("umbral"),
                "fill": "tonexty",
                "fillcolor": "rgba(11,93,122,0.12)",
                "line": {"color": "#0b5d7a", "width": 1},
                "connectgaps": False,
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": x,
                "y": [p["count"] for p in points],
                "name": _("casos"),
                "line": {"color": "#1f2933", "width": 2},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": [p["period"] for p in alarms],
                "y": [p["count"] for p in alarms],
                "name": _("alarma"),
                "marker": {"color": "#c0392b", "size": 11, "symbol": "diamond"},
            },
        ],
        "layout": {
            "margin": {"l": 40, "r": 10, "t": 10, "b": 40},
            "height": 300,
            "legend": {"orientation": "h", "y": -0.2},
            "yaxis": {
                "rangemode": "tozero",
                "title": {"text": _("casos por semana") if weekly else _("casos por mes")},
            },
            "xaxis": {"type": "date"},
        },
    }
