"""Metric coordinates: every distance, cell and bandwidth is computed in the UTM zone of the data.

Official files come in WGS84 longitude/latitude (CDMX FGJ, generic police files) or in a national projection;
nothing metric can be computed on degrees. :func:`utm_for` picks the UTM zone of the data's centre (north or
south), which keeps scale errors below 0.1 % across a municipality.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer


def utm_for(lon: np.ndarray, lat: np.ndarray) -> CRS:
    """The WGS84 UTM zone of the centre of the points (EPSG 326zz north, 327zz south).

    >>> utm_for(np.array([-99.0]), np.array([19.4])).to_epsg()  # Nezahualcóyotl
    32614
    >>> utm_for(np.array([-70.53]), np.array([-33.48])).to_epsg()  # Peñalolén
    32719
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.size == 0:
        raise ValueError("No hay coordenadas para elegir una proyección.")
    centre_lon = float(np.nanmedian(lon))
    centre_lat = float(np.nanmedian(lat))
    if not (-180 <= centre_lon <= 180 and -90 <= centre_lat <= 90):
        raise ValueError("Las coordenadas no son longitud/latitud en grados (WGS84).")
    zone = int((centre_lon + 180) // 6) % 60 + 1
    return CRS.from_epsg((32600 if centre_lat >= 0 else 32700) + zone)


PLANAR = "planar"  # coordinates already in metres on a local plane, with no CRS (e.g. a CAD export)


@dataclass(frozen=True)
class Projection:
    """A pair of transformers between the input CRS and the metric CRS chosen for the data.

    ``source`` and ``metric`` are ``None`` for planar coordinates: distances are taken as they are and
    nothing can be placed on a world map.
    """

    source: CRS | None
    metric: CRS | None

    @classmethod
    def for_points(cls, x: np.ndarray, y: np.ndarray, source: CRS | str | int | None = 4326) -> Projection:
        """Choose the metric CRS: the source itself when it is already projected in metres, else its UTM zone."""
        if source is None or source == PLANAR:
            return cls(None, None)
        source = CRS.from_user_input(source)
        if source.is_projected and source.axis_info[0].unit_name in ("metre", "meter"):
            return cls(source, source)
        if not source.is_geographic:
            raise ValueError(f"Sistema de coordenadas no admitido: {source.name}.")
        return cls(source, utm_for(x, y))

    def forward(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        if self.source == self.metric:
            return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        t = Transformer.from_crs(self.source, self.metric, always_xy=True)
        return t.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    def inverse(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Metric coordinates back to WGS84 longitude/latitude (for GeoJSON and web maps)."""
        if self.metric is None:
            return np.asarray(x, dtype=float), np.asarray(y, dtype=float)  # planar: written as they came
        t = Transformer.from_crs(self.metric, CRS.from_epsg(4326), always_xy=True)
        return t.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    def geometries_forward(self, geometries):
        import shapely

        return shapely.transform(geometries, lambda xy: np.column_stack(self.forward(xy[:, 0], xy[:, 1])))

    def geometries_to_wgs84(self, geometries):
        import shapely

        return shapely.transform(geometries, lambda xy: np.column_stack(self.inverse(xy[:, 0], xy[:, 1])))

    def geometries_from(self, geometries, crs):
        """Geometries in any ``crs`` (e.g. a boundary file) into this projection's metres."""
        import shapely

        if self.metric is None or crs is None:
            return geometries
        t = Transformer.from_crs(CRS.from_user_input(crs), self.metric, always_xy=True)
        return shapely.transform(geometries, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
