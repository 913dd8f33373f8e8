"""The portal's one suppressed table: every count the public outputs can show, and which of them are withheld.

For a published indicator and source, :func:`public_table` lists every cell an anonymous visitor can reach —
months, quarters, years and the two rolling twelve-month windows, at municipality level and at every territorial
level of a point-level source — with the additive relations between them (time, territory hierarchy), and applies
primary and secondary suppression (:mod:`atalaya.analysis.disclosure`). :func:`audit_publication` runs the
linear-programming audit over it; ``atalaya portal audit`` runs it over every publication.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from atalaya.analysis import disclosure
from atalaya.analysis import indicators as calc
from atalaya.analysis.parsing import add_months
from atalaya.datasets.exporting import NO_TERRITORY
from atalaya.geo.models import Municipality, Territory

from . import services
from .models import Indicator, Publication

MUNICIPALITY_NODE = "municipio"


@dataclass
class PublicTable:
    """Cells (``cell, node, level, territory_code, period, period_start, value, primary, suppressed``) and the
    relations between them."""

    cells: pl.DataFrame
    relations: list[disclosure.Relation]


def _node(level: str | None, code: str | None) -> str:
    return MUNICIPALITY_NODE if level is None else f"{level}:{code}"


def public_table(
    municipality: Municipality, indicator: Indicator, source: str, *, secondary: bool = True
) -> PublicTable:
    """Every publishable cell of an indicator and source, suppressed (``secondary=False``: primary only, what
    the portal did before — for the audit to show the difference)."""
    reader = services.StoredValuesReader(municipality, source)
    point_level = any(s.point_level for s in services.available_sources(municipality) if s.source == source)
    levels: list[str | None] = [None]
    territories = list(Territory.objects.filter(municipality=municipality).values_list("code", "level", "parent__code"))
    if point_level:
        levels += sorted({level for _code, level, _parent in territories})
    frames = []
    for level in levels:
        monthly = reader.monthly(indicator, level)
        if monthly.is_empty():
            continue
        last = monthly.get_column("period_start").max()
        parts = [monthly.with_columns(pl.lit("month").alias("period"))]
        for period in ("quarter", "year"):
            parts.append(
                calc.to_period(monthly, period, by=["territory_code"])
                .drop("months")
                .with_columns(pl.lit(period).alias("period"))
            )
        for end in (last, add_months(last, -12)):  # the portal's "últimos 12 meses" and the 12 before
            start = add_months(end, -11)
            window = monthly.filter(pl.col("period_start").is_between(start, end))
            if window.get_column("period_start").n_unique() == 12:
                parts.append(
                    window.group_by("territory_code")
                    .agg(pl.col("count").sum())
                    .with_columns(pl.lit(start).alias("period_start"), pl.lit("12m").alias("period"))
                )
        frame = pl.concat([p.select("territory_code", "period_start", "count", "period") for p in parts])
        frames.append(frame.with_columns(pl.lit(level, pl.String).alias("level")))
    if not frames:
        empty = pl.DataFrame(schema={"cell": pl.UInt32, "node": pl.String, "value": pl.Int64})
        return PublicTable(empty, [])
    cells = (
        pl.concat(frames)
        .with_columns(
            pl.struct("level", "territory_code")
            .map_elements(lambda r: _node(r["level"], r["territory_code"]), return_dtype=pl.String)
            .alias("node"),
            pl.col("count").alias("value"),
        )
        .sort("level", "territory_code", "period", "period_start", nulls_last=False)
        .with_row_index("cell")
    )
    space = _space_relations(cells, levels[1:], territories)
    relations = disclosure.hierarchy_relations(cells, space)
    values = cells.get_column("value").to_numpy().astype(float)
    primary = disclosure.primary(values)
    suppressed = disclosure.secondary_suppression(values, relations) if secondary else primary
    cells = cells.with_columns(pl.Series("primary", primary), pl.Series("suppressed", suppressed))
    return PublicTable(cells.drop("count"), relations)


def _space_relations(cells: pl.DataFrame, levels: list[str], territories) -> list[tuple[str, list[str], bool]]:
    """The municipality is each level's territories plus that level's unplaced incidents; a territory is its
    children. A relation is closed only when the stored values add up (otherwise an unknown remainder exists)."""
    totals = dict(cells.filter(pl.col("period") == "month").group_by("node").agg(pl.col("value").sum()).iter_rows())
    relations = []
    for level in levels:
        parts = [_node(level, code) for code, lvl, _parent in territories if lvl == level]
        parts.append(_node(level, NO_TERRITORY))
        relations.append((MUNICIPALITY_NODE, parts, _adds_up(totals, MUNICIPALITY_NODE, parts)))
    level_of = {code: level for code, level, _parent in territories}
    children: dict[str, list[str]] = {}
    for code, level, parent in territories:
        if parent is not None and parent in level_of:
            children.setdefault(_node(level_of[parent], parent), []).append(_node(level, code))
    for parent, kids in children.items():
        relations.append((parent, kids, _adds_up(totals, parent, kids)))
    return [(total, parts, not closed) for total, parts, closed in relations]


def _adds_up(totals: dict[str, int], total: str, parts: list[str]) -> bool:
    return total in totals and totals[total] == sum(totals.get(p, 0) for p in parts)


@dataclass
class AuditResult:
    municipality: str
    indicator: str
    source: str
    cells: int
    primary: int
    suppressed: int
    leaks: dict[int, tuple[float, float]]


def audit_publication(publication: Publication, source: str, *, secondary: bool = True) -> AuditResult:
    table = public_table(publication.municipality, publication.indicator, source, secondary=secondary)
    cells = table.cells
    if cells.is_empty():
        leaks = {}
    else:
        values = cells.get_column("value").to_numpy().astype(float)
        leaks = disclosure.unprotected(
            values,
            cells.get_column("suppressed").to_numpy(),
            table.relations,
            cells.get_column("primary").to_numpy(),
        )
    return AuditResult(
        publication.municipality.code,
        publication.indicator.code,
        source,
        cells.height,
        int(cells.get_column("primary").sum()) if cells.height else 0,
        int(cells.get_column("suppressed").sum()) if cells.height else 0,
        leaks,
    )


def audit_portal(*, secondary: bool = True, municipality_code: str | None = None) -> list[AuditResult]:
    """Audit every public publication and source (``secondary=False``: the primary-only rule)."""
    publications = Publication.objects.filter(is_public=True).select_related("municipality", "indicator")
    if municipality_code:
        publications = publications.filter(municipality__code=municipality_code)
    results = []
    for publication in publications.order_by("municipality__code", "indicator__order"):
        for info in services.available_sources(publication.municipality):
            results.append(audit_publication(publication, info.source, secondary=secondary))
    return results
