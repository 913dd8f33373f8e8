"""Indicator arithmetic: populations, rates with exact intervals, period comparisons, traffic lights, rankings.

Every function takes and returns Polars frames (or NumPy arrays) and works on all series at once: a *series* is
whatever the ``by`` columns identify (territory × indicator, municipality × family, ...). Counts are monthly
unless said otherwise; a month that a source did not publish is **absent**, never zero, and comparisons that
need it come out null instead of wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy import stats

# ---------------------------------------------------------------------------------------------------------------
# Population


def interpolate_population(known: pl.DataFrame, years: Sequence[int], by: Sequence[str] = ()) -> pl.DataFrame:
    """Population for each ``year``: linear between known years, the nearest known value outside them.

    Parameters
    ----------
    known : DataFrame with ``by`` columns, ``year`` and ``population`` (census counts or projections).
    years : the years wanted.
    by : columns that identify each population series (e.g. ``territory_id``).

    Returns
    -------
    DataFrame with ``by``, ``year``, ``population`` (float) and ``method``: ``dato`` (a known year),
    ``interpolada`` or ``constante`` (outside the known range, held at the nearest known value, because
    extrapolating a trend from two censuses is a guess an observatory should not publish silently).

    Examples
    --------
    >>> known = pl.DataFrame({"year": [2010, 2020], "population": [1000, 2000]})
    >>> interpolate_population(known, [2015, 2020, 2023])["population"].to_list()
    [1500.0, 2000.0, 2000.0]
    """
    by = list(by)
    wanted = pl.DataFrame({"year": list(years)}, schema={"year": pl.Int64})
    keys = known.select(by).unique() if by else pl.DataFrame()
    grid = keys.join(wanted, how="cross") if by else wanted
    known = known.select(*by, pl.col("year").cast(pl.Int64), pl.col("population").cast(pl.Float64)).sort([*by, "year"])
    below = grid.sort("year").join_asof(
        known.rename({"year": "year_lo", "population": "pop_lo"}).sort("year_lo"),
        left_on="year",
        right_on="year_lo",
        by=by or None,
        strategy="backward",
        check_sortedness=False,
    )
    both = below.join_asof(
        known.rename({"year": "year_hi", "population": "pop_hi"}).sort("year_hi"),
        left_on="year",
        right_on="year_hi",
        by=by or None,
        strategy="forward",
        check_sortedness=False,
    )
    span = (pl.col("year_hi") - pl.col("year_lo")).cast(pl.Float64)
    weight = pl.when(span > 0).then((pl.col("year") - pl.col("year_lo")) / span).otherwise(0.0)
    population = (
        pl.when(pl.col("year_lo").is_null())
        .then(pl.col("pop_hi"))
        .when(pl.col("year_hi").is_null())
        .then(pl.col("pop_lo"))
        .otherwise(pl.col("pop_lo") + weight * (pl.col("pop_hi") - pl.col("pop_lo")))
    )
    method = (
        pl.when((pl.col("year") == pl.col("year_lo")) | (pl.col("year") == pl.col("year_hi")))
        .then(pl.lit("dato"))
        .when(pl.col("year_lo").is_null() | pl.col("year_hi").is_null())
        .then(pl.lit("constante"))
        .otherwise(pl.lit("interpolada"))
    )
    return both.select(*by, "year", population.alias("population"), method.alias("method")).sort([*by, "year"])


# ---------------------------------------------------------------------------------------------------------------
# Counts, rates and their uncertainty


def poisson_interval(counts: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) confidence interval for a Poisson count.

    Notes
    -----
    lower = ½ χ²(α/2; 2k), upper = ½ χ²(1−α/2; 2k+2), with lower = 0 when k = 0.

    References
    ----------
    Garwood, F. (1936). Fiducial limits for the Poisson distribution. *Biometrika* 28(3/4), 437–442.
    https://doi.org/10.1093/biomet/28.3-4.437

    Examples
    --------
    >>> lo, hi = poisson_interval(np.array([0, 10]))
    >>> np.round(lo, 3).tolist(), np.round(hi, 3).tolist()
    ([0.0, 4.795], [3.689, 18.39])
    """
    k = np.asarray(counts, dtype=float)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return lower, upper


def with_rates(
    frame: pl.DataFrame,
    *,
    count: str = "count",
    population: str = "population",
    per: float = 100_000,
    level: float = 0.95,
) -> pl.DataFrame:
    """Add ``rate``, ``rate_lower`` and ``rate_upper`` (per ``per`` inhabitants) with exact Poisson limits.

    Rows without population get null rates. Intervals treat the population as known (standard practice for
    crime rates; census error is much smaller than Poisson error for small areas).
    """
    counts = frame.get_column(count).to_numpy().astype(float)
    lower, upper = poisson_interval(np.nan_to_num(counts, nan=0.0), level)
    pop = pl.col(population).cast(pl.Float64)
    valid = pop.is_not_null() & (pop > 0) & pl.col(count).is_not_null()
    return (
        frame.with_columns(pl.Series("_lo", lower), pl.Series("_hi", upper))
        .with_columns(
            pl.when(valid).then(pl.col(count) / pop * per).alias("rate"),
            pl.when(valid).then(pl.col("_lo") / pop * per).alias("rate_lower"),
            pl.when(valid).then(pl.col("_hi") / pop * per).alias("rate_upper"),
        )
        .drop("_lo", "_hi")
    )


def compare_counts(
    current: np.ndarray, previous: np.ndarray, exposure_ratio: np.ndarray | float = 1.0, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided exact test that two Poisson counts share one rate; returns ``(p_value, significant)``.

    Notes
    -----
    Conditional on n = current + previous, current ~ Binomial(n, r / (1 + r)) under equal rates, where r is
    the exposure ratio (current population or length over the previous one). p = min(1, 2·min(P[X ≤ x],
    P[X ≥ x])). With both counts zero there is nothing to test: p = 1.

    References
    ----------
    Przyborowski, J. & Wilenski, H. (1940). Homogeneity of results in testing samples from Poisson series.
    *Biometrika* 31(3/4), 313–323. https://doi.org/10.1093/biomet/31.3-4.313

    Examples
    --------
    >>> p, sig = compare_counts(np.array([30, 12]), np.array([15, 10]))
    >>> np.round(p, 4).tolist(), sig.tolist()
    ([0.0357, 0.8318], [True, False])
    """
    x = np.asarray(current, dtype=float)
    y = np.asarray(previous, dtype=float)
    r = np.broadcast_to(np.asarray(exposure_ratio, dtype=float), x.shape)
    n = x + y
    p0 = r / (1.0 + r)
    low = stats.binom.cdf(x, n, p0)
    high = stats.binom.sf(x - 1, n, p0)
    p_value = np.minimum(1.0, 2.0 * np.minimum(low, high))
    p_value = np.where(n == 0, 1.0, p_value)
    return p_value, p_value < alpha


# ---------------------------------------------------------------------------------------------------------------
# Periods


def to_period(frame: pl.DataFrame, period: str, by: Sequence[str] = ()) -> pl.DataFrame:
    """Monthly counts → month, quarter or year totals, with how many months each total holds.

    ``months`` lets a caller refuse or flag an incomplete quarter or year instead of comparing it with a
    complete one.
    """
    every = {"month": "1mo", "quarter": "1q", "year": "1y"}[period]
    return (
        frame.with_columns(pl.col("period_start").dt.truncate(every).alias("period_start"))
        .group_by([*by, "period_start"])
        .agg(pl.col("count").sum(), pl.len().alias("months"))
        .sort([*by, "period_start"])
    )


def year_over_year(frame: pl.DataFrame, by: Sequence[str] = (), alpha: float = 0.05) -> pl.DataFrame:
    """Each period against the same period one year earlier: change, percent change and significance.

    ``frame`` holds ``by``, ``period_start`` and ``count`` (months, quarters or years). When the previous
    period is absent (never published) the comparison is null, never a change from zero.
    """
    previous = frame.select(
        *by,
        pl.col("period_start").dt.offset_by("1y").alias("period_start"),
        pl.col("count").alias("previous"),
        *([pl.col("months").alias("previous_months")] if "months" in frame.columns else []),
    )
    out = frame.join(previous, on=[*by, "period_start"], how="left")
    if "months" in frame.columns:  # a partial period is only comparable with an equally partial one
        out = out.with_columns(
            pl.when(pl.col("months") == pl.col("previous_months")).then(pl.col("previous")).alias("previous")
        ).drop("previous_months")
    both = out.filter(pl.col("previous").is_not_null())
    p_value, significant = compare_counts(
        both.get_column("count").to_numpy(), both.get_column("previous").to_numpy(), alpha=alpha
    )
    tested = both.select(*by, "period_start").with_columns(
        pl.Series("p_value", p_value), pl.Series("significant", significant)
    )
    out = out.join(tested, on=[*by, "period_start"], how="left")
    return out.with_columns(
        (pl.col("count") - pl.col("previous")).alias("change"),
        pl.when(pl.col("previous") > 0)
        .then((pl.col("count") - pl.col("previous")) / pl.col("previous") * 100)
        .alias("change_pct"),
    )


def rolling_twelve_months(frame: pl.DataFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """Total of the twelve months ending at each month; null unless all twelve were published."""
    frame = frame.sort([*by, "period_start"])
    grouped = frame.rolling(index_column="period_start", period="12mo", group_by=list(by) or None).agg(
        pl.col("count").sum().alias("rolling_12m"), pl.len().alias("_n")
    )
    grouped = grouped.with_columns(pl.when(pl.col("_n") == 12).then(pl.col("rolling_12m")).alias("rolling_12m"))
    return frame.join(grouped.drop("_n"), on=[*by, "period_start"], how="left")


def year_to_date(frame: pl.DataFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """Cumulative total since January, and the same months of the previous year (null if any is missing)."""
    frame = frame.sort([*by, "period_start"]).with_columns(pl.col("period_start").dt.year().alias("_year"))
    frame = frame.with_columns(
        pl.col("count").cum_sum().over([*by, "_year"]).alias("ytd"),
        pl.len().over([*by, "_year"]).alias("_n"),
        pl.int_range(1, pl.len() + 1).over([*by, "_year"]).alias("_k"),
    )
    complete = pl.col("_k") == pl.col("period_start").dt.month()  # no gaps since January
    frame = frame.with_columns(pl.when(complete).then(pl.col("ytd")).alias("ytd"))
    previous = frame.select(
        *by, pl.col("period_start").dt.offset_by("1y").alias("period_start"), pl.col("ytd").alias("ytd_previous")
    )
    return frame.join(previous, on=[*by, "period_start"], how="left").drop("_year", "_n", "_k")


def seasonal_profile(frame: pl.DataFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """Average share of each calendar month in complete years (a month's typical weight, 1/12 ≈ 0.083)."""
    frame = frame.with_columns(pl.col("period_start").dt.year().alias("_year"))
    complete = frame.group_by([*by, "_year"]).agg(pl.len().alias("_n"), pl.col("count").sum().alias("_total"))
    complete = complete.filter((pl.col("_n") == 12) & (pl.col("_total") > 0))
    shares = frame.join(complete, on=[*by, "_year"]).with_columns(
        (pl.col("count") / pl.col("_total")).alias("share"), pl.col("period_start").dt.month().alias("month")
    )
    return (
        shares.group_by([*by, "month"])
        .agg(pl.col("share").mean(), pl.col("_year").n_unique().alias("years"))
        .sort([*by, "month"])
    )


def weekday_hour_table(incidents: pl.DataFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """Incidents by weekday (1 = Monday) × hour, only for records whose time is known to the hour or minute."""
    timed = incidents.filter(pl.col("occurred_time").is_not_null() & pl.col("time_precision").is_in(["minuto", "hora"]))
    return (
        timed.group_by(
            [*by, pl.col("occurred_on").dt.weekday().alias("weekday"), pl.col("occurred_time").dt.hour().alias("hour")]
        )
        .agg(pl.len().alias("count"))
        .sort([*by, "weekday", "hour"])
    )


# ---------------------------------------------------------------------------------------------------------------
# Traffic light, ranking, suppression


SEMAFORO_GREEN, SEMAFORO_YELLOW, SEMAFORO_RED = "verde", "amarillo", "rojo"
SEMAFORO_GREEN_BELOW = 0.75  # green when the month is more than 25 % below the three-year monthly average
SEMAFORO_RED_FROM = 1.0  # red at or above that average


def semaforo(frame: pl.DataFrame, by: Sequence[str] = (), value: str = "count") -> pl.DataFrame:
    """The Mexican "semáforo delictivo": each month against the monthly average of the three previous years.

    Green when the month is more than 25 % below that average, yellow when it is up to 25 % below, red when it
    is at or above it; scores 1, 0.5 and 0. The baseline needs all 36 months of the three previous calendar
    years; otherwise the light is null (not green by default).

    References
    ----------
    Semáforo Delictivo (México), rules as summarised in ``shared/reference/domain.md`` §3.1.
    """
    frame = frame.with_columns(pl.col("period_start").dt.year().alias("_year"))
    yearly = frame.group_by([*by, "_year"]).agg(pl.col(value).sum().alias("_sum"), pl.len().alias("_n"))
    baselines = []
    for lag in (1, 2, 3):
        baselines.append(
            yearly.with_columns((pl.col("_year") + lag).alias("_year")).rename({"_sum": f"_sum{lag}", "_n": f"_n{lag}"})
        )
    out = frame
    for part in baselines:
        out = out.join(part, on=[*by, "_year"], how="left")
    full = pl.all_horizontal([pl.col(f"_n{lag}") == 12 for lag in (1, 2, 3)])
    baseline = pl.when(full).then(pl.sum_horizontal([pl.col(f"_sum{lag}") for lag in (1, 2, 3)]) / 36)
    out = out.with_columns(baseline.alias("baseline"))
    ratio = pl.when(pl.col("baseline") > 0).then(pl.col(value) / pl.col("baseline"))
    light = (
        pl.when(pl.col("baseline").is_null())
        .then(None)
        .when(pl.col("baseline") == 0)
        .then(pl.when(pl.col(value) == 0).then(pl.lit(SEMAFORO_YELLOW)).otherwise(pl.lit(SEMAFORO_RED)))
        .when(ratio < SEMAFORO_GREEN_BELOW)
        .then(pl.lit(SEMAFORO_GREEN))
        .when(ratio < SEMAFORO_RED_FROM)
        .then(pl.lit(SEMAFORO_YELLOW))
        .otherwise(pl.lit(SEMAFORO_RED))
    )
    score = pl.col("light").replace_strict(
        {SEMAFORO_GREEN: 1.0, SEMAFORO_YELLOW: 0.5, SEMAFORO_RED: 0.0}, default=None, return_dtype=pl.Float64
    )
    out = out.with_columns(ratio.alias("ratio"), light.alias("light")).with_columns(score.alias("score"))
    return out.drop("_year", *[c for c in out.columns if c.startswith(("_sum", "_n"))])


def rank_with_intervals(
    frame: pl.DataFrame,
    *,
    value: str = "rate",
    lower: str = "rate_lower",
    upper: str = "rate_upper",
    by: Sequence[str] = (),
) -> pl.DataFrame:
    """Rank 1 = highest ``value``, with the range of ranks the intervals allow (ties stay honest).

    ``rank_best`` counts only the units whose interval lies entirely above this one; ``rank_worst`` adds every
    unit whose interval overlaps. "6th of 87" becomes "6th (between 4th and 9th) of 87".
    """
    parts = []
    groups = frame.partition_by(list(by), maintain_order=True) if by else [frame]
    for part in groups:
        part = part.filter(pl.col(value).is_not_null())
        v = part.get_column(value).to_numpy()
        lo = part.get_column(lower).to_numpy()
        hi = part.get_column(upper).to_numpy()
        surely_above = (lo[None, :] > hi[:, None]).sum(axis=1)
        surely_below = (hi[None, :] < lo[:, None]).sum(axis=1)
        n = len(v)
        rank = (v[None, :] > v[:, None]).sum(axis=1) + 1
        parts.append(
            part.with_columns(
                pl.Series("rank", rank),
                pl.Series("rank_best", surely_above + 1),
                pl.Series("rank_worst", n - surely_below),
                pl.lit(n).alias("ranked"),
            )
        )
    return pl.concat(parts) if parts else frame


# ---------------------------------------------------------------------------------------------------------------
# Data quality (DHIS2-style)


def outliers(
    frame: pl.DataFrame, by: Sequence[str] = (), value: str = "count", z: float = 3.0, modified_z: float = 3.5
) -> pl.DataFrame:
    """Flag values far from their series: classic z-score and the robust modified z-score, with their bounds.

    Notes
    -----
    z = (x − mean) / sd. Modified z = 0.6745 (x − median) / MAD (Iglewicz & Hoaglin); when MAD is 0 the robust
    bound is undefined and the flag is null.

    References
    ----------
    Iglewicz, B. & Hoaglin, D. C. (1993). *How to Detect and Handle Outliers*. ASQC Quality Press.
    """
    group = list(by) or None
    mean = pl.col(value).mean().over(group) if group else pl.col(value).mean()
    sd = pl.col(value).std().over(group) if group else pl.col(value).std()
    median = pl.col(value).median().over(group) if group else pl.col(value).median()
    out = frame.with_columns(mean.alias("mean"), sd.alias("sd"), median.alias("median"))
    deviation = (pl.col(value) - pl.col("median")).abs()
    mad = deviation.median().over(group) if group else deviation.median()
    out = out.with_columns(mad.alias("mad"))
    return out.with_columns(
        pl.when(pl.col("sd") > 0).then((pl.col(value) - pl.col("mean")) / pl.col("sd")).alias("z"),
        pl.when(pl.col("mad") > 0)
        .then(0.6745 * (pl.col(value) - pl.col("median")) / pl.col("mad"))
        .alias("modified_z"),
        (pl.col("mean") - z * pl.col("sd")).alias("z_lower"),
        (pl.col("mean") + z * pl.col("sd")).alias("z_upper"),
        pl.when(pl.col("mad") > 0)
        .then(pl.col("median") - modified_z * pl.col("mad") / 0.6745)
        .alias("modified_z_lower"),
        pl.when(pl.col("mad") > 0)
        .then(pl.col("median") + modified_z * pl.col("mad") / 0.6745)
        .alias("modified_z_upper"),
    ).with_columns(
        (pl.col("z").abs() > z).alias("outlier_z"),
        (pl.col("modified_z").abs() > modified_z).alias("outlier_modified_z"),
    )


def completeness(frame: pl.DataFrame, first: str, last: str, by: Sequence[str] = ()) -> pl.DataFrame:
    """Share of expected months that a source published between two months (``YYYY-MM-01`` strings)."""
    import datetime as dt

    months = pl.date_range(dt.date.fromisoformat(first), dt.date.fromisoformat(last), "1mo", eager=True)
    expected = len(months)
    present = (
        frame.filter(pl.col("period_start").is_in(months.implode()))
        .group_by(list(by) or [pl.lit(1).alias("_all")])
        .agg(pl.col("period_start").n_unique().alias("months_reported"))
    )
    return present.with_columns(
        pl.lit(expected).alias("months_expected"),
        (pl.col("months_reported") / expected * 100).alias("completeness_pct"),
    ).drop("_all", strict=False)


# ---------------------------------------------------------------------------------------------------------------
# Indicator definitions


def select_categories(categories: pl.DataFrame, numerator: dict) -> pl.Series:
    """Ids of the source categories an indicator counts.

    ``categories`` is the harmonised table (``category_id, catalogue_source, category_code, iccs_code,
    family_code``). A category counts when its family is listed, when its ICCS code starts with a listed code
    (``"0101"`` takes ``0101`` and its subclasses), or when ``catalogue_source:category_code`` starts with a
    listed prefix (``"sesnsp:robo/robo-de-vehiculo-automotor"``).

    Examples
    --------
    >>> table = pl.DataFrame({"category_id": [1, 2, 3], "catalogue_source": ["sesnsp", "cead", "cead"],
    ...                       "category_code": ["homicidio/doloso", "homicidios", "hurtos"],
    ...                       "iccs_code": ["0101", "0101", "0502"], "family_code": ["homicidios"] * 2 + ["robos"]})
    >>> select_categories(table, {"iccs": ["0101"]}).to_list()
    [1, 2]
    >>> select_categories(table, {"families": ["robos"], "categories": ["sesnsp:homicidio"]}).to_list()
    [1, 3]
    """
    families = list(numerator.get("families", []))
    iccs = list(numerator.get("iccs", []))
    prefixes = list(numerator.get("categories", []))
    qualified = pl.concat_str([pl.col("catalogue_source"), pl.col("category_code")], separator=":")
    condition = pl.lit(False)
    if families:
        condition = condition | pl.col("family_code").is_in(families)
    for code in iccs:
        condition = condition | pl.col("iccs_code").str.starts_with(code).fill_null(False)
    for prefix in prefixes:
        condition = condition | qualified.str.starts_with(prefix)
    return categories.filter(condition).get_column("category_id").sort()


def proportion_interval(
    successes: np.ndarray, trials: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper–Pearson) confidence interval for a proportion, as fractions.

    References
    ----------
    Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated in the case of
    the binomial. *Biometrika* 26(4), 404–413. https://doi.org/10.1093/biomet/26.4.404

    Examples
    --------
    >>> lo, hi = proportion_interval(np.array([0, 5]), np.array([10, 10]))
    >>> np.round(lo, 4).tolist(), np.round(hi, 4).tolist()
    ([0.0, 0.1871], [0.3085, 0.8129])
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        upper = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    invalid = (n <= 0) | (k > n)
    return np.where(invalid, np.nan, lower), np.where(invalid, np.nan, upper)


def with_values(
    frame: pl.DataFrame,
    unit: str,
    *,
    count: str = "count",
    population: str = "population",
    denominator: str = "denominator",
    level: float = 0.95,
) -> pl.DataFrame:
    """``value``, ``value_lower``, ``value_upper`` in the indicator's unit: rate per 100,000 (exact Poisson),
    percentage of a denominator count (Clopper–Pearson) or the count itself (exact Poisson limits)."""
    if unit == "porcentaje":
        k = frame.get_column(count).to_numpy().astype(float)
        n = frame.get_column(denominator).to_numpy().astype(float) if denominator in frame.columns else k * np.nan
        lo, hi = proportion_interval(np.nan_to_num(k), np.nan_to_num(n, nan=-1.0), level)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(n > 0, k / n * 100, np.nan)
        return frame.with_columns(
            pl.Series("value", value).fill_nan(None),
            pl.Series("value_lower", lo * 100).fill_nan(None),
            pl.Series("value_upper", hi * 100).fill_nan(None),
        )
    if unit == "conteo":
        counts = frame.get_column(count).to_numpy().astype(float)
        lo, hi = poisson_interval(np.nan_to_num(counts), level)
        return frame.with_columns(
            pl.col(count).cast(pl.Float64).alias("value"), pl.Series("value_lower", lo), pl.Series("value_upper", hi)
        )
    rated = with_rates(frame, count=count, population=population, level=level)
    return rated.with_columns(
        pl.col("rate").alias("value"),
        pl.col("rate_lower").alias("value_lower"),
        pl.col("rate_upper").alias("value_upper"),
    )
