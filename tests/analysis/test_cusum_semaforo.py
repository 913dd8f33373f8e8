"""Negative-binomial CUSUM and the semáforo rule on hand-computed cases."""

import datetime as dt

import numpy as np
import pytest

from atalaya.analysis.alerts import NegBinCusum, Semaforo, detect
from atalaya.analysis.parsing import add_months


def test_cusum_poisson_hand_computed():
    y = np.array([10.0] * 156 + [20, 20, 10, 10])
    d = NegBinCusum(shift=2, h=5).fit(y)
    assert np.isinf(d.size_[0])  # no overdispersion in a flat history: Poisson
    assert d.expected_[0, 156] == pytest.approx(10)
    first = 20 * np.log(2) - 10
    assert d.statistic_[0, 156] == pytest.approx(first)
    assert d.upperbound_[0, 156] == pytest.approx((5 + 10) / np.log(2))  # count that alarms at once
    assert d.alarm_[0].tolist()[156:] == [False, True, False, False]  # 2·3.86 ≥ 5, then the chart restarts
    assert d.statistic_[0, 158] == 0.0
    assert np.isnan(d.statistic_[0, :156]).all()


def test_cusum_overdispersed_history_gives_a_negative_binomial():
    rng = np.random.default_rng(4)
    y = rng.negative_binomial(3, 3 / 13, size=(1, 200)).astype(float)
    d = NegBinCusum().fit(y)
    assert np.isfinite(d.size_[0]) and 1 < d.size_[0] < 20


def test_cusum_bad_parameters():
    with pytest.raises(ValueError, match="shift"):
        NegBinCusum(shift=0.5).fit(np.ones(200))
    with pytest.raises(ValueError, match="demasiado corta"):
        NegBinCusum().fit(np.ones(100))


def test_semaforo_lights():
    dates = [add_months(dt.date(2020, 1, 1), i) for i in range(40)]
    y = np.array([10.0] * 36 + [5, 8, 10, 12])
    d = Semaforo("month").fit(y, dates)
    assert d.light_[0, 36:].tolist() == ["verde", "amarillo", "rojo", "rojo"]
    assert d.alarm_[0, 36:].tolist() == [False, False, True, True]
    assert d.expected_[0, 36] == 10 and np.isnan(d.expected_[0, :36]).all()


def test_semaforo_needs_three_complete_years():
    dates = [add_months(dt.date(2020, 3, 1), i) for i in range(40)]  # 2020 has only 10 months
    d = Semaforo("month").fit(np.ones(40), dates)
    assert not d.alarm_.any() and np.isnan(d.expected_[0, dates.index(dt.date(2023, 1, 1))])


def test_detect_runs_every_method_by_name():
    dates = [dt.date(2019, 1, 7) + dt.timedelta(weeks=i) for i in range(330)]
    rng = np.random.default_rng(8)
    y = rng.poisson(6, size=(2, 330)).astype(float)
    y[0, -1] = 30
    for method in ("ears-c1", "ears-c2", "ears-c3", "farrington", "farrington-noufaily", "cusum", "semaforo"):
        result = detect(method, y, dates, "week")
        assert result.alarm.shape == y.shape and result.evaluated[:, -1].all()
        assert not (result.alarm & ~result.evaluated).any()
    assert detect("farrington-noufaily", y, dates, "week").alarm[0, -1]
    with pytest.raises(ValueError, match="no acepta"):
        detect("semaforo", y, dates, alpha=0.1)
