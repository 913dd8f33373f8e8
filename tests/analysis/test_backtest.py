"""Backtest: simulated series have the stated moments, outbreaks have the stated size, detection is measured."""

import numpy as np
import pytest

from atalaya.analysis.alerts.backtest import backtest, baseline_sd, inject_outbreaks, simulate_series


def test_simulated_series_are_reproducible_and_have_the_stated_moments():
    a = simulate_series(200, 6, dispersion=2.0, rng=np.random.default_rng(3))
    b = simulate_series(200, 6, dispersion=2.0, rng=np.random.default_rng(3))
    assert np.array_equal(a.counts, b.counts) and a.counts.shape == (200, 312) and len(a.dates) == 312
    assert all(d.weekday() == 0 for d in a.dates)
    # E[y] = μ and Var[y] = φ μ: check through the standardised residuals pooled over every point.
    z = (a.counts - a.mean) / np.sqrt(2.0 * a.mean)
    assert abs(z.mean()) < 0.02 and abs(z.var() - 1) < 0.03
    poisson = simulate_series(200, 2, dispersion=1.0, rng=np.random.default_rng(4))
    assert abs(((poisson.counts - poisson.mean) ** 2 / poisson.mean).mean() - 1) < 0.03
    monthly = simulate_series(3, 2, freq="month", rng=np.random.default_rng(5))
    assert monthly.counts.shape == (3, 24) and monthly.dates[12].month == monthly.dates[0].month
    with pytest.raises(ValueError, match="dispersión"):
        simulate_series(2, 2, dispersion=0.5, rng=np.random.default_rng(0))


def test_baseline_sd_uses_the_same_season_of_earlier_years():
    counts = np.zeros((1, 52 * 4))
    counts[0, [51, 52, 53, 103, 104, 105]] = [1, 3, 5, 1, 3, 5]
    assert baseline_sd(counts, np.array([156]), "week")[0] == pytest.approx(np.std([1, 3, 5, 1, 3, 5, 0, 0], ddof=1))
    assert baseline_sd(np.zeros((1, 200)), np.array([150]), "week")[0] == 1.0  # floor of 1


def test_outbreaks_have_poisson_k_sigma_cases_inside_the_window_and_inputs_are_kept():
    rng = np.random.default_rng(8)
    counts = rng.poisson(5, size=(2000, 300)).astype(float)
    original = counts.copy()
    window = np.arange(248, 300)
    sd = np.full(2000, 2.0)
    with_outbreak, extra, starts = inject_outbreaks(counts, window, 5, shape="pico", sd=sd, rng=rng)
    assert np.array_equal(counts, original)  # not modified
    assert np.array_equal(with_outbreak, counts + extra)
    assert extra.sum(axis=1).mean() == pytest.approx(10, rel=0.03)  # Poisson(k σ) = Poisson(10)
    assert ((extra > 0).sum(axis=1) <= 1).all() and (starts >= 248).all() and (starts <= 296).all()
    _w, spread, starts = inject_outbreaks(counts, window, 5, shape="lognormal", sd=sd, rng=rng)
    assert 8.5 < spread.sum(axis=1).mean() <= 10.5  # a few late cases fall after the last period and are dropped
    first = np.array([np.flatnonzero(row)[0] if row.any() else s for row, s in zip(spread, starts, strict=True)])
    assert (first >= starts).all()  # cases come at or after the start, never before
    assert ((spread > 0).sum(axis=1) > 1).mean() > 0.5  # spread over several periods
    with pytest.raises(ValueError, match="Forma de brote"):
        inject_outbreaks(counts, window, 5, shape="cuadrado", rng=rng)
    with pytest.raises(ValueError, match="positivo"):
        inject_outbreaks(counts, window, 0, rng=rng)


def test_backtest_finds_large_outbreaks_and_counts_false_alarms():
    rng = np.random.default_rng(11)
    sim = simulate_series(60, 6, base_mean=(8, 20), rng=rng)
    rows = backtest(sim.counts, sim.dates, [("ears-c2", {}), ("semaforo", {})], sizes=(2, 30), shape="pico", rng=rng)
    table = {(r.method, r.k): r for r in rows}
    assert table[("ears-c2", 30)].detected > 0.95 and table[("ears-c2", 30)].median_delay == 0
    assert table[("ears-c2", 2)].detected < table[("ears-c2", 30)].detected
    assert table[("ears-c2", 30)].never_detected == pytest.approx(1 - table[("ears-c2", 30)].detected)
    # the semáforo alarms whenever the count exceeds the average of 3 years: many false alarms, by design
    assert table[("semaforo", 2)].false_alarms_per_series_year > 5 * table[("ears-c2", 2)].false_alarms_per_series_year
    assert table[("ears-c2", 2)].as_dict()["params"] == "—"
    with pytest.raises(ValueError, match="demasiado corta"):
        backtest(sim.counts[:, :40], sim.dates[:40], [("ears-c2", {})], rng=rng)
