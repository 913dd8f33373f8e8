"""The analytic layers of the map page, computed from the same filtered incidents:

- **densidad**: kernel density (incidents or harm per km²) clipped to the municipality, drawn as a PNG image;
- **calientes**: Getis-Ord Gi* on a hexagonal grid, hot and cold cells at 90/95/99 % (FDR-adjusted p kept);
- **lisa**: local Moran clusters (HH/LL/HL/LH) of the territories' rates, 999 seeded permutations;
- **tasa**: territories by annualised rate per 100,000 inhabitants.

Each layer is also a GeoJSON download (``LayerExportView``) with the figures it was drawn from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl
import shapely

from atalaya.analysis.spatial import BIN_NAMES, Projection, distance_band, getis_ord, kde, lisa
from atalaya.analysis.spatial.autocorrelation import QUADRANTS
from atalaya.analysis.spatial.grids import hex_grid
from atalaya.analysis.spatial.kde import Surface, surface_cells, surface_png
from atalaya.analysis.spatial.weights import contiguity
from atalaya.geo.models import Territory

from . import services

LISA_PERMUTATIONS = 999
LISA_SEED = 20261202  # fixed: the same map twice gives the same clusters
MAX_HEXAGONS = 20_000


@dataclass
class MapOptions:
    """What the user chose beyond the filters: the measure, the territory level, KDE cell and bandwidth, hexagon."""

    measure: str = "hechos"  # or "danio": harm-weighted
    level: str | None = None
    cell: float | None = None
    bandwidth: float | None = None
    hex_size: float = 250.0

    @classmethod
    def from_query(cls, query, levels: list[str]) -> MapOptions:
        def number(key, low, high):
            try:
                value = float(query.get(key, ""))
            except ValueError:
                return None
            return value if low <= value <= high else None

        level = query.get("nivel")
        return cls(
            measure="danio" if query.get("medida") == "danio" else "hechos",
            level=level if level in levels else None,
            cell=number("celda", 10, 2000),
            bandwidth=number("banda", 20, 10_000),
            hex_size=number("hex", 50, 5000) or 250.0,
        )

    def query(self) -> dict[str, str]:
        out = {"medida": self.measure, "hex": f"{self.hex_size:g}"}
        if self.level:
            out["nivel"] = self.level
        if self.cell:
            out["celda"] = f"{self.cell:g}"
        if self.bandwidth:
            out["banda"] = f"{self.bandwidth:g}"
        return out


class MapData:
    """Incidents, projection and outline of one filtered map, and each layer computed on first use."""

    def __init__(self, f: services.MapFilter, options: MapOptions):
        self.f = f
        self.options = options
        self.incidents = services.incident_frame(f)
        municipality = f.municipality
        outline = shapely.from_wkb(bytes(municipality.boundary)) if municipality.boundary else None
        territories = services.territory_features(municipality)
        if outline is None and territories:
            outline = shapely.union_all([shapely.geometry.shape(t["geometry"]) for t in territories])
        self.outline_wgs84 = outline
        if outline is not None:
            centre = outline.centroid
            self.projection = Projection.for_points(np.array([centre.x]), np.array([centre.y]))
        elif not self.incidents.is_empty():
            self.projection = Projection.for_points(self.incidents["lon"].to_numpy(), self.incidents["lat"].to_numpy())
        else:
            self.projection = None
        self.outline = self.projection.geometries_forward(outline) if outline is not None else None

    @cached_property
    def points(self) -> np.ndarray:
        x, y = self.projection.forward(self.incidents["lon"].to_numpy(), self.incidents["lat"].to_numpy())
        return np.column_stack([x, y])

    @property
    def weights(self) -> np.ndarray:
        if self.options.measure == "danio":
            return self.incidents["harm_weight"].to_numpy()
        return np.ones(self.incidents.height)

    # -- density -----------------------------------------------------------------------------------------------

    @cached_property
    def surface(self) -> Surface | None:
        if self.incidents.height < 2 or self.outline is None:
            return None
        bounds = tuple(shapely.total_bounds(self.outline))
        cell = self.options.cell or _auto_cell(bounds)
        try:
            return kde(
                self.points[:, 0],
                self.points[:, 1],
                cell=cell,
                bandwidth=self.options.bandwidth,
                bounds=bounds,
                weights=self.weights,
            )
        except ValueError:
            return None

    def density_png(self) -> bytes | None:
        return surface_png(self.surface, self.outline) if self.surface else None

    def density_corners(self) -> list[list[float]]:
        """[[lon, lat]] of the image's NW, NE, SE and SW corners (what MapLibre's image source wants)."""
        minx, miny, maxx, maxy = self.surface.bounds
        lon, lat = self.projection.inverse([minx, maxx, maxx, minx], [maxy, maxy, miny, miny])
        return [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]

    def density_features(self) -> list[dict]:
        if not self.surface:
            return []
        cells, density = surface_cells(self.surface, self.outline)
        wgs84 = self.projection.geometries_to_wgs84(cells)
        unit = "danio_por_km2" if self.options.measure == "danio" else "hechos_por_km2"
        return [_feature(g, {unit: round(float(d), 4)}) for g, d in zip(wgs84, density, strict=True)]

    # -- Gi* on hexagons ---------------------------------------------------------------------------------------

    @cached_property
    def hotspots(self):
        """(hexagons in WGS84, values, Gi* result) or None when there is too little to analyse."""
        if self.incidents.height < 3 or self.outline is None:
            return None
        size = self.options.hex_size
        bounds = tuple(shapely.total_bounds(self.outline))
        cells = ((bounds[2] - bounds[0]) / size) * ((bounds[3] - bounds[1]) / size)
        if cells > MAX_HEXAGONS:
            size = math.ceil(size * math.sqrt(cells / MAX_HEXAGONS) / 50) * 50
        grid = hex_grid(bounds, size)
        keep = shapely.intersects(self.outline, grid.polygons)
        sums = grid.sums(self.points[:, 0], self.points[:, 1], self.weights)
        values = sums[keep]
        try:
            result = getis_ord(values, distance_band(grid.centres[keep], size * 1.01))
        except ValueError:
            return None
        return self.projection.geometries_to_wgs84(grid.polygons[keep]), values, result, size

    def hotspot_features(self) -> list[dict]:
        if not self.hotspots:
            return []
        polygons, values, result, size = self.hotspots
        bins = result.hot_cold()
        return [
            _feature(
                polygons[i],
                {
                    "valor": float(values[i]),
                    "gi": float(result.statistic[i]),
                    "z": _round(result.z_norm[i]),
                    "p": _round(result.p_norm[i]),
                    "p_fdr": _round(result.p_fdr[i]),
                    "clase": BIN_NAMES[int(bins[i])],
                    "hexagono_m": size,
                },
            )
            for i in range(len(values))
        ]

    # -- territories: rate and LISA ----------------------------------------------------------------------------

    @cached_property
    def territory_table(self) -> pl.DataFrame:
        """Per territory of the chosen level: code, name, geometry, count (or harm), population, annual rate."""
        from atalaya.cube.populations import populations

        municipality = self.f.municipality
        level = self.options.level
        if level:
            territories = list(Territory.objects.filter(municipality=municipality, level=level).exclude(geometry=None))
        else:
            territories = list(
                Territory.objects.filter(municipality=municipality, children__isnull=True).exclude(geometry=None)
            )
        if not territories:
            return pl.DataFrame()
        leaf_to = _leaf_parents(municipality, {t.pk for t in territories})
        counts: dict[int, float] = {}
        placed = services.incident_frame(self.f, located=False)
        ids = placed["territory_id"].to_numpy()
        weights = placed["harm_weight"].to_numpy() if self.options.measure == "danio" else np.ones(placed.height)
        for tid, weight in zip(ids.tolist(), weights.tolist(), strict=True):
            target = leaf_to.get(tid)
            if target is not None:
                counts[target] = counts.get(target, 0.0) + weight
        year = self.f.end.year
        pops = populations(municipality, [year], level or "hoja")
        population = dict(zip(pops["territory_code"].to_list(), pops["population"].to_list(), strict=True))
        days = (self.f.end - self.f.start).days + 1
        rows = []
        for t in territories:
            count = counts.get(t.pk, 0.0)
            pop = population.get(t.code)
            rate = count / pop * 100_000 * 365.25 / days if pop else None
            rows.append(
                {
                    "code": t.code,
                    "name": t.name,
                    "wkb": bytes(t.geometry),
                    "count": count,
                    "population": pop,
                    "rate": rate,
                }
            )
        return pl.DataFrame(rows, schema_overrides={"population": pl.Float64, "rate": pl.Float64})

    def rate_features(self) -> list[dict]:
        table = self.territory_table
        if table.is_empty():
            return []
        return [
            _feature(
                shapely.from_wkb(r["wkb"]),
                {
                    "codigo": r["code"],
                    "nombre": r["name"],
                    "valor": r["count"],
                    "poblacion": r["population"],
                    "tasa_anual_100k": _round(r["rate"]),
                },
            )
            for r in table.iter_rows(named=True)
        ]

    @cached_property
    def lisa_result(self):
        table = self.territory_table
        if table.is_empty() or table.height < 4:
            return None
        values = (
            table["rate"].fill_null(0.0).to_numpy() if table["rate"].is_not_null().any() else table["count"].to_numpy()
        )
        polygons = self.projection.geometries_forward(shapely.from_wkb(table["wkb"].to_list()))
        w = contiguity(polygons).transformed("R")
        if (w.cardinalities == 0).all():
            return None
        try:
            return values, lisa(values, w, permutations=LISA_PERMUTATIONS, rng=np.random.default_rng(LISA_SEED))
        except ValueError:
            return None

    def lisa_features(self) -> list[dict]:
        if not self.lisa_result:
            return []
        values, result = self.lisa_result
        clusters = result.clusters(0.05)
        table = self.territory_table
        return [
            _feature(
                shapely.from_wkb(r["wkb"]),
                {
                    "codigo": r["code"],
                    "nombre": r["name"],
                    "valor": float(values[i]),
                    "I": _round(result.statistic[i]),
                    "p_sim": _round(result.p_sim[i]),
                    "cuadrante": QUADRANTS[int(result.quadrant[i])],
                    "grupo": clusters[i],
                },
            )
            for i, r in enumerate(table.iter_rows(named=True))
        ]


def _auto_cell(bounds) -> float:
    """About 200 cells across the municipality, rounded to 5 m, between 20 and 500 m."""
    span = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    return float(min(500, max(20, round(span / 200 / 5) * 5)))


def _leaf_parents(municipality, targets: set[int]) -> dict[int, int]:
    """Each territory id → the target territory (of the chosen level) it lies in, itself included."""
    parents = dict(Territory.objects.filter(municipality=municipality).values_list("pk", "parent_id"))
    out = {}
    for pk in parents:
        node, seen = pk, set()
        while node is not None and node not in targets and node not in seen:
            seen.add(node)
            node = parents.get(node)
        if node in targets:
            out[pk] = node
    return out


def _round(value, digits: int = 6):
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def _feature(geometry, properties: dict) -> dict:
    import json

    return {"type": "Feature", "properties": properties, "geometry": json.loads(shapely.to_geojson(geometry))}
