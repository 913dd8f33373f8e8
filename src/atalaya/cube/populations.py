"""Populations for rates: the municipality's or each territory's, interpolated to the years a series needs."""

from __future__ import annotations

import polars as pl

from atalaya.analysis import indicators as calc
from atalaya.geo.models import Municipality, Population, Territory

from .reading import territory_codes

SCHEMA = {"territory_code": pl.String, "year": pl.Int64, "population": pl.Float64}


def populations(municipality: Municipality, years: list[int], level: str | None = None) -> pl.DataFrame:
    """``territory_code, year, population``: the municipality's (level None) or each territory's, interpolated.

    A territory without its own population gets the sum of its leaf territories' populations.
    """
    if not level:
        known = pl.DataFrame(
            list(Population.objects.filter(municipality=municipality, territory=None).values_list("year", "value")),
            schema={"year": pl.Int64, "population": pl.Float64},
            orient="row",
        )
        if known.is_empty():
            return pl.DataFrame(schema=SCHEMA)
        return calc.interpolate_population(known, years).select(
            pl.lit(None, pl.String).alias("territory_code"), "year", "population"
        )
    rows = list(
        Population.objects.filter(municipality=municipality, territory__isnull=False).values_list(
            "territory_id", "year", "value"
        )
    )
    known = pl.DataFrame(
        rows, schema={"territory_id": pl.Int64, "year": pl.Int64, "population": pl.Float64}, orient="row"
    )
    if known.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    per_territory = calc.interpolate_population(known, years, by=["territory_id"])
    at_level = list(
        Territory.objects.filter(municipality=municipality, level__iexact=level).values_list("pk", flat=True)
    )
    own = (
        territory_codes(per_territory.filter(pl.col("territory_id").is_in(at_level)), level, [municipality.pk])
        if level.casefold() not in ("hoja", "leaf")
        else pl.DataFrame()
    )
    leaves = set(
        Territory.objects.filter(municipality=municipality, children__isnull=True).values_list("pk", flat=True)
    )
    from_leaves = (
        territory_codes(per_territory.filter(pl.col("territory_id").is_in(list(leaves))), level, [municipality.pk])
        .group_by(["territory_code", "year"])
        .agg(pl.col("population").sum())
    )
    if own.is_empty():
        return from_leaves.select("territory_code", "year", "population")
    own = own.select("territory_code", "year", "population")
    missing = from_leaves.join(own, on=["territory_code", "year"], how="anti")
    return pl.concat([own, missing.select(own.columns)])
