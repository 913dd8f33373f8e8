"""EARS C1/C2/C3 against hand computations, vectorised over series, and the documented R difference for C3."""

import numpy as np
import pytest
from scipy import stats

from atalaya.analysis.alerts import EarsC


def test_c1_hand_computed():
    y = np.array([1, 2, 3, 4, 5, 6, 7, 20, 4], dtype=float)
    d = EarsC("C1").fit(y)
    z = stats.norm.ppf(1 - 0.001)
    sd = np.std([1, 2, 3, 4, 5, 6, 7], ddof=1)
    assert d.upperbound_[0, 7] == pytest.approx(4 + z * sd)
    assert d.score_[0, 7] == pytest.approx((20 - 4) / sd)
    assert d.alarm_[0].tolist() == [False] * 7 + [True, False]
    assert np.isnan(d.upperbound_[0, :7]).all()  # too little history: not evaluated


def test_c2_uses_a_two_period_guard_band():
    y = np.array([2, 4, 2, 4, 2, 4, 2, 50, 60, 30], dtype=float)
    d = EarsC("C2", alpha=0.05).fit(y)
    reference = y[0:7]  # for t = 9 the window is y[0..6], skipping y[7], y[8]
    assert d.expected_[0, 9] == pytest.approx(reference.mean())
    assert d.upperbound_[0, 9] == pytest.approx(reference.mean() + stats.norm.ppf(0.95) * reference.std(ddof=1))
    assert np.isnan(d.expected_[0, :9]).all()


def test_c3_from_its_statistic_and_the_r_compatible_bound():
    rng = np.random.default_rng(1)
    y = rng.poisson(5, size=40).astype(float)
    y[30:33] = [12, 14, 15]
    exact = EarsC("C3").fit(y)
    compat = EarsC("C3", r_compat=True).fit(y)
    c2 = EarsC("C2").fit(y)
    t = 32
    terms = [max(0.0, c2.score_[0, i] - 1) for i in (t - 2, t - 1, t)]
    assert exact.score_[0, t] == pytest.approx(sum(terms))
    assert exact.alarm_[0, t] == (sum(terms) >= exact.threshold_)
    lag = terms[0] + terms[1]
    sigma = c2.score_[0, t] and (y[t] - c2.expected_[0, t]) / c2.score_[0, t]
    assert compat.upperbound_[0, t] == pytest.approx(max(0.0, y[t] + sigma * (exact.threshold_ - lag)))
    if lag < exact.threshold_:
        assert exact.upperbound_[0, t] == pytest.approx(c2.expected_[0, t] + sigma * (1 + exact.threshold_ - lag))
    assert np.isnan(exact.score_[0, :11]).all()  # baseline 7 + guard 2 + two lags


def test_many_series_at_once_equal_one_by_one():
    rng = np.random.default_rng(7)
    many = rng.poisson(4, size=(50, 60)).astype(float)
    together = EarsC("C2", min_sigma=0.5).fit(many)
    for i in (0, 17, 49):
        alone = EarsC("C2", min_sigma=0.5).fit(many[i])
        np.testing.assert_allclose(together.upperbound_[i], alone.upperbound_[0], equal_nan=True)
        assert together.alarm_[i].tolist() == alone.alarm_[0].tolist()


def test_min_sigma_handles_flat_baselines():
    y = np.array([0] * 7 + [1], dtype=float)
    d = EarsC("C1", min_sigma=0.5).fit(y)
    assert d.upperbound_[0, 7] == pytest.approx(0.5 * stats.norm.ppf(0.999))  # z·minSigma over a zero baseline
    assert not d.alarm_[0, 7]


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"baseline": 2}, "baseline"),
        ({"min_sigma": -1}, "min_sigma"),
        ({"method": "C9"}, "Método"),
        ({"alpha": 1.5}, "alpha"),
    ],
)
def test_impossible_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EarsC(**kwargs).fit(np.arange(30))


def test_series_too_short():
    with pytest.raises(ValueError, match="demasiado corta"):
        EarsC("C3").fit(np.arange(11))
