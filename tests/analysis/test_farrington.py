"""Farrington (original and Noufaily) against R ``surveillance``: its own test values and its outputs on real data.

The CSV files in ``tests/fixtures/surveillance`` were written by ``make_reference.R`` (surveillance 1.20.3,
Debian's r-cran-surveillance) from salmNewport, salmonella.agona and a simulated monthly series.
"""

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from atalaya.analysis.alerts import EarsC, Farrington, farrington_threshold, noufaily_threshold
from atalaya.analysis.alerts.farrington import reference_offsets, seasonal_blocks
from atalaya.analysis.alerts.glm import anscombe_residuals, fit_quasipoisson, outbreak_weights

REFERENCE = Path(__file__).parents[1] / "fixtures" / "surveillance"


# -- surveillance's own published test values (tests/testthat/test-farringtonFlexible.R) -------------------------


@pytest.mark.parametrize(
    "transform,expected",
    [
        ("none", [1.3073128, 8.6926872, 0.0907246, 0.8124165]),
        ("1/2", [1.9891097, 9.3744842, 0.1189986, 0.6857951]),
        ("2/3", [1.8084477, 9.1154825, 0.1094727, 0.7289546]),
    ],
)
def test_farrington_threshold_published_values(transform, expected):
    values = farrington_threshold(5, 0.2, 1, transform, 0.05, 8)
    np.testing.assert_allclose([float(v) for v in values], expected, atol=1e-6)


@pytest.mark.parametrize(
    "phi,method,expected",
    [
        (1.5, "muan", [8, 24, 0.8597797, 0.4193982]),
        (1.0, "muan", [9, 22, 0.9093099, 0.4605347]),
        (1.5, "nbPlugin", [1, 10, 0.03763657, 1.11918153]),
        (1.0, "nbPlugin", [2, 9, 0.01369527, 1.27061541]),
    ],
)
def test_noufaily_threshold_published_values(phi, method, expected):
    values = noufaily_threshold(np.log(5), np.log(2), phi, 0.05, 11, method)
    np.testing.assert_allclose([float(v) for v in values], expected, atol=1e-6)


def test_wrong_exponent_is_refused():
    with pytest.raises(ValueError, match="Transformación"):
        farrington_threshold(5, 0.2, 1, "2/88", 0.05, 8)


def test_weights_published_cases():
    assert outbreak_weights(np.zeros((1, 10)), 0.0).tolist() == [[1.0] * 10]  # γ = 1 when all are below
    s = np.array([[0] * 5 + [2] * 5], dtype=float)
    np.testing.assert_allclose(outbreak_weights(s, 0.0), [[1.6] * 5 + [0.4] * 5])


def test_reference_time_points_weekly_and_monthly():
    dates = [dt.date(2013, 6, 6) - dt.timedelta(weeks=i) for i in range(200)][::-1]
    k = len(dates) - 1
    found = {dates[k - offset] for offset in reference_offsets(dates, k, 3, "week")}
    assert found == {dt.date(2012, 6, 7), dt.date(2011, 6, 9), dt.date(2010, 6, 3)}  # same weekday, closest
    assert [48 - o for o in reference_offsets(None, 48, 3, "month")] == [36, 24, 12]


@pytest.mark.parametrize("periods", [1, 8])
def test_blocks_reference_windows_and_levels(periods):
    b, w, k = 3, 3, 1000
    levels = seasonal_blocks(k, [52, 104, 157], w, periods)
    assert sum(1 for v in levels.values() if v == periods) == w + 1 + b * (2 * w + 1)
    assert len(set(levels.values())) == periods
    if periods > 1:
        sizes = np.bincount([v for v in levels.values() if v != periods])[1:]
        assert (np.abs(np.diff(sizes)[: periods - 2]) <= b).all()  # blocks of roughly the same length each year


def test_too_many_seasonal_periods_is_refused():
    with pytest.raises(ValueError, match="Demasiados"):
        seasonal_blocks(100, [12, 24], 3, 20)


# -- invariants of the GLM step --------------------------------------------------------------------------------


def _design(n=120, levels=12):
    t = np.arange(n, dtype=float)
    season = np.arange(n) % levels
    dummies = [(season == j).astype(float) for j in range(1, levels)]
    return np.column_stack([np.ones(n), t / 52, *dummies])


def test_glm_reweighting_invariants():
    rng = np.random.default_rng(3)
    design = _design()
    y = rng.negative_binomial(5, 5 / 25, size=(4, 120)).astype(float)
    y[:, 60:64] += 60  # a past outbreak
    fit = fit_quasipoisson(y, design)
    assert fit.converged.all() and fit.coef.shape == (4, design.shape[1])
    phi = np.maximum(fit.pearson, 1)
    assert (phi >= 1).all()
    s = anscombe_residuals(fit, y, design, np.ones_like(y), phi)
    weights = outbreak_weights(s, 0.5)
    np.testing.assert_allclose(weights.mean(axis=1), 1.0)
    assert (weights != 1).all()
    assert (weights[:, 60:64] < weights.mean()).all()  # the outbreak weighs less
    assert (outbreak_weights(s, 100000.0) == 1).all()


def test_glm_hat_values_sum_to_the_number_of_coefficients():
    rng = np.random.default_rng(5)
    design = _design(80, 4)
    y = rng.poisson(6, size=(3, 80)).astype(float)
    fit = fit_quasipoisson(y, design)
    h = fit.hat_values(design, np.ones_like(y))
    np.testing.assert_allclose(h.sum(axis=1), design.shape[1], rtol=1e-8)


# -- outputs of farringtonFlexible and earsC on real data --------------------------------------------------------


def _series(name):
    frame = pl.read_csv(REFERENCE / f"{name}.csv", try_parse_dates=True)
    return frame["date"].to_list(), frame["count"].to_numpy().astype(float)


def _reference(name):
    frame = pl.read_csv(REFERENCE / f"{name}.csv", try_parse_dates=True, infer_schema_length=None)
    number = lambda c: frame[c].cast(pl.Float64, strict=False).to_numpy()  # noqa: E731 - R writes NA
    return frame["date"].to_list(), number, frame["alarm"].cast(pl.String).to_numpy() == "true"


SETTINGS = {
    "newport": dict(b=5, w=3, freq="week"),
    "agona": dict(b=3, w=3, freq="week"),
    "monthly": dict(b=5, w=2, freq="month"),
}


def _detector(series, setting, **extra):
    settings = {**SETTINGS[series], **extra}
    if setting == "original":
        return Farrington.original(**settings)
    if series == "monthly":
        settings["past_weeks_not_included"] = 6
    return Farrington.noufaily(threshold_method={"noufaily": "nbPlugin", "muan": "muan"}[setting], **settings)


@pytest.mark.parametrize("series", SETTINGS)
@pytest.mark.parametrize("setting", ["original", "noufaily", "muan"])
def test_farrington_matches_r_surveillance(series, setting):
    dates, y = _series(series)
    ref_dates, ref, ref_alarm = _reference(f"{series}_farrington_{setting}")
    index = [dates.index(d) for d in ref_dates]
    detector = _detector(series, setting, r_compat=True)
    detector.fit(y, dates=dates if SETTINGS[series]["freq"] == "week" else None, evaluate=index)
    assert detector.alarm_[0, index].tolist() == ref_alarm.tolist()
    for ours, theirs in [
        ("upperbound_", "upperbound"),
        ("phi_", "phi"),
        ("pvalue_", "pvalue"),
        ("expected_", "expected"),
    ]:
        mine, r = getattr(detector, ours)[0, index], ref(theirs)
        shown = ~np.isnan(r)  # R leaves the expected value out when there are too few cases (limit54)
        np.testing.assert_allclose(mine[shown], r[shown], rtol=1e-3, atol=1e-6, err_msg=theirs)
    assert np.isnan(detector.upperbound_[0, index]).tolist() == np.isnan(ref("upperbound")).tolist()
    assert detector.trend_[0, index].tolist() == (ref("trend") == 1).tolist()


def test_corrected_mode_differs_from_r_only_through_the_dispersion():
    dates, y = _series("agona")
    ref_dates, ref, _alarm = _reference("agona_farrington_noufaily")
    index = [dates.index(d) for d in ref_dates]
    corrected = _detector("agona", "noufaily").fit(y, dates=dates, evaluate=index)
    # nbPlugin does not use the prediction's standard error and the trend is always tried: same bounds as R.
    shown = ~np.isnan(ref("upperbound"))
    np.testing.assert_allclose(corrected.upperbound_[0, index][shown], ref("upperbound")[shown], rtol=1e-3)


def test_many_series_at_once_equal_one_by_one():
    rng = np.random.default_rng(11)
    weeks = 300
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(weeks) / 52)
    many = rng.poisson(np.outer(rng.uniform(0.5, 20, 30), season)).astype(float)
    many[5] = 0  # a series without cases
    last = range(weeks - 20, weeks)
    together = Farrington.noufaily().fit(many, evaluate=last)
    for i in (0, 5, 29):
        alone = Farrington.noufaily().fit(many[i], evaluate=last)
        np.testing.assert_allclose(together.upperbound_[i], alone.upperbound_[0], rtol=1e-9, equal_nan=True)
        assert together.alarm_[i].tolist() == alone.alarm_[0].tolist()
    assert not together.alarm_[5].any() and (together.expected_[5, weeks - 20 :] == 0).all()


def test_an_injected_outbreak_is_flagged():
    rng = np.random.default_rng(2)
    y = rng.poisson(10, size=320).astype(float)
    y[-1] = 40
    detector = Farrington.noufaily().fit(y, evaluate=[319])
    assert detector.alarm_[0, 319] and detector.expected_[0, 319] == pytest.approx(10, rel=0.2)
    assert detector.pvalue_[0, 319] < 1e-6


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"alpha": 0}, "alpha"),
        ({"threshold_method": "magic"}, "umbral"),
        ({"limit54": (5, 0)}, "limit54"),
        ({"freq": "day"}, "freq"),
        ({"b": 0}, "b "),
    ],
)
def test_impossible_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Farrington(**kwargs).fit(np.arange(400))


def test_too_short_series_are_not_evaluated():
    detector = Farrington().fit(np.ones(100))
    assert not detector.evaluated_.any() and np.isnan(detector.upperbound_).all()


@pytest.mark.parametrize("method", ["C1", "C2", "C3"])
def test_ears_matches_r_surveillance(method):
    dates, y = _series("newport")
    ref_dates, ref, ref_alarm = _reference(f"newport_ears_{method.lower()}")
    index = [dates.index(d) for d in ref_dates]
    detector = EarsC(method, alpha=0.05, r_compat=True).fit(y)
    np.testing.assert_allclose(detector.upperbound_[0, index], ref("upperbound"), rtol=1e-9)
    assert detector.alarm_[0, index].tolist() == ref_alarm.tolist()
    if method == "C1":  # the values asserted in surveillance's test-earsC.R
        np.testing.assert_allclose(
            detector.upperbound_[0, index[:4]], [3.278854, 3.278854, 3.436517, 3.855617], atol=1e-6
        )
