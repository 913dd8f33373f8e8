"""``atalaya bench --suite surveys``: design-based estimates of 30 indicators × 100 domains on 500,000 synthetic
respondents (ENSU-like design: 400 strata, 20 primary units each), and a benefit-cost sheet's Monte Carlo of
100,000 draws. Pure analysis, no database; times are the best of ``repeats`` runs, with peak memory. Printed as
JSON; never asserted in tests."""

from __future__ import annotations

import datetime as dt
import resource
import time

import numpy as np
import polars as pl


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_surveys_benchmark(
    *, respondents: int, indicators: int, domains: int, draws: int, seed: int, repeats: int = 3
) -> dict:
    from atalaya.analysis.costbenefit import CrimeEffect, Sheet, UnitCost, analyse
    from atalaya.analysis.surveys.estimates import DesignColumns, SurveyIndicator, estimate

    rng = np.random.default_rng(seed)
    strata = rng.integers(0, 400, respondents)
    frame = pl.DataFrame(
        {
            "estrato": strata,
            "upm": strata * 20 + rng.integers(0, 20, respondents),
            "factor": rng.uniform(50, 500, respondents),
            "dominio": rng.integers(0, domains, respondents).astype(str),
        }
        | {f"p{i}": (rng.random(respondents) < 0.2 + 0.02 * i).astype(np.int64) + 1 for i in range(indicators)}
    )
    questions = [SurveyIndicator(f"p{i}", f"p{i}", f"p{i}", success=(2,)) for i in range(indicators)]
    design = DesignColumns("factor", "upm", "estrato")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        table = estimate(frame, design, questions, by=["dominio"])
        times.append(time.perf_counter() - started)
    kinds = [f"t{i}" for i in range(6)]
    sheet = Sheet(
        costs_by_year={2024: 9.5e6, 2025: 1e7},
        base_year=2024,
        discount_rate=0.05,
        currency="MXN",
        usd_rate=18.3,
        usd_rate_date=dt.date(2025, 12, 31),
        rate_ratio=0.8,
        log_ratio_se=0.08,
        crimes=[CrimeEffect(k, {2024: 300.0, 2025: 320.0}) for k in kinds],
        unit_costs=[UnitCost(k, 38_000, 14_000, 0.12) for k in kinds],
        prison_year_cost=190_000,
    )
    mc_times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = analyse(sheet, rng=np.random.default_rng(seed), draws=draws)
        mc_times.append(time.perf_counter() - started)
    return {
        "suite": "surveys",
        "respondents": respondents,
        "indicators": indicators,
        "domains": domains,
        "estimates": table.height,
        "estimates_seconds": round(min(times), 3),
        "estimates_seconds_all": [round(t, 3) for t in times],
        "monte_carlo_draws": draws,
        "monte_carlo_seconds": round(min(mc_times), 3),
        "probability_benefits_exceed_costs": round(result.probability_benefits_exceed_costs, 4),
        "peak_memory_mb": round(_peak_mb(), 1),
    }
