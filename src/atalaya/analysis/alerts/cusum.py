"""Negative-binomial CUSUM for persistent increases, vectorised over series.

EARS and Farrington look at one period at a time; a moderate rise that lasts weeks can stay under their bounds
every single week. A CUSUM accumulates the evidence: S_t = max(0, S_{t−1} + LLR_t), with LLR_t the log-likelihood
ratio of the count under an increased mean κ μ_t against the in-control mean μ_t, and alarms when S_t ≥ h (then
restarts from 0, as ``surveillance::algo.glrnb`` with a fixed κ).
"""

from __future__ import annotations

import numpy as np

from .glm import fit_quasipoisson
from .series import PERIODS_PER_YEAR


def in_control_design(t: np.ndarray, period: int) -> np.ndarray:
    """Intercept, linear trend (in years) and one pair of harmonics: the in-control model of ``algo.glrnb``."""
    angle = 2 * np.pi * t / period
    return np.column_stack([np.ones_like(t, dtype=float), t / period, np.sin(angle), np.cos(angle)])


def log_likelihood_ratio(x, mu, shift: float, size):
    """log f(x; κμ) − log f(x; μ) for a negative binomial with the given size (np.inf: Poisson).

    >>> round(float(log_likelihood_ratio(10, 5.0, 2.0, np.inf)), 4)  # 10·log 2 − 5
    1.9315
    """
    x = np.asarray(x, dtype=float)
    mu = np.asarray(mu, dtype=float)
    size = np.broadcast_to(np.asarray(size, dtype=float), np.broadcast(x, mu).shape)
    poisson = x * np.log(shift) - (shift - 1) * mu
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log((size + shift * mu) / (size + mu))
        negbin = x * (np.log(shift) - ratio) - size * ratio
    return np.where(np.isinf(size), poisson, negbin)


class NegBinCusum:
    """CUSUM of negative-binomial log-likelihood ratios against a seasonal in-control mean.

    Parameters
    ----------
    shift : the increase to detect, as a ratio of means κ (2: the count doubles).
    h : decision limit (5, as ``c.ARL`` in ``algo.glrnb``; the backtest in docs/ compares others).
    train : periods used to fit the in-control model before the first evaluated one (3 years by default).
    freq : "week" or "month" (sets the seasonal period).

    Attributes: ``expected_`` (in-control mean), ``upperbound_`` (count that would make the chart alarm given
    its current state), ``score_`` (S_t / h; alarm iff ≥ 1), ``alarm_``, ``statistic_`` (S_t), ``size_`` (NB
    size per series; inf = Poisson).

    References
    ----------
    Höhle, M. & Paul, M. (2008). Count data regression charts for the monitoring of surveillance time series.
    *Computational Statistics & Data Analysis* 52(9), 4357–4368. https://doi.org/10.1016/j.csda.2008.02.015
    """

    def __init__(self, shift: float = 2.0, h: float = 5.0, train: int | None = None, freq: str = "week"):
        self.shift = shift
        self.h = h
        self.train = train
        self.freq = freq

    def fit(self, counts) -> NegBinCusum:
        if self.freq not in PERIODS_PER_YEAR:
            raise ValueError("freq debe ser «week» o «month».")
        if not self.shift > 1:
            raise ValueError("shift (κ) debe ser mayor que 1: la CUSUM busca aumentos.")
        if not self.h > 0:
            raise ValueError("h debe ser positivo.")
        y = np.atleast_2d(np.asarray(counts, dtype=float))
        n_series, n_time = y.shape
        period = PERIODS_PER_YEAR[self.freq]
        train = int(self.train or 3 * period)
        if n_time <= train:
            raise ValueError(
                f"La serie es demasiado corta: la CUSUM necesita más de {train} periodos de entrenamiento."
            )
        design = in_control_design(np.arange(n_time, dtype=float) - train, period)
        history = y[:, :train]
        prior = (~np.isnan(history)).astype(float)
        fit = fit_quasipoisson(np.nan_to_num(history), design[:train], prior)
        mu = np.exp(np.clip(fit.coef @ design.T, -30, 30))
        phi = np.maximum(np.nan_to_num(fit.pearson, nan=1.0), 1.0)
        mean_mu = np.maximum(mu[:, :train].mean(axis=1), 1e-9)
        overdispersion = (phi - 1) / mean_mu  # Var = μ + α μ², from φ ≈ 1 + α μ
        size = np.where(overdispersion > 1e-9, 1 / np.maximum(overdispersion, 1e-12), np.inf)
        empty = np.nansum(history, axis=1) == 0
        mu[empty] = np.maximum(mu[empty], 0.0)

        shape = y.shape
        self.expected_ = np.full(shape, np.nan)
        self.upperbound_ = np.full(shape, np.nan)
        self.statistic_ = np.full(shape, np.nan)
        self.score_ = np.full(shape, np.nan)
        self.alarm_ = np.zeros(shape, dtype=bool)
        self.size_ = size
        state = np.zeros(n_series)
        log_shift = np.log(self.shift)
        for t in range(train, n_time):
            x = y[:, t]
            m = mu[:, t]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(np.isinf(size), 0.0, np.log((size + self.shift * m) / (size + m)))
                slope = np.where(np.isinf(size), log_shift, log_shift - ratio)
                intercept = np.where(np.isinf(size), (self.shift - 1) * m, size * ratio)
                needed = (self.h - state + intercept) / slope  # smallest count with S_t ≥ h
            llr = log_likelihood_ratio(x, m, self.shift, size)
            observed = ~np.isnan(x)
            statistic = np.where(observed, np.maximum(0.0, state + llr), state)
            alarm = observed & (statistic >= self.h)
            self.expected_[:, t] = np.where(observed, m, np.nan)
            self.upperbound_[:, t] = np.where(observed, np.maximum(needed, 0.0), np.nan)
            self.statistic_[:, t] = np.where(observed, statistic, np.nan)
            self.score_[:, t] = np.where(observed, statistic / self.h, np.nan)
            self.alarm_[:, t] = alarm
            state = np.where(alarm, 0.0, statistic)
        return self
