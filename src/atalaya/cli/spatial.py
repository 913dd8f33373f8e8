"""``atalaya spatial …``: hot spots, autocorrelation, density, concentration and near repeat on files.

For analysts who only have files: every command reads GeoJSON, a Shapefile (plain or zipped), a GeoPackage or a
CSV with coordinates, projects to the UTM zone of the data, and prints JSON or writes CSV/GeoJSON keeping the
input's id column. Bad input gets a Spanish message and exit status 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .base import EXIT_OK, EXIT_REJECTED


def _common(p, *, value: bool = True, weights: bool = True) -> None:
    p.add_argument("file", metavar="ARCHIVO", type=Path)
    if value:
        p.add_argument("--value", metavar="COLUMNA", help="columna numérica (sin ella: un hecho por elemento)")
    if weights:
        p.add_argument(
            "--weights", default="queen", metavar="PESOS", help="queen, rook, knn:K o distance:METROS (queen)"
        )
        p.add_argument("--transform", choices=["B", "R", "b", "r"], default=None, help="B binaria o R por filas")
    p.add_argument("--id", metavar="COLUMNA", help="columna de identificador (por omisión id/codigo/…)")
    p.add_argument("--x", metavar="COLUMNA", help="CSV: columna X o longitud")
    p.add_argument("--y", metavar="COLUMNA", help="CSV: columna Y o latitud")
    p.add_argument("--crs", metavar="CRS", help="sistema de coordenadas del CSV (por omisión EPSG:4326)")


def _permutations(p, default: int) -> None:
    p.add_argument("--permutations", type=int, default=default, help=f"permutaciones ({default})")
    p.add_argument("--seed", type=int, default=12345, help="semilla de las permutaciones (12345)")


def add_parser(sub) -> None:
    p = sub.add_parser("spatial", help="análisis espacial sobre archivos: Gi*, Moran, LISA, KDE, concentración, Knox…")
    spatial = p.add_subparsers(dest="action", required=True, metavar="ANÁLISIS")

    a = spatial.add_parser("gistar", help="puntos calientes y fríos Getis-Ord Gi* (CSV o GeoJSON por elemento)")
    _common(a)
    a.add_argument("--hex", type=float, metavar="METROS", help="puntos → malla hexagonal de este tamaño")
    a.add_argument("--gi", action="store_true", help="Gi en vez de Gi* (sin el propio elemento)")
    a.add_argument("--fdr", action="store_true", help="clases según p corregida por FDR (Benjamini-Hochberg)")
    a.add_argument(
        "--pysal-compat",
        action="store_true",
        help="varianza de esda (exagerada con pesos R); por omisión la de Ord-Getis",
    )
    _permutations(a, 0)
    a.add_argument("--output", type=Path, metavar="ARCHIVO", help=".csv o .geojson (sin él, CSV en pantalla)")
    a.set_defaults(func=run, spatial_func=cmd_gistar)

    a = spatial.add_parser("moran", help="I de Moran global (JSON)")
    _common(a)
    _permutations(a, 0)
    a.set_defaults(func=run, spatial_func=cmd_moran)

    a = spatial.add_parser("lisa", help="Moran local (LISA) con cuadrantes HH/LL/HL/LH")
    _common(a)
    _permutations(a, 999)
    a.add_argument("--alpha", type=float, default=0.05, help="nivel para los grupos (0,05)")
    a.add_argument("--output", type=Path, metavar="ARCHIVO")
    a.set_defaults(func=run, spatial_func=cmd_lisa)

    a = spatial.add_parser("kde", help="superficie de densidad de hechos (GeoJSON de celdas o PNG con sus límites)")
    _common(a, value=False, weights=False)
    a.add_argument("--cell", type=float, required=True, metavar="METROS")
    a.add_argument("--bandwidth", type=float, metavar="METROS", help="por omisión, la regla documentada")
    a.add_argument("--kernel", choices=["quartic", "gaussian"], default="quartic")
    a.add_argument("--weight", metavar="COLUMNA", help="peso de cada hecho (p. ej. daño)")
    a.add_argument("--clip", type=Path, metavar="ARCHIVO", help="polígono para recortar (p. ej. el municipio)")
    a.add_argument("--output", type=Path, metavar="ARCHIVO", help=".geojson o .png (con .png.json y .pgw)")
    a.set_defaults(func=run, spatial_func=cmd_kde)

    a = spatial.add_parser(
        "concentration", help="concentración: %% de lugares con el 25, 50 y 100 %% de los hechos, Gini"
    )
    _common(a, value=False, weights=False)
    a.add_argument("--unit", default="cell:100", help="cell:METROS (celdas) o address (misma dirección)")
    a.add_argument("--address", metavar="COLUMNA", help="columna de dirección para --unit address")
    a.add_argument("--weight", metavar="COLUMNA", help="peso de cada hecho (p. ej. daño)")
    a.add_argument("--date", metavar="COLUMNA", help="fecha: agrega la estabilidad de los lugares año a año")
    a.add_argument("--output", type=Path, metavar="ARCHIVO", help="curva de Lorenz en CSV")
    a.set_defaults(func=run, spatial_func=cmd_concentration)

    a = spatial.add_parser("knox", help="prueba de Knox de interacción espacio-tiempo (JSON)")
    _common(a, value=False, weights=False)
    a.add_argument("--t", required=True, metavar="COLUMNA", help="tiempo: número o fecha (en días)")
    a.add_argument("--delta", type=float, required=True, metavar="METROS")
    a.add_argument("--tau", type=float, required=True, metavar="DÍAS")
    _permutations(a, 0)
    a.set_defaults(func=run, spatial_func=cmd_knox)

    a = spatial.add_parser("near-repeat", help="tabla de repetición cercana (como el Near Repeat Calculator)")
    _common(a, value=False, weights=False)
    a.add_argument("--date", required=True, metavar="COLUMNA")
    a.add_argument("--space-band", type=float, required=True, metavar="METROS")
    a.add_argument("--space-bands", type=int, required=True, metavar="K")
    a.add_argument("--time-band", type=float, required=True, metavar="DÍAS")
    a.add_argument("--time-bands", type=int, required=True, metavar="K")
    a.add_argument("--distance", choices=["manhattan", "euclidean"], default="manhattan")
    _permutations(a, 99)
    a.add_argument("--nrc-compat", action="store_true", help="reproduce los intervalos del Near Repeat Calculator")
    a.add_argument("--output", type=Path, metavar="ARCHIVO")
    a.set_defaults(func=run, spatial_func=cmd_near_repeat)

    a = spatial.add_parser("repeats", help="lugares repetidos y tiempo hasta la repetición (JSON)")
    _common(a, value=False, weights=False)
    a.add_argument("--date", required=True, metavar="COLUMNA")
    a.add_argument("--address", metavar="COLUMNA", help="sin ella, las coordenadas redondeadas a 1 m")
    a.set_defaults(func=run, spatial_func=cmd_repeats)


def run(args) -> int:
    """Dispatch with one error policy: bad input → Spanish message, exit 1; never a traceback."""
    from atalaya.analysis.problems import FileRejected

    try:
        return args.spatial_func(args)
    except FileRejected as exc:
        print(f"Archivo rechazado: {exc.message}", file=sys.stderr)
    except ValueError as exc:
        print(f"No se puede analizar: {exc}", file=sys.stderr)
    return EXIT_REJECTED


def _layer(args):
    from atalaya.analysis.spatial.layers import read_layer

    layer = read_layer(args.file, x=args.x, y=args.y, crs=args.crs)
    if layer.crs_assumed:
        guess = "WGS84 (longitud/latitud)" if layer.crs is not None else "metros en un plano local"
        print(f"Aviso: el archivo no declara su sistema de coordenadas; se supone {guess}. Use --crs.", file=sys.stderr)
    return layer


def _weights(args, geometries, points, default_transform: str):
    from atalaya.analysis.spatial import build

    w = build(args.weights, geometries=geometries, points=points)
    return w.transformed(args.transform or default_transform)


def _values(args, layer):
    import numpy as np

    return layer.numbers(args.value) if args.value else np.ones(layer.frame.height)


def _rng(args):
    import numpy as np

    return np.random.default_rng(args.seed) if getattr(args, "permutations", 0) else None


def _areal(args):
    """Layer, id column and ids, values, metric geometries and points — or hexagon counts for --hex."""
    import shapely

    from atalaya.analysis.spatial.grids import hex_grid

    layer = _layer(args)
    geometries = layer.metric_geometries()
    if getattr(args, "hex", None):
        points = layer.metric_points()
        values = _values(args, layer)
        grid = hex_grid(tuple(shapely.total_bounds(geometries)), args.hex)
        sums = grid.sums(points[:, 0], points[:, 1], values)
        hull = shapely.convex_hull(shapely.multipoints(points)).buffer(args.hex / 2)
        keep = shapely.intersects(hull, grid.polygons)
        ids = [f"{a},{b}" for a, b in zip(grid.columns[keep], grid.rows[keep], strict=True)]
        cells = grid.polygons[keep]
        if args.weights in ("queen", "rook"):
            args.weights = f"distance:{args.hex * 1.01}"  # hexagons: the 6 neighbours, whatever was asked
        return layer, "hex", ids, sums[keep], cells, grid.centres[keep]
    id_column, ids = layer.ids(args.id)
    points = layer.metric_points()
    return layer, id_column, ids, _values(args, layer), geometries, points


def cmd_gistar(args) -> int:
    import numpy as np

    from atalaya.analysis.spatial import BIN_NAMES, getis_ord
    from atalaya.analysis.spatial.layers import write_features

    layer, id_column, ids, values, geometries, points = _areal(args)
    w = _weights(args, geometries, points, "B")
    result = getis_ord(
        values, w, star=not args.gi, permutations=args.permutations, rng=_rng(args), pysal_compat=args.pysal_compat
    )
    bins = result.hot_cold(use_fdr=args.fdr)
    columns = {
        id_column: ids,
        "value": values,
        "gi": result.statistic,
        "z": result.z_norm,
        "p": result.p_norm,
        "p_fdr": result.p_fdr,
        "class": [BIN_NAMES[int(b)] for b in bins],
    }
    if args.permutations:
        columns |= {"z_sim": result.z_sim, "p_sim": result.p_sim}
    write_features(args.output, columns, geometries=geometries, projection=layer.projection)
    hot, cold = int((bins > 0).sum()), int((bins < 0).sum())
    print(f"{len(ids)} elementos: {hot} calientes y {cold} fríos (90 % o más).", file=sys.stderr)
    return EXIT_OK if np.isfinite(result.z_norm).any() else EXIT_REJECTED


def cmd_moran(args) -> int:
    from atalaya.analysis.spatial import moran

    _layer, _id, _ids, values, geometries, points = _areal(args)
    result = moran(values, _weights(args, geometries, points, "R"), permutations=args.permutations, rng=_rng(args))
    print(json.dumps(result.as_dict(), indent=2))
    return EXIT_OK


def cmd_lisa(args) -> int:
    from atalaya.analysis.spatial import lisa
    from atalaya.analysis.spatial.autocorrelation import QUADRANTS
    from atalaya.analysis.spatial.layers import write_features

    layer, id_column, ids, values, geometries, points = _areal(args)
    w = _weights(args, geometries, points, "R")
    result = lisa(values, w, permutations=args.permutations, rng=_rng(args))
    columns = {
        id_column: ids,
        "value": values,
        "I": result.statistic,
        "z": result.z_norm,
        "p": result.p_norm,
        "quadrant": [QUADRANTS[q] for q in result.quadrant],
        "cluster": result.clusters(args.alpha),
    }
    if args.permutations:
        columns |= {"p_sim": result.p_sim, "z_sim": result.z_sim}
    write_features(args.output, columns, geometries=geometries, projection=layer.projection)
    return EXIT_OK


def cmd_kde(args) -> int:
    import numpy as np
    import shapely

    from atalaya.analysis.spatial.kde import kde, surface_cells, surface_png
    from atalaya.analysis.spatial.layers import read_layer, write_features

    layer = _layer(args)
    points = layer.metric_points()
    weights = layer.numbers(args.weight) if args.weight else None
    projection = layer.projection
    clip = None
    bounds = None
    if args.clip:
        outline = read_layer(args.clip)
        clip = shapely.union_all(projection.geometries_from(outline.geometries, outline.crs))
        bounds = tuple(shapely.total_bounds(clip))
    surface = kde(
        points[:, 0],
        points[:, 1],
        cell=args.cell,
        bandwidth=args.bandwidth,
        kernel_name=args.kernel,
        bounds=bounds,
        weights=weights,
    )
    summary = {
        "points": surface.n_points,
        "cells": int(np.prod(surface.shape)),
        "cell_m": surface.cell,
        "bandwidth_m": round(surface.bandwidth, 2),
        "kernel": surface.kernel,
        "max_density_per_km2": round(float(surface.density.max()), 3),
        "crs": projection.metric.to_string(),
    }
    if args.output and args.output.suffix.lower() == ".png":
        args.output.write_bytes(surface_png(surface, clip))
        minx, miny, maxx, maxy = surface.bounds
        lon, lat = projection.inverse([minx, maxx, maxx, minx], [maxy, maxy, miny, miny])
        corners = [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]
        meta = summary | {"bounds_metric": [minx, miny, maxx, maxy], "corners_wgs84_nw_ne_se_sw": corners}
        Path(f"{args.output}.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        world = [surface.cell, 0, 0, -surface.cell, minx + surface.cell / 2, maxy - surface.cell / 2]
        args.output.with_suffix(".pgw").write_text("\n".join(f"{v:.6f}" for v in world) + "\n", encoding="utf-8")
    else:
        cells, density = surface_cells(surface, clip)
        cx = shapely.get_coordinates(shapely.centroid(cells)) if len(cells) else np.zeros((0, 2))
        columns = {"cell": [f"{int(a)}_{int(b)}" for a, b in cx], "density": density}
        if args.output is None:
            print(json.dumps(summary, indent=2))
            return EXIT_OK
        write_features(args.output, columns, geometries=cells, projection=projection)
    print(json.dumps(summary, indent=2))
    return EXIT_OK


def cmd_concentration(args) -> int:
    import numpy as np
    import polars as pl

    from atalaya.analysis.parsing import parse_date
    from atalaya.analysis.spatial import concentration, top_place_stability

    layer = _layer(args)
    weights = layer.numbers(args.weight) if args.weight else np.ones(layer.frame.height)
    kind, _, size = args.unit.partition(":")
    if kind == "cell":
        try:
            cell = float(size)
        except ValueError:
            raise ValueError("--unit cell:METROS, p. ej. cell:100.") from None
        if cell <= 0:
            raise ValueError("El tamaño de celda debe ser positivo.")
        points = layer.metric_points()
        col = np.floor((points[:, 0] - points[:, 0].min()) / cell).astype(np.int64)
        row = np.floor((points[:, 1] - points[:, 1].min()) / cell).astype(np.int64)
        keys = col * (row.max() + 1) + row
        places = int((col.max() + 1) * (row.max() + 1))  # every cell of the covering grid, empty ones included
    elif kind == "address":
        keys = _place_keys(layer, args.address)
        places = None  # only addresses with crime are known
    else:
        raise ValueError("--unit cell:METROS o address.")
    unique, inverse = np.unique(keys, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=weights, minlength=unique.size)
    result = concentration(counts, places=places)
    out = result.as_dict() | {"unit": args.unit}
    if kind == "address":
        out["note"] = "Solo se conocen las direcciones con hechos: los porcentajes son de lugares con hechos."
    if args.date:
        dates = parse_date(layer.frame.get_column(layer.column(args.date)))
        if dates.null_count():
            row = int(np.flatnonzero(dates.is_null().to_numpy())[0])
            raise ValueError(f"Fila {row + 2}, columna {args.date}: fecha inválida.")
        years = dates.dt.year().to_numpy()
        by_year = {}
        for year in np.unique(years):
            mask = years == year
            u, inv = np.unique(keys[mask], return_inverse=True)
            by_year[int(year)] = dict(
                zip(u.tolist(), np.bincount(inv.ravel(), weights=weights[mask]).tolist(), strict=True)
            )
        out["stability"] = top_place_stability(by_year)
    if args.output:
        pl.DataFrame({"share_of_places": result.lorenz_places, "share_of_crime": result.lorenz_crime}).write_csv(
            args.output
        )
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return EXIT_OK


def _days(layer, column: str):
    """Day numbers from a date column, or the numbers themselves."""
    import numpy as np

    from atalaya.analysis.parsing import parse_date

    name = layer.column(column)
    text = layer.frame.get_column(name)
    dates = parse_date(text)
    if dates.null_count() == 0:
        return (dates.cast(int)).to_numpy().astype(float)  # days since 1970-01-01
    try:
        return layer.numbers(name)
    except Exception:
        row = int(np.flatnonzero(dates.is_null().to_numpy())[0])
        raise ValueError(f"Fila {row + 2}, columna {name}: «{text[row]}» no es una fecha ni un número.") from None


def cmd_knox(args) -> int:
    from atalaya.analysis.spatial.spacetime import knox

    layer = _layer(args)
    points = layer.metric_points()
    days = _days(layer, args.t)
    result = knox(
        points[:, 0], points[:, 1], days, args.delta, args.tau, permutations=args.permutations, rng=_rng(args)
    )
    print(json.dumps(result.as_dict(), indent=2))
    return EXIT_OK


def cmd_near_repeat(args) -> int:
    import numpy as np

    from atalaya.analysis.spatial.layers import write_features
    from atalaya.analysis.spatial.spacetime import near_repeat

    layer = _layer(args)
    points = layer.metric_points()
    table = near_repeat(
        points[:, 0],
        points[:, 1],
        _days(layer, args.date),
        space_band=args.space_band,
        space_bands=args.space_bands,
        time_band=args.time_band,
        time_bands=args.time_bands,
        distance=args.distance,
        permutations=args.permutations,
        rng=np.random.default_rng(args.seed),
        nrc_compat=args.nrc_compat,
    )
    rows = table.rows()
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    write_features(args.output, columns)
    return EXIT_OK


def _place_keys(layer, address: str | None):
    """One key per incident: its address, or its coordinates rounded to the metre."""
    import numpy as np

    if address:
        return np.array(layer.frame.get_column(layer.column(address)).fill_null("").to_list())
    return np.array([f"{a:.0f},{b:.0f}" for a, b in np.round(layer.metric_points())])


def cmd_repeats(args) -> int:
    import numpy as np

    from atalaya.analysis.spatial.spacetime import repeat_places

    layer = _layer(args)
    result = repeat_places(_place_keys(layer, args.address), _days(layer, args.date).astype(np.int64))
    print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    return EXIT_OK
