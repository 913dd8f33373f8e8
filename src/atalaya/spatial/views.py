"""The map page of a municipality: incidents as clustered points and territories, with the same filters for all.

Drawn with plotly.js's MapLibre map (shipped in the plotly wheel): no internet tile server is assumed; without
one the map has a plain background with territory outlines and labels, and ``ATALAYA_MAP_TILES_URL`` adds one.
"""

from __future__ import annotations

import json
import math
from urllib.parse import urlencode, urlparse

import polars as pl
import shapely
from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from atalaya.analysis.spatial import BIN_NAMES, concentration
from atalaya.analysis.spatial.kde import RAMP
from atalaya.core.charts import PlotlyPageMixin
from atalaya.core.generic import MunicipalityMixin
from atalaya.core.numbers import decimal
from atalaya.geo.models import Municipality, Territory
from atalaya.taxonomy.models import Family

from . import maps, services

MAP_WIDTH_PX, MAP_HEIGHT_PX = 1000, 620


def tile_host() -> str | None:
    url = getattr(settings, "ATALAYA_MAP_TILES_URL", "")
    return f"{urlparse(url).scheme}://{urlparse(url).netloc}" if url else None


def map_layout(bounds: tuple[float, float, float, float] | None) -> dict:
    """Centre and zoom that fit the bounds; a raster basemap only when a tile URL is configured."""
    minx, miny, maxx, maxy = bounds or (-99.1, 19.3, -98.9, 19.5)
    # MapLibre's world is 512 px wide at zoom 0; latitude degrees stretch by 1/cos(lat) in Web Mercator.
    stretch = 1 / math.cos(math.radians((miny + maxy) / 2))
    zoom_x = math.log2(MAP_WIDTH_PX * 360 / (512 * max(maxx - minx, 1e-5)))
    zoom_y = math.log2(MAP_HEIGHT_PX * 360 / (512 * max((maxy - miny) * stretch, 1e-5)))
    zoom = max(1.0, min(17.0, min(zoom_x, zoom_y) - 0.15))
    tiles = getattr(settings, "ATALAYA_MAP_TILES_URL", "")
    layers = [{"id": "fondo", "type": "background", "paint": {"background-color": "#f4f6f8"}}]
    sources = {}
    if tiles:
        sources["base"] = {
            "type": "raster",
            "tiles": [tiles],
            "tileSize": 256,
            "attribution": getattr(settings, "ATALAYA_MAP_TILES_ATTRIBUTION", ""),
        }
        layers.append({"id": "base", "type": "raster", "source": "base"})
    # No glyphs: the style has no text layer (names show on hover), so MapLibre never asks for label fonts.
    style = {"version": 8, "sources": sources, "layers": layers}
    return {
        "map": {"style": style, "center": {"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2}, "zoom": zoom},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "height": 620,
        "legend": {"orientation": "h", "y": 0, "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)"},
    }


HOT_COLD = {
    3: "#b2182b",
    2: "#ef8a62",
    1: "#fddbc7",
    -1: "#d1e5f0",
    -2: "#67a9cf",
    -3: "#2166ac",
}
LISA_COLOURS = {"HH": "#d7191c", "HL": "#fdae61", "LH": "#abd9e9", "LL": "#2c7bb6"}
LAYERS = ("hechos", "densidad", "calientes", "lisa", "tasa")
DEFAULT_LAYERS = ("hechos", "calientes", "tasa")


def layer_labels() -> dict[str, str]:
    return {
        "hechos": _("hechos (agrupados)"),
        "densidad": _("densidad (KDE)"),
        "calientes": _("puntos calientes y fríos (Gi*)"),
        "lisa": _("agrupamientos LISA"),
        "tasa": _("territorios por tasa"),
    }


def _class_trace(features: list[dict], name: str, colour: str, key: str = "code") -> dict:
    """One colour for a set of polygons (a class of a layer), named in the legend so it can be switched off."""
    return {
        "type": "choroplethmap",
        "name": name,
        "geojson": {"type": "FeatureCollection", "features": features},
        "featureidkey": f"properties.{key}",
        "locations": [f["properties"][key] for f in features],
        "z": [1] * len(features),
        "colorscale": [[0, colour], [1, colour]],
        "showscale": False,
        "showlegend": True,
        "marker": {"opacity": 0.75, "line": {"width": 0.3, "color": "#ffffff"}},
        "hoverinfo": "text",
        "text": [f["properties"].get("_hover", "") for f in features],
    }


def outline_traces(features: list[dict]) -> list[dict]:
    """Territory outlines, named on hover: the map reads well without a basemap. No text labels — they would
    need glyph files from a server (MapLibre draws text only from glyph protobufs)."""
    codes = [f["properties"]["code"] for f in features]
    return [
        {
            "type": "choroplethmap",
            "name": _("territorios"),
            "geojson": {"type": "FeatureCollection", "features": features},
            "featureidkey": "properties.code",
            "locations": codes,
            "z": [0] * len(codes),
            "colorscale": [[0, "rgba(255,255,255,0)"], [1, "rgba(255,255,255,0)"]],
            "showscale": False,
            "showlegend": False,
            "hoverinfo": "text",
            "text": [f"{f['properties']['level']} · {f['properties']['name']}" for f in features],
            "marker": {"line": {"color": "#35495e", "width": 1.2}},
        },
    ]


def density_scale_trace(peak: float, centre: tuple[float, float]) -> dict:
    """An invisible point that carries the density layer's colour bar (the layer itself is an image)."""
    ramp = [[k / (len(RAMP) - 1), "rgb({:.0f},{:.0f},{:.0f})".format(*rgb)] for k, rgb in enumerate(RAMP)]
    return {
        "type": "scattermap",
        "mode": "markers",
        "name": _("densidad (KDE)"),
        "lon": [centre[0]],
        "lat": [centre[1]],
        "marker": {
            "size": 0.1,
            "opacity": 0,
            "color": [peak],
            "cmin": 0,
            "cmax": peak,
            "colorscale": ramp,
            "showscale": True,
            "colorbar": {"title": {"text": _("hechos por km²")}, "thickness": 12, "len": 0.4, "y": 0.78},
        },
        "hoverinfo": "skip",
        "showlegend": False,
    }


def rate_trace(features: list[dict], measure: str) -> dict:
    with_rate = any(f["properties"]["tasa_anual_100k"] is not None for f in features)
    values = [(f["properties"]["tasa_anual_100k"] if with_rate else f["properties"]["valor"]) or 0 for f in features]
    title = _("tasa anual por 100 000") if with_rate else (_("daño") if measure == "danio" else _("hechos"))
    return {
        "type": "choroplethmap",
        "name": _("territorios por tasa"),
        "geojson": {"type": "FeatureCollection", "features": features},
        "featureidkey": "properties.codigo",
        "locations": [f["properties"]["codigo"] for f in features],
        "z": values,
        "colorscale": "YlOrRd",
        "reversescale": True,  # plotly's YlOrRd runs from dark red to yellow: high rates in red
        "marker": {"opacity": 0.55, "line": {"width": 0.5, "color": "#ffffff"}},
        "colorbar": {"title": {"text": title}, "thickness": 12, "len": 0.4, "x": 1.0, "y": 0.28},
        "text": [f"{f['properties']['nombre']}: {decimal(v, 1)}" for f, v in zip(features, values, strict=True)],
        "hoverinfo": "text",
        "showlegend": True,
    }


def points_trace(frame: pl.DataFrame) -> dict:
    return {
        "type": "scattermap",
        "mode": "markers",
        "name": _("hechos (agrupados)"),
        "lon": frame.get_column("lon").to_list(),
        "lat": frame.get_column("lat").to_list(),
        "text": [
            f"{d:%Y-%m-%d} · {c or ''}"
            for d, c in zip(frame.get_column("date"), frame.get_column("category_label"), strict=True)
        ],
        "hoverinfo": "text",
        "marker": {"size": 7, "color": "#7b3294", "opacity": 0.8},
        "cluster": {"enabled": True, "color": "#7b3294", "opacity": 0.75, "maxzoom": 15, "step": [20, 100, 500]},
    }


def hotspot_traces(features: list[dict]) -> list[dict]:
    traces = []
    names = {
        3: _("caliente 99 %"),
        2: _("caliente 95 %"),
        1: _("caliente 90 %"),
        -1: _("frío 90 %"),
        -2: _("frío 95 %"),
        -3: _("frío 99 %"),
    }
    bins = {v: k for k, v in BIN_NAMES.items()}
    for level in (3, 2, 1, -1, -2, -3):
        chosen = [dict(f) for f in features if bins[f["properties"]["clase"]] == level]
        for k, f in enumerate(chosen):
            p = f["properties"] = dict(f["properties"])
            p["id"] = f"h{level}_{k}"
            z, value = decimal(p["z"], 2), decimal(p["valor"], 0)
            p["_hover"] = f"{names[level]} · z = {z} · {value}"
        if chosen:
            traces.append(_class_trace(chosen, names[level], HOT_COLD[level], key="id"))
    return traces


def lisa_traces(features: list[dict]) -> list[dict]:
    traces = []
    names = {"HH": _("alto-alto"), "LL": _("bajo-bajo"), "HL": _("alto-bajo"), "LH": _("bajo-alto")}
    for group in ("HH", "HL", "LH", "LL"):
        chosen = [dict(f) for f in features if f["properties"]["grupo"] == group]
        for f in chosen:
            p = f["properties"] = dict(f["properties"])
            p["_hover"] = f"{p['nombre']}: {names[group]} (p = {decimal(p['p_sim'], 3)})"
        if chosen:
            traces.append(_class_trace(chosen, f"LISA {names[group]}", LISA_COLOURS[group], key="codigo"))
    return traces


class MapSelection:
    """Filters, options and chosen layers of one request to the map or to a layer download."""

    def __init__(self, request, municipality: Municipality):
        self.municipality = municipality
        self.f = services.MapFilter.from_query(self.municipality, request.GET)
        self.levels = list(
            Territory.objects.filter(municipality=self.municipality).values_list("level", flat=True).distinct()
        )
        self.options = maps.MapOptions.from_query(request.GET, self.levels)
        chosen = [layer for layer in request.GET.getlist("capas") if layer in LAYERS]
        self.layers = chosen or list(DEFAULT_LAYERS)

    def query(self, with_layers: bool = True) -> str:
        params = list(self.f.query().items()) + list(self.options.query().items())
        if with_layers:
            params += [("capas", layer) for layer in self.layers]
        return urlencode(params)


class MapView(PlotlyPageMixin, MunicipalityMixin, TemplateView):
    template_name = "spatial/map.html"

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response.allow_map_workers = True  # MapLibre draws in a web worker created from a blob: URL
        response.extra_image_host = tile_host()
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sel = MapSelection(self.request, self.municipality)
        data = maps.MapData(sel.f, sel.options)
        features = services.territory_features(sel.municipality)
        traces, notes = [], []
        if "tasa" in sel.layers:
            rates = data.rate_features()
            if rates:
                traces.append(rate_trace(rates, sel.options.measure))
        if "lisa" in sel.layers:
            groups = data.lisa_features()
            traces += lisa_traces(groups)
            if not groups:
                notes.append(_("LISA: hacen falta al menos 4 territorios contiguos con datos."))
        if "calientes" in sel.layers:
            cells = data.hotspot_features()
            traces += hotspot_traces(cells)
            if data.hotspots and data.hotspots[1].sum() > 0:
                shares = concentration(data.hotspots[1])
                notes.append(
                    _(
                        "Concentración: el 50 %% de los hechos está en el %(half)s %% de los hexágonos y el 25 %% "
                        "en el %(quarter)s %%; Gini %(gini)s (generalizado %(general)s)."
                    )
                    % {
                        "half": decimal(shares.share_of_places[0.5] * 100, 1),
                        "quarter": decimal(shares.share_of_places[0.25] * 100, 1),
                        "gini": decimal(shares.gini, 2),
                        "general": decimal(shares.gini_generalized, 2),
                    }
                )
            if data.hotspots:
                notes.append(
                    _("Gi*: hexágonos de %(size)s m; %(hot)s calientes y %(cold)s fríos con 90 %% o más de confianza.")
                    % {
                        "size": f"{data.hotspots[3]:g}",
                        "hot": sum(1 for c in cells if c["properties"]["clase"].startswith("caliente")),
                        "cold": sum(1 for c in cells if c["properties"]["clase"].startswith("frio")),
                    }
                )
        traces += outline_traces(features)
        points, total = services.incident_points(sel.f)
        if "hechos" in sel.layers and not points.is_empty():
            traces.append(points_trace(points))
        focus = [g for g in features if sel.f.territory and g["properties"]["code"] in _leaf_codes(sel.f.territory)]
        layout = map_layout(_bounds(focus or features, points))
        if "densidad" in sel.layers and data.surface is not None:
            layout["map"]["layers"] = [
                {
                    "sourcetype": "image",
                    "source": reverse("spatial:density_png", kwargs={"code": sel.municipality.code})
                    + "?"
                    + sel.query(with_layers=False),
                    "coordinates": data.density_corners(),
                    "below": "traces",
                    "opacity": 0.85,
                }
            ]
            centre = layout["map"]["center"]
            traces.append(density_scale_trace(float(data.surface.density.max()), (centre["lon"], centre["lat"])))
            notes.append(
                _("Densidad: núcleo cuártico, celdas de %(cell)s m, radio %(bw)s m; máximo %(max)s por km².")
                % {
                    "cell": f"{data.surface.cell:g}",
                    "bw": decimal(data.surface.bandwidth, 0),
                    "max": decimal(float(data.surface.density.max()), 1),
                }
            )
        labels = layer_labels()
        context.update(
            {
                "municipality": sel.municipality,
                "f": sel.f,
                "options": sel.options,
                "sel": sel,
                "families": Family.objects.all(),
                "territories": Territory.objects.filter(municipality=sel.municipality).order_by("level", "code"),
                "levels": sel.levels,
                "map_spec": {"data": traces, "layout": layout},
                "n_points": total,
                "sources": services.located_sources(sel.municipality),
                "cut_off": sel.f.cut_off,
                "n_shown": points.height,
                "sampled": points.height < total,
                "query": sel.query(with_layers=False),
                "layer_choices": [(key, labels[key], key in sel.layers) for key in LAYERS],
                "downloads": [(key, labels[key]) for key in LAYERS],
                "notes": notes,
                "tiles": bool(getattr(settings, "ATALAYA_MAP_TILES_URL", "")),
            }
        )
        return context


def _leaf_codes(territory: Territory) -> set[str]:
    ids = services.territory_and_descendants(territory)
    return set(Territory.objects.filter(pk__in=ids).values_list("code", flat=True))


def _bounds(features: list[dict], points: pl.DataFrame):
    if features:
        return tuple(shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features]).bounds)
    if not points.is_empty():
        return (points["lon"].min(), points["lat"].min(), points["lon"].max(), points["lat"].max())
    return None


class LayerExportView(MunicipalityMixin, View):
    """One layer of the map as a GeoJSON download, computed with the same filters and options as the map."""

    def get(self, request, code: str, layer: str):
        sel = MapSelection(request, self.municipality)
        data = maps.MapData(sel.f, sel.options)
        if layer == "hechos":
            points = services.incident_frame(sel.f)
            doc = services.points_geojson(points)
        else:
            builders = {
                "densidad": data.density_features,
                "calientes": data.hotspot_features,
                "lisa": data.lisa_features,
                "tasa": data.rate_features,
            }
            if layer not in builders:
                raise Http404
            doc = {"type": "FeatureCollection", "features": builders[layer]()}
        doc["metadata"] = {
            "municipio": sel.municipality.code,
            "capa": layer,
            **sel.f.query(),
            **sel.options.query(),
            "datos_hasta": str(sel.f.cut_off or ""),
            "datos_sinteticos": sel.municipality.is_synthetic,
        }
        response = HttpResponse(json.dumps(doc, ensure_ascii=False), content_type="application/geo+json")
        response["Content-Disposition"] = f'attachment; filename="{sel.municipality.code}-{layer}.geojson"'
        return response


class DensityImageView(MunicipalityMixin, View):
    """The KDE surface as a PNG for the map's image layer (transparent outside the municipality)."""

    def get(self, request, code: str):
        sel = MapSelection(request, self.municipality)
        png = maps.MapData(sel.f, sel.options).density_png()
        if png is None:
            raise Http404
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "private, max-age=300"
        return response
