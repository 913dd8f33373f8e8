"""Interrupted time series: did the series of counts break when the programme started?

Segmented Poisson regression as Lopez Bernal, Cummins & Gasparrini's tutorial (2017) sets it out:
``log E[y_t] = β0 + β1·t + β2·post_t + β3·(t − t0)·post_t + harmonics + log exposure``, with
``harmonics`` pairs of sines and cosines of the month (seasonality), ``post`` the programme's months and the slope
term optional. ``exp(β2)`` is the level change (rate ratio) at the start; ``exp(12·β3)`` the change in the yearly
trend. Overdispersion is handled with quasi-Poisson standard errors (R's ``quasipoisson``) and autocorrelation with
Newey–West standard errors (``autocorrelation=True``, the default: a sandwich, robust to both); the residuals'
Ljung–Box test is reported.

The programme's effect over its whole period is the ratio of observed to expected-without-programme crimes
(the counterfactual keeps the pre-programme level, trend and seasons), with an interval from draws of the
coefficients (explicit ``rng``, reproducible).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from statsmodels.stats.diagnostic import acorr_ljungbox

from .effects import Effect, effect_from_log_ratio, fit_counts, newey_west_lags


def harmonics(month: np.ndarray, pairs: int, period: int = 12) -> np.ndarray:
    """``sin(2πkm/12), cos(2πkm/12)`` for ``k = 1..pairs`` (R ``tsModel::harmonic``'s terms)."""
    columns = []
    for k in range(1, pairs + 1):
        angle = 2 * np.pi * k * month / period
        columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns) if columns else np.empty((len(month), 0))


def design_matrix(
    time: np.ndarray, post: np.ndarray, month: np.ndarray, *, start_time: float, slope_change: bool, seasonality: int
) -> tuple[np.ndarray, list[str]]:
    columns = [np.ones_like(time, dtype=float), time.astype(float), post.astype(float)]
    names = ["intercept", "time", "post"]
    if slope_change:
        columns.append((time - start_time) * post)
        names.append("slope")
    season = harmonics(month, seasonality)
    names += [f"{kind}{k}" for k in range(1, seasonality + 1) for kind in ("s", "c")]
    return np.column_stack([*columns, season]), names


def interrupted_time_series(
    series: pl.DataFrame,
    start: dt.date,
    *,
    period: str = "period",
    count: str = "count",
    exposure: str | None = None,
    slope_change: bool = True,
    seasonality: int = 2,
    autocorrelation: bool = True,
    level: float = 0.95,
    rng: np.random.Generator | None = None,
    draws: int = 4000,
) -> Effect:
    """Effect of a programme that started on ``start`` on a monthly series (``period`` = first day of month)."""
    frame = series.drop_nulls([period, count]).sort(period)
    months = frame.get_column(period).to_list()
    if len(months) < 12:
        raise ValueError("Se necesitan al menos 12 meses de serie para una serie de tiempo interrumpida.")
    y = frame.get_column(count).cast(pl.Float64).to_numpy()
    time = np.arange(1, len(y) + 1, dtype=float)
    post = np.array([m >= start for m in months], dtype=float)
    before, after = int((post == 0).sum()), int(post.sum())
    if before < 8 or after < 3:
        raise ValueError(
            f"Hay {before} meses antes y {after} durante el programa; se necesitan al menos 8 antes y 3 durante."
        )
    start_time = float(time[post == 1][0] - 1)
    month = np.array([m.month for m in months], dtype=float)
    X, names = design_matrix(
        time, post, month, start_time=start_time, slope_change=slope_change, seasonality=seasonality
    )
    offset = np.log(frame.get_column(exposure).cast(pl.Float64).to_numpy()) if exposure else None
    quasi = fit_counts(y, X, offset=offset, family="quasipoisson")
    lags = newey_west_lags(len(y))
    result = fit_counts(y, X, offset=offset, se="HAC", lags=lags) if autocorrelation else quasi
    # A sandwich (Newey–West) covariance is robust to overdispersion as well as to autocorrelation.
    cov = result.cov
    params = result.params
    # The whole period's effect: observed / expected without the programme (post and slope terms at zero).
    counterfactual = X.copy()
    counterfactual[:, names.index("post")] = 0
    if slope_change:
        counterfactual[:, names.index("slope")] = 0
    base = offset
    in_programme = post == 1
    observed = float(y[in_programme].sum())
    rng = rng or np.random.default_rng(20170101)
    sampled = rng.multivariate_normal(params, cov, size=draws)
    shift = base[in_programme] if offset is not None else np.zeros(int(in_programme.sum()))
    expected = np.exp(counterfactual[in_programme] @ sampled.T + shift[:, None])
    fitted = np.exp(X[in_programme] @ sampled.T + shift[:, None])
    log_ratios = np.log(fitted.sum(axis=0) / expected.sum(axis=0))
    point_expected = float(np.exp(counterfactual[in_programme] @ params + shift).sum())
    point_fitted = float(np.exp(X[in_programme] @ params + shift).sum())
    log_ratio = float(np.log(point_fitted / point_expected))
    se = float(log_ratios.std(ddof=1))
    residuals = np.asarray(quasi.result.resid_pearson)
    ljung_box = acorr_ljungbox(residuals, lags=[min(12, len(y) // 4)], return_df=True)
    step, step_se = float(params[names.index("post")]), float(np.sqrt(cov[names.index("post"), names.index("post")]))
    details = {
        "months_before": before,
        "months_after": after,
        "step_ratio": float(np.exp(step)),
        "step_ci": [float(np.exp(step - 1.96 * step_se)), float(np.exp(step + 1.96 * step_se))],
        "dispersion": float(quasi.result.scale),
        "newey_west_lags": lags if autocorrelation else None,
        "ljung_box_p": float(ljung_box["lb_pvalue"].iloc[0]),
        "coefficients": dict(zip(names, map(float, params), strict=True)),
        "standard_errors": dict(zip(names, map(float, np.sqrt(np.diag(cov))), strict=True)),
    }
    if slope_change:
        slope, slope_se = (
            float(params[names.index("slope")]),
            float(np.sqrt(cov[names.index("slope"), names.index("slope")])),
        )
        details["yearly_trend_change"] = float(np.exp(12 * slope))
        details["yearly_trend_change_ci"] = [
            float(np.exp(12 * (slope - 1.96 * slope_se))),
            float(np.exp(12 * (slope + 1.96 * slope_se))),
        ]
    return effect_from_log_ratio(
        "serie_interrumpida",
        log_ratio,
        se,
        observed,
        level=level,
        se_type="HAC" if autocorrelation else "quasi",
        what="Serie de tiempo interrumpida",
        details=details,
    )
