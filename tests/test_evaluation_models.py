"""Programme evaluation: difference-in-differences and interrupted time series equal R's ``glm``, ``MASS::glm.nb``
and ``sandwich`` (reference values in ``tests/fixtures/evaluation/references.json``, made by ``references.R``), the
tutorial's published smoking-ban result, and hand-computed cases."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from atalaya.analysis.evaluation.did import difference_in_differences
from atalaya.analysis.evaluation.effects import fit_counts, newey_west_lags
from atalaya.analysis.evaluation.its import design_matrix, interrupted_time_series

FIXTURES = Path(__file__).parent / "fixtures" / "evaluation"
REFERENCE = json.loads((FIXTURES / "references.json").read_text())


@pytest.fixture(scope="module")
def sicily() -> pl.DataFrame:
    return pl.read_csv(FIXTURES / "sicily.csv")


def _its_fit(sicily: pl.DataFrame, *, slope: bool, family: str, se: str = "model", lags: int | None = None):
    time = sicily["time"].to_numpy().astype(float)
    X, names = design_matrix(
        time,
        sicily["smokban"].to_numpy(),
        sicily["month"].to_numpy().astype(float),
        start_time=36.0,
        slope_change=slope,
        seasonality=2,
    )
    result = fit_counts(
        sicily["aces"].to_numpy().astype(float),
        X,
        offset=np.log(sicily["stdpop"].to_numpy()),
        family=family,
        se=se,
        lags=lags,
    )
    return dict(zip(names, result.params, strict=True)), dict(zip(names, result.bse, strict=True)), result


R_NAMES = {
    "intercept": "(Intercept)",
    "time": "time",
    "post": "smokban",
    "slope": "slope",
    "s1": "s1",
    "c1": "c1",
    "s2": "s2",
    "c2": "c2",
}


@pytest.mark.parametrize(("key", "slope"), [("model3_quasipoisson", False), ("model4_quasipoisson", True)])
def test_segmented_quasi_poisson_equals_r(sicily, key, slope):
    coef, se, result = _its_fit(sicily, slope=slope, family="quasipoisson")
    reference = REFERENCE["its"][key]
    for ours, theirs in R_NAMES.items():
        if ours in coef:
            assert coef[ours] == pytest.approx(reference["coef"][theirs], abs=1e-8)
            assert se[ours] == pytest.approx(reference["se"][theirs], rel=1e-6)
    assert result.result.scale == pytest.approx(reference["dispersion"], rel=1e-6)


def test_newey_west_equals_sandwich(sicily):
    _, se, _ = _its_fit(sicily, slope=False, family="poisson", se="HAC", lags=3)
    reference = REFERENCE["its"]["model3_newey_west_lag3"]
    for ours, theirs in R_NAMES.items():
        if ours in se:
            assert se[ours] == pytest.approx(reference["se"][theirs], rel=1e-6)
    assert newey_west_lags(59) == 3


def test_the_tutorials_published_smoking_ban_effect(sicily):
    """Lopez Bernal et al. (2017) report a rate ratio of 0.885 for the ban with seasonality adjusted."""
    coef, _, _ = _its_fit(sicily, slope=False, family="quasipoisson")
    assert round(math.exp(coef["post"]), 3) == 0.885


def test_interrupted_time_series_effect_and_summary(sicily):
    series = sicily.with_columns(period=pl.date(pl.col("year"), pl.col("month"), 1)).rename({"aces": "count"})
    effect = interrupted_time_series(
        series, dt.date(2005, 1, 1), exposure="stdpop", slope_change=False, rng=np.random.default_rng(1)
    )
    # Without a slope term the whole-period ratio equals the step: exp(β2).
    assert effect.rate_ratio == pytest.approx(
        math.exp(REFERENCE["its"]["model3_quasipoisson"]["coef"]["smokban"]), rel=1e-6
    )
    assert effect.verdict == "reduccion" and effect.ci_high < 1
    assert effect.prevented == pytest.approx(effect.observed * (1 / effect.rate_ratio - 1))
    assert effect.details["newey_west_lags"] == 3 and 0 <= effect.details["ljung_box_p"] <= 1
    assert "Serie de tiempo interrumpida: 11 % menos hechos" in effect.summary
    again = interrupted_time_series(
        series, dt.date(2005, 1, 1), exposure="stdpop", slope_change=False, rng=np.random.default_rng(1)
    )
    assert again.ci_low == effect.ci_low  # reproducible with the same rng


def test_interrupted_time_series_needs_enough_months(sicily):
    series = sicily.with_columns(period=pl.date(pl.col("year"), pl.col("month"), 1)).rename({"aces": "count"})
    with pytest.raises(ValueError, match="al menos 8 antes"):
        interrupted_time_series(series, dt.date(2002, 6, 1))


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return pl.read_csv(FIXTURES / "did_panel.csv")


def test_did_poisson_with_clustered_errors_equals_r(panel):
    effect = difference_in_differences(panel, period="month", exposure="population")
    assert math.log(effect.rate_ratio) == pytest.approx(REFERENCE["did"]["poisson_effect"], abs=1e-8)
    assert effect.log_ratio_se == pytest.approx(REFERENCE["did"]["poisson_cluster_se"], rel=1e-6)
    assert effect.se_type == "cluster" and effect.details["areas"] == 12 and effect.details["treated_areas"] == 4


def test_did_with_few_areas_uses_robust_errors_equal_to_r(panel):
    two = panel.filter(pl.col("area").is_in(["Z01", "Z05"]))
    effect = difference_in_differences(two, period="month", exposure="population")
    assert effect.se_type == "HC1"
    assert effect.log_ratio == pytest.approx(REFERENCE["did"]["two_areas_effect"], abs=1e-8)
    assert effect.log_ratio_se == pytest.approx(REFERENCE["did"]["two_areas_hc1_se"], rel=1e-6)
    assert "robustos a heterocedasticidad" in effect.summary


def test_did_negative_binomial_equals_mass(panel):
    effect = difference_in_differences(panel, period="month", exposure="population", family="negbin")
    assert math.log(effect.rate_ratio) == pytest.approx(REFERENCE["did"]["negbin_effect"], abs=1e-5)
    assert effect.log_ratio_se == pytest.approx(REFERENCE["did"]["negbin_se"], rel=1e-4)
    assert effect.details["theta"] == pytest.approx(REFERENCE["did"]["negbin_theta"], rel=1e-3)


def test_did_two_by_two_is_the_ratio_of_ratios():
    """By hand: treated 100 → 70, control 200 → 180; (70/100)/(180/200) = 0.7778."""
    panel = pl.DataFrame(
        {
            "area": ["T", "T", "C", "C"],
            "period": [0, 1, 0, 1],
            "treated": [1, 1, 0, 0],
            "post": [0, 1, 0, 1],
            "count": [100, 70, 200, 180],
        }
    )
    effect = difference_in_differences(panel)
    assert effect.rate_ratio == pytest.approx((70 / 100) / (180 / 200), rel=1e-9)
    # a saturated model has no residual to make robust errors from: the Poisson variance 1/100 + 1/70 + 1/200 + 1/180
    assert effect.se_type == "model"
    assert effect.log_ratio_se == pytest.approx(math.sqrt(1 / 100 + 1 / 70 + 1 / 200 + 1 / 180), rel=1e-6)
    assert effect.prevented == pytest.approx(70 * (1 / effect.rate_ratio - 1))  # 20 crimes


def test_did_refuses_a_panel_without_comparison():
    panel = pl.DataFrame({"area": ["T", "T"], "period": [0, 1], "treated": [1, 1], "post": [0, 1], "count": [5, 3]})
    with pytest.raises(ValueError, match="con y sin programa"):
        difference_in_differences(panel)


# --- synthetic control -------------------------------------------------------------------------------------------


def _synthetic_panel() -> pl.DataFrame:
    """Eight donors with distinct paths; the treated unit is exactly 0.3·A + 0.7·B before the programme (year 2018)
    and 20 % below that combination from then on: the weights and the ratio are known by construction."""
    years = list(range(2010, 2024))
    t = np.arange(len(years), dtype=float)
    paths = {
        "A": 50 + 2.0 * t + 3 * np.sin(t),
        "B": 80 - 1.0 * t + 2 * np.cos(t / 2),
        "C": 30 + 0.5 * t,
        "D": 120 - 3.0 * t,
        "E": 60 + 4 * np.sin(t / 3) + t,
        "F": 90 + 0.2 * t**1.5,
        "G": 40 + 2 * np.cos(t),
        "H": 70 + 1.5 * t - 0.1 * t**2,
    }
    treated = 0.3 * paths["A"] + 0.7 * paths["B"]
    treated = np.where(np.array(years) >= 2018, 0.8 * treated, treated)
    rows = [
        (u, y, float(v)) for u, series in {**paths, "T": treated}.items() for y, v in zip(years, series, strict=True)
    ]
    return pl.DataFrame(rows, schema=["unit", "period", "rate"], orient="row")


def test_synthetic_control_recovers_known_weights_and_effect():
    from atalaya.analysis.evaluation.synth import synthetic_control

    effect = synthetic_control(_synthetic_panel(), treated="T", start=2018)
    weights = effect.details["weights"]
    assert weights["A"] == pytest.approx(0.3, abs=0.02) and weights["B"] == pytest.approx(0.7, abs=0.02)
    assert effect.rate_ratio == pytest.approx(0.8, abs=0.01)
    assert effect.details["pre_rmspe"] < 0.5
    # The treated unit's post/pre RMSPE ratio is the most extreme of the nine: the smallest possible p-value.
    assert effect.p_value == pytest.approx(1 / 9) and effect.details["smallest_p"] == pytest.approx(1 / 9)
    assert "Control sintético: 20 % menos hechos" in effect.summary


def test_synthetic_control_needs_a_donor_pool():
    from atalaya.analysis.evaluation.synth import synthetic_control

    small = _synthetic_panel().filter(pl.col("unit").is_in(["A", "B", "T"]))
    with pytest.raises(ValueError, match="al menos 4 unidades donantes"):
        synthetic_control(small, treated="T", start=2018)
