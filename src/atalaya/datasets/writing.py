"""Transactional writes of imported facts (incidents, published counts) and what they mean for the cube.

Rows go from Polars frames to the database through :mod:`atalaya.core.frames`; this module says which stored
rows are current and which of them count, and hands the cube (:mod:`atalaya.cube.writing`) the counting queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl
from django.db import connection
from django.db.models import Count, Sum

from atalaya.cube import writing as cube

from .choices import LocationStatus
from .models import AggregateCount, Incident

#: Incidents whose coordinates put them outside the municipality are stored but never counted as its own.
COUNTED_EXCLUDES = LocationStatus.OUTSIDE.value


def supersede_incidents(municipality_id: int, source: str, record_ids: Iterable[str], dataset_id: int) -> None:
    """Mark the current version of these records as superseded by ``dataset_id`` (kept, no longer current)."""
    record_ids = list(record_ids)
    table = connection.ops.quote_name(Incident._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(record_ids), 500):
            chunk = record_ids[start : start + 500]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET superseded_by_id = %s WHERE municipality_id = %s AND source = %s "
                f"AND superseded_by_id IS NULL AND record_id IN ({placeholders})",
                [dataset_id, municipality_id, source, *chunk],
            )


def supersede_rows(model, ids: Iterable[int], dataset_id: int) -> None:
    """Mark stored rows (by primary key) as superseded by ``dataset_id``."""
    ids = list(ids)
    for start in range(0, len(ids), 500):
        model.objects.filter(pk__in=ids[start : start + 500]).update(superseded_by_id=dataset_id)


def existing_incidents(municipality_id: int, source: str) -> pl.DataFrame:
    """The current version of what is stored for a municipality and source, to compare with an incoming file."""
    table = connection.ops.quote_name(Incident._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT record_id, category_id, occurred_on, occurred_time, lat, lon, territory_id, location_status "
            f"FROM {table} WHERE municipality_id = %s AND source = %s AND superseded_by_id IS NULL",
            [municipality_id, source],
        )
        rows = cursor.fetchall()
    names = [
        "record_id",
        "category_id",
        "occurred_on",
        "occurred_time",
        "lat",
        "lon",
        "territory_id",
        "location_status",
    ]
    rows = [(r[0], r[1], as_date(r[2]), as_time(r[3]), *r[4:]) for r in rows]
    schema = dict(
        zip(
            names,
            (pl.String, pl.Int64, pl.Date, pl.Time, pl.Float64, pl.Float64, pl.Int64, pl.String),
            strict=True,
        )
    )
    return pl.DataFrame(rows, schema=schema, orient="row")


def as_date(value) -> dt.date:
    """SQLite may hand back ISO text (raw cursor) or a date (Django's converters); PostgreSQL a date."""
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def as_time(value) -> dt.time | None:
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


def current_aggregates(municipality_id: int, source: str, measure: str, months: list[dt.date]) -> pl.DataFrame:
    """The current published counts of one municipality, source and measure in the given months."""
    rows = list(
        AggregateCount.objects.current()
        .filter(municipality_id=municipality_id, source=source, measure=measure, period_start__in=months)
        .values_list("id", "category_id", "period_start", "sex", "age_group", "count")
    )
    schema = {
        "id": pl.Int64,
        "category_id": pl.Int64,
        "period_start": pl.Date,
        "sex": pl.String,
        "age_group": pl.String,
        "count": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def counted(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """The incidents of a frame that count as the municipality's own (see :data:`COUNTED_EXCLUDES`)."""
    return frame.filter(pl.col("location_status") != COUNTED_EXCLUDES)


def insert_cube_cells(incidents: pl.DataFrame) -> None:
    """Cube cells of a first import of a point-level source, counted in memory from its frame."""
    cube.insert_incidents(counted(incidents.lazy()))


def refresh_cube_from_incidents(municipality_id: int, source: str, first: dt.date, last: dt.date) -> None:
    """Rebuild the daily cells between two dates from the stored incidents, then their months."""
    counts = (
        Incident.objects.counted()
        .filter(municipality_id=municipality_id, source=source, occurred_on__range=(first, last))
        .values("municipality_id", "territory_id", "category_id", "source", "occurred_on")
        .annotate(n=Count("*"))
    )
    cube.replace_days(municipality_id, source, first, last, counts)
    cube.roll_up_months(municipality_id, source, first, last)


def refresh_cube_from_published(municipality_id: int, source: str, first: dt.date, last: dt.date) -> None:
    """Rebuild the monthly cells of a published-counts source (SESNSP, CEAD) between two months."""
    counts = (
        AggregateCount.objects.current()
        .filter(municipality_id=municipality_id, source=source, period_start__range=(first, last))
        .values("municipality_id", "category_id", "source", "period_start", "measure")
        .annotate(n=Sum("count"))
    )
    cube.replace_published_months(municipality_id, source, first, last, counts)
