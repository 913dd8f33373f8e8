"""Territory polygons from GeoJSON, a zipped or plain Shapefile, or a GeoPackage (read with pyogrio).

Geometries are reprojected to WGS84, repaired when invalid (``make_valid``) and returned as WKB, together with
each territory's code, name, parent code and population.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import shapely
from pyproj import CRS, Transformer

from ..problems import ERROR, WARNING, FileRejected, ReadResult, concat_problems, problems_where
from ..tabular import pick_column, read_file_bytes

CODE_ALIASES = ("code", "codigo", "clave", "cve", "id", "cvegeo", "cuadrante", "cod")
NAME_ALIASES = ("name", "nombre", "nom", "descripcion")


def read(
    path: str | Path,
    *,
    code_column: str | None = None,
    name_column: str | None = None,
    parent_column: str | None = None,
    population_column: str | None = None,
) -> ReadResult:
    import pyogrio
    from pyogrio.errors import DataSourceError

    path = Path(path)
    read_file_bytes(path)  # existence, emptiness
    try:
        meta, _fids, geometry, field_data = pyogrio.raw.read(path)
    except (DataSourceError, ValueError, OSError) as exc:
        raise FileRejected(
            "No se pudo leer el archivo de límites: se espera GeoJSON, Shapefile (también en ZIP) o GeoPackage."
        ) from exc
    if geometry is None:
        raise FileRejected("El archivo no tiene geometrías: se esperan polígonos (GeoJSON, Shapefile o GeoPackage).")
    columns = list(meta["fields"])
    frame = pl.DataFrame(
        {
            name: [None if v is None else str(v) for v in values]
            for name, values in zip(columns, field_data, strict=True)
        },
        schema={name: pl.String for name in columns},
    )
    if frame.height == 0:
        raise FileRejected("El archivo de límites no contiene polígonos.")

    def pick(explicit: str | None, aliases: tuple[str, ...], what: str, required: bool) -> str | None:
        return pick_column(
            columns, explicit, aliases, what, missing=f"Indique la columna de {what}." if required else None
        )

    code_col = pick(code_column, CODE_ALIASES, "código", True)
    name_col = pick(name_column, NAME_ALIASES, "nombre", False) or code_col
    parent_col = pick(parent_column, (), "código del territorio padre", False)
    pop_col = pick(population_column, ("poblacion", "population", "pob", "pobtot"), "población", False)

    geoms = shapely.from_wkb(np.asarray(geometry, dtype=object))
    crs = meta.get("crs")
    if crs and not CRS.from_user_input(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True):
        transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    geoms = np.where(invalid, shapely.make_valid(geoms), geoms)
    types = shapely.get_type_id(geoms)
    is_polygon = np.isin(types, (3, 6, 7))  # Polygon, MultiPolygon, GeometryCollection after make_valid
    if np.any(types == 7):
        geoms = np.array([_polygons_only(g) if t == 7 else g for g, t in zip(geoms, types, strict=True)], dtype=object)
    frame = frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    frame = frame.with_columns(
        pl.col(code_col).str.strip_chars().alias("code"),
        pl.col(name_col).str.strip_chars().alias("name"),
        (pl.col(parent_col).str.strip_chars() if parent_col else pl.lit(None, pl.String)).alias("parent_code"),
        (
            pl.col(pop_col).str.strip_chars().str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
            if pop_col
            else pl.lit(None, pl.Int64)
        ).alias("population"),
        pl.Series("_empty", shapely.is_missing(geoms) | shapely.is_empty(geoms)),
        pl.Series("_polygon", is_polygon),
        pl.Series("_repaired", invalid),
    )
    problems = [
        problems_where(frame, pl.col("code").is_null(), code_col, pl.col("code"), "Falta el código del territorio."),
        problems_where(
            frame,
            pl.col("code").is_duplicated() & pl.col("code").is_not_null(),
            code_col,
            pl.col("code"),
            "Código de territorio repetido.",
        ),
        problems_where(frame, pl.col("_empty"), "geometry", pl.col("code"), "El territorio no tiene geometría."),
        problems_where(
            frame,
            ~pl.col("_polygon") & ~pl.col("_empty"),
            "geometry",
            pl.col("code"),
            "La geometría no es un polígono.",
        ),
        problems_where(
            frame,
            pl.col("_repaired"),
            "geometry",
            pl.col("code"),
            "Geometría inválida (auto-intersección); se reparó automáticamente.",
            WARNING,
        ),
    ]
    if pop_col:
        problems.append(
            problems_where(
                frame,
                pl.col(pop_col).is_not_null() & pl.col("population").is_null(),
                pop_col,
                pl.col(pop_col),
                "La población no es un número entero.",
            )
        )
        problems.append(
            problems_where(
                frame,
                pl.col("population") < 0,
                pop_col,
                pl.col(pop_col),
                "La población no puede ser negativa.",
                ERROR,
            )
        )
    wkb = shapely.to_wkb(np.where(frame.get_column("_empty").to_numpy(), None, geoms))
    out = frame.select("_row", "code", "name", "parent_code", "population").with_columns(
        pl.Series("geometry", list(wkb), dtype=pl.Binary)
    )
    return ReadResult(
        kind="territories",
        frame=out,
        problems=concat_problems(problems),
        rows_read=frame.height,
        meta={"crs": str(crs), "columns": columns, "source": "boundaries"},
    )


def _polygons_only(geom):
    parts = [g for g in shapely.get_parts(geom) if shapely.get_type_id(g) in (3, 6)]
    return shapely.union_all(parts) if parts else shapely.Polygon()
