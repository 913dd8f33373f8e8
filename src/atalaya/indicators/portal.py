"""What the public portal shows of a municipality, read from the one suppressed table: the municipalities that
publish, the indicator table (12 months and the 12 before), each indicator by territory, and the rows of the
downloads. The portal's pages, the public bulletin and the open-data catalogue all read these, so a withheld cell
is withheld the same way everywhere."""

from __future__ import annotations

import datetime as dt

import polars as pl

from atalaya.analysis.disclosure import THRESHOLD
from atalaya.analysis.parsing import add_months
from atalaya.geo.models import Municipality, Territory

from . import disclosure, services
from .models import Indicator


def published_municipalities():
    return Municipality.objects.filter(publications__is_public=True).distinct().order_by("name")


def public_table(municipality: Municipality, until: dt.date | None = None) -> list[dict]:
    """Published indicators of a municipality: last 12 months (those ending at ``until``, when given) and the 12
    before, from the suppressed table."""
    indicators = disclosure.published_indicators(municipality)
    sources = services.available_sources(municipality)
    if not sources or not indicators:
        return []
    source = next((s for s in sources if not s.point_level), sources[0])  # official counts first
    windows = disclosure.public_values(municipality, source.source).filter(
        pl.col("level").is_null() & (pl.col("period") == "12m")
    )
    if until is not None:
        windows = windows.filter(pl.col("period_start") <= add_months(until, -11))
    if windows.is_empty():
        return []
    windows = disclosure.with_public_rates(windows, municipality, source.source, None)
    rows = []
    for indicator in indicators:
        shown = windows.filter(pl.col("indicator") == indicator.code).sort("period_start").to_dicts()
        if not shown:
            continue
        current = shown[-1]
        rows.append(
            {
                "indicator": indicator,
                "source": source.source,
                "until": add_months(current["period_start"], 11),
                "current": current,
                "previous": shown[-2] if len(shown) > 1 else None,
            }
        )
    return rows


#: Columns that reveal a withheld count (count × 100,000 / population = rate; the rank places it).
WITHHELD_WITH_COUNT = (
    "count", "rate", "rate_lower", "rate_upper", "value", "value_lower", "value_upper", "population",
    "rank", "rank_best", "rank_worst",
)  # fmt: skip


def map_source(municipality: Municipality, indicator: Indicator) -> str | None:
    """The point-level source that records the indicator most (police and prosecutors both locate incidents,
    and a prosecutors' file of homicides says nothing about robberies)."""
    best, best_count = None, -1
    for info in services.available_sources(municipality):
        if not info.point_level:
            continue
        windows = disclosure.public_values(municipality, info.source, indicator).filter(
            pl.col("level").is_null() & (pl.col("period") == "12m")
        )
        count = int(windows.get_column("count").fill_null(0).max() or 0) if windows.height else 0
        if count > best_count:
            best, best_count = info.source, count
    return best


def public_territories(
    municipality: Municipality, indicator: Indicator, until: dt.date | None = None
) -> tuple[str | None, str | None, pl.DataFrame]:
    """The published indicator by territory (source, top territorial level, table) over the last 12 months (those
    ending at ``until``, when given), from the suppressed table."""

    source = map_source(municipality, indicator)
    top = (
        Territory.objects.filter(municipality=municipality, parent__isnull=True)
        .order_by("level")
        .values_list("level", flat=True)
        .first()
    )
    if source is None or top is None:
        return source, None, pl.DataFrame()
    windows = disclosure.public_values(municipality, source, indicator).filter(
        (pl.col("level") == top) & (pl.col("period") == "12m")
    )
    if until is not None:
        windows = windows.filter(pl.col("period_start") <= add_months(until, -11))
    if windows.is_empty():
        return source, top, windows
    start = windows.get_column("period_start").max()
    totals = windows.filter(pl.col("period_start") == start).select("territory_code", "count", "months")
    reader = services.StoredValuesReader(municipality, source)
    table = services.rank_territories(reader, indicator, top, totals, start, add_months(start, 11))
    # A withheld territory shows nothing but its name: its count, and every figure a count could be recovered
    # from (rate or value with its interval, population, rank), are withheld in the page, map and GeoJSON alike.
    # A percentage's denominator is never shown (count ÷ percentage would give it back) and a percentage of a
    # small denominator is withheld too.
    withheld = pl.col("count").is_null()
    if "denominator" in table.columns:
        withheld = withheld | (pl.col("denominator") < THRESHOLD)
        table = table.with_columns(withheld.alias("suppressed")).drop("denominator")
    else:
        table = table.with_columns(withheld.alias("suppressed"))
    columns = [c for c in WITHHELD_WITH_COUNT if c in table.columns]
    return (
        source,
        top,
        table.with_columns(pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in columns),
    )


def download_records(municipality: Municipality) -> list[dict]:
    """The rows of the download (CSV here, JSON in the open-data catalogue): withheld counts are empty."""
    records = []
    for r in public_table(municipality):
        current, previous = r["current"], r["previous"] or {}
        records.append(
            {
                "municipio": municipality.code,
                "indicador": r["indicator"].code,
                "fuente": r["source"],
                "hasta": r["until"].isoformat(),
                "hechos_12_meses": current["count"],
                "tasa_100k": None if current["rate"] is None else round(current["rate"], 2),
                "reservado": "sí" if current["withheld"] else "no",
                "hechos_12_meses_anteriores": previous.get("count"),
                "reservado_anteriores": "sí" if previous.get("withheld") else "no",
            }
        )
    return records
