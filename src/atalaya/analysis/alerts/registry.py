"""One entry point for every detector, so the command line, the observatory and the backtest run them alike."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cusum import NegBinCusum
from .ears import EarsC
from .farrington import Farrington
from .semaforo import Semaforo

#: method name → (description, accepted parameters)
METHODS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ears-c1": ("EARS C1: media y desviación de los 7 periodos previos", ("alpha", "baseline", "min_sigma")),
    "ears-c2": ("EARS C2: como C1 con 2 periodos de guarda", ("alpha", "baseline", "min_sigma")),
    "ears-c3": ("EARS C3: suma de excesos de C2 en 3 periodos", ("alpha", "baseline", "min_sigma", "r_compat")),
    "farrington": (
        "Farrington (1996): GLM cuasi-Poisson sobre las mismas semanas de años previos",
        ("alpha", "b", "w", "limit54", "r_compat", "population"),
    ),
    "farrington-noufaily": (
        "Farrington mejorado (Noufaily 2013): estacionalidad de 10 bloques y umbral binomial negativo",
        ("alpha", "b", "w", "limit54", "past_weeks_not_included", "threshold_method", "r_compat", "population"),
    ),
    "cusum": ("CUSUM binomial negativa: alzas persistentes", ("shift", "h", "train")),
    "semaforo": ("Semáforo delictivo: contra el promedio de los 3 años previos", ()),
}


@dataclass
class Detection:
    """What every detector returns, shaped (series, time); NaN / False where a point was not evaluated."""

    expected: np.ndarray
    upperbound: np.ndarray
    score: np.ndarray
    alarm: np.ndarray
    pvalue: np.ndarray
    evaluated: np.ndarray


def check_methods(*names: str) -> None:
    """The one check of method names (the command line, the backtest and :func:`detect` use it): a
    ``ValueError`` with a Spanish message naming the first unknown one and the available ones."""
    for name in names:
        if name not in METHODS:
            raise ValueError(f"Método desconocido «{name}». Disponibles: {', '.join(METHODS)}.")


def detect(method: str, counts, dates=None, freq: str = "week", evaluate=None, **params) -> Detection:
    """Run ``method`` on a (series × time) matrix of counts.

    ``evaluate`` limits Farrington (the costly one) to some time indices; other detectors are cheap and run on
    the whole series. Unknown methods or parameters raise ``ValueError`` with a Spanish message.
    """
    check_methods(method)
    accepted = METHODS[method][1]
    unknown = sorted(k for k, v in params.items() if v is not None and k not in accepted)
    if unknown:
        raise ValueError(f"El método {method} no acepta: {', '.join(unknown)}.")
    params = {k: v for k, v in params.items() if v is not None}
    # C order whatever the input (a transposed Polars frame arrives in Fortran order): NumPy's sums follow the
    # memory layout, and the same counts must give bit-for-bit the same thresholds.
    y = np.ascontiguousarray(np.atleast_2d(np.asarray(counts, dtype=float)))
    nan = np.full(y.shape, np.nan)
    if method.startswith("ears-"):
        d = EarsC(method[-2:].upper(), **params).fit(y)
        evaluated = ~np.isnan(d.upperbound_) & ~np.isnan(y)
        return Detection(d.expected_, d.upperbound_, d.score_, d.alarm_ & evaluated, nan, evaluated)
    if method.startswith("farrington"):
        population = params.pop("population", None)
        if "limit54" in params:
            params["limit54"] = tuple(params["limit54"])
        build = Farrington.original if method == "farrington" else Farrington.noufaily
        d = build(freq=freq, population_offset=population is not None, **params)
        d.fit(y, dates=dates, population=population, evaluate=evaluate)
        return Detection(d.expected_, d.upperbound_, d.score_, d.alarm_, d.pvalue_, d.evaluated_)
    if method == "cusum":
        d = NegBinCusum(freq=freq, **params).fit(y)
        evaluated = ~np.isnan(d.statistic_)
        return Detection(d.expected_, d.upperbound_, d.score_, d.alarm_, nan, evaluated)
    d = Semaforo(freq=freq).fit(y, dates)
    evaluated = ~np.isnan(d.expected_)
    return Detection(d.expected_, d.upperbound_, d.score_, d.alarm_, nan, evaluated)
