"""The portal's one suppressed table: every count the public outputs can show, and which of them are withheld.

For a municipality and source, :func:`build_public_table` lists every cell an anonymous visitor can reach for
the published indicators — months, quarters, years and the two rolling twelve-month windows at municipality level;
years and the two windows per territory of a point-level source (months per territory would make the small cells
so many that protecting them would withhold most of the map) — with every additive relation between them (time,
territory hierarchy, an indicator inside another), and applies primary and secondary suppression
(:mod:`atalaya.analysis.disclosure`). :func:`refresh_public_values` stores the result in
:class:`~atalaya.indicators.models.PublicValue` after each import; :func:`public_values` reads it (rebuilding it
when the data or the publications changed); :func:`audit_portal` audits what is stored, as ``atalaya portal audit``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl
from django.db import transaction

from atalaya.analysis import disclosure
from atalaya.analysis import indicators as calc
from atalaya.analysis.parsing import add_months
from atalaya.cube.reading import NO_TERRITORY
from atalaya.geo.models import Municipality, Territory

from . import services
from .models import Indicator, IndicatorSnapshot, Publication, PublicValue

MUNICIPALITY_NODE = "municipio"
#: What is published per node: everything at municipality level; years and rolling windows per territory.
MUNICIPALITY_PERIODS = ("month", "quarter", "year", "12m")
TERRITORY_PERIODS = ("year", "12m")
#: The key of a published period, as stored and as served.
PERIOD_KEY = {
    "indicator": pl.String,
    "level": pl.String,
    "territory_code": pl.String,
    "period": pl.String,
    "period_start": pl.Date,
}


@dataclass
class PublicTable:
    """Every cell (published and hidden) with ``indicator``, ``level``, ``territory_code``, ``primary`` and
    ``withheld``; the relations between them; and ``shown``: the published periods, one row each."""

    cells: pl.DataFrame
    relations: list[disclosure.Relation]
    shown: pl.DataFrame


def _node(indicator: str, level: str | None, code: str | None) -> str:
    return f"{indicator}|{MUNICIPALITY_NODE if level is None else f'{level}:{code}'}"


def published_indicators(municipality: Municipality) -> list[Indicator]:
    return [
        p.indicator
        for p in Publication.objects.filter(municipality=municipality, is_public=True)
        .select_related("indicator")
        .order_by("indicator__order", "indicator__code")
    ]


def _periods(months: list, kinds: tuple[str, ...]) -> list[tuple[str, object]]:
    """The periods of ``kinds`` over the covered months: every month, quarter and (calendar) year they touch,
    and the last twelve months with the twelve before them (when covered)."""
    first, last = min(months), max(months)
    periods = []
    if "month" in kinds:
        periods += [("month", m) for m in months]
    if "quarter" in kinds:
        periods += [("quarter", q) for q in sorted({m.replace(month=(m.month - 1) // 3 * 3 + 1) for m in months})]
    if "year" in kinds:
        periods += [("year", y) for y in sorted({m.replace(month=1) for m in months})]
    if "12m" in kinds:  # the last window even when fewer months are covered (``months`` says how many)
        periods.append(("12m", add_months(last, -11)))
        if add_months(last, -23) >= first:
            periods.append(("12m", add_months(last, -23)))
    return periods


def build_public_table(
    municipality: Municipality, source: str, *, secondary: bool = True, withheld: pl.DataFrame | None = None
) -> PublicTable:
    """The published indicators of a municipality and source as one table, suppressed.

    ``secondary=False`` applies the primary rule alone (what the portal did before: for the audit to show the
    difference); ``withheld`` (the stored table) takes the withheld cells from what is served instead of
    computing them — the audit checks what visitors actually get.
    """
    indicators = published_indicators(municipality)
    reader = services.StoredValuesReader(municipality, source)
    territories = list(Territory.objects.filter(municipality=municipality).values_list("code", "level", "parent__code"))
    levels: list[str | None] = [None]
    if reader.snapshot.point_level:
        levels += sorted({level for _code, level, _parent in territories})
    monthly_parts, shown_parts = [], []
    for indicator in indicators:
        for level in levels:
            monthly = reader.monthly(indicator, level)
            if monthly.is_empty():
                continue
            monthly_parts.append(
                monthly.select(
                    pl.lit(indicator.code).alias("indicator"), pl.lit(level, pl.String).alias("level"), pl.all()
                )
            )
            kinds = MUNICIPALITY_PERIODS if level is None else TERRITORY_PERIODS
            periods = _periods(sorted(set(monthly.get_column("period_start"))), kinds)
            codes = [None] if level is None else [c for c, lvl, _p in territories if lvl == level]
            shown_parts.append(
                pl.DataFrame(
                    [(indicator.code, level, code, period, start) for code in codes for period, start in periods],
                    schema=PERIOD_KEY,
                    orient="row",
                )
            )
    if not monthly_parts:
        empty = pl.DataFrame(schema={**PERIOD_KEY, "cell": pl.UInt32})
        return PublicTable(empty, [], empty)
    with_node = pl.struct("indicator", "level", "territory_code").map_elements(
        lambda r: _node(r["indicator"], r["level"], r["territory_code"]), return_dtype=pl.String
    )
    monthly = pl.concat(monthly_parts).with_columns(with_node.alias("node"))
    shown = pl.concat(shown_parts).with_columns(with_node.alias("node"))
    space = _space_relations(monthly, indicators, reader, levels[1:], territories)
    table = disclosure.span_table(monthly, shown, space)
    keys = monthly.select("node", "indicator", "level", "territory_code").unique("node")
    cells = table.cells.join(keys, on="node", how="left")
    values = cells.get_column("value").to_numpy().astype(float)
    published = cells.get_column("published").to_numpy()
    primary = disclosure.primary(values) & published
    if withheld is not None:
        served = table.shown.join(
            withheld.select(*PERIOD_KEY, "count"),
            on=list(PERIOD_KEY),
            how="left",
            nulls_equal=True,
        )
        hidden_cells = set(served.filter(pl.col("count").is_null()).get_column("cell"))
        suppressed = cells.get_column("cell").is_in(list(hidden_cells)).to_numpy() & published
    elif secondary:
        # Withhold the shortest periods first (a month before its quarter, a quarter before its year), the smallest
        # first among equals: the annual and twelve-month figures are the ones visitors read.
        months = cells.get_column("months").to_numpy()
        suppressed = disclosure.secondary_suppression(
            values,
            table.relations,
            published=published,
            cost=months * 1e9 + values,
            give_back=(months >= 12) & cells.get_column("level").is_null().to_numpy(),  # the municipality's years
        )
    else:
        suppressed = primary
    cells = cells.with_columns(pl.Series("primary", primary), pl.Series("withheld", suppressed))
    return PublicTable(cells, table.relations, table.shown)


def _space_relations(
    monthly: pl.DataFrame, indicators: list[Indicator], reader, levels: list[str], territories
) -> list[tuple[str, list[str], bool]]:
    """The additive relations between nodes, per indicator: the municipality is each level's territories plus
    that level's unplaced incidents; a territory is its children (open when they do not add up: some incidents
    have no child). And between indicators: one whose categories contain another's is that one plus the rest."""
    totals = dict(monthly.group_by("node").agg(pl.col("count").sum()).iter_rows())
    by_indicator: dict[str, list[tuple[str | None, str | None]]] = {}
    relations = []
    level_of = {code: level for code, level, _parent in territories}
    for indicator in indicators:
        code = indicator.code
        nodes = [(None, None)]
        for level in levels:
            parts = [(level, c) for c, lvl, _p in territories if lvl == level] + [(level, NO_TERRITORY)]
            nodes += parts
            relations.append((_node(code, None, None), [_node(code, *p) for p in parts]))
        children: dict[str, list[str]] = {}
        for child, level, parent in territories:
            if parent is not None and parent in level_of:
                children.setdefault(_node(code, level_of[parent], parent), []).append(_node(code, level, child))
        relations += list(children.items())
        by_indicator[code] = nodes
    relations = [(total, parts, not _adds_up(totals, total, parts)) for total, parts in relations]
    for total, parts, is_open in _containment(indicators, reader):
        for level, territory in by_indicator[total]:
            relations.append((_node(total, level, territory), [_node(p, level, territory) for p in parts], is_open))
    return [(t, [p for p in parts if p in totals], o) for t, parts, o in relations if t in totals]


@dataclass(frozen=True)
class _Counted:
    """What an indicator counts: a measure, categories and (victims) filters by sex or age group."""

    measure: str
    categories: frozenset
    filters: tuple[tuple[str, frozenset], ...]

    def within(self, other: _Counted) -> bool:
        """Every unit this one counts, ``other`` counts too."""
        mine = dict(self.filters)
        return (
            self.measure == other.measure
            and self.categories <= other.categories
            and all(key in mine and mine[key] <= values for key, values in other.filters)
        )

    def apart(self, other: _Counted) -> bool:
        """No unit is counted by both."""
        theirs = dict(other.filters)
        return not (self.categories & other.categories) or any(
            key in theirs and not (values & theirs[key]) for key, values in self.filters
        )


def _containment(indicators: list[Indicator], reader) -> list[tuple[str, list[str], bool]]:
    """``(indicator, indicators inside it, open)``: robberies = violent robberies + the other robberies; victims
    of homicide ⊇ women victims of homicide. Closed only when the parts are counts of incidents whose categories
    make up the whole; with victim filters the rest (men, unknown sex) is an unpublished remainder."""
    from atalaya.taxonomy.services import harmonised_table

    table = harmonised_table()
    counted = {
        i.code: _Counted(
            i.measure,
            frozenset(calc.select_categories(table, i.numerator).to_list()),
            tuple(sorted((k, frozenset(v)) for k, v in (i.filters or {}).items() if v))
            if i.measure == "victimas"
            else (),
        )
        for i in indicators
    }
    relations = []
    for code, whole in counted.items():
        inside = sorted(
            (
                c
                for c, part in counted.items()
                if c != code and part.categories and part.within(whole) and (part != whole or c < code)
            ),
            key=lambda c: (-len(counted[c].categories), len(counted[c].filters), c),
        )
        chosen: list[str] = []
        for other in inside:  # the largest ones, each apart from those already taken
            if all(counted[other].apart(counted[taken]) for taken in chosen):
                chosen.append(other)
        if chosen:
            covered = frozenset().union(*(counted[c].categories for c in chosen))
            exact = covered == whole.categories and not any(counted[c].filters != whole.filters for c in chosen)
            relations.append((code, chosen, not exact))
    return relations


def _adds_up(totals: dict[str, int], total: str, parts: list[str]) -> bool:
    return total in totals and totals[total] == sum(totals.get(p, 0) for p in parts)


def _fingerprint(snapshot: IndicatorSnapshot, indicators: list[Indicator]) -> str:
    """Changes when the values are recomputed or the publications change: the stored table is then stale."""
    key = f"{snapshot.fingerprint}|{snapshot.refreshed_at.isoformat()}|{disclosure.THRESHOLD}|"
    key += ",".join(f"{i.code}:{i.updated_at.isoformat()}" for i in indicators)
    return hashlib.sha256(key.encode()).hexdigest()


def refresh_public_values(municipality: Municipality, source: str) -> int:
    """Rebuild and store the suppressed table of a municipality and source. Returns the stored cells."""
    table = build_public_table(municipality, source)
    if table.shown.is_empty():  # nothing published for this source
        rows = pl.DataFrame()
    else:
        rows = table.shown.join(
            table.cells.select("cell", "value", "withheld", "months"), on="cell", how="left"
        ).with_columns(pl.when(pl.col("withheld")).then(None).otherwise(pl.col("value")).alias("count"))
    indicator_ids = dict(Indicator.objects.values_list("code", "pk"))
    snapshot = IndicatorSnapshot.objects.get(municipality=municipality, source=source)
    with transaction.atomic():
        PublicValue.objects.filter(municipality=municipality, source=source).delete()
        PublicValue.objects.bulk_create(
            PublicValue(
                municipality=municipality,
                source=source,
                indicator_id=indicator_ids[r["indicator"]],
                level=r["level"] or "",
                territory_code=r["territory_code"] or "",
                period=r["period"],
                period_start=r["period_start"],
                months=r["months"],
                count=r["count"],
            )
            for r in rows.iter_rows(named=True)
        )
        snapshot.public_fingerprint = _fingerprint(snapshot, published_indicators(municipality))
        IndicatorSnapshot.objects.filter(pk=snapshot.pk).update(public_fingerprint=snapshot.public_fingerprint)
    return rows.height


def public_values(municipality: Municipality, source: str, indicator: Indicator | None = None) -> pl.DataFrame:
    """The stored suppressed table (``count`` empty when withheld), rebuilt first if stale."""
    reader = services.StoredValuesReader(municipality, source)
    if reader.snapshot.public_fingerprint != _fingerprint(reader.snapshot, published_indicators(municipality)):
        refresh_public_values(municipality, source)
    rows = PublicValue.objects.filter(municipality=municipality, source=source)
    if indicator is not None:
        rows = rows.filter(indicator=indicator)
    frame = pl.DataFrame(
        list(
            rows.values_list("indicator__code", "level", "territory_code", "period", "period_start", "months", "count")
        ),
        schema={**PERIOD_KEY, "months": pl.Int64, "count": pl.Int64},
        orient="row",
    )
    return frame.with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in ("level", "territory_code")
    )


def with_public_rates(values: pl.DataFrame, municipality: Municipality, source: str, level: str | None) -> pl.DataFrame:
    """Public values of one level with ``withheld``, and population and rate (per 100,000, over the period, with
    its interval) only where the count is shown: a rate or a population beside a withheld count gives it back."""
    reader = services.StoredValuesReader(municipality, source)
    values = values.with_columns(
        pl.struct("period_start", "months")
        .map_elements(lambda r: add_months(r["period_start"], r["months"] - 1).year, return_dtype=pl.Int64)
        .alias("year")
    )
    years = sorted(set(values.get_column("year"))) or [0]
    pops = reader.populations(years, level).select("territory_code", "year", "population")
    rated = calc.with_rates(values.join(pops, on=["territory_code", "year"], how="left", nulls_equal=True))
    withheld = pl.col("count").is_null()
    return rated.drop("year").with_columns(
        withheld.alias("withheld"),
        *[
            pl.when(withheld).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("population", "rate", "rate_lower", "rate_upper")
        ],
    )


def refresh_after_import(municipality_ids: list[int], source: str, dataset=None) -> None:
    """Hook run after the values are refreshed (same transaction): the public table moves with the data."""
    for municipality in Municipality.objects.filter(pk__in=municipality_ids, publications__is_public=True).distinct():
        refresh_public_values(municipality, source)


@dataclass
class AuditResult:
    municipality: str
    source: str
    indicators: int
    cells: int
    primary: int
    suppressed: int
    leaks: dict[int, tuple[float, float]]
    described: dict[int, str]


def audit_source(municipality: Municipality, source: str, *, primary_only: bool = False) -> AuditResult:
    """The linear-programming audit of what a municipality serves for a source (``primary_only``: of the
    primary rule alone, to show what it would reveal)."""
    if primary_only:
        table = build_public_table(municipality, source, secondary=False)
    else:
        table = build_public_table(municipality, source, withheld=public_values(municipality, source))
    cells = table.cells
    leaks: dict[int, tuple[float, float]] = {}
    if not cells.is_empty():
        values = cells.get_column("value").to_numpy().astype(float)
        hidden = cells.get_column("withheld").to_numpy() | ~cells.get_column("published").to_numpy()
        leaks = disclosure.unprotected(values, hidden, table.relations, cells.get_column("primary").to_numpy())
    described = {}
    for cell in list(leaks)[:20]:
        row = cells.row(cell, named=True)
        where = row["territory_code"] or MUNICIPALITY_NODE
        described[cell] = f"{row['indicator']} {where} {row['period']} {row['period_start']}"
    return AuditResult(
        municipality.code,
        source,
        len(set(cells.get_column("indicator"))) if cells.height else 0,
        int(cells.get_column("published").sum()) if cells.height else 0,
        int(cells.get_column("primary").sum()) if cells.height else 0,
        int(cells.get_column("withheld").sum()) if cells.height else 0,
        leaks,
        described,
    )


def audit_portal(*, primary_only: bool = False, municipality_code: str | None = None) -> list[AuditResult]:
    """Audit every municipality that publishes, for each of its sources."""
    municipalities = Municipality.objects.filter(publications__is_public=True).distinct().order_by("code")
    if municipality_code:
        municipalities = municipalities.filter(code=municipality_code)
    return [
        audit_source(municipality, info.source, primary_only=primary_only)
        for municipality in municipalities
        for info in services.available_sources(municipality)
    ]
