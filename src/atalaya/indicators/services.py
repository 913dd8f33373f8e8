"""Indicator values for a municipality, read from the monthly cube and computed with ``analysis.indicators``."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from itertools import chain

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.db.models import Count, Max

from atalaya.analysis import indicators as calc
from atalaya.analysis.parsing import month_range, trailing_window
from atalaya.cube.populations import populations
from atalaya.cube.reading import (
    CRIME_MEASURES,
    NO_TERRITORY,
    SourceInfo,
    published_months,
    source_info,
    source_months,
    sources_for,
    territory_codes,
    territory_keys,
)
from atalaya.datasets.choices import DatasetStatus
from atalaya.datasets.models import Dataset
from atalaya.geo.models import Municipality, Population, Territory
from atalaya.taxonomy.services import harmonised_table

from .models import Indicator

#: Measures of published counts that indicators read (victims are a separate measure, not mixed with crimes).


@transaction.atomic
def sync_builtin_indicators() -> int:
    """Create the seeded catalogue (``indicators/data/catalogue.json``); analysts' edits are kept."""
    text = resources.files("atalaya.indicators").joinpath("data/catalogue.json").read_text(encoding="utf-8")
    created = 0
    for item in json.loads(text):
        _, new = Indicator.objects.get_or_create(
            code=item["code"],
            defaults={
                "measure": item.get("measure", "hechos"),
                "filters": item.get("filters", {}),
                "name": item["name"],
                "name_en": item.get("name_en", ""),
                "description": item.get("description", ""),
                "numerator": item["numerator"],
                "unit": item.get("unit", "tasa"),
                "better": item.get("better", "menor"),
                "order": item.get("order", 100),
                "is_builtin": True,
                "methodology": item.get("methodology", DEFAULT_METHODOLOGY),
            },
        )
        created += new
    return created


DEFAULT_METHODOLOGY = (
    "Numerador: hechos registrados por la fuente en las categorías del indicador, según la tabla de "
    "correspondencia activa. Denominador: población del territorio, interpolada linealmente entre años censales "
    "o de proyección. Tasa anual: hechos de los últimos 12 meses por 100.000 habitantes. Intervalos de confianza "
    "exactos de Poisson al 95 %. Un cambio se marca significativo cuando la prueba exacta condicional de dos "
    "conteos de Poisson da p < 0,05. Los meses que la fuente no publicó no cuentan como cero."
)


def available_sources(municipality: Municipality) -> list[SourceInfo]:
    """Sources with precomputed indicator values (cheap), falling back to the cube when there are none yet."""
    from .models import IndicatorSnapshot

    snapshots = IndicatorSnapshot.objects.filter(municipality=municipality, last_month__isnull=False)
    infos = [SourceInfo(s.source, s.point_level, s.first_month, s.last_month) for s in snapshots]
    if not infos:
        return sources_for(municipality)
    return sorted(infos, key=lambda s: (not s.point_level, s.source))


def covered_months(municipality: Municipality, source: str) -> list[dt.date]:
    """Months the source covers: those it published (counts) or inside its datasets' periods (incidents)."""
    published = published_months(municipality.pk, source)
    spans = Dataset.objects.filter(
        municipalities=municipality, source=source, status=DatasetStatus.IMPORTED
    ).values_list("period_start", "period_end")
    for first, last in spans:
        if first and last:
            published.update(month_range(first, last))
    return sorted(published)


class CubeReader:
    """One municipality and source, read from the monthly cube once and then sliced in memory per indicator.

    A dashboard asks for a dozen indicators; each used to be a query. The cube of a source is bounded by
    territories × categories × months (not by the number of incidents), so one read serves them all.
    """

    def __init__(self, municipality: Municipality, source: str):
        self.municipality = municipality
        self.source = source
        self.categories = harmonised_table()
        self.months = covered_months(municipality, source)
        cells = source_months(municipality.pk, source)
        self.info = source_info(source, cells)
        self.frame = (
            cells.filter(pl.col("measure").is_in(CRIME_MEASURES))
            .group_by(["territory_id", "category_id", "period_start"])
            .agg(pl.col("count").sum())
        )
        self._populations: dict = {}
        self._victims: pl.DataFrame | None = None
        self._levels: dict = {}

    @property
    def victims(self) -> pl.DataFrame:
        """Published victim counts (SESNSP víctimas) with sex and age range, read on first use."""
        if self._victims is None:
            from atalaya.datasets.models import AggregateCount

            rows = AggregateCount.objects.filter(
                municipality=self.municipality, source=self.source, measure="victimas"
            ).values_list("category_id", "period_start", "sex", "age_group", "count")
            self._victims = pl.DataFrame(
                list(rows),
                schema={
                    "category_id": pl.Int64,
                    "period_start": pl.Date,
                    "sex": pl.String,
                    "age_group": pl.String,
                    "count": pl.Int64,
                },
                orient="row",
            )
        return self._victims

    def _victim_monthly(self, indicator: Indicator, level: str | None) -> pl.DataFrame:
        """Victims are published for the municipality only: no territorial levels."""
        schema = {"territory_code": pl.String, "period_start": pl.Date, "count": pl.Int64}
        victims = self.victims
        if level or victims.is_empty():
            return pl.DataFrame(schema=schema)
        months = victims.get_column("period_start").unique().sort()
        category_ids = calc.select_categories(self.categories, indicator.numerator)
        chosen = victims.filter(pl.col("category_id").is_in(category_ids.implode()))
        for column in ("sex", "age_group"):
            allowed = (indicator.filters or {}).get(column)
            if allowed:
                chosen = chosen.filter(pl.col(column).is_in(allowed))
        totals = chosen.group_by("period_start").agg(pl.col("count").sum())
        return (
            pl.DataFrame({"period_start": months})
            .join(totals, on="period_start", how="left")
            .with_columns(pl.col("count").fill_null(0), pl.lit(None, pl.String).alias("territory_code"))
            .select("territory_code", "period_start", "count")
            .sort("period_start")
        )

    def monthly(self, indicator: Indicator, level: str | None = None) -> pl.DataFrame:
        """``territory_code, period_start, count`` of an indicator, zero-filled over the covered months."""
        if indicator.measure == "victimas":
            return self._victim_monthly(indicator, level)
        category_ids = calc.select_categories(self.categories, indicator.numerator)
        coded, grid = self._level(level)
        frame = (
            coded.filter(pl.col("category_id").is_in(category_ids.implode()))
            .group_by(["territory_code", "period_start"])
            .agg(pl.col("count").sum())
        )
        out = grid.join(frame, on=["territory_code", "period_start"], how="left", nulls_equal=True)
        return out.with_columns(pl.col("count").fill_null(0)).sort(["territory_code", "period_start"], nulls_last=True)

    def _level(self, level: str | None) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The cube with each row's territory at ``level``, and the territory × month grid to zero-fill: built
        once per level, not once per indicator (a dashboard refresh asks for a dozen indicators per level)."""
        if level not in self._levels:
            if level:
                coded = territory_codes(self.frame, level, [self.municipality.pk])
            else:
                coded = self.frame.with_columns(pl.lit(None, pl.String).alias("territory_code"))
            keys = territory_keys(self.municipality, level)
            grid = pl.DataFrame({"territory_code": keys}, schema={"territory_code": pl.String}).join(
                pl.DataFrame({"period_start": self.months}, schema={"period_start": pl.Date}), how="cross"
            )
            self._levels[level] = (coded, grid)
        return self._levels[level]

    def monthly_many(self, indicators: list[Indicator]) -> pl.DataFrame:
        """``indicator_id, period_start, count`` at municipality level for several indicators."""
        parts = [
            self.monthly(ind).select(pl.lit(ind.pk).alias("indicator_id"), "period_start", "count")
            for ind in indicators
        ]
        return pl.concat(parts) if parts else pl.DataFrame()

    def populations(self, years: list[int], level: str | None = None) -> pl.DataFrame:
        key = (tuple(years), level)
        if key not in self._populations:
            self._populations[key] = populations(self.municipality, years, level)
        return self._populations[key]


def applies_to(indicator: Indicator, source: str) -> bool:
    """An indicator restricted to some sources (``sources``) is not shown for the others."""
    return not indicator.sources or source in indicator.sources


def headline(reader: CubeReader, indicator: Indicator, until: dt.date | None = None) -> dict:
    """The card of one indicator (see :func:`headlines`)."""
    return headlines(reader, [indicator], until)[0]


def headlines(reader, indicators: list[Indicator], until: dt.date | None = None) -> list[dict]:
    """Cards of several indicators, computed together: the month ``until`` (default: the last) against the same
    month a year before (with the exact test), the 12 months' annual rate with its interval, and the light."""
    monthly = reader.monthly_many(indicators)
    if until is not None:
        monthly = monthly.filter(pl.col("period_start") <= until)
    if monthly.is_empty():
        return [{"indicator": ind, "empty": True} for ind in indicators]
    by = ["indicator_id"]
    last = monthly.get_column("period_start").max()
    yoy = calc.year_over_year(monthly, by=by).filter(pl.col("period_start") == last)
    rolled = calc.rolling_twelve_months(monthly, by=by).filter(pl.col("period_start") == last)
    lights = calc.semaforo(monthly, by=by).filter(pl.col("period_start") == last)
    ytd = calc.year_to_date(monthly, by=by).filter(pl.col("period_start") == last)
    table = (
        yoy.join(rolled.select(*by, "rolling_12m"), on=by)
        .join(lights.select(*by, "light", "baseline"), on=by)
        .join(ytd.select(*by, "ytd", "ytd_previous"), on=by)
    )
    population = reader.populations([last.year])
    pop = population.get_column("population")[0] if not population.is_empty() else None
    rows = {r["indicator_id"]: r for r in table.to_dicts()}
    denominators = {ind.denominator_id for ind in indicators if ind.unit == "porcentaje" and ind.denominator_id}
    den_totals = {}
    if denominators:
        den_monthly = reader.monthly_many(list(Indicator.objects.filter(pk__in=denominators)))
        den_monthly = den_monthly.filter(pl.col("period_start") <= last)
        den_rolled = calc.rolling_twelve_months(den_monthly, by=by).filter(pl.col("period_start") == last)
        den_totals = dict(den_rolled.select("indicator_id", "rolling_12m").iter_rows())
    values = {}  # indicator id -> (value, lower, upper), computed once per unit
    for unit in {ind.unit for ind in indicators}:
        same = [ind for ind in indicators if ind.unit == unit and ind.pk in rows]
        if not same:
            continue
        frame = pl.DataFrame(
            {
                "id": [ind.pk for ind in same],
                "count": [rows[ind.pk]["rolling_12m"] for ind in same],
                "population": [pop] * len(same),
                "denominator": [den_totals.get(ind.denominator_id) for ind in same],
            },
            schema={"id": pl.Int64, "count": pl.Int64, "population": pl.Float64, "denominator": pl.Int64},
        )
        for r in calc.with_values(frame, unit).iter_rows(named=True):
            values[r["id"]] = (
                (r["value"], r["value_lower"], r["value_upper"]) if r["count"] is not None else (None, None, None)
            )
    cards = []
    for indicator in indicators:
        row = rows.get(indicator.pk)
        if row is None or not applies_to(indicator, reader.source):
            cards.append({"indicator": indicator, "empty": True})
            continue
        value, lower, upper = values[indicator.pk]
        change = row["change"]
        cards.append(
            {
                "indicator": indicator,
                "empty": False,
                "month": last,
                "count": row["count"],
                "previous": row["previous"],
                "change": change,
                "change_pct": row["change_pct"],
                "significant": row["significant"],
                "p_value": row["p_value"],
                "rolling_12m": row["rolling_12m"],
                "unit": indicator.unit,
                "value": value,
                "value_lower": lower,
                "value_upper": upper,
                "light": row["light"],
                "baseline": row["baseline"],
                "ytd": row["ytd"],
                "ytd_previous": row["ytd_previous"],
                "trend": None if change is None else ("sube" if change > 0 else "baja" if change < 0 else "igual"),
            }
        )
    return cards


def ranking(reader: CubeReader, indicator: Indicator, level: str, until: dt.date | None = None) -> pl.DataFrame:
    """Territories of a level over the 12 months ending at ``until`` (default: the last covered month): count,
    population, annual rate, rank range."""
    monthly = reader.monthly(indicator, level)
    if until is not None:
        monthly = monthly.filter(pl.col("period_start") <= until)
    if monthly.is_empty():
        return monthly
    last = monthly.get_column("period_start").max()
    first, _ = trailing_window(last)
    window = monthly.filter(pl.col("period_start").is_between(first, last))
    totals = window.group_by("territory_code").agg(
        pl.col("count").sum(), pl.col("period_start").n_unique().alias("months")
    )
    return rank_territories(reader, indicator, level, totals, first, last)


def rank_territories(
    reader: CubeReader, indicator: Indicator, level: str, totals: pl.DataFrame, first: dt.date, last: dt.date
) -> pl.DataFrame:
    """``totals`` (``territory_code, count, months`` over ``first``–``last``) with name, population, rate or
    percentage and rank range. A territory whose count is empty (withheld on the portal) is listed unranked."""
    pops = reader.populations([last.year], level).select("territory_code", "population")
    names = dict(Territory.objects.filter(municipality=reader.municipality).values_list("code", "name"))
    table = totals.join(pops, on="territory_code", how="left").with_columns(
        pl.col("territory_code").replace_strict(names, default=None, return_dtype=pl.String).alias("name")
    )
    table = calc.with_rates(table)
    if indicator.unit == "porcentaje" and indicator.denominator_id:
        den = reader.monthly(indicator.denominator, level).filter(
            (pl.col("period_start") >= first) & (pl.col("period_start") <= last)
        )
        den_totals = den.group_by("territory_code").agg(pl.col("count").sum().alias("denominator"))
        table = table.join(den_totals, on="territory_code", how="left", nulls_equal=True)
    table = calc.with_values(table, indicator.unit).with_columns(
        pl.when(pl.col("count").is_null()).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("value", "value_lower", "value_upper")
    )
    ranked = calc.rank_with_intervals(
        table.filter((pl.col("territory_code") != NO_TERRITORY) & pl.col("value").is_not_null()),
        value="value",
        lower="value_lower",
        upper="value_upper",
    )
    unranked = table.filter((pl.col("territory_code") == NO_TERRITORY) | pl.col("value").is_null())
    out = pl.concat(
        [ranked, unranked.join(ranked.select("territory_code"), on="territory_code", how="anti")], how="diagonal"
    )
    return out.sort(["rank", "territory_code"], nulls_last=True).with_columns(
        pl.lit(first).alias("window_start"), pl.lit(last).alias("window_end")
    )


def class_breaks(values: np.ndarray, classes: int = 5) -> list[float]:
    """Quantile class breaks (the upper bound of each class), de-duplicated for skewed data."""
    values = values[~np.isnan(values)]
    if values.size == 0:
        return []
    breaks = np.unique(np.quantile(values, np.linspace(0, 1, classes + 1)[1:]))
    return [float(b) for b in breaks]


# ---------------------------------------------------------------------------------------------------------------
# Precomputed values


def definitions_fingerprint() -> str:
    """Changes whenever an indicator definition, a crosswalk mapping or the set of categories changes."""
    import hashlib

    from atalaya.taxonomy.models import CrosswalkEntry, SourceCategory

    digest = hashlib.sha256()
    digest.update(
        json.dumps(
            list(Indicator.objects.order_by("pk").values_list("pk", "numerator", "measure", "filters")),
            sort_keys=True,
            default=str,
        ).encode()
    )
    digest.update(
        json.dumps(
            list(
                CrosswalkEntry.objects.filter(crosswalk__is_active=True)
                .order_by("pk")
                .values_list("source_category_id", "family_id", "iccs_id")
            )
        ).encode()
    )
    categories = SourceCategory.objects.aggregate(n=Count("pk"), last=Max("pk"))
    digest.update(f"{categories['n']}:{categories['last']}".encode())
    return digest.hexdigest()


def refresh_values(municipality: Municipality, source: str, fingerprint: str | None = None) -> int:
    """Recompute every indicator of a municipality and source, at municipality level and every territorial
    level (point-level sources). Returns the number of stored series.

    Counted indicators are computed together, one grouped query per level (the categories each indicator counts
    are a join, not a filter per indicator), and stored as one row per series whose counts follow the months the
    snapshot records (see :class:`~atalaya.indicators.models.IndicatorSeries`)."""
    from atalaya.core.frames import bulk_insert

    from .models import IndicatorSeries, IndicatorSnapshot

    reader = CubeReader(municipality, source)
    info = reader.info
    point_level = bool(info and info.point_level)
    levels: list[str | None] = [None]
    if point_level:
        levels += list(
            Territory.objects.filter(municipality=municipality)
            .order_by("level")
            .values_list("level", flat=True)
            .distinct()
        )
    indicators = list(Indicator.objects.for_municipality(municipality))
    victim_ids = [ind.pk for ind in indicators if ind.measure == "victimas"]
    membership_all = _membership(reader.categories, indicators)
    membership = membership_all.filter(~pl.col("indicator_id").is_in(victim_ids))
    counted = pl.DataFrame(
        {"indicator_id": [ind.pk for ind in indicators if ind.pk not in victim_ids]}, schema={"indicator_id": pl.Int64}
    )
    keys = ["indicator_id", "territory_code", "period_start"]
    parts = []
    for level in levels:
        coded, cells = reader._level(level)
        counts = coded.join(membership, on="category_id").group_by(keys).agg(pl.col("count").sum())
        parts.append(
            counted.join(cells, how="cross")
            .join(counts, on=keys, how="left", nulls_equal=True)
            .with_columns(pl.col("count").fill_null(0), pl.lit(level or "").alias("level"))
        )
    # Victims are published for the municipality only, on their own months.
    for indicator in indicators:
        if indicator.measure == "victimas":
            parts.append(
                reader.monthly(indicator).with_columns(
                    pl.lit(indicator.pk).alias("indicator_id"), pl.lit("").alias("level")
                )
            )
    series = (
        pl.concat([part.select("indicator_id", "level", *keys[1:], "count") for part in parts], how="vertical_relaxed")
        .sort(["indicator_id", "level", "territory_code", "period_start"], nulls_last=True)
        .group_by(["indicator_id", "level", "territory_code"], maintain_order=True)
        .agg(pl.format("[{}]", pl.col("count").cast(pl.String).str.join(",")).alias("counts"))
        .select(
            pl.lit(municipality.pk).alias("municipality_id"),
            pl.lit(source).alias("source"),
            "indicator_id",
            "level",
            pl.col("territory_code").fill_null(""),
            "counts",
        )
    )
    victim_months = reader.victims.get_column("period_start").unique().sort()
    grid = {"months": [m.isoformat() for m in reader.months], "victim_months": [m.isoformat() for m in victim_months]}
    profiles = weekday_hour_profiles(municipality, source, reader, indicators, membership_all) if point_level else {}
    with transaction.atomic():
        IndicatorSeries.objects.filter(municipality=municipality, source=source).delete()
        if not series.is_empty():
            bulk_insert(IndicatorSeries._meta.db_table, series.columns, series)
        IndicatorSnapshot.objects.update_or_create(
            municipality=municipality,
            source=source,
            defaults={
                "fingerprint": fingerprint or definitions_fingerprint(),
                "point_level": point_level,
                "first_month": info.first if info else None,
                "last_month": info.last if info else None,
                "profiles": profiles,
                "grid": grid,
            },
        )
    return series.height


#: Weekday (1 = Monday) and hour in SQL: Django's Extract functions run in Python, row by row, on SQLite.
_ISO_WEEKDAY = {
    "sqlite": "((CAST(strftime('%%w', occurred_on) AS INTEGER) + 6) %% 7) + 1",
    "postgresql": "CAST(EXTRACT(ISODOW FROM occurred_on) AS INTEGER)",
}
_HOUR = {
    "sqlite": "CAST(substr(occurred_time, 1, 2) AS INTEGER)",
    "postgresql": "CAST(EXTRACT(HOUR FROM occurred_time) AS INTEGER)",
}


def _membership(categories: pl.DataFrame, indicators: list[Indicator]) -> pl.DataFrame:
    """``indicator_id, category_id``: which source categories each indicator counts, for joins."""
    schema = {"indicator_id": pl.Int64, "category_id": pl.Int64}
    return pl.concat(
        [
            pl.DataFrame(
                {"indicator_id": ind.pk, "category_id": calc.select_categories(categories, ind.numerator)},
                schema=schema,
            )
            for ind in indicators
        ]
        or [pl.DataFrame(schema=schema)]
    )


def weekday_hour_profiles(
    municipality: Municipality,
    source: str,
    reader: CubeReader,
    indicators: list[Indicator] | None = None,
    membership: pl.DataFrame | None = None,
) -> dict:
    """For each indicator, incidents of the last 12 covered months by weekday (1 = Monday) × hour.

    Only records whose time is known to the minute or hour count. Stored with the values (168 cells per
    indicator) so that the dashboard never scans incidents; the database counts per category, weekday and
    hour (a few thousand rows), instead of handing over every incident of the year; the indicators are then
    summed together through their categories (one join).
    """
    from django.db.models.expressions import RawSQL

    from atalaya.datasets.models import Incident

    if not reader.months:
        return {}
    if indicators is None:
        indicators = list(Indicator.objects.for_municipality(municipality))
    if membership is None:
        membership = _membership(reader.categories, indicators)
    first, _ = trailing_window(reader.months[-1])
    rows = (
        Incident.objects.counted()
        .filter(
            municipality=municipality,
            source=source,
            occurred_on__gte=first,
            occurred_time__isnull=False,
            time_precision__in=["minuto", "hora"],
        )
        .annotate(weekday=RawSQL(_ISO_WEEKDAY[connection.vendor], []), hour=RawSQL(_HOUR[connection.vendor], []))
        .values_list("category_id", "weekday", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = pl.DataFrame(
        list(rows),
        schema={"category_id": pl.Int64, "weekday": pl.Int64, "hour": pl.Int64, "count": pl.Int64},
        orient="row",
    )
    cells = (
        counts.join(membership, on="category_id").group_by("indicator_id", "weekday", "hour").agg(pl.col("count").sum())
    )
    grids = {ind.pk: [[0] * 24 for _ in range(7)] for ind in indicators}
    for indicator_id, weekday, hour, count in cells.iter_rows():
        grids[indicator_id][weekday - 1][hour] = count
    return {ind.code: {"since": first.isoformat(), "weekday_hour": grids[ind.pk]} for ind in indicators}


def refresh_after_import(municipality_ids: list[int], source: str, dataset=None) -> None:
    """Hook run inside the import's transaction: the values move with the data, all or nothing."""
    fingerprint = definitions_fingerprint()
    for municipality in Municipality.objects.filter(pk__in=municipality_ids):
        refresh_values(municipality, source, fingerprint)


def _dates(isoformats: list[str]) -> pl.Series:
    return pl.Series("period_start", [dt.date.fromisoformat(m) for m in isoformats], pl.Date)


def _explode_series(keys: pl.Series, counts: list[list[int]], months: pl.Series) -> pl.DataFrame:
    """``key, period_start, count`` from stored series: each key's counts follow ``months``."""
    n = len(months)
    if any(len(c) != n for c in counts):  # a series stored for another grid: never served misaligned
        raise ValueError("serie de indicador desalineada con los meses del cálculo")
    return pl.DataFrame(
        {
            keys.name: keys.gather(np.repeat(np.arange(len(keys)), n)),
            "period_start": months.gather(np.tile(np.arange(n), len(keys))),
            "count": pl.Series(list(chain.from_iterable(counts)), dtype=pl.Int64),
        }
    )


class StoredValuesReader:
    """Reads precomputed series (same interface as :class:`CubeReader`); refreshes them when stale."""

    def __init__(self, municipality: Municipality, source: str):
        from .models import IndicatorSnapshot

        self.municipality = municipality
        self.source = source
        snapshot = IndicatorSnapshot.objects.filter(municipality=municipality, source=source).first()
        if snapshot is None or snapshot.fingerprint != definitions_fingerprint():
            refresh_values(municipality, source)
            snapshot = IndicatorSnapshot.objects.get(municipality=municipality, source=source)
        self.snapshot = snapshot
        self.months = _dates(snapshot.grid.get("months", []))
        self.victim_months = _dates(snapshot.grid.get("victim_months", []))
        self._populations: dict = {}

    def weekday_hour(self, indicator: Indicator) -> dict | None:
        """The stored weekday × hour table of an indicator (point-level sources only)."""
        return (self.snapshot.profiles or {}).get(indicator.code)

    def _months_of(self, indicator: Indicator) -> pl.Series:
        return self.victim_months if indicator.measure == "victimas" else self.months

    def monthly(self, indicator: Indicator, level: str | None = None) -> pl.DataFrame:
        from .models import IndicatorSeries

        rows = list(
            IndicatorSeries.objects.filter(
                municipality=self.municipality, source=self.source, indicator=indicator, level=level or ""
            ).values_list("territory_code", "counts")
        )
        codes = pl.Series("territory_code", [(code if level else None) for code, _ in rows], pl.String)
        frame = _explode_series(codes, [counts for _, counts in rows], self._months_of(indicator))
        return frame.sort(["territory_code", "period_start"], nulls_last=True)

    def monthly_many(self, indicators: list[Indicator]) -> pl.DataFrame:
        from .models import IndicatorSeries

        rows = dict(
            IndicatorSeries.objects.filter(
                municipality=self.municipality, source=self.source, level="", indicator__in=indicators
            ).values_list("indicator_id", "counts")
        )
        parts = [
            _explode_series(pl.Series("indicator_id", [ind.pk], pl.Int64), [rows[ind.pk]], self._months_of(ind))
            for ind in indicators
            if ind.pk in rows
        ]
        schema = {"indicator_id": pl.Int64, "period_start": pl.Date, "count": pl.Int64}
        return pl.concat(parts).sort(["indicator_id", "period_start"]) if parts else pl.DataFrame(schema=schema)

    populations = CubeReader.populations


def network_ranking(municipalities, indicator: Indicator, source: str) -> pl.DataFrame:
    """Every municipality with values for ``source``: last 12 months, annual rate, rank and rank range.

    Municipalities are only compared within one source (SESNSP with SESNSP, CEAD with CEAD): different sources
    count different things. Stale values are refreshed first.
    """
    from .models import IndicatorSeries, IndicatorSnapshot

    fingerprint = definitions_fingerprint()
    ids = list(municipalities.values_list("pk", flat=True))
    for snapshot in (
        IndicatorSnapshot.objects.filter(municipality_id__in=ids, source=source)
        .exclude(fingerprint=fingerprint)
        .select_related("municipality")
    ):
        refresh_values(snapshot.municipality, source, fingerprint)
    grids = dict(
        IndicatorSnapshot.objects.filter(municipality_id__in=ids, source=source).values_list("municipality_id", "grid")
    )
    kind = "victim_months" if indicator.measure == "victimas" else "months"
    parts = [
        _explode_series(pl.Series("municipality_id", [mid], pl.Int64), [counts], _dates(grids[mid].get(kind, [])))
        for mid, counts in IndicatorSeries.objects.filter(
            municipality_id__in=ids, source=source, indicator=indicator, level=""
        ).values_list("municipality_id", "counts")
    ]
    schema = {"municipality_id": pl.Int64, "period_start": pl.Date, "count": pl.Int64}
    monthly = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    if monthly.is_empty():
        return monthly
    rolled = calc.rolling_twelve_months(monthly, by=["municipality_id"])
    last = rolled.group_by("municipality_id").agg(pl.col("period_start").max().alias("period_start"))
    latest = rolled.join(last, on=["municipality_id", "period_start"])
    years = sorted({d.year for d in latest.get_column("period_start")})
    known = pl.DataFrame(
        list(
            Population.objects.filter(municipality_id__in=ids, territory=None).values_list(
                "municipality_id", "year", "value"
            )
        ),
        schema={"municipality_id": pl.Int64, "year": pl.Int64, "population": pl.Float64},
        orient="row",
    )
    pops = calc.interpolate_population(known, years, by=["municipality_id"]) if not known.is_empty() else known
    latest = latest.with_columns(pl.col("period_start").dt.year().alias("year")).join(
        pops.select("municipality_id", "year", "population"), on=["municipality_id", "year"], how="left"
    )
    table = calc.with_rates(latest.drop("count").rename({"rolling_12m": "count"}))
    names = {m.pk: (m.code, m.name) for m in municipalities}
    table = table.with_columns(
        pl.col("municipality_id")
        .replace_strict({k: v[0] for k, v in names.items()}, return_dtype=pl.String)
        .alias("code"),
        pl.col("municipality_id")
        .replace_strict({k: v[1] for k, v in names.items()}, return_dtype=pl.String)
        .alias("name"),
    )
    ranked = calc.rank_with_intervals(table.filter(pl.col("rate").is_not_null()))
    rest = table.filter(pl.col("rate").is_null())
    return pl.concat([ranked, rest], how="diagonal").sort(["rank", "name"], nulls_last=True)
