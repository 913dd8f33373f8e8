"""Synthetic control: what would the municipality's crime have been without its programme?

For a programme that covers a whole municipality there is no untreated area inside it; the comparison is a
**weighted combination of other municipalities** (the donor pool, e.g. the rest of the SESNSP file) chosen so that
before the programme it tracks the treated municipality's outcome and predictors (Abadie & Gardeazabal 2003;
Abadie, Diamond & Hainmueller 2010). The nested optimisation of predictor weights ``V`` and donor weights ``W`` is
``pysyncon``'s (which reproduces the Basque study's weights: Cataluña 0.85, Madrid 0.15).

Inference is by **placebos in space**: the same method is applied to every donor as if it had been treated, and the
treated unit's ratio of post- to pre-programme RMSPE is ranked among them (p-value = rank / units; with 19 donors
the smallest possible p is 0.05). The effect's rate ratio is the treated unit's observed total over its synthetic
total during the programme; its interval comes from the spread of the placebos' log ratios (the effects that arise
without a programme), so it is wide when the donors are noisy — as it should be.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl

from .effects import Effect, effect_from_log_ratio


@dataclass(frozen=True)
class Predictor:
    """A predictor: ``column`` aggregated (mean) over ``periods`` (all pre-programme periods when empty)."""

    column: str
    periods: tuple = ()


@dataclass(frozen=True)
class SyntheticFit:
    weights: dict[str, float]
    periods: list
    actual: np.ndarray
    synthetic: np.ndarray
    pre_rmspe: float
    post_rmspe: float


def _fit(
    wide: dict[str, pd.DataFrame],
    outcome: str,
    unit: str,
    donors: list[str],
    pre: list,
    fit_periods: list,
    predictors: Sequence[Predictor],
) -> SyntheticFit:
    from pysyncon import Synth

    table = wide[outcome]
    rows = []
    for predictor in predictors:
        periods = list(predictor.periods) or pre
        rows.append(wide[predictor.column].loc[periods].mean(axis=0).rename(f"{predictor.column}"))
    X = pd.DataFrame(rows)
    X.index = [f"p{i}" for i in range(len(rows))]
    Z = table.loc[fit_periods]
    synth = Synth()
    # Outcome-only (one predictor per pre-programme period): equal predictor weights, so W is the convex
    # combination that best reproduces the pre-programme path; otherwise Abadie's nested optimisation of V.
    outcome_only = all(p.column == outcome and len(p.periods) == 1 for p in predictors)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synth.fit(
            X0=X[donors],
            X1=X[unit],
            Z0=Z[donors],
            Z1=Z[unit],
            optim_method="Nelder-Mead",
            optim_initial="equal",
            custom_V=np.ones(len(rows)) if outcome_only else None,
        )
    weights = np.asarray(synth.W, dtype=float)
    periods = list(table.index)
    actual = table[unit].to_numpy(dtype=float)
    synthetic = table[donors].to_numpy(dtype=float) @ weights
    is_pre = np.isin(periods, pre)
    gap = actual - synthetic
    return SyntheticFit(
        dict(zip(donors, weights.tolist(), strict=True)),
        periods,
        actual,
        synthetic,
        float(np.sqrt(np.mean(gap[is_pre] ** 2))),
        float(np.sqrt(np.mean(gap[~is_pre] ** 2))) if (~is_pre).any() else float("nan"),
    )


def synthetic_control(
    panel: pl.DataFrame,
    *,
    treated: str,
    start,
    unit: str = "unit",
    time: str = "period",
    outcome: str = "rate",
    predictors: Sequence[Predictor] = (),
    donors: Sequence[str] | None = None,
    counts: str | None = None,
    placebos: bool = True,
    level: float = 0.95,
) -> Effect:
    """Effect of a programme in unit ``treated`` from period ``start`` on, against a synthetic control.

    ``panel`` has one row per unit and period (no gaps: units with a missing period are left out of the pool).
    Without ``predictors`` every pre-programme value of the outcome is a predictor, with equal weights. ``counts``
    names the treated unit's count column (when the outcome is a rate) so that prevented crimes are counted in
    crimes.
    """
    frame = panel.select(
        unit, time, outcome, *{p.column for p in predictors} - {outcome}, *([counts] if counts else [])
    )
    frame = frame.with_columns(pl.col(unit).cast(pl.String))
    complete = frame.group_by(unit).agg(pl.col(outcome).is_not_null().sum().alias("n"))
    periods_total = frame.get_column(time).n_unique()
    keep = complete.filter(pl.col("n") == periods_total).get_column(unit).to_list()
    if treated not in keep:
        raise ValueError(f"La unidad tratada «{treated}» no tiene la serie completa de «{outcome}».")
    pool = [u for u in (donors or keep) if u in keep and u != treated]
    if len(pool) < 4:
        raise ValueError(f"Se necesitan al menos 4 unidades donantes con la serie completa; hay {len(pool)}.")
    # pysyncon works on pandas; built column by column (polars' to_pandas would need pyarrow)
    pdf = pd.DataFrame(frame.filter(pl.col(unit).is_in([*pool, treated])).to_dict(as_series=False))
    if frame.schema[time] == pl.Date:
        pdf[time] = pd.to_datetime(pdf[time])
    cut = pd.Timestamp(start) if pd.api.types.is_datetime64_any_dtype(pdf[time]) else start  # polars dates → pandas
    columns = {outcome, *(p.column for p in predictors)}
    wide = {c: pdf.pivot(index=time, columns=unit, values=c).sort_index() for c in columns}
    all_periods = list(wide[outcome].index)
    pre = [p for p in all_periods if p < cut]
    post = [p for p in all_periods if p >= cut]
    if len(pre) < 5 or not post:
        raise ValueError(f"Hay {len(pre)} periodos antes y {len(post)} durante el programa; se necesitan 5 antes.")
    if not predictors:
        predictors = [Predictor(outcome, (period,)) for period in pre]
    main = _fit(wide, outcome, treated, pool, pre, pre, predictors)
    is_post = ~np.isin(main.periods, pre)
    log_ratio = math.log(main.actual[is_post].sum() / main.synthetic[is_post].sum())
    placebo_rows = []
    if placebos:
        for donor in pool:
            others = [u for u in pool if u != donor]
            fit = _fit(wide, outcome, donor, others, pre, pre, predictors)
            placebo_rows.append(
                {
                    "unit": donor,
                    "ratio": fit.post_rmspe / fit.pre_rmspe if fit.pre_rmspe > 0 else float("inf"),
                    "log_ratio": math.log(fit.actual[is_post].sum() / fit.synthetic[is_post].sum()),
                    "pre_rmspe": fit.pre_rmspe,
                }
            )
    treated_ratio = main.post_rmspe / main.pre_rmspe if main.pre_rmspe > 0 else float("inf")
    if placebo_rows:
        ratios = np.array([r["ratio"] for r in placebo_rows])
        p_value = float((1 + (ratios >= treated_ratio).sum()) / (len(ratios) + 1))
        # Placebos that fit badly before (pre-RMSPE over 5× the treated unit's) say nothing about chance effects.
        good = [r["log_ratio"] for r in placebo_rows if r["pre_rmspe"] <= 5 * max(main.pre_rmspe, 1e-12)]
        se = float(np.std(good, ddof=1)) if len(good) >= 3 else float("nan")
    else:
        p_value, se = float("nan"), float("nan")
    if counts:
        observed = float(frame.filter((pl.col(unit) == treated) & (pl.col(time) >= start))[counts].sum())
    else:
        observed = float(main.actual[is_post].sum())
    effect = effect_from_log_ratio(
        "control_sintetico",
        log_ratio,
        se if math.isfinite(se) else 0.0,
        observed,
        level=level,
        se_type="placebo",
        what="Control sintético",
        p_value=p_value if math.isfinite(p_value) else None,
        details={
            "weights": {k: v for k, v in sorted(main.weights.items(), key=lambda kv: -kv[1]) if v >= 0.001},
            "donors": len(pool),
            "pre_rmspe": main.pre_rmspe,
            "post_rmspe": main.post_rmspe,
            "rmspe_ratio": treated_ratio,
            "placebos": placebo_rows,
            "path": {
                "periods": [str(p) for p in main.periods],
                "actual": main.actual.tolist(),
                "synthetic": main.synthetic.tolist(),
            },
            "smallest_p": 1 / (len(placebo_rows) + 1) if placebo_rows else None,
        },
    )
    return effect
