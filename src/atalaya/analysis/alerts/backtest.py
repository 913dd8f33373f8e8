"""Backtesting detectors: inject synthetic outbreaks into real or simulated series and count what is found.

The protocol follows Noufaily et al. (2013): an outbreak of size ~ Poisson(k · σ), where σ is the standard
deviation of the baseline count at its start, is added to a series; its cases are either all in one period
(shape ``pico``) or spread over the following periods by a log-normal delay (shape ``lognormal``, meanlog 0,
sdlog 0.5, in periods, as in the paper). Each method then runs on the series with and without the outbreak:

- **sensitivity**: the share of outbreak periods (periods that received injected cases) with an alarm;
- **detected**: the share of outbreaks with an alarm during them (``never_detected`` = 1 − detected);
- **delay**: periods from the outbreak's start to its first alarm, median over detected outbreaks;
- **false alarms per series-year**: alarms in the evaluated window of the series *without* outbreaks.

References
----------
Noufaily A., Enki D. G., Farrington P., Garthwaite P., Andrews N., Charlett A. (2013). An improved algorithm for
outbreak detection in multiple surveillance systems. *Statistics in Medicine* 32(7), 1206–1222.
https://doi.org/10.1002/sim.5595
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .registry import detect
from .series import PERIODS_PER_YEAR

SHAPES = ("pico", "lognormal")


@dataclass(frozen=True)
class SimulatedSeries:
    """Negative-binomial counts (series × time) with a yearly seasonality and a trend, and their true means."""

    counts: np.ndarray
    mean: np.ndarray
    dispersion: float
    dates: list[dt.date]


def simulate_series(
    n_series: int,
    n_years: int = 6,
    *,
    freq: str = "week",
    base_mean: tuple[float, float] = (1.0, 30.0),
    seasonal_amplitude: float = 0.3,
    trend_per_year: float = 0.03,
    dispersion: float = 1.5,
    start: dt.date = dt.date(2020, 1, 6),
    rng: np.random.Generator,
) -> SimulatedSeries:
    """Series with mean μ_t = m · exp(trend · t/P + a · sin(2πt/P + φ)) and variance φ_d · μ (φ_d = ``dispersion``).

    Series means m are log-uniform in ``base_mean``; phases φ are uniform, so series peak in different seasons.
    φ_d = 1 gives Poisson counts. Weekly dates start on a Monday; monthly dates on the first of a month.
    """
    if dispersion < 1:
        raise ValueError("La dispersión debe ser ≥ 1 (1 = Poisson).")
    periods = PERIODS_PER_YEAR[freq]
    n_time = n_years * periods
    t = np.arange(n_time)
    low, high = np.log(base_mean[0]), np.log(base_mean[1])
    level = np.exp(rng.uniform(low, high, size=(n_series, 1)))
    phase = rng.uniform(0, 2 * np.pi, size=(n_series, 1))
    mean = level * np.exp(trend_per_year * t / periods + seasonal_amplitude * np.sin(2 * np.pi * t / periods + phase))
    if dispersion == 1:
        counts = rng.poisson(mean)
    else:
        size = mean / (dispersion - 1)
        counts = rng.negative_binomial(size, 1 / dispersion)
    if freq == "week":
        dates = [start + dt.timedelta(weeks=k) for k in range(n_time)]
    else:
        first = dt.date(start.year, start.month, 1)
        dates = [
            dt.date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1) for k in range(n_time)
        ]
    return SimulatedSeries(counts.astype(float), mean, dispersion, dates)


def baseline_sd(counts: np.ndarray, at: np.ndarray, freq: str) -> np.ndarray:
    """σ of each series' baseline at its outbreak start, from the same period in the previous years.

    Real series have no known mean, so σ is the standard deviation of the counts at t − P, t − 2P, … (and their
    neighbours ±1 period), with a floor of 1 so that an outbreak in a quiet series still has cases.
    """
    periods = PERIODS_PER_YEAR[freq]
    n_series, n_time = counts.shape
    sds = np.ones(n_series)
    for i in range(n_series):
        back = [
            at[i] - y * periods + d for y in range(1, 6) for d in (-1, 0, 1) if 0 <= at[i] - y * periods + d < n_time
        ]
        values = counts[i, back]
        values = values[np.isfinite(values)]
        if values.size >= 3:
            sds[i] = max(1.0, float(np.std(values, ddof=1)))
    return sds


def inject_outbreaks(
    counts: np.ndarray,
    window: np.ndarray,
    k: float,
    *,
    shape: str = "lognormal",
    freq: str = "week",
    sd: np.ndarray | None = None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One outbreak per series, starting at a random period of ``window`` (time indices evaluated).

    Returns ``(counts with outbreaks, outbreak cases per point, start index per series)``. The start is drawn
    so that at least 4 periods of the window remain after it. Input is not modified.
    """
    if shape not in SHAPES:
        raise ValueError(f"Forma de brote desconocida «{shape}»: use {' o '.join(SHAPES)}.")
    if k <= 0:
        raise ValueError("El tamaño del brote (k) debe ser positivo.")
    counts = np.asarray(counts, dtype=float)
    n_series, n_time = counts.shape
    window = np.asarray(window, dtype=int)
    latest = window[-1] - 3 if window.size > 4 else window[-1]
    starts = rng.integers(window[0], max(window[0], latest) + 1, size=n_series)
    sigma = baseline_sd(counts, starts, freq) if sd is None else sd
    sizes = rng.poisson(k * sigma)
    extra = np.zeros_like(counts)
    for i in range(n_series):
        if shape == "pico":
            extra[i, starts[i]] = sizes[i]
        else:
            delays = np.floor(rng.lognormal(0.0, 0.5, size=sizes[i])).astype(int)
            where = starts[i] + delays
            where = where[where < n_time]
            np.add.at(extra[i], where, 1)
    return counts + extra, extra, starts


@dataclass
class BacktestRow:
    method: str
    params: dict
    k: float
    shape: str
    series: int
    sensitivity: float
    detected: float
    never_detected: float
    median_delay: float
    false_alarms_per_series_year: float
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        params = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items())) or "—"
        return {
            "method": self.method,
            "params": params,
            "outbreak_k": self.k,
            "shape": self.shape,
            "series": self.series,
            "sensitivity": round(self.sensitivity, 3),
            "detected": round(self.detected, 3),
            "never_detected": round(self.never_detected, 3),
            "median_delay": None if np.isnan(self.median_delay) else float(self.median_delay),
            "false_alarms_per_series_year": round(self.false_alarms_per_series_year, 3),
        }


def backtest(
    counts: np.ndarray,
    dates: list[dt.date],
    methods: list[tuple[str, dict]],
    *,
    sizes: tuple[float, ...] = (2, 3, 5, 10),
    shape: str = "lognormal",
    freq: str = "week",
    evaluate_last: int | None = None,
    min_cases: int = 0,
    rng: np.random.Generator,
) -> list[BacktestRow]:
    """Every (method, params) × outbreak size on the same injected outbreaks; see the module docstring.

    ``evaluate_last`` periods (a year by default) are evaluated; the history before them is the baseline.
    ``min_cases`` mirrors the observatory's rule: a period with fewer cases does not alarm.
    """
    counts = np.asarray(counts, dtype=float)
    n_series, n_time = counts.shape
    last = evaluate_last or PERIODS_PER_YEAR[freq]
    if n_time <= last:
        raise ValueError("La serie es demasiado corta para reservar historia antes de la ventana evaluada.")
    window = np.arange(n_time - last, n_time)
    series_years = n_series * last / PERIODS_PER_YEAR[freq]
    injected = {k: inject_outbreaks(counts, window, k, shape=shape, freq=freq, rng=rng) for k in sizes}
    rows = []
    for method, params in methods:
        clean = detect(method, counts, dates, freq, evaluate=list(window), **params)
        clean_alarm = clean.alarm[:, window] & (counts[:, window] >= min_cases)
        false_rate = float(clean_alarm.sum()) / series_years
        for k in sizes:
            with_outbreak, extra, starts = injected[k]
            result = detect(method, with_outbreak, dates, freq, evaluate=list(window), **params)
            alarm = result.alarm & (with_outbreak >= min_cases)
            outbreak = extra > 0
            outbreak[:, : window[0]] = False
            hits = alarm & outbreak
            has_cases = outbreak.any(axis=1)
            detected = hits.any(axis=1) & has_cases
            delays = []
            for i in np.flatnonzero(detected):
                delays.append(int(np.flatnonzero(hits[i])[0] - starts[i]))
            rows.append(
                BacktestRow(
                    method=method,
                    params=params,
                    k=k,
                    shape=shape,
                    series=n_series,
                    sensitivity=float(hits.sum() / max(outbreak.sum(), 1)),
                    detected=float(detected.sum() / max(has_cases.sum(), 1)),
                    never_detected=float(1 - detected.sum() / max(has_cases.sum(), 1)),
                    median_delay=float(np.median(delays)) if delays else float("nan"),
                    false_alarms_per_series_year=false_rate,
                )
            )
    return rows
