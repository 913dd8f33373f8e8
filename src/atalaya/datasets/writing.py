"""Fast, transactional writes of imported rows and the incremental refresh of the analytics cube.

The ORM's ``bulk_create`` builds one Python object per row; at a million incidents that dominates the import.
Here rows go straight from the Polars frame to the database: ``COPY`` on PostgreSQL and ``executemany`` on
SQLite, inside the caller's transaction, so a failure part-way leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain

import polars as pl
from django.db import connection

from atalaya.analysis.parsing import month_end

from .choices import LocationStatus
from .models import AggregateCount, DailyCount, Incident, MonthlyCount

BATCH_ROWS = 50_000
INCIDENTS_MEASURE = "incidentes"
#: Incidents whose coordinates put them outside the municipality are stored but never counted as its own.
COUNTED_EXCLUDES = LocationStatus.OUTSIDE.value


def bulk_insert(table: str, columns: Sequence[str], frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` (columns in ``columns`` order) into ``table``; returns the row count."""
    if frame.is_empty():
        return 0
    frame = frame.select(columns)
    if connection.vendor == "postgresql":
        _copy_postgresql(table, columns, frame)
    else:
        _insert_sqlite(table, columns, frame)
    return frame.height


def _copy_postgresql(table: str, columns: Sequence[str], frame: pl.DataFrame) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN") as copy:
            for batch in frame.iter_slices(BATCH_ROWS):
                for row in batch.iter_rows():
                    copy.write_row(row)


#: Rows per multi-row INSERT on SQLite: one statement carrying many rows binds ~40 % faster than one per row.
SQLITE_ROWS_PER_STATEMENT = 200


def _insert_sqlite(table: str, columns: Sequence[str], frame: pl.DataFrame) -> None:
    # sqlite3 has no adapter for time (and the date one is deprecated): send ISO text, as Django does; cast
    # batch by batch, so that a million rows never hold a text copy of their dates at once.
    as_text = [
        pl.col(c).cast(pl.String)
        for c, dtype in frame.schema.items()
        if dtype in (pl.Date, pl.Time) or isinstance(dtype, pl.Datetime)
    ]
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    k = SQLITE_ROWS_PER_STATEMENT
    many_sql = head + ", ".join([one] * k)
    with connection.cursor() as cursor:
        for batch in frame.iter_slices(BATCH_ROWS):
            rows = batch.with_columns(as_text).rows()
            full = len(rows) // k * k
            if full:
                cursor.executemany(many_sql, [tuple(chain.from_iterable(rows[i : i + k])) for i in range(0, full, k)])
            if len(rows) > full:
                tail = rows[full:]
                cursor.execute(head + ", ".join([one] * len(tail)), tuple(chain.from_iterable(tail)))


#: SQLite's default: fold the write-ahead log into the database file once it passes this many pages.
SQLITE_AUTOCHECKPOINT_PAGES = 1000


@contextmanager
def checkpoint_deferred() -> Iterator[None]:
    """On SQLite, keep the import's commit from folding the write-ahead log into the database file.

    The commit is what makes data readable (readers see the log); the automatic checkpoint that follows a large
    commit copies every page again and syncs, about 0.15 s per 100,000 incidents. It runs once, after the steps
    that follow the import, instead of inside the commit that dashboards wait for.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_AUTOCHECKPOINT_PAGES}")
            if not connection.in_atomic_block:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


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


def refresh_daily_cube(municipality_id: int, source: str, first: dt.date, last: dt.date) -> None:
    """Rebuild the cube cells of one municipality and source between two dates from the stored incidents."""
    qn = connection.ops.quote_name
    cube, incidents = qn(DailyCount._meta.db_table), qn(Incident._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {cube} WHERE municipality_id = %s AND source = %s AND day BETWEEN %s AND %s",
            [municipality_id, source, first, last],
        )
        cursor.execute(
            f"INSERT INTO {cube} (municipality_id, territory_id, category_id, source, day, count) "
            f"SELECT municipality_id, territory_id, category_id, source, occurred_on, COUNT(*) FROM {incidents} "
            f"WHERE municipality_id = %s AND source = %s AND occurred_on BETWEEN %s AND %s "
            f"AND superseded_by_id IS NULL AND location_status <> %s "
            f"GROUP BY municipality_id, territory_id, category_id, source, occurred_on",
            [municipality_id, source, first, last, COUNTED_EXCLUDES],
        )


def counted(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """The incidents of a frame that count as the municipality's own (see :data:`COUNTED_EXCLUDES`)."""
    return frame.filter(pl.col("location_status") != COUNTED_EXCLUDES)


def insert_daily_cube(frame: pl.DataFrame) -> None:
    """Cube cells computed in memory, for a municipality's first import of a source (nothing stored to merge).

    Lazy, so that only the grouped columns are read: filtering the eager frame copied every column of a
    million incidents (about 100 MB) to count them."""
    cells = (
        counted(frame.lazy())
        .group_by(["municipality_id", "territory_id", "category_id", "source", "occurred_on"])
        .agg(pl.len().alias("count"))
        .sort(["municipality_id", "source", "occurred_on"])  # index order: inserts append instead of scatter
        .collect()
    )
    bulk_insert(
        DailyCount._meta.db_table,
        ["municipality_id", "territory_id", "category_id", "source", "day", "count"],
        cells.rename({"occurred_on": "day"}).select(
            "municipality_id", "territory_id", "category_id", "source", "day", "count"
        ),
    )


def insert_monthly_from_frame(frame: pl.DataFrame) -> None:
    """Monthly cells computed in memory for a first import of a point-level source (the fresh-import twin of
    :func:`refresh_monthly_from_daily`)."""
    cells = (
        counted(frame.lazy())
        .with_columns(pl.col("occurred_on").dt.truncate("1mo").alias("month"))
        .group_by(["municipality_id", "territory_id", "category_id", "source", "month"])
        .agg(pl.len().alias("count"))
        .with_columns(pl.lit(INCIDENTS_MEASURE).alias("measure"))
        .sort(["municipality_id", "source", "month"])
        .collect()
    )
    bulk_insert(
        MonthlyCount._meta.db_table,
        ["municipality_id", "territory_id", "category_id", "source", "month", "measure", "count"],
        cells,
    )


def refresh_monthly_cube(municipality_id: int, source: str, first: dt.date, last: dt.date) -> None:
    """Rebuild the monthly cells of a published-counts source (SESNSP, CEAD) between two months."""
    qn = connection.ops.quote_name
    cube, counts = qn(MonthlyCount._meta.db_table), qn(AggregateCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {cube} WHERE municipality_id = %s AND source = %s AND month BETWEEN %s AND %s",
            [municipality_id, source, first, last],
        )
        cursor.execute(
            f"INSERT INTO {cube} (municipality_id, territory_id, category_id, source, month, measure, count) "
            f"SELECT municipality_id, NULL, category_id, source, period_start, measure, SUM(count) FROM {counts} "
            f"WHERE municipality_id = %s AND source = %s AND period_start BETWEEN %s AND %s "
            f"AND superseded_by_id IS NULL "
            f"GROUP BY municipality_id, category_id, source, period_start, measure",
            [municipality_id, source, first, last],
        )


def refresh_monthly_from_daily(municipality_id: int, source: str, first: dt.date, last: dt.date) -> None:
    """Roll the daily cube of a point-level source up to months (whole months around the changed dates)."""
    first = first.replace(day=1)
    qn = connection.ops.quote_name
    cube, daily = qn(MonthlyCount._meta.db_table), qn(DailyCount._meta.db_table)
    month = "date_trunc('month', day)::date" if connection.vendor == "postgresql" else "date(day, 'start of month')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {cube} WHERE municipality_id = %s AND source = %s AND month BETWEEN %s AND %s",
            [municipality_id, source, first, last],
        )
        cursor.execute(
            f"INSERT INTO {cube} (municipality_id, territory_id, category_id, source, month, measure, count) "
            f"SELECT municipality_id, territory_id, category_id, source, {month}, %s, SUM(count) FROM {daily} "
            f"WHERE municipality_id = %s AND source = %s AND day BETWEEN %s AND %s "
            f"GROUP BY municipality_id, territory_id, category_id, source, {month}",
            [INCIDENTS_MEASURE, municipality_id, source, first, month_end(last)],
        )
