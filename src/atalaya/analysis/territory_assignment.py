"""Assigning points to territories in one vectorised pass (shapely STRtree)."""

from __future__ import annotations

import numpy as np
import shapely

INSIDE = "ok"
MISSING = "sin_coordenadas"
OUTSIDE = "fuera_del_municipio"
UNASSIGNED = "sin_territorio"


def assign_points(
    lon: np.ndarray,
    lat: np.ndarray,
    territories: np.ndarray,
    boundary: shapely.Geometry | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(territory_index, status)`` for each point.

    ``territory_index`` is the position in ``territories`` (-1 when none). A point on a shared edge goes to the
    lowest index so that the result is deterministic. ``status`` is one of :data:`INSIDE`, :data:`MISSING`,
    :data:`OUTSIDE` (beyond the municipality ``boundary``, or beyond every territory when there is no boundary)
    and :data:`UNASSIGNED` (inside the municipality but in no territory polygon).
    """
    n = len(lon)
    index = np.full(n, -1, dtype=np.int64)
    status = np.full(n, MISSING, dtype=object)
    has_xy = ~(np.isnan(lon) | np.isnan(lat))
    if not has_xy.any():
        return index, status
    points = shapely.points(lon[has_xy], lat[has_xy])
    if len(territories):
        tree = shapely.STRtree(territories)
        point_idx, poly_idx = tree.query(points, predicate="intersects")
        if len(point_idx):
            order = np.lexsort((poly_idx, point_idx))
            point_idx, poly_idx = point_idx[order], poly_idx[order]
            first = np.ones(len(point_idx), dtype=bool)
            first[1:] = point_idx[1:] != point_idx[:-1]
            sub = np.full(len(points), -1, dtype=np.int64)
            sub[point_idx[first]] = poly_idx[first]
            index[has_xy] = sub
    assigned = index >= 0
    status[has_xy & assigned] = INSIDE
    remaining = has_xy & ~assigned
    if remaining.any():
        if boundary is not None and not shapely.is_empty(boundary):
            shapely.prepare(boundary)
            inside = shapely.intersects_xy(boundary, lon[remaining], lat[remaining])
            status[np.flatnonzero(remaining)[inside]] = UNASSIGNED
            status[np.flatnonzero(remaining)[~inside]] = OUTSIDE
        else:
            status[remaining] = OUTSIDE
    return index, status
