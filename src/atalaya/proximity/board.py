"""What a mesa looks at when it sits: its territory's open alerts, open problems and recent incidents by family
against the same span before (the session screen's indicators)."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.core.exceptions import ValidationError

from atalaya.alerts.models import Alert
from atalaya.alerts.models import Status as AlertStatus
from atalaya.spatial.services import MapFilter, incident_frame, located_sources, territory_and_descendants

from .choices import Status
from .models import Mesa, Problem

#: Days of the recent window, compared with the same number of days just before.
WINDOW_DAYS = 90


def territory_board(mesa: Mesa, today: dt.date | None = None) -> dict:
    today = today or dt.date.today()
    territory = mesa.territory
    places = territory_and_descendants(territory) if territory is not None else None
    alerts = Alert.objects.filter(municipality=mesa.municipality).exclude(status=AlertStatus.CLOSED)
    problems = Problem.objects.filter(municipality=mesa.municipality).exclude(status=Status.CLOSED)
    if places is not None:
        alerts = alerts.filter(territory_id__in=places)
        problems = problems.filter(territory_id__in=places)
    return {
        "alerts": list(alerts.select_related("family", "territory").order_by("-severity", "-last_period")[:10]),
        "problems": list(problems.select_related("category").order_by("-reported_at")[:10]),
        "families": _families(mesa, territory, today),
        "window_days": WINDOW_DAYS,
    }


def _families(mesa: Mesa, territory, today: dt.date) -> list[dict]:
    sources = located_sources(mesa.municipality)
    if not sources:
        return []
    start = today - dt.timedelta(days=2 * WINDOW_DAYS)
    try:
        frame = incident_frame(MapFilter(mesa.municipality, sources[0], start, today, None, territory), located=False)
    except ValidationError:
        return []
    if frame.is_empty():
        return []
    middle = today - dt.timedelta(days=WINDOW_DAYS)
    table = (
        frame.with_columns((pl.col("date") > middle).alias("recent"))
        .group_by(pl.col("family_label").fill_null("—"))
        .agg(pl.col("recent").sum().alias("recent"), (~pl.col("recent")).sum().alias("before"))
        .sort("recent", descending=True)
    )
    return table.rename({"family_label": "family"}).to_dicts()
