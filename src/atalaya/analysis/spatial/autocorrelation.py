"""Global Moran's I, local Moran's I (LISA) and Getis-Ord Gi / Gi*: the same formulas as PySAL's esda.

Every statistic returns an immutable result with one vocabulary — ``statistic``, ``expected``, ``z_norm``,
``p_norm`` and, with permutations, ``z_sim`` and ``p_sim`` — plus what is particular to it (quadrants, classes).
Permutation inference is conditional for the local statistics (each observation keeps its value, the others
are drawn without replacement for its neighbours) and vectorised over observations; every random draw comes
from the ``rng`` passed in, so results are reproducible from a seed.

``p_norm`` here is **two-sided** (ArcGIS' convention, used for the 90/95/99 % classes); esda's local
statistics report one-sided ``p_norm`` (half of ours). ``p_sim`` is esda's default pseudo p-value: the share
of permutations at least as extreme on the side of the observed value, ``(min(larger, P − larger) + 1)/(P + 1)``.

References
----------
Anselin L. (1995). Local indicators of spatial association — LISA. *Geographical Analysis* 27(2), 93–115.
https://doi.org/10.1111/j.1538-4632.1995.tb00338.x
Ord J. K., Getis A. (1995). Local spatial autocorrelation statistics: distributional issues and an application.
*Geographical Analysis* 27(4), 286–306. https://doi.org/10.1111/j.1538-4632.1995.tb00912.x
Cliff A. D., Ord J. K. (1981). *Spatial processes: models and applications*. Pion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .weights import Weights

CLASS_LEVELS = ((0.01, 99), (0.05, 95), (0.10, 90))
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


def _values(y, n: int) -> np.ndarray:
    y = np.asarray(y, dtype=float).ravel()
    if y.size != n:
        raise ValueError(f"Hay {y.size} valores y {n} elementos en los pesos.")
    if not np.all(np.isfinite(y)):
        raise ValueError("Los valores deben ser números finitos (sin vacíos).")
    if n < 3:
        raise ValueError("Se necesitan al menos 3 elementos.")
    if np.ptp(y) == 0:
        raise ValueError("Todos los valores son iguales: no hay variación que analizar.")
    return y


def _two_sided(z: np.ndarray) -> np.ndarray:
    return 2 * stats.norm.sf(np.abs(z))


def _pseudo_p(simulated: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """esda's directed pseudo p-value over the last axis of ``simulated``."""
    permutations = simulated.shape[-1]
    larger = (simulated >= observed[..., None]).sum(axis=-1)
    larger = np.minimum(larger, permutations - larger)
    return (larger + 1.0) / (permutations + 1.0)


def fdr(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (NaN kept).

    >>> fdr(np.array([0.01, 0.04, 0.03, 0.5])).round(3).tolist()
    [0.04, 0.053, 0.053, 0.5]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return out


# -- global Moran ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoranResult:
    statistic: float
    expected: float
    variance_norm: float
    z_norm: float
    p_norm: float
    variance_rand: float
    z_rand: float
    p_rand: float
    permutations: int = 0
    z_sim: float | None = None
    p_sim: float | None = None

    def as_dict(self) -> dict:
        """The command line's JSON: ``I``, ``EI``, ``z_norm``, ``p_norm`` (and ``z_sim``, ``p_sim``)."""
        out = {
            "I": self.statistic,
            "EI": self.expected,
            "VI_norm": self.variance_norm,
            "z_norm": self.z_norm,
            "p_norm": self.p_norm,
            "z_rand": self.z_rand,
            "p_rand": self.p_rand,
        }
        if self.permutations:
            out |= {"permutations": self.permutations, "z_sim": self.z_sim, "p_sim": self.p_sim}
        return out


def moran(y, w: Weights, *, permutations: int = 0, rng: np.random.Generator | None = None) -> MoranResult:
    """Global Moran's I with normality and randomisation inference (two-sided), and optional permutations.

    Notes
    -----
    I = (n / S₀) · zᵀWz / zᵀz with z = y − ȳ; E[I] = −1/(n − 1); the variances are Cliff and Ord's (1981).

    Examples
    --------
    >>> from atalaya.analysis.spatial.weights import distance_band
    >>> pts = np.array([[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]], dtype=float)
    >>> round(moran([1, 2, 3, 4, 5], distance_band(pts, 1.0).transformed("R")).statistic, 4)  # 5/5 · 6/10
    0.6
    """
    n = w.n
    y = _values(y, n)
    matrix = w.matrix
    z = y - y.mean()
    z2 = float(z @ z)
    s0 = float(matrix.sum())
    if s0 == 0:
        raise ValueError("Ningún elemento tiene vecinos con estos pesos.")
    symmetric = matrix + matrix.T
    s1 = float((symmetric.multiply(symmetric)).sum()) / 2
    s2 = float(((np.asarray(matrix.sum(axis=1)).ravel() + np.asarray(matrix.sum(axis=0)).ravel()) ** 2).sum())
    statistic = n / s0 * float(z @ (matrix @ z)) / z2
    expected = -1.0 / (n - 1)
    variance_norm = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n - 1) * (n + 1) * s0 * s0) - expected**2
    kurtosis = (np.sum(z**4) / n) / (z2 / n) ** 2
    a = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0)
    b = kurtosis * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)
    variance_rand = (a - b) / ((n - 1) * (n - 2) * (n - 3) * s0 * s0) - expected**2
    z_norm = (statistic - expected) / np.sqrt(variance_norm)
    z_rand = (statistic - expected) / np.sqrt(variance_rand)
    result = dict(
        statistic=statistic,
        expected=expected,
        variance_norm=variance_norm,
        z_norm=float(z_norm),
        p_norm=float(_two_sided(z_norm)),
        variance_rand=variance_rand,
        z_rand=float(z_rand),
        p_rand=float(_two_sided(z_rand)),
    )
    if permutations:
        rng = _require_rng(rng)
        shuffled = rng.permuted(np.broadcast_to(z, (permutations, n)), axis=1)  # (P, n)
        simulated = n / s0 * np.einsum("pi,pi->p", shuffled, (matrix @ shuffled.T).T) / z2
        result |= dict(
            permutations=permutations,
            z_sim=float((statistic - simulated.mean()) / simulated.std()),
            p_sim=float(_pseudo_p(simulated[None, :], np.array([statistic]))[0]),
        )
    return MoranResult(**result)


def _require_rng(rng):
    if rng is None:
        raise ValueError("Las permutaciones necesitan un generador aleatorio (rng) para ser reproducibles.")
    return rng


# -- conditional permutations ----------------------------------------------------------------------------------


def conditional_lags(values: np.ndarray, w: Weights, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """Σⱼ wᵢⱼ · values[π(j)] for P random draws π of the other observations, for every i: an (n, P) array.

    As esda's ``crand``: one set of P draws of k_max indices without replacement among n − 1 positions is shared
    by all observations and shifted past i, so observation i never draws itself.
    """
    n = w.n
    matrix = w.matrix.tocsr()
    offdiag = matrix.copy()
    offdiag.setdiag(0)
    offdiag.eliminate_zeros()
    k = np.diff(offdiag.indptr)
    k_max = int(k.max()) if n else 0
    out = np.zeros((n, permutations))
    if k_max == 0:
        return out
    draws = np.argsort(rng.random((permutations, n - 1)), axis=1)[:, :k_max]  # (P, k_max)
    padded = np.zeros((n, k_max))
    for i in range(n):  # the weights of each row, left-aligned (n × k_max); cheap next to the draws
        start, end = offdiag.indptr[i], offdiag.indptr[i + 1]
        padded[i, : end - start] = offdiag.data[start:end]
    chunk = max(1, 4_000_000 // (permutations * k_max))
    for start in range(0, n, chunk):
        rows = np.arange(start, min(n, start + chunk))
        idx = draws[None, :, :] + (draws[None, :, :] >= rows[:, None, None])  # skip i
        out[rows] = np.einsum("cpk,ck->cp", values[idx], padded[rows])
    return out


# -- local statistics ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalResult:
    """One local statistic per observation, with analytic and (optionally) permutation inference."""

    statistic: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    z_norm: np.ndarray
    p_norm: np.ndarray
    p_fdr: np.ndarray
    permutations: int = 0
    z_sim: np.ndarray | None = None
    p_sim: np.ndarray | None = None
    quadrant: np.ndarray | None = None  # LISA: 1 HH, 2 LH, 3 LL, 4 HL
    star: bool | None = None  # Getis-Ord: Gi* (True) or Gi

    def hot_cold(self, use_fdr: bool = False) -> np.ndarray:
        """ArcGIS-style bins −3…3 (cold/hot at 99, 95, 90 % confidence; 0 not significant), from z and p."""
        p = self.p_fdr if use_fdr else self.p_norm
        bins = np.zeros(self.z_norm.shape, dtype=int)
        for level, (alpha, _confidence) in enumerate(reversed(CLASS_LEVELS), start=1):
            bins = np.where(p <= alpha, level * np.sign(self.z_norm).astype(int), bins)
        return bins

    def clusters(self, alpha: float = 0.05, use_fdr: bool = False) -> np.ndarray:
        """LISA labels HH/LH/LL/HL where the pseudo p (or p_norm without permutations) is ≤ α, else "ns"."""
        if self.quadrant is None:
            raise ValueError("Los grupos HH/LH/LL/HL son del LISA.")
        p = self.p_sim if self.p_sim is not None else self.p_norm
        if use_fdr:
            p = fdr(p)
        labels = np.array([QUADRANTS[q] for q in self.quadrant], dtype=object)
        return np.where(p <= alpha, labels, "ns")


BIN_NAMES = {
    3: "caliente_99",
    2: "caliente_95",
    1: "caliente_90",
    0: "no_significativo",
    -1: "frio_90",
    -2: "frio_95",
    -3: "frio_99",
}


def lisa(y, w: Weights, *, permutations: int = 0, rng: np.random.Generator | None = None) -> LocalResult:
    """Local Moran's I (Anselin 1995) with quadrants, total-randomisation moments and conditional permutations.

    Notes
    -----
    Iᵢ = (n − 1) zᵢ (Wz)ᵢ / Σ z²; E[Iᵢ] = −wᵢ/(n − 1) and Var[Iᵢ] as Sokal et al. (1998), with wᵢ = Σⱼ wᵢⱼ.
    """
    n = w.n
    y = _values(y, n)
    z = y - y.mean()
    z = z / y.std()
    den = float(z @ z)
    lag = w.matrix @ z
    statistic = (n - 1) * z * lag / den
    quadrant = np.select([(z > 0) & (lag > 0), (z <= 0) & (lag > 0), (z <= 0) & (lag <= 0)], [1, 2, 3], 4)
    row = np.asarray(w.matrix.sum(axis=1)).ravel()
    row2 = np.asarray(w.matrix.multiply(w.matrix).sum(axis=1)).ravel()
    m2 = den / n
    b2 = (np.sum(z**4) / n) / m2**2
    expected = -row / (n - 1)
    variance = row2 * (n - b2) / (n - 1) + (row**2 - row2) * (2 * b2 - n) / ((n - 1) * (n - 2)) - (row / (n - 1)) ** 2

    def simulate(generator):
        return (n - 1) * z[:, None] * conditional_lags(z, w, permutations, generator) / den

    return _local_result(statistic, expected, variance, permutations, rng, simulate, quadrant=quadrant)


def _local_result(statistic, expected, variance, permutations, rng, simulate, **extra) -> LocalResult:
    """Analytic z and two-sided p, FDR, and — with permutations — the simulated statistics' z and pseudo p."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z_norm = (statistic - expected) / np.sqrt(variance)
    p_norm = _two_sided(z_norm)
    if permutations:
        simulated = simulate(_require_rng(rng))  # (n, P)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_sim = (statistic - simulated.mean(axis=1)) / simulated.std(axis=1)
        extra |= {"permutations": permutations, "z_sim": z_sim, "p_sim": _pseudo_p(simulated, statistic)}
    return LocalResult(statistic, expected, variance, z_norm, p_norm, fdr(p_norm), **extra)


def getis_ord(
    y,
    w: Weights,
    *,
    star: bool = True,
    permutations: int = 0,
    rng: np.random.Generator | None = None,
    pysal_compat: bool = False,
) -> LocalResult:
    """Getis-Ord Gi* (``star=True``: the observation counts as its own neighbour) or Gi, as ``esda.G_Local``.

    ``w`` keeps its transform (binary or row-standardised); for Gi* the diagonal is set to 1 before it.

    Notes
    -----
    Gᵢ = (Wy)ᵢ / (Σy − yᵢ·r), r = 0 for Gi* and 1 for Gi; with N = n − r, E[Gᵢ] = Wᵢ/N where Wᵢ is the row sum
    of W, and Var[Gᵢ] = (N·S1ᵢ − Wᵢ²)/(N − 1) · s²/(N ȳ)² with S1ᵢ = Σⱼ wᵢⱼ², ȳ and s² taken over the other
    observations (Ord and Getis 1995; ArcGIS' Hot Spot Analysis). With binary weights S1ᵢ = Wᵢ and this is
    esda's Wᵢ(N − Wᵢ)/((N − 1)N²) · s²/ȳ². esda uses that binary form for row-standardised weights too, which
    overstates the variance about k-fold (k neighbours) and hides hot spots; ``pysal_compat=True`` reproduces
    it. By default z is the same whether the weights are binary or row-standardised, as it should be.

    Examples
    --------
    >>> from atalaya.analysis.spatial.weights import distance_band
    >>> pts = np.array([[x, y] for x in range(4) for y in range(4)], dtype=float)
    >>> counts = np.zeros(16); counts[[0, 1, 4, 5]] = 10
    >>> g = getis_ord(counts, distance_band(pts, 1.0).transformed("B"))
    >>> int(g.hot_cold()[0]), int(g.hot_cold()[15])
    (3, 0)
    """
    n = w.n
    y = _values(y, n)
    weights = w.with_self() if star else w
    matrix = weights.matrix
    remove_self = 0 if star else 1
    big_n = n - remove_self
    total = y.sum()
    denominator = total - y * remove_self
    statistic = (matrix @ y) / denominator
    mean = denominator / big_n
    variance_y = ((y**2).sum() - y**2 * remove_self) / big_n - mean**2
    cardinality = np.asarray(matrix.sum(axis=1)).ravel()
    expected = cardinality / big_n
    if pysal_compat:
        spread = cardinality * (big_n - cardinality)
    else:
        spread = big_n * np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel() - cardinality**2
    variance = spread / (big_n - 1) / big_n**2 * variance_y / mean**2

    def simulate(generator):
        own = matrix.diagonal() * y
        return (own[:, None] + conditional_lags(y, weights, permutations, generator)) / denominator[:, None]

    return _local_result(statistic, expected, variance, permutations, rng, simulate, star=star)
