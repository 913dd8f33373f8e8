"""The one reader of the cube: indicators, alerts, maps and exports all read cells through here.

Cells come back as Polars frames, read in one scan of an index range and summed in Polars (SQLite's GROUP BY
sorts through a temporary B-tree: 0.17 s against 0.06 s for 59,000 cells). Territories are the leaves the
importer assigned; :func:`territory_codes` lifts them to any level of the municipality's hierarchy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.db import connection
from django.db.models import Max, Min, Sum
from django.utils.translation import gettext as _

from atalaya.core.frames import date_as_text, fetch_frame
from atalaya.geo.models import Municipality, Territory

from .models import DailyCount, MonthlyCount
from .writing import INCIDENTS_MEASURE

#: The territory code of cells without a territory (no coordinates, gaps, or a level the leaf does not reach).
NO_TERRITORY = "SIN_TERRITORIO"
#: Measures that count crimes (published ``delitos`` and ``casos``, point-level ``incidentes``); victims are apart.
CRIME_MEASURES = ("delitos", "casos", INCIDENTS_MEASURE)
VICTIMS_MEASURE = "victimas"
#: Published measures exports read by default (point-level incidents are always included).
DEFAULT_MEASURES = ("delitos", "casos")

CELL_SCHEMA = {
    "municipality_id": pl.Int64,
    "territory_id": pl.Int64,
    "category_id": pl.Int64,
    "source": pl.String,
    "period_start": pl.Date,
    "count": pl.Int64,
}


class UnknownTerritoryLevel(ValueError):
    """A territorial level the municipality's hierarchy does not have. Message in Spanish."""


def cells(
    municipality_ids: list[int],
    *,
    by: str,
    measures: tuple[str, ...] = DEFAULT_MEASURES,
    source: str | None = None,
) -> pl.DataFrame:
    """Cube rows ``municipality_id, territory_id, category_id, source, period_start, count`` by day, week or
    month.

    Months come from the monthly cube (published counts and the roll-up of incidents; ``measures`` chooses the
    published ones); days and weeks from the daily cube, which holds point-level sources only.
    """
    qn = connection.ops.quote_name
    params: list = list(municipality_ids)
    where = f"municipality_id IN ({', '.join(['%s'] * len(municipality_ids))})"
    if source is not None:
        where += " AND source = %s"
        params.append(source)
    if by == "month":
        wanted = (*measures, INCIDENTS_MEASURE)
        return fetch_frame(
            f"SELECT municipality_id, territory_id, category_id, source, {date_as_text('month')}, count "
            f"FROM {qn(MonthlyCount._meta.db_table)} "
            f"WHERE {where} AND measure IN ({', '.join(['%s'] * len(wanted))})",
            [*params, *wanted],
            CELL_SCHEMA,
        )
    frame = fetch_frame(
        f"SELECT municipality_id, territory_id, category_id, source, {date_as_text('day')}, count "
        f"FROM {qn(DailyCount._meta.db_table)} WHERE {where}",
        params,
        CELL_SCHEMA,
    )
    return frame.with_columns(pl.col("period_start").dt.truncate({"day": "1d", "week": "1w"}[by]))


def source_months(municipality_id: int, source: str) -> pl.DataFrame:
    """Every monthly cell of one municipality and source, measures apart: ``territory_id, category_id,
    period_start, measure, count`` (what an indicator reader slices in memory)."""
    qn = connection.ops.quote_name
    return fetch_frame(
        f"SELECT territory_id, category_id, {date_as_text('month')}, measure, count "
        f"FROM {qn(MonthlyCount._meta.db_table)} WHERE municipality_id = %s AND source = %s",
        [municipality_id, source],
        {
            "territory_id": pl.Int64,
            "category_id": pl.Int64,
            "period_start": pl.Date,
            "measure": pl.String,
            "count": pl.Int64,
        },
    )


def published_months(municipality_id: int, source: str) -> set[dt.date]:
    """Months in which a source has any cell for the municipality."""
    return set(
        MonthlyCount.objects.filter(municipality_id=municipality_id, source=source)
        .values_list("month", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class SourceInfo:
    """A source of a municipality as pages present it."""

    source: str
    point_level: bool  # incidents with places (territories possible) or published counts (municipality only)
    first: dt.date
    last: dt.date


def sources_for(municipality: Municipality) -> list[SourceInfo]:
    """Sources with crime or victim counts in the monthly cube, point-level first (they allow territories)."""
    rows = (
        MonthlyCount.objects.filter(municipality=municipality, measure__in=(*CRIME_MEASURES, VICTIMS_MEASURE))
        .values("source", "measure")
        .annotate(first=Min("month"), last=Max("month"))
    )
    infos: dict[str, SourceInfo] = {}
    for row in rows:
        point_level = row["measure"] == INCIDENTS_MEASURE
        known = infos.get(row["source"])
        first = min(row["first"], known.first) if known else row["first"]
        last = max(row["last"], known.last) if known else row["last"]
        infos[row["source"]] = SourceInfo(row["source"], point_level or bool(known and known.point_level), first, last)
    return sorted(infos.values(), key=lambda s: (not s.point_level, s.source))


def source_info(source: str, months: pl.DataFrame) -> SourceInfo | None:
    """What :func:`sources_for` says of one source, from its cells as :func:`source_months` reads them."""
    shown = months.filter(pl.col("measure").is_in([*CRIME_MEASURES, VICTIMS_MEASURE]))
    if shown.is_empty():
        return None
    period = shown.get_column("period_start")
    point_level = bool((shown.get_column("measure") == INCIDENTS_MEASURE).any())
    return SourceInfo(source, point_level, period.min(), period.max())


def last_day(municipality_ids: list[int], source: str | None = None) -> dt.date | None:
    """The last day with point-level cells (None: the municipalities have no point-level source)."""
    cells = DailyCount.objects.filter(municipality_id__in=municipality_ids)
    if source is not None:
        cells = cells.filter(source=source)
    return cells.aggregate(last=Max("day"))["last"]


def busiest_point_source(municipality: Municipality, days: int = 365) -> str | None:
    """The point-level source that records the most incidents over the last ``days`` of the daily cube."""
    last = last_day([municipality.pk])
    if last is None:
        return None
    row = (
        DailyCount.objects.filter(municipality=municipality, day__gt=last - dt.timedelta(days=days))
        .values("source")
        .annotate(n=Sum("count"))
        .order_by("-n", "source")
        .first()
    )
    return row["source"] if row else None


def territory_codes(frame: pl.DataFrame, territories: str | None, municipality_ids: list[int]) -> pl.DataFrame:
    """Add ``territory_code``: the ancestor of each row's leaf ``territory_id`` at level ``territories``.

    ``None`` leaves it empty (municipality level); ``hoja`` keeps the leaf; rows without a territory, or whose
    territory has no ancestor at that level, get :data:`NO_TERRITORY`. An unknown level raises
    :class:`UnknownTerritoryLevel`.
    """
    if territories is None:
        return frame.with_columns(pl.lit(None, pl.String).alias("territory_code"))
    rows = list(
        Territory.objects.filter(municipality_id__in=municipality_ids).values_list("pk", "parent_id", "level", "code")
    )
    parents = {pk: parent for pk, parent, _, _ in rows}
    info = {pk: (level, code) for pk, _, level, code in rows}
    wanted = territories.casefold()
    leaf = wanted in ("hoja", "leaf")
    if not leaf and wanted not in {level.casefold() for level, _ in info.values()}:
        levels = sorted({level for level, _ in info.values()})
        raise UnknownTerritoryLevel(
            _("Nivel territorial desconocido «%(level)s». Niveles: %(levels)s, hoja.")
            % {"level": territories, "levels": ", ".join(levels) or "—"}
        )

    def target(pk: int) -> str:
        node = pk
        while node is not None:
            level, code = info[node]
            if leaf or level.casefold() == wanted:
                return code
            node = parents.get(node)
        return NO_TERRITORY

    mapping = {pk: target(pk) for pk in info}
    return frame.with_columns(
        pl.col("territory_id")
        .replace_strict(mapping, default=NO_TERRITORY, return_dtype=pl.String)
        .fill_null(NO_TERRITORY)
        .alias("territory_code")
    )


def territory_keys(municipality: Municipality, level: str | None) -> list[str | None]:
    """The territory codes a series at ``level`` runs over (with :data:`NO_TERRITORY`); ``[None]`` for the
    municipality as a whole."""
    if not level:
        return [None]
    territories = Territory.objects.filter(municipality=municipality)
    if level.casefold() in ("hoja", "leaf"):
        territories = territories.filter(children__isnull=True)
    else:
        territories = territories.filter(level__iexact=level)
    return [*territories.order_by("code").values_list("code", flat=True), NO_TERRITORY]
