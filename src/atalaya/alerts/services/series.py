"""Count series from the daily cube: every territory at every level plus the municipality total, by family."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from atalaya.analysis.parsing import add_months, month_end, month_range
from atalaya.cube.reading import busiest_point_source, cells, last_day
from atalaya.geo.models import Municipality, Territory
from atalaya.taxonomy.services import harmonised_table

POINTS_KEPT = 26  # periods of history stored with an alert for its chart
STEP = {"week": 7, "month": None}


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
    return busiest_point_source(municipality, days=365)


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
    last = last_day([municipality.pk], source)
    if last is None:
        return CountSeries([], [], np.zeros((0, 0)))
    frame = cells([municipality.pk], by="week" if freq == "week" else "month", measures=(), source=source)
    categories = harmonised_table().select("category_id", "family_code").drop_nulls()
    frame = frame.join(categories, on="category_id", how="inner")
    if families:
        frame = frame.filter(pl.col("family_code").is_in(sorted(families)))
    # Families, not categories, before each leaf is repeated for its ancestors (rows × levels otherwise).
    frame = frame.group_by("territory_id", "family_code", "period_start").agg(pl.col("count").sum())
    if frame.is_empty():
        return CountSeries([], [], np.zeros((0, 0)))
    if freq == "week":
        last_complete = last - dt.timedelta(days=(last.weekday() + 1) % 7)  # the last Sunday on or before
        last_period = last_complete - dt.timedelta(days=6)
        first = frame["period_start"].min()
        dates = [first + dt.timedelta(weeks=k) for k in range((last_period - first).days // 7 + 1)]
    else:
        month = add_months(last, 0)
        last_period = month if month_end(month) == last else add_months(month, -1)
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
