"""Improved Farrington on 10,000 weekly series against the straightforward per-series statsmodels loop.

Atalaya fits the GLMs of all series at one time point together (batch IRLS). The straightforward approach is a
Python loop over series and weeks with one ``statsmodels`` GLM per fit (quasi-Poisson: Poisson family, scale
from Pearson's χ²), the same reference windows, seasonal blocks, reweighting, trend rule and negative-binomial
threshold. The loop is far too slow for 10,000 series × 52 weeks, so it runs on the first ``--loop-series``
series and its time is scaled up linearly (it is linear in the number of series); the agreement of thresholds
is measured on those series.

Run (about two minutes at the defaults):

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/compare_farrington.py --series 10000 --loop-series 40

It prints JSON: seconds for Atalaya, seconds for the loop (measured and scaled), the ratio, peak memory, and the
share of series-weeks where both give the same threshold (and the largest relative difference).
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np


def statsmodels_loop(counts: np.ndarray, dates, evaluate: list[int], alpha: float) -> np.ndarray:
    """Noufaily's algorithm series by series and week by week, each GLM fitted by statsmodels."""
    import statsmodels.api as sm
    from scipy import stats

    from atalaya.analysis.alerts.farrington import reference_offsets, seasonal_blocks

    upper = np.full(counts.shape, np.nan)
    b, w, periods, pwni, threshold = 5, 3, 10, 26, 2.58
    for k in evaluate:
        offsets = reference_offsets(dates, k, b, "week")
        if k - offsets[-1] - w < 0:
            continue  # not b years of history yet
        levels = seasonal_blocks(k, offsets, w, periods)
        used = np.array(sorted(i for i in levels if not k - pwni <= i <= k))
        level_of = np.array([levels[i] for i in used])
        present = np.unique(level_of)
        dummies = np.column_stack([(level_of == lv).astype(float) for lv in present[1:]])
        t = (used - k) / 52
        x_now = np.array([1.0, 0.0, *[float(lv == periods) for lv in present[1:]]])
        design = np.column_stack([np.ones_like(t), t, dummies])
        for i in range(counts.shape[0]):
            y = counts[i, used]
            if counts[i, max(0, k - 3) : k + 1].sum() < 5:
                continue  # the 5-in-4 rule: no threshold reported
            if y.sum() == 0:
                upper[i, k] = 0.0
                continue
            x, x_pred = design, x_now
            fit, phi = _fit_reweighted(sm, y, x, threshold)
            eta = float(x_pred @ fit.params)
            if not (np.exp(eta) <= y.max()):  # Noufaily: drop the trend when the prediction overshoots
                x, x_pred = np.delete(design, 1, axis=1), np.delete(x_now, 1)
                fit, phi = _fit_reweighted(sm, y, x, threshold)
                eta = float(x_pred @ fit.params)
            mu = np.exp(eta)
            if phi > 1:
                upper[i, k] = stats.nbinom.ppf(1 - alpha, mu / (phi - 1), 1 / phi)
            else:
                upper[i, k] = stats.poisson.ppf(1 - alpha, mu)
    return upper


def _fit_reweighted(sm, y, x, threshold):
    model = sm.GLM(y, x, family=sm.families.Poisson())
    fit = model.fit(scale="X2")
    phi = max(1.0, float(fit.scale))
    h = fit.get_influence().hat_matrix_diag
    mu = fit.mu
    s = 1.5 * (np.power(y, 2 / 3) * np.power(mu, -1 / 6) - np.sqrt(mu)) / np.sqrt(phi * (1 - h))
    relative = np.where(s > threshold, 1 / np.where(s > threshold, s, 1) ** 2, 1.0)
    weights = relative * len(y) / relative.sum()
    refit = sm.GLM(y, x, family=sm.families.Poisson(), var_weights=weights).fit(scale="X2")
    return refit, max(1.0, float(refit.scale))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--loop-series", type=int, default=40)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from atalaya.analysis.alerts import detect
    from atalaya.analysis.alerts.backtest import simulate_series

    rng = np.random.default_rng(args.seed)
    # 5 years of history before the first week evaluated (5 calendar years back are 261 weeks, plus the window's
    # half-width w = 3), then the 52 weeks evaluated.
    simulated = simulate_series(args.series, 7, rng=rng)
    keep = 52 * 5 + 1 + 3 + args.weeks
    counts, dates = simulated.counts[:, -keep:], simulated.dates[-keep:]
    evaluate = list(range(counts.shape[1] - args.weeks, counts.shape[1]))

    started = time.perf_counter()
    ours = detect("farrington-noufaily", counts, dates, "week", evaluate=evaluate, alpha=args.alpha)
    atalaya_seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    subset = counts[: args.loop_series]
    started = time.perf_counter()
    loop_upper = statsmodels_loop(subset, dates, evaluate, args.alpha)
    loop_seconds = time.perf_counter() - started
    scaled = loop_seconds * args.series / args.loop_series

    a = ours.upperbound[: args.loop_series][:, evaluate]
    b = loop_upper[:, evaluate]
    both = np.isfinite(a) & np.isfinite(b)
    same = np.isclose(a[both], b[both], rtol=1e-6, atol=1e-9)
    relative = np.abs(a[both] - b[both]) / np.maximum(np.abs(b[both]), 1)
    print(
        json.dumps(
            {
                "series": args.series,
                "weeks_evaluated": args.weeks,
                "history_weeks": counts.shape[1] - args.weeks,
                "atalaya_seconds": round(atalaya_seconds, 2),
                "atalaya_series_weeks_per_second": round(args.series * args.weeks / atalaya_seconds),
                "peak_rss_mb": round(peak_mb),
                "loop_series": args.loop_series,
                "loop_seconds_measured": round(loop_seconds, 2),
                "loop_seconds_scaled_to_all_series": round(scaled, 1),
                "ratio": round(scaled / atalaya_seconds, 1),
                "thresholds_compared": int(both.sum()),
                "thresholds_only_one_side": int((np.isfinite(a) ^ np.isfinite(b)).sum()),
                "thresholds_equal_share": round(float(same.mean()), 4) if both.any() else None,
                "max_relative_difference": round(float(relative.max()), 6) if both.any() else None,
                "alarms_atalaya": int(ours.alarm[: args.loop_series][:, evaluate].sum()),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
