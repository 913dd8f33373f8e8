"""Keeping the cube in step with the facts: rebuild a range from a counting query, or insert cells counted in
memory (a municipality's first import of a source, where there is nothing stored to merge).

The owner of the facts says what counts (``datasets.writing``: current incidents not placed outside the
municipality; current published counts) by handing over a grouped queryset; the cube only knows its own tables.
Everything runs inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db import connection
from django.db.models import QuerySet

from atalaya.analysis.parsing import month_end
from atalaya.core.frames import bulk_insert

from .models import DailyCount, MonthlyCount

#: The measure of point-level sources in the monthly cube (published sources bring their own: delitos, casos...).
INCIDENTS_MEASURE = "incidentes"

DAILY_COLUMNS = ["municipality_id", "territory_id", "category_id", "source", "day", "count"]
#: Published counts have no territory: the column is left out and stays empty.
PUBLISHED_COLUMNS = ["municipality_id", "category_id", "source", "month", "measure", "count"]
MONTHLY_COLUMNS = ["municipality_id", "territory_id", "category_id", "source", "month", "measure", "count"]


def _replace(table: str, period: str, columns: list[str], key: tuple[int, str, dt.date, dt.date], counts) -> None:
    qn = connection.ops.quote_name
    sql, params = counts.order_by().query.sql_with_params()
    municipality_id, source, first, last = key
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {qn(table)} WHERE municipality_id = %s AND source = %s AND {period} BETWEEN %s AND %s",
            [municipality_id, source, first, last],
        )
        cursor.execute(f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) {sql}", params)


def replace_days(municipality_id: int, source: str, first: dt.date, last: dt.date, counts: QuerySet) -> None:
    """Replace the daily cells of a municipality and source between two days by ``counts``: a grouped queryset
    whose columns are, in order, municipality, territory, category, source, day and count."""
    _replace(DailyCount._meta.db_table, "day", DAILY_COLUMNS, (municipality_id, source, first, last), counts)


def replace_published_months(
    municipality_id: int, source: str, first: dt.date, last: dt.date, counts: QuerySet
) -> None:
    """Replace the monthly cells of a published-counts source (SESNSP, CEAD) between two months by ``counts``:
    municipality, category, source, month, measure and count (no territory)."""
    _replace(MonthlyCount._meta.db_table, "month", PUBLISHED_COLUMNS, (municipality_id, source, first, last), counts)


def roll_up_months(municipality_id: int, source: str, first: dt.date, last: dt.date) -> None:
    """Roll the daily cells of a point-level source up to months (whole months around the changed dates)."""
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
            f"INSERT INTO {cube} ({', '.join(MONTHLY_COLUMNS)}) "
            f"SELECT municipality_id, territory_id, category_id, source, {month}, %s, SUM(count) FROM {daily} "
            f"WHERE municipality_id = %s AND source = %s AND day BETWEEN %s AND %s "
            f"GROUP BY municipality_id, territory_id, category_id, source, {month}",
            [INCIDENTS_MEASURE, municipality_id, source, first, month_end(last)],
        )


def insert_incidents(incidents: pl.LazyFrame) -> None:
    """Daily and monthly cells of incidents counted in memory (``municipality_id, territory_id, category_id,
    source, occurred_on``; only those that count), for a first import with nothing stored to merge.

    Lazy, so that only the grouped columns are read: filtering an eager frame copied every column of a
    million incidents (about 100 MB) to count them. Sorted in index order: inserts append instead of scatter.
    """
    keys = ["municipality_id", "territory_id", "category_id", "source"]
    days = (
        incidents.group_by([*keys, "occurred_on"])
        .agg(pl.len().alias("count"))
        .rename({"occurred_on": "day"})
        .sort(["municipality_id", "source", "day"])
        .collect()
    )
    bulk_insert(DailyCount._meta.db_table, DAILY_COLUMNS, days)
    months = (
        days.lazy()
        .with_columns(pl.col("day").dt.truncate("1mo").alias("month"))
        .group_by([*keys, "month"])
        .agg(pl.col("count").sum())
        .with_columns(pl.lit(INCIDENTS_MEASURE).alias("measure"))
        .sort(["municipality_id", "source", "month"])
        .collect()
    )
    bulk_insert(MonthlyCount._meta.db_table, MONTHLY_COLUMNS, months)
