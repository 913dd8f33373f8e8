"""Assigning points to territories in one vectorised pass.

Points are sorted by longitude once; each territory then tests only the contiguous slice of points inside its
bounding box, with GEOS prepared-geometry ``intersects_xy``. This avoids building a million Point objects (the
costly part of an STRtree query over points) and scales with the number of candidate points, not with
points × territories.
"""

from __future__ import annotations

import numpy as np
import shapely

INSIDE = "ok"
MISSING = "sin_coordenadas"
OUTSIDE = "fuera_del_municipio"
UNASSIGNED = "sin_territorio"
#: ``status`` codes returned by :func:`assign_points`, in this order.
STATUSES = (INSIDE, MISSING, OUTSIDE, UNASSIGNED)


def assign_points(
    lon: np.ndarray,
    lat: np.ndarray,
    territories: np.ndarray,
    boundary: shapely.Geometry | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(territory_index, status_code)`` for each point.

    ``territory_index`` is the position in ``territories`` (-1 when none). A point on a shared edge goes to the
    lowest index, so the result is deterministic. ``status_code`` indexes :data:`STATUSES`: inside a territory,
    missing coordinates, outside the municipality ``boundary`` (or outside every territory when there is no
    boundary), or inside the municipality but in no territory polygon. With no territories and no boundary
    there is nothing to compare against: points are "without territory", never "outside".
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    n = len(lon)
    index = np.full(n, -1, dtype=np.int64)
    status = np.full(n, STATUSES.index(MISSING), dtype=np.int8)
    valid = np.flatnonzero(~(np.isnan(lon) | np.isnan(lat)))
    if valid.size == 0:
        return index, status
    order = valid[np.argsort(lon[valid], kind="stable")]
    xs, ys = lon[order], lat[order]
    found = np.full(len(order), -1, dtype=np.int64)
    if len(territories):
        shapely.prepare(territories)
        bounds = shapely.bounds(territories)
        for i, polygon in enumerate(territories):
            minx, miny, maxx, maxy = bounds[i]
            if np.isnan(minx):
                continue
            lo = np.searchsorted(xs, minx, side="left")
            hi = np.searchsorted(xs, maxx, side="right")
            window = slice(lo, hi)
            candidates = np.flatnonzero((found[window] < 0) & (ys[window] >= miny) & (ys[window] <= maxy)) + lo
            if candidates.size:
                hit = shapely.intersects_xy(polygon, xs[candidates], ys[candidates])
                found[candidates[hit]] = i
    index[order] = found
    status[order[found >= 0]] = STATUSES.index(INSIDE)
    remaining = order[found < 0]
    if remaining.size:
        if not len(territories) and (boundary is None or shapely.is_empty(boundary)):
            status[remaining] = STATUSES.index(UNASSIGNED)
        elif boundary is not None and not shapely.is_empty(boundary):
            shapely.prepare(boundary)
            inside = shapely.intersects_xy(boundary, lon[remaining], lat[remaining])
            status[remaining[inside]] = STATUSES.index(UNASSIGNED)
            status[remaining[~inside]] = STATUSES.index(OUTSIDE)
        else:
            status[remaining] = STATUSES.index(OUTSIDE)
    return index, status
