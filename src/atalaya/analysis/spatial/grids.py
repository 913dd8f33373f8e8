"""Regular grids in metres: square cells (KDE, concentration) and hexagons (Gi* on a hexagonal grid).

A hexagonal grid is often preferred for hot spots: every neighbour is at the same distance and shares an edge.
Atalaya builds its own pointy-top hexagons of a chosen size (the distance between opposite edges), so no H3
dependency is needed and the size is exact in metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely


@dataclass(frozen=True)
class HexGrid:
    """Hexagons covering a bounding box: centres, polygons and each point's cell."""

    size: float  # distance between opposite edges (metres)
    centres: np.ndarray  # (n, 2)
    polygons: np.ndarray  # shapely Polygons
    columns: np.ndarray  # axial q
    rows: np.ndarray  # axial r
    origin: tuple[float, float]  # centre of the hexagon at axial (0, 0)

    @property
    def neighbour_distance(self) -> float:
        """Centres of adjacent hexagons are exactly ``size`` apart."""
        return self.size

    def cell_of(self, x, y) -> np.ndarray:
        """Index into the grid of the hexagon holding each point; −1 for points outside the grid."""
        q, r = axial_of(x, y, self.size, self.origin)
        lookup = {(a, b): k for k, (a, b) in enumerate(zip(self.columns.tolist(), self.rows.tolist(), strict=True))}
        return np.array([lookup.get(key, -1) for key in zip(q.tolist(), r.tolist(), strict=True)], dtype=np.int64)

    def sums(self, x, y, weights=None) -> np.ndarray:
        """Points (or their weights) per hexagon; points outside the grid are left out."""
        cell = self.cell_of(x, y)
        w = np.ones(cell.size) if weights is None else np.asarray(weights, dtype=float)
        inside = cell >= 0
        return np.bincount(cell[inside], weights=w[inside], minlength=len(self.columns))


def _hex_polygon(cx: np.ndarray, cy: np.ndarray, radius: float) -> np.ndarray:
    angles = np.deg2rad(30 + 60 * np.arange(6))
    xs = cx[:, None] + radius * np.cos(angles)[None, :]
    ys = cy[:, None] + radius * np.sin(angles)[None, :]
    rings = np.stack([xs, ys], axis=-1)
    return shapely.polygons(rings)


def axial_of(x: np.ndarray, y: np.ndarray, size: float, origin: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Axial (q, r) of the pointy-top hexagon holding each point (cube rounding, Red Blob Games' method)."""
    radius = size / np.sqrt(3)
    px = (np.asarray(x) - origin[0]) / radius
    py = (np.asarray(y) - origin[1]) / radius
    q = np.sqrt(3) / 3 * px - py / 3
    r = 2 / 3 * py
    cx, cz = q, r
    cy = -cx - cz
    rx, ry, rz = np.round(cx), np.round(cy), np.round(cz)
    dx, dy, dz = np.abs(rx - cx), np.abs(ry - cy), np.abs(rz - cz)
    fix_x = (dx > dy) & (dx > dz)
    fix_y = ~fix_x & (dy > dz)
    rx = np.where(fix_x, -ry - rz, rx)
    ry = np.where(fix_y, -rx - rz, ry)
    rz = np.where(~fix_x & ~fix_y, -rx - ry, rz)
    return rx.astype(np.int64), rz.astype(np.int64)


def hex_grid(bounds: tuple[float, float, float, float], size: float) -> HexGrid:
    """Hexagons of ``size`` metres (edge to edge) covering ``bounds`` (minx, miny, maxx, maxy)."""
    if size <= 0:
        raise ValueError("El tamaño del hexágono debe ser positivo.")
    minx, miny, maxx, maxy = bounds
    radius = size / np.sqrt(3)
    n_rows = int(np.ceil((maxy - miny) / (1.5 * radius))) + 2
    n_cols = int(np.ceil((maxx - minx) / size)) + 2
    if n_rows * n_cols > 2_000_000:
        raise ValueError("La malla tendría más de 2 millones de hexágonos: use un tamaño mayor.")
    origin = (minx, miny)
    r = np.repeat(np.arange(-1, n_rows - 1), n_cols)
    q = np.tile(np.arange(-1, n_cols - 1), n_rows) - (r // 2)  # offset rows, expressed in axial coordinates
    cx = origin[0] + radius * (np.sqrt(3) * q + np.sqrt(3) / 2 * r)
    cy = origin[1] + radius * 1.5 * r
    return HexGrid(size, np.column_stack([cx, cy]), _hex_polygon(cx, cy, radius), q, r, origin)


def square_cells(x: np.ndarray, y: np.ndarray, cell: float, origin: tuple[float, float] | None = None):
    """Integer (column, row) of the square cell of each point and the grid origin (lower-left corner)."""
    if cell <= 0:
        raise ValueError("El tamaño de celda debe ser positivo.")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if origin is None:
        origin = (np.floor(x.min() / cell) * cell, np.floor(y.min() / cell) * cell)
    return np.floor((x - origin[0]) / cell).astype(np.int64), np.floor((y - origin[1]) / cell).astype(np.int64), origin
