"""Difference-in-differences on counts: did crime fall more in the programme's areas than in comparison areas?

A Poisson (or negative-binomial) regression of the counts per area and period with **area and period effects**
and the programme term ``treated × post``: ``log E[y_at] = α_a + γ_t + δ·D_at (+ log exposure)``. ``exp(δ)`` is
the rate ratio: how the treated areas' crime changed relative to what the comparison areas' change implies.
With two areas and two periods it is exactly ``(T1/T0)/(C1/C0)``. Poisson estimates are consistent under
overdispersion; the standard errors are **clustered by area** when there are at least ``MIN_CLUSTERS`` areas
(serial correlation within an area, Bertrand, Duflo & Mullainathan 2004) and heteroskedasticity-robust (HC1)
otherwise, and the summary says which. The key assumption — parallel trends before the programme — is checked by
an event-study style test: the treated × pre-period-trend term (reported as ``pretrend_p``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .effects import Effect, effect_from_log_ratio, fit_counts

#: Fewer areas than this and clustered standard errors are unreliable (Cameron & Miller 2015): HC1 instead.
MIN_CLUSTERS = 10


def _dummies(codes: np.ndarray) -> np.ndarray:
    """Indicator columns for every level but the first."""
    levels = np.unique(codes)
    return (codes[:, None] == levels[None, 1:]).astype(float)


def difference_in_differences(
    panel: pl.DataFrame,
    *,
    count: str = "count",
    area: str = "area",
    period: str = "period",
    treated: str = "treated",
    post: str = "post",
    exposure: str | None = None,
    family: str = "poisson",
    level: float = 0.95,
) -> Effect:
    """Effect of a programme on counts from a panel with one row per area and period.

    ``treated`` marks the programme's areas (1) and the comparison areas (0); ``post`` the periods during or after
    the programme. ``exposure`` (population, or days in the period) enters as an offset. ``family`` is
    ``poisson`` or ``negbin``.
    """
    frame = panel.drop_nulls([count, area, period, treated, post])
    if frame.get_column(treated).n_unique() < 2 or frame.get_column(post).n_unique() < 2:
        raise ValueError("Se necesitan áreas con y sin programa, y periodos antes y durante el programa.")
    y = frame.get_column(count).cast(pl.Float64).to_numpy()
    if (y < 0).any():
        raise ValueError("Los conteos no pueden ser negativos.")
    area_codes = frame.get_column(area).cast(pl.String).to_numpy()
    period_codes = frame.get_column(period).cast(pl.String).to_numpy()
    is_treated = frame.get_column(treated).cast(pl.Float64).to_numpy()
    is_post = frame.get_column(post).cast(pl.Float64).to_numpy()
    effect_term = is_treated * is_post
    X = np.column_stack([np.ones_like(y), _dummies(area_codes), _dummies(period_codes), effect_term])
    offset = np.log(frame.get_column(exposure).cast(pl.Float64).to_numpy()) if exposure else None
    n_areas = len(np.unique(area_codes))
    se_type = "cluster" if n_areas >= MIN_CLUSTERS else "HC1"
    if family == "negbin" or X.shape[0] <= X.shape[1]:
        se_type = "model"  # glm.nb's errors given the dispersion; a saturated model has no residuals to be robust with
    result = fit_counts(
        y, X, offset=offset, family=family, se=se_type, groups=np.unique(area_codes, return_inverse=True)[1]
    )
    index = X.shape[1] - 1
    log_ratio, se = float(result.params[index]), float(result.bse[index])
    observed = float(y[effect_term == 1].sum())
    details = {
        "areas": n_areas,
        "treated_areas": len(np.unique(area_codes[is_treated == 1])),
        "periods": len(np.unique(period_codes)),
        "family": family,
        "pretrend_p": _pretrend_p(y, area_codes, period_codes, is_treated, is_post, offset, se_type),
    }
    if family == "negbin":
        details["theta"] = float(1 / result.result.model.family.alpha)
    return effect_from_log_ratio(
        "diferencias_en_diferencias",
        log_ratio,
        se,
        observed,
        level=level,
        se_type=se_type,
        what="Diferencias en diferencias",
        details=details,
    )


def _pretrend_p(y, area_codes, period_codes, is_treated, is_post, offset, se_type) -> float | None:
    """Before the programme, did the treated areas already trend apart? p-value of treated × period index in the
    pre-programme periods (area and period effects as in the main model). Small p: parallel trends doubtful."""
    pre = is_post == 0
    periods = np.unique(period_codes[pre])
    if len(periods) < 3:
        return None
    order = {p: i for i, p in enumerate(periods)}
    trend = np.array([order[p] for p in period_codes[pre]], dtype=float) * is_treated[pre]
    X = np.column_stack([np.ones(pre.sum()), _dummies(area_codes[pre]), _dummies(period_codes[pre]), trend])
    groups = np.unique(area_codes[pre], return_inverse=True)[1]
    result = fit_counts(y[pre], X, offset=None if offset is None else offset[pre], se=se_type, groups=groups)
    return float(result.pvalues[-1])
