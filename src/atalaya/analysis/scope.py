"""Which features of a published boundary file belong to one municipality.

State-wide and city-wide files are the rule, not the exception (INEGI's municipalities of a state, the CDMX
cuadrantes of all alcaldías). The municipality level is chosen **by code** — never the union of every feature —
and lower levels are kept by a municipality-code column when the file has one, otherwise **by location** (a
point guaranteed to lie on the feature's surface must fall inside the municipality's boundary).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import shapely

from .text import code_key, code_keys

#: The boundary is widened by this many degrees (≈ 50 m) so that features drawn on a slightly different
#: generalisation of the same border are not thrown out.
BOUNDARY_TOLERANCE_DEG = 0.0005


@dataclass
class FeatureScope:
    """The rows kept, and a sentence for the report saying how they were chosen."""

    keep: pl.Series  # boolean, one per feature
    how: str

    @property
    def kept(self) -> int:
        return int(self.keep.sum())

    @property
    def dropped(self) -> int:
        return int((~self.keep).sum())


def municipality_feature(frame: pl.DataFrame, municipality_code: str) -> FeatureScope:
    """The feature(s) whose code is the municipality's code (zero-padding and ``13122.0`` tolerated)."""
    wanted = code_key(municipality_code)
    keys = code_keys(frame.get_column("code"))
    keep = (keys == wanted).fill_null(False)
    return FeatureScope(keep=keep, how=f"por código ({municipality_code})")


def features_of_municipality(
    frame: pl.DataFrame, municipality_code: str, boundary: shapely.Geometry | None
) -> FeatureScope:
    """Lower-level features of one municipality: by its code column, else by location, else all of them."""
    column = frame.get_column("municipality_code")
    if column.is_not_null().any():
        keep = (code_keys(column) == code_key(municipality_code)).fill_null(False)
        return FeatureScope(keep=keep, how="por la columna de código de municipio")
    if boundary is None or shapely.is_empty(boundary):
        return FeatureScope(keep=pl.Series([True] * frame.height), how="")
    geoms = shapely.from_wkb(np.array(frame.get_column("geometry").to_list(), dtype=object))
    points = shapely.point_on_surface(geoms)
    widened = shapely.buffer(boundary, BOUNDARY_TOLERANCE_DEG)
    shapely.prepare(widened)
    inside = shapely.intersects_xy(widened, shapely.get_x(points), shapely.get_y(points))
    # A feature without a usable geometry stays in scope, so that it is rejected with its reason, not hidden.
    inside = np.where(shapely.is_missing(points) | shapely.is_empty(points), True, inside)
    return FeatureScope(keep=pl.Series(inside.astype(bool)), how="por ubicación dentro del límite municipal")
