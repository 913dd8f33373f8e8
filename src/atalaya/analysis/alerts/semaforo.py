"""The Mexican "semáforo delictivo" as a detector: each period against the average of the three previous years.

Not a statistical test — no allowance for chance — but it is the rule many Mexican municipalities already
publish, so the observatory offers it beside the statistical detectors and the backtest shows what it costs
in false alarms. The thresholds are the ones of :func:`atalaya.analysis.indicators.semaforo`.
"""

from __future__ import annotations

import numpy as np

from ..indicators import SEMAFORO_GREEN_BELOW, SEMAFORO_RED_FROM
from .series import PERIODS_PER_YEAR


class Semaforo:
    """Red (alarm) when the period's count is at or above the average period of the previous three calendar years.

    ``fit(counts, dates)``: ``dates`` are needed to know the calendar years. The baseline needs every period of
    the three previous years (12 months, or at least 52 weeks each); otherwise the point is not evaluated.
    Attributes: ``expected_`` (the baseline average), ``upperbound_`` (the same: the red line), ``score_`` (count
    / baseline), ``light_`` ("verde", "amarillo", "rojo"), ``alarm_`` (red).
    """

    def __init__(self, freq: str = "month"):
        self.freq = freq

    def fit(self, counts, dates) -> Semaforo:
        if self.freq not in PERIODS_PER_YEAR:
            raise ValueError("freq debe ser «week» o «month».")
        y = np.atleast_2d(np.asarray(counts, dtype=float))
        if dates is None or len(dates) != y.shape[1]:
            raise ValueError("El semáforo necesita una fecha por periodo.")
        years = np.array([d.year for d in dates])
        distinct = np.unique(years)
        sums = np.stack([np.nansum(y[:, years == year], axis=1) for year in distinct], axis=1)
        counts_per_year = np.stack([(~np.isnan(y[:, years == year])).sum(axis=1) for year in distinct], axis=1)
        needed = PERIODS_PER_YEAR[self.freq]
        position = {year: i for i, year in enumerate(distinct)}
        baseline_by_year = np.full((y.shape[0], len(distinct)), np.nan)
        for year, i in position.items():
            previous = [position.get(year - lag) for lag in (1, 2, 3)]
            if None in previous:
                continue
            complete = (counts_per_year[:, previous] >= needed).all(axis=1)
            average = sums[:, previous].sum(axis=1) / counts_per_year[:, previous].sum(axis=1)
            baseline_by_year[:, i] = np.where(complete, average, np.nan)
        baseline = baseline_by_year[:, [position[year] for year in years]]
        baseline = np.where(np.isnan(y), np.nan, baseline)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(baseline > 0, y / baseline, np.where(y > 0, np.inf, 1.0))
        evaluated = ~np.isnan(baseline)
        self.expected_ = baseline
        self.upperbound_ = baseline
        self.score_ = np.where(evaluated, ratio, np.nan)
        light = np.full(y.shape, "", dtype=object)
        light[evaluated & (ratio < SEMAFORO_GREEN_BELOW)] = "verde"
        light[evaluated & (ratio >= SEMAFORO_GREEN_BELOW) & (ratio < SEMAFORO_RED_FROM)] = "amarillo"
        light[evaluated & (ratio >= SEMAFORO_RED_FROM) & ~((baseline == 0) & (y == 0))] = "rojo"
        light[evaluated & (baseline == 0) & (y == 0)] = "amarillo"
        self.light_ = light
        self.alarm_ = light == "rojo"
        return self
