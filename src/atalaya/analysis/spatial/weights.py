"""Spatial weights: who is whose neighbour, as a sparse matrix, for Moran's I, LISA and Getis-Ord.

Contiguity follows PySAL's definitions so that results can be compared: **queen** neighbours share at least
one vertex, **rook** neighbours share at least one edge (two consecutive vertices). Coordinates are compared
after rounding to ``precision`` decimals (1 µm in metres), so polygons digitised separately still meet.
**Distance band** and **k nearest** neighbours use the centroids (KD-tree); a distance band includes its edge.
Weights are binary (``B``) or row-standardised (``R``: each row sums to 1; islands keep an empty row).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

KINDS = ("queen", "rook", "knn", "distance")


@dataclass(frozen=True)
class Weights:
    """An n × n sparse weights matrix and how it was built."""

    matrix: sparse.csr_array
    kind: str
    transform: str = "B"

    @property
    def n(self) -> int:
        return self.matrix.shape[0]

    @property
    def cardinalities(self) -> np.ndarray:
        return np.diff(self.matrix.indptr)

    @property
    def islands(self) -> np.ndarray:
        """Indices of observations without neighbours."""
        return np.flatnonzero(self.cardinalities == 0)

    def transformed(self, transform: str) -> Weights:
        """Binary (``B``) or row-standardised (``R``) version of the same neighbourhoods."""
        transform = transform.upper()
        if transform not in ("B", "R"):
            raise ValueError("La transformación de los pesos debe ser B (binaria) o R (estandarizada por filas).")
        binary = self.matrix.copy()
        binary.data = np.ones_like(binary.data)
        if transform == "B":
            return replace(self, matrix=binary, transform="B")
        sums = np.asarray(binary.sum(axis=1)).ravel()
        scale = np.divide(1.0, sums, out=np.zeros_like(sums, dtype=float), where=sums > 0)
        return replace(self, matrix=sparse.csr_array(sparse.diags(scale) @ binary), transform="R")

    def with_self(self) -> Weights:
        """Binary neighbourhoods that include the observation itself (Getis-Ord Gi*), then the same transform."""
        binary = self.transformed("B").matrix
        with_diagonal = sparse.csr_array(binary + sparse.eye(self.n, format="csr"))
        with_diagonal.data = np.minimum(with_diagonal.data, 1.0)
        return replace(self, matrix=with_diagonal, transform="B").transformed(self.transform)


def _from_pairs(i: np.ndarray, j: np.ndarray, n: int, kind: str) -> Weights:
    keep = i != j
    i, j = i[keep], j[keep]
    rows = np.concatenate([i, j])
    cols = np.concatenate([j, i])
    matrix = sparse.csr_array((np.ones(rows.size), (rows, cols)), shape=(n, n))
    matrix.sum_duplicates()
    matrix.data = np.ones_like(matrix.data)
    matrix.sort_indices()
    return Weights(matrix, kind)


def _pairs_sharing(keys: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of distinct owners that share a key (a vertex or an edge), each pair once."""
    order = np.lexsort((owners, keys))
    keys, owners = keys[order], owners[order]
    unique = np.ones(keys.size, dtype=bool)
    unique[1:] = (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])
    keys, owners = keys[unique], owners[unique]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, keys.size])
    left, right = [], []
    for size in np.unique(sizes[sizes > 1]):
        groups = starts[sizes == size][:, None] + np.arange(size)[None, :]
        a, b = np.triu_indices(size, 1)
        left.append(owners[groups[:, a]].ravel())
        right.append(owners[groups[:, b]].ravel())
    if not left:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(left), np.concatenate(right)


def contiguity(polygons, rook: bool = False, precision: int = 6) -> Weights:
    """Queen (shared vertex) or rook (shared edge) contiguity of polygons (shapely geometries)."""
    polygons = np.asarray(polygons, dtype=object)
    n = polygons.size
    if n == 0:
        raise ValueError("No hay polígonos.")
    rings, ring_owner = shapely.get_rings(polygons, return_index=True)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    _, vertex = np.unique(np.round(coords, precision), axis=0, return_inverse=True)
    vertex = vertex.ravel().astype(np.int64)
    owner = ring_owner[ring_of]
    if not rook:
        i, j = _pairs_sharing(vertex, owner)
    else:
        same_ring = ring_of[1:] == ring_of[:-1]
        a, b = vertex[:-1][same_ring], vertex[1:][same_ring]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi
        edge = lo[keep] * (vertex.max() + 1) + hi[keep]
        i, j = _pairs_sharing(edge, owner[:-1][same_ring][keep])
    return _from_pairs(i, j, n, "rook" if rook else "queen")


def distance_band(points: np.ndarray, threshold: float) -> Weights:
    """Neighbours at a distance ≤ ``threshold`` (same units as the points)."""
    if threshold <= 0:
        raise ValueError("La distancia de la banda debe ser positiva.")
    points = np.asarray(points, dtype=float)
    pairs = cKDTree(points).query_pairs(threshold, output_type="ndarray")
    return _from_pairs(pairs[:, 0], pairs[:, 1], len(points), "distance")


def knn(points: np.ndarray, k: int) -> Weights:
    """The ``k`` nearest neighbours of every point (not symmetric: i → j does not imply j → i)."""
    points = np.asarray(points, dtype=float)
    n = len(points)
    if not 1 <= k < n:
        raise ValueError(f"k debe estar entre 1 y {n - 1} (hay {n} elementos).")
    _, idx = cKDTree(points).query(points, k=k + 1)
    rows = np.repeat(np.arange(n), k)
    # the point itself is usually first, but ties at distance 0 may put it elsewhere: drop it wherever it is
    others = np.array([row[row != i][:k] for i, row in enumerate(idx)])
    matrix = sparse.csr_array((np.ones(n * k), (rows, others.ravel())), shape=(n, n))
    matrix.sort_indices()
    return Weights(matrix, "knn")


def build(spec: str, geometries=None, points: np.ndarray | None = None) -> Weights:
    """Weights from a command-line spec: ``queen``, ``rook``, ``knn:K`` or ``distance:METRES``."""
    kind, _, argument = spec.partition(":")
    if kind in ("queen", "rook"):
        if geometries is None or not all(g is not None and g.geom_type.endswith("Polygon") for g in geometries):
            raise ValueError(f"Los pesos {kind} necesitan polígonos.")
        return contiguity(geometries, rook=kind == "rook")
    if points is None:
        points = shapely.get_coordinates(shapely.centroid(np.asarray(geometries, dtype=object)))
    try:
        value = float(argument)
    except ValueError:
        raise ValueError(f"Pesos «{spec}»: use queen, rook, knn:K o distance:METROS.") from None
    if kind == "knn":
        if value != int(value):
            raise ValueError("k debe ser un entero.")
        return knn(points, int(value))
    if kind == "distance":
        return distance_band(points, value)
    raise ValueError(f"Pesos «{spec}»: use queen, rook, knn:K o distance:METROS.")
