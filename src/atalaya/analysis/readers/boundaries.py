"""Territory polygons from GeoJSON, a zipped or plain Shapefile, or a GeoPackage (read with pyogrio).

Geometries are reprojected to WGS84, repaired when invalid (``make_valid``) and returned as WKB, together with
each territory's code, name, parent code, population and — when the file says it — the official code of the
municipality it belongs to, so that the importer can keep only one municipality's features from a state- or
city-wide file.

Published files are rarely shaped for one observatory: a GeoPackage carries several layers (the layer is chosen
by name or by the code column it has, never silently the first), a Shapefile arrives without its companions
(named in the error), and some codes are unique only in combination (CDMX cuadrantes: ``sector,cuadrante``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import shapely
from pyproj import CRS, Transformer

from ..problems import ERROR, WARNING, FileRejected, ReadResult, concat_problems, problems_where
from ..tabular import pick_column, read_file_bytes
from ..text import normalise

CODE_ALIASES = ("code", "codigo", "clave", "cve", "id", "cvegeo", "cuadrante", "cod", "cod_comuna", "cut", "cve_mun")
NAME_ALIASES = ("name", "nombre", "nom", "descripcion", "nomgeo", "nom_mun", "comuna", "nom_comuna", "nombre_comuna")
#: Columns that carry the official code of the municipality a lower-level feature belongs to.
MUNICIPALITY_ALIASES = (
    "municipio_cvegeo",
    "cvegeo_municipio",
    "cvegeo_mun",
    "cve_municipio",
    "cut_comuna",
    "cod_comuna",
    "codigo_comuna",
    "cut",
)
#: Companions a plain Shapefile cannot be read (or placed) without.
SHAPEFILE_COMPANIONS = {
    ".shx": "el índice de las geometrías",
    ".dbf": "la tabla de atributos (códigos y nombres)",
    ".prj": "el sistema de coordenadas",
}
#: Separator of the parts of a composite code (``--code-column sector,cuadrante`` → ``3-018``).
CODE_PART_SEPARATOR = "-"


def read(
    path: str | Path,
    *,
    code_column: str | None = None,
    name_column: str | None = None,
    parent_column: str | None = None,
    population_column: str | None = None,
    municipality_column: str | None = None,
    layer: str | None = None,
) -> ReadResult:
    """Read the polygons of one layer.

    ``code_column`` may name several columns separated by commas; their values are joined with
    :data:`CODE_PART_SEPARATOR`. ``layer`` chooses a layer of a multi-layer file (see :func:`choose_layer`).
    """
    path = Path(path)
    read_file_bytes(path)  # existence, emptiness
    check_shapefile_companions(path)
    code_parts = [c.strip() for c in (code_column or "").split(",") if c.strip()]
    layer_name, layer_note = choose_layer(path, layer, code_parts[0] if code_parts else None)
    frame, geometry, crs = _read_layer(path, layer_name)
    columns = frame.columns

    def pick(explicit: str | None, aliases: tuple[str, ...], what: str, required: bool) -> str | None:
        return pick_column(
            columns, explicit, aliases, what, missing=f"Indique la columna de {what}." if required else None
        )

    if len(code_parts) > 1:
        code_cols = [pick(part, (), "código", True) for part in code_parts]
    else:
        code_cols = [pick(code_parts[0] if code_parts else None, CODE_ALIASES, "código", True)]
    code_col = ",".join(code_cols)
    name_col = pick(name_column, NAME_ALIASES, "nombre", False) or code_cols[-1]
    parent_col = pick(parent_column, (), "código del territorio padre", False)
    pop_col = pick(population_column, ("poblacion", "population", "pob", "pobtot"), "población", False)
    mun_col = pick(municipality_column, MUNICIPALITY_ALIASES, "código del municipio", False)

    geoms, repaired, is_polygon = _polygons_in_wgs84(geometry, crs)
    frame = frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    code_expr = (
        pl.col(code_cols[0]).str.strip_chars()
        if len(code_cols) == 1
        else pl.concat_str([pl.col(c).str.strip_chars() for c in code_cols], separator=CODE_PART_SEPARATOR)
    )
    frame = frame.with_columns(
        code_expr.alias("code"),
        (pl.col(mun_col).str.strip_chars() if mun_col else pl.lit(None, pl.String)).alias("municipality_code"),
        pl.col(name_col).str.strip_chars().alias("name"),
        (pl.col(parent_col).str.strip_chars() if parent_col else pl.lit(None, pl.String)).alias("parent_code"),
        (
            pl.col(pop_col).str.strip_chars().str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
            if pop_col
            else pl.lit(None, pl.Int64)
        ).alias("population"),
        pl.Series("_empty", shapely.is_missing(geoms) | shapely.is_empty(geoms)),
        pl.Series("_polygon", is_polygon),
        pl.Series("_repaired", repaired),
    )
    wkb = shapely.to_wkb(np.where(frame.get_column("_empty").to_numpy(), None, geoms))
    out = frame.select("_row", "code", "name", "parent_code", "population", "municipality_code").with_columns(
        pl.Series("geometry", list(wkb), dtype=pl.Binary)
    )
    return ReadResult(
        kind="territories",
        frame=out,
        problems=concat_problems(_territory_problems(frame, code_col, pop_col)),
        rows_read=frame.height,
        meta={
            "crs": str(crs),
            "columns": columns,
            "source": "boundaries",
            "layer": layer_name,
            "layer_note": layer_note,
            "code_column": code_col,
            "municipality_column": mun_col,
        },
    )


def _read_layer(path: Path, layer_name: str | None) -> tuple[pl.DataFrame, object, str | None]:
    """The layer's attributes (all as text), its geometries (WKB) and its CRS; a Spanish rejection when the file
    is not a readable vector layer with geometries."""
    import pyogrio
    from pyogrio.errors import DataSourceError

    try:
        meta, _fids, geometry, field_data = pyogrio.raw.read(path, layer=layer_name)
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
    return frame, geometry, meta.get("crs")


def _polygons_in_wgs84(geometry, crs: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geometries in longitude/latitude, invalid ones repaired (``make_valid``) and collections reduced to their
    polygons. Returns ``(geometries, repaired, is_polygon)``."""
    geoms = shapely.from_wkb(np.asarray(geometry, dtype=object))
    if crs and not CRS.from_user_input(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True):
        transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    repaired = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    geoms = np.where(repaired, shapely.make_valid(geoms), geoms)
    types = shapely.get_type_id(geoms)
    is_polygon = np.isin(types, (3, 6, 7))  # Polygon, MultiPolygon, GeometryCollection after make_valid
    if np.any(types == 7):
        geoms = np.array([_polygons_only(g) if t == 7 else g for g, t in zip(geoms, types, strict=True)], dtype=object)
    return geoms, repaired, is_polygon


def _territory_problems(frame: pl.DataFrame, code_col: str, pop_col: str | None) -> list[pl.DataFrame]:
    """Codes (missing, repeated), geometries (missing, not polygons, repaired) and populations."""
    code = pl.col("code")
    problems = [
        problems_where(frame, code.is_null(), code_col, code, "Falta el código del territorio."),
        problems_where(
            frame, code.is_duplicated() & code.is_not_null(), code_col, code, "Código de territorio repetido."
        ),
        problems_where(frame, pl.col("_empty"), "geometry", code, "El territorio no tiene geometría."),
        problems_where(
            frame, ~pl.col("_polygon") & ~pl.col("_empty"), "geometry", code, "La geometría no es un polígono."
        ),
        problems_where(
            frame,
            pl.col("_repaired"),
            "geometry",
            code,
            "Geometría inválida (auto-intersección); se reparó automáticamente.",
            WARNING,
        ),
    ]
    if pop_col:
        raw, population = pl.col(pop_col), pl.col("population")
        problems.append(
            problems_where(
                frame, raw.is_not_null() & population.is_null(), pop_col, raw, "La población no es un número entero."
            )
        )
        problems.append(
            problems_where(frame, population < 0, pop_col, raw, "La población no puede ser negativa.", ERROR)
        )
    return problems


def check_shapefile_companions(path: Path) -> None:
    """A plain ``.shp`` is one of three or four files: name the ones that did not come with it."""
    if path.suffix.lower() != ".shp":
        return
    present = {p.name.casefold() for p in path.parent.iterdir()} if path.parent.exists() else set()
    missing = [
        f"{path.stem}{ext} ({what})"
        for ext, what in SHAPEFILE_COMPANIONS.items()
        if f"{path.stem}{ext}".casefold() not in present
    ]
    if missing:
        raise FileRejected(
            "Un Shapefile viaja en varios archivos con el mismo nombre y faltan: "
            + "; ".join(missing)
            + ". Súbalos juntos en la misma carpeta o en un ZIP."
        )


def choose_layer(path: Path, layer: str | None, code_column: str | None) -> tuple[str | None, str]:
    """The layer to read and a sentence saying why, for the import report.

    With one layer there is nothing to choose. With several, ``layer`` names one; otherwise the only layer that
    has the code column (or one of its usual names) is taken and the report says so. Anything else is refused
    with the list of layers and their columns — the first layer is never taken silently.
    """
    import pyogrio
    from pyogrio.errors import DataSourceError

    try:
        layers = [str(name) for name, _geometry_type in pyogrio.list_layers(path)]
    except (DataSourceError, ValueError, OSError) as exc:
        raise FileRejected(
            "No se pudo leer el archivo de límites: se espera GeoJSON, Shapefile (también en ZIP) o GeoPackage."
        ) from exc
    if layer:
        if layer not in layers:
            raise FileRejected(f"El archivo no tiene la capa «{layer}». Capas: {', '.join(layers)}.", value=layer)
        return layer, f"Capa «{layer}» (indicada)."
    if len(layers) <= 1:
        return (layers[0] if layers else None), ""
    columns = {name: [str(c) for c in pyogrio.read_info(path, layer=name)["fields"]] for name in layers}
    wanted = (code_column,) if code_column else CODE_ALIASES
    keys = {normalise(w) for w in wanted}
    candidates = [name for name, cols in columns.items() if keys & {normalise(c) for c in cols}]
    if len(candidates) == 1:
        found = candidates[0]
        return found, f"El archivo tiene {len(layers)} capas; se leyó «{found}», la única con la columna de código."
    listing = "; ".join(f"«{name}» ({', '.join(cols)})" for name, cols in columns.items())
    raise FileRejected(
        f"El archivo tiene {len(layers)} capas y no se puede saber cuál usar: indique --layer NOMBRE "
        f"(y --code-column). Capas y columnas: {listing}."
    )


def _polygons_only(geom):
    parts = [g for g in shapely.get_parts(geom) if shapely.get_type_id(g) in (3, 6)]
    return shapely.union_all(parts) if parts else shapely.Polygon()
