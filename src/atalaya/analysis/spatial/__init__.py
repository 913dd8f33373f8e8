"""Spatial analysis: hot spots, autocorrelation, density, concentration and near repeat, vectorised.

Everything metric is computed in a projected CRS (:mod:`.projection`). Statistics return immutable results
with one vocabulary (``statistic``, ``expected``, ``z_norm``, ``p_norm``, ``z_sim``, ``p_sim``) and take an
``rng`` (``numpy.random.Generator``) wherever they draw at random. Nothing here imports Django.
"""

from .autocorrelation import BIN_NAMES, LocalResult, MoranResult, fdr, getis_ord, lisa, moran
from .concentration import Concentration, concentration, gini, top_place_stability
from .kde import Surface, default_bandwidth, kde
from .projection import Projection, utm_for
from .weights import Weights, build, contiguity, distance_band, knn

#: The statistics that share the result vocabulary below; a conformance test runs over every one of them
#: (deterministic given a seed, inputs not mutated, NumPy and Polars inputs agree, attributes present) and the
#: documentation test checks each is in the spatial guide.
STATISTICS = {"moran": moran, "lisa": lisa, "getis_ord": getis_ord}
RESULT_ATTRIBUTES = ("statistic", "expected", "z_norm", "p_norm", "z_sim", "p_sim")

__all__ = [
    "BIN_NAMES",
    "RESULT_ATTRIBUTES",
    "STATISTICS",
    "Concentration",
    "LocalResult",
    "MoranResult",
    "Projection",
    "Surface",
    "Weights",
    "build",
    "concentration",
    "contiguity",
    "default_bandwidth",
    "distance_band",
    "fdr",
    "getis_ord",
    "gini",
    "kde",
    "knn",
    "lisa",
    "moran",
    "top_place_stability",
    "utm_for",
]
