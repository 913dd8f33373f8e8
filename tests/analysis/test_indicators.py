"""Indicator arithmetic against hand computations and SciPy."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy import stats

from atalaya.analysis import indicators as ind


def monthly(values, start=dt.date(2022, 1, 1), **keys):
    months = pl.date_range(start, start.replace(year=start.year + 10), "1mo", eager=True)[: len(values)]
    return pl.DataFrame({**{k: [v] * len(values) for k, v in keys.items()}, "period_start": months, "count": values})


def test_garwood_interval_matches_tables_and_chi_square():
    lo, hi = ind.poisson_interval(np.array([0, 1, 5]))
    # Exact 95 % limits as tabulated for small counts (e.g. Ulm 1990, Am J Epidemiol 131:373)
    assert np.round(lo, 4).tolist() == [0.0, 0.0253, 1.6235]
    assert np.round(hi, 4).tolist() == [3.6889, 5.5716, 11.6683]
    k = np.arange(1, 50)
    assert np.allclose(ind.poisson_interval(k, 0.9)[0], stats.chi2.ppf(0.05, 2 * k) / 2)


def test_population_interpolation_by_series():
    known = pl.DataFrame({"t": [1, 1, 2], "year": [2010, 2020, 2020], "population": [100, 200, 50]})
    out = ind.interpolate_population(known, [2008, 2014, 2020, 2024], by=["t"])
    t1 = out.filter(pl.col("t") == 1)
    assert t1["population"].to_list() == [100.0, 140.0, 200.0, 200.0]
    assert t1["method"].to_list() == ["constante", "interpolada", "dato", "constante"]
    assert out.filter(pl.col("t") == 2)["population"].to_list() == [50.0] * 4


def test_rates_with_exact_limits():
    frame = pl.DataFrame({"count": [10, 0, 5], "population": [200_000, 50_000, None]})
    out = ind.with_rates(frame)
    assert out["rate"].to_list()[:2] == [5.0, 0.0] and out["rate"][2] is None
    assert out["rate_lower"][0] == pytest.approx(4.7954 / 2, abs=1e-4)
    assert out["rate_upper"][1] == pytest.approx(3.6889 * 2, abs=1e-3)


def test_comparison_of_counts_is_the_exact_conditional_test():
    x, y = np.array([30, 5, 0, 40]), np.array([15, 5, 0, 10])
    p, sig = ind.compare_counts(x, y)
    for xi, yi, pi in zip(x, y, p, strict=True):
        n = xi + yi
        expected = 1.0 if n == 0 else min(1, 2 * min(stats.binom.cdf(xi, n, 0.5), stats.binom.sf(xi - 1, n, 0.5)))
        assert pi == pytest.approx(expected)
    assert sig.tolist() == [True, False, False, True]
    # doubling the exposure of the current period makes 30 vs 15 exactly what is expected
    assert ind.compare_counts(np.array([30]), np.array([15]), 2.0)[0][0] == pytest.approx(1.0)


def test_year_over_year_skips_unpublished_months():
    frame = monthly([10] * 12 + [12, 20] + [None] * 0, s="a").filter(pl.col("period_start") != dt.date(2022, 2, 1))
    out = ind.year_over_year(frame, by=["s"]).sort("period_start")
    jan23 = out.filter(pl.col("period_start") == dt.date(2023, 1, 1)).row(0, named=True)
    feb23 = out.filter(pl.col("period_start") == dt.date(2023, 2, 1)).row(0, named=True)
    assert (jan23["previous"], jan23["change"], jan23["change_pct"]) == (10, 2, 20.0)
    assert feb23["previous"] is None and feb23["change"] is None and feb23["significant"] is None


def test_quarters_and_incomplete_periods():
    frame = monthly(list(range(1, 15)))  # Jan 2022 .. Feb 2023
    quarters = ind.to_period(frame, "quarter")
    assert quarters["count"].to_list()[:2] == [6, 15] and quarters["months"].to_list()[-1] == 2
    years = ind.year_over_year(ind.to_period(frame, "year"))
    assert years["previous"].to_list() == [None, None]  # 2023 has 2 months: not comparable with 12


def test_rolling_and_year_to_date():
    frame = monthly([1] * 14)
    rolled = ind.rolling_twelve_months(frame)
    assert rolled["rolling_12m"].to_list() == [None] * 11 + [12, 12, 12]
    ytd = ind.year_to_date(frame)
    assert ytd["ytd"].to_list()[:3] == [1, 2, 3] and ytd["ytd_previous"].to_list()[12:] == [1, 2]
    gap = ind.year_to_date(frame.filter(pl.col("period_start") != dt.date(2022, 2, 1)))
    assert gap["ytd"].to_list()[:3] == [1, None, None]


def test_semaforo_against_three_year_monthly_average():
    values = [10] * 36 + [7, 8, 10, 12]  # baseline: 10 per month
    out = ind.semaforo(monthly(values, start=dt.date(2020, 1, 1))).tail(4)
    assert out["baseline"].to_list() == [10.0] * 4
    assert out["light"].to_list() == ["verde", "amarillo", "rojo", "rojo"]
    assert out["score"].to_list() == [1.0, 0.5, 0.0, 0.0]
    short = ind.semaforo(monthly([10] * 30 + [5], start=dt.date(2020, 1, 1))).tail(1)
    assert short["light"][0] is None  # without three complete years there is no light


def test_ranking_with_interval_ranges():
    frame = pl.DataFrame(
        {
            "m": list("abcd"),
            "rate": [50.0, 48.0, 20.0, 10.0],
            "rate_lower": [45.0, 44.0, 15.0, 5.0],
            "rate_upper": [55.0, 52.0, 25.0, 16.0],
        }
    )
    out = ind.rank_with_intervals(frame).sort("rank")
    assert out["rank"].to_list() == [1, 2, 3, 4]
    assert out["rank_best"].to_list() == [1, 1, 3, 3]
    assert out["rank_worst"].to_list() == [2, 2, 4, 4]
    assert out["ranked"].to_list() == [4] * 4


def test_outliers_by_z_and_modified_z():
    frame = pl.DataFrame({"count": [10, 11, 9, 10, 12, 10, 60]})
    out = ind.outliers(frame, z=2.0)
    assert out["outlier_modified_z"].to_list() == [False] * 6 + [True]
    assert out["outlier_z"][-1] is True
    assert out["median"][0] == 10 and out["mad"][0] == 0 + 1  # |x - 10| = 0,1,1,0,2,0,50 → median 1
    flat = ind.outliers(pl.DataFrame({"count": [5, 5, 5, 9]}))
    assert flat["modified_z"].to_list() == [None] * 4  # MAD 0: robust bound undefined


def test_completeness_counts_published_months():
    frame = monthly([3] * 10, s="x").filter(pl.col("period_start") != dt.date(2022, 5, 1))
    out = ind.completeness(frame, "2022-01-01", "2022-12-01", by=["s"])
    assert out.row(0, named=True)["months_reported"] == 9 and out["completeness_pct"][0] == 75.0


def test_seasonal_profile_and_weekday_hour():
    frame = monthly([1] * 11 + [13] + [1] * 11 + [13])
    profile = ind.seasonal_profile(frame)
    assert profile.filter(pl.col("month") == 12)["share"][0] == pytest.approx(13 / 24)
    incidents = pl.DataFrame(
        {
            "occurred_on": [dt.date(2026, 11, 23), dt.date(2026, 11, 23), dt.date(2026, 11, 24)],
            "occurred_time": [dt.time(22, 5), dt.time(22, 40), None],
            "time_precision": ["minuto", "minuto", "dia"],
        }
    )
    table = ind.weekday_hour_table(incidents)
    assert table.rows() == [(1, 22, 2)]
