"""Plotly specs of the map page: the MapLibre layout (on :func:`atalaya.core.charts.layout`) and one trace per
layer — territory outlines, rates, clustered points, density, Gi* classes and LISA groups."""

from __future__ import annotations

import math

import polars as pl
from django.conf import settings
from django.utils.translation import gettext as _

from atalaya.analysis.spatial import BIN_NAMES
from atalaya.analysis.spatial.kde import RAMP
from atalaya.core.charts import layout
from atalaya.core.numbers import decimal

MAP_WIDTH_PX, MAP_HEIGHT_PX = 1000, 620


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
    return layout(
        height=MAP_HEIGHT_PX,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        map={"style": style, "center": {"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2}, "zoom": zoom},
        legend={"orientation": "h", "y": 0, "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)"},
    )


HOT_COLD = {
    3: "#b2182b",
    2: "#ef8a62",
    1: "#fddbc7",
    -1: "#d1e5f0",
    -2: "#67a9cf",
    -3: "#2166ac",
}
LISA_COLOURS = {"HH": "#d7191c", "HL": "#fdae61", "LH": "#abd9e9", "LL": "#2c7bb6"}


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
