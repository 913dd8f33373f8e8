"""Reading and writing the files analysts bring: GeoJSON, Shapefile (plain or zipped), GeoPackage, CSV with
coordinates; writing per-feature results as CSV or GeoJSON that keep the input's id column.

Geometries stay in their CRS until :class:`Layer` projects them to metres; errors are :class:`FileRejected`
with a Spanish message naming the row, column and value where there is one.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import shapely
from pyproj import CRS

from ..problems import FileRejected
from ..tabular import export_csv, pick_column, read_file_bytes, read_table
from .projection import PLANAR, Projection

X_ALIASES = ("lon", "longitud", "longitude", "lng", "x", "coordx", "coord_x", "este")
Y_ALIASES = ("lat", "latitud", "latitude", "y", "coordy", "coord_y", "norte")
VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".zip")


@dataclass
class Layer:
    """Attribute columns (strings), one geometry per row, the source CRS and its metric projection."""

    frame: pl.DataFrame
    geometries: np.ndarray
    crs: CRS | None  # None: planar coordinates in metres
    path: Path
    crs_assumed: bool = False  # the file declared none: WGS84 or planar was guessed from the coordinates

    @property
    def projection(self) -> Projection:
        xy = shapely.get_coordinates(shapely.centroid(self.geometries))
        return Projection.for_points(xy[:, 0], xy[:, 1], self.crs)

    def metric_geometries(self) -> np.ndarray:
        return self.projection.geometries_forward(self.geometries)

    def metric_points(self) -> np.ndarray:
        """(n, 2) metres: the points themselves, or the centroids of polygons."""
        centroids = shapely.centroid(self.metric_geometries())
        return shapely.get_coordinates(centroids)

    def column(self, name: str) -> str:
        return pick_column(self.frame.columns, name, (), "")

    def numbers(self, name: str) -> np.ndarray:
        """A numeric column; the first value that is not a number is reported with its row."""
        column = self.column(name)
        text = self.frame.get_column(column)
        values = text.str.strip_chars().str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
        bad = values.is_null() | ~values.is_finite().fill_null(False)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise FileRejected(
                f"Fila {row + 2}, columna {column}: «{text[row] or ''}» no es un número.",
                row=row + 2,
                column=column,
                value=text[row] or "",
            )
        return values.to_numpy()

    def ids(self, name: str | None) -> tuple[str, list[str]]:
        """The id column (given, or the first of id/codigo/…, or the row number) and its values."""
        if name:
            column = self.column(name)
            return column, self.frame.get_column(column).to_list()
        aliases = ("id", "codigo", "code", "clave", "cvegeo", "fid", "polyid", "cuadrante")
        column = pick_column(self.frame.columns, None, aliases, "identificador")
        if column:
            return column, self.frame.get_column(column).to_list()
        return "fila", [str(i + 1) for i in range(self.frame.height)]


def read_layer(path: str | Path, *, x: str | None = None, y: str | None = None, crs: str | int | None = None) -> Layer:
    """A vector file (GeoJSON, Shapefile, zipped Shapefile, GeoPackage) or a CSV/XLSX with coordinate columns."""
    path = Path(path)
    data = read_file_bytes(path)
    suffix = path.suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if suffix in (".shp", ".gpkg") or suffix in (".geojson", ".json") or (is_zip and _zip_has_shapefile(path)):
        return _read_vector(path, crs)
    frame, _facts = read_table(path)
    return _points_from_table(frame, path, x, y, crs)


def _zip_has_shapefile(path: Path) -> bool:
    try:
        return any(n.lower().endswith(".shp") for n in zipfile.ZipFile(path).namelist())
    except zipfile.BadZipFile:
        return False


def _read_vector(path: Path, crs) -> Layer:
    import pyogrio
    from pyogrio.errors import DataSourceError

    try:
        meta, _fids, geometry, field_data = pyogrio.raw.read(path)
    except (DataSourceError, ValueError, OSError) as exc:
        raise FileRejected(
            "No se pudo leer el archivo: se espera GeoJSON, Shapefile (también en ZIP), GeoPackage o CSV."
        ) from exc
    if geometry is None or len(geometry) == 0:
        raise FileRejected("El archivo no tiene geometrías.")
    geometries = shapely.from_wkb(np.asarray(geometry, dtype=object))
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise FileRejected(f"El elemento {row + 1} no tiene geometría.", row=row + 1, column="geometry")
    columns = list(meta["fields"])
    frame = pl.DataFrame(
        {n: [None if v is None else str(v) for v in vals] for n, vals in zip(columns, field_data, strict=True)},
        schema={n: pl.String for n in columns},
    )
    source = _crs(crs or meta.get("crs"), geometries)
    invalid = ~shapely.is_valid(geometries)
    if invalid.any():
        geometries[invalid] = shapely.make_valid(geometries[invalid])
    return Layer(frame, geometries, source, path, crs_assumed=not (crs or meta.get("crs")))


def _crs(given, geometries) -> CRS | None:
    """The CRS given or stored in the file; without one, WGS84 if the coordinates fit it, else planar metres."""
    if given in (PLANAR, "metros"):
        return None
    if given:
        try:
            return CRS.from_user_input(given)
        except Exception:
            raise FileRejected(f"Sistema de coordenadas desconocido: «{given}» (p. ej. EPSG:32614 o planar).") from None
    if geometries is None:
        return CRS.from_epsg(4326)
    minx, miny, maxx, maxy = shapely.total_bounds(geometries)
    looks_geographic = -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90
    return CRS.from_epsg(4326) if looks_geographic and (maxx - minx) < 5 else None


def _points_from_table(frame: pl.DataFrame, path: Path, x: str | None, y: str | None, crs) -> Layer:
    def pick(explicit, aliases, axis):
        missing = f"No hay geometría: indique la columna de la coordenada {axis} (--x/--y)."
        return pick_column(frame.columns, explicit, aliases, f"coordenada {axis}", missing=missing)

    x_col, y_col = pick(x, X_ALIASES, "X (longitud)"), pick(y, Y_ALIASES, "Y (latitud)")
    layer = Layer(frame, np.array([]), _crs(crs, None), path)
    xs, ys = layer.numbers(x_col), layer.numbers(y_col)
    if layer.crs is not None and layer.crs.is_geographic:
        bad = (np.abs(xs) > 180) | (np.abs(ys) > 90)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise FileRejected(
                f"Fila {row + 2}: ({xs[row]}, {ys[row]}) no es longitud/latitud; si son metros indique --crs.",
                row=row + 2,
                column=x_col,
                value=str(xs[row]),
            )
    layer.geometries = shapely.points(xs, ys)
    return layer


def write_features(
    path: Path | None,
    columns: dict[str, list | np.ndarray],
    *,
    geometries: np.ndarray | None = None,
    projection: Projection | None = None,
) -> None:
    """CSV of ``columns`` or, for a .geojson path, features with the metric ``geometries`` back in WGS84.

    The first column is the id column: for CSV output to standard output pass ``path=None``.
    """
    table = {k: (v.tolist() if isinstance(v, np.ndarray) else list(v)) for k, v in columns.items()}
    if path is not None and path.suffix.lower() in (".geojson", ".json"):
        if geometries is None or projection is None:
            raise ValueError("GeoJSON output needs the geometries and their projection")
        wgs84 = projection.geometries_to_wgs84(geometries)
        features = [
            {
                "type": "Feature",
                "properties": {k: _json_value(v[i]) for k, v in table.items()},
                "geometry": json.loads(shapely.to_geojson(g)),
            }
            for i, g in enumerate(wgs84)
        ]
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
        return
    frame = pl.DataFrame({k: [_json_value(x) for x in v] for k, v in table.items()}, strict=False)
    if path is None:
        print(export_csv(frame), end="")
    else:
        export_csv(frame, path)


def _json_value(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
