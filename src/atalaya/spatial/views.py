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
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from atalaya.geo.models import Municipality, Territory
from atalaya.taxonomy.models import Family
from atalaya.web.views import PlotlyPageMixin

from . import services

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
    # Glyphs for labels are asked from this server, never from the internet; it has none, so MapLibre draws
    # the characters with the browser's own fonts.
    glyphs = reverse("spatial:glyphs", kwargs={"fontstack": "F", "glyph_range": "R"})
    glyphs = glyphs.replace("/F/", "/{fontstack}/").replace("/R.pbf", "/{range}.pbf")
    style = {"version": 8, "glyphs": glyphs, "sources": sources, "layers": layers}
    return {
        "map": {"style": style, "center": {"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2}, "zoom": zoom},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "height": 620,
        "legend": {"orientation": "h", "y": 0, "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)"},
    }


def territory_trace(features: list[dict], counts: dict[str, int]) -> list[dict]:
    """Outlines with the number of filtered incidents per territory (hover) and a label at each centre."""
    geojson = {"type": "FeatureCollection", "features": features}
    codes = [f["properties"]["code"] for f in features]
    names = [f["properties"]["name"] for f in features]
    centres = [shapely.geometry.shape(f["geometry"]).representative_point() for f in features]
    return [
        {
            "type": "choroplethmap",
            "name": _("territorios"),
            "geojson": geojson,
            "featureidkey": "properties.code",
            "locations": codes,
            "z": [counts.get(c, 0) for c in codes],
            "text": [f"{n}: {counts.get(c, 0)}" for n, c in zip(names, codes, strict=True)],
            "hoverinfo": "text",
            "colorscale": [[0, "rgba(255,255,255,0.05)"], [1, "rgba(11,93,122,0.35)"]],
            "showscale": False,
            "marker": {"line": {"color": "#35495e", "width": 1.2}},
            "showlegend": True,
        },
        {
            "type": "scattermap",
            "mode": "text",
            "name": _("nombres"),
            "lon": [p.x for p in centres],
            "lat": [p.y for p in centres],
            "text": names,
            "textfont": {"size": 11, "color": "#35495e"},
            "hoverinfo": "skip",
            "showlegend": False,
        },
    ]


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
        "marker": {"size": 7, "color": "#c0392b", "opacity": 0.8},
        "cluster": {"enabled": True, "color": "#c0392b", "opacity": 0.75, "maxzoom": 15, "step": [20, 100, 500]},
    }


class MapView(PlotlyPageMixin, LoginRequiredMixin, TemplateView):
    template_name = "spatial/map.html"

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response.allow_map_workers = True  # MapLibre draws in a web worker created from a blob: URL
        response.extra_image_host = tile_host()
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        municipality = get_object_or_404(Municipality.objects.visible_to(self.request.user), code=kwargs["code"])
        f = services.MapFilter.from_query(municipality, self.request.GET)
        points, total = services.incident_points(f)
        features = services.territory_features(municipality)
        counts = {}
        if not points.is_empty():
            counts = _counts_by_leaf(municipality, f)
        focus = [g for g in features if f.territory and g["properties"]["code"] in _leaf_codes(f.territory)]
        bounds = _bounds(focus or features, points)
        traces = [*territory_trace(features, counts)]
        if not points.is_empty():
            traces.append(points_trace(points))
        query = urlencode(f.query())
        context.update(
            {
                "municipality": municipality,
                "f": f,
                "families": Family.objects.all(),
                "territories": Territory.objects.filter(municipality=municipality).order_by("level", "code"),
                "map_spec": {"data": traces, "layout": map_layout(bounds)},
                "n_points": total,
                "n_shown": points.height,
                "sampled": points.height < total,
                "query": query,
                "layers": [("hechos", _("hechos")), ("territorios", _("territorios"))],
                "tiles": bool(getattr(settings, "ATALAYA_MAP_TILES_URL", "")),
            }
        )
        return context


def _counts_by_leaf(municipality, f) -> dict[str, int]:
    from django.db.models import Count

    from atalaya.datasets.models import Incident

    incidents = Incident.objects.filter(
        municipality=municipality, occurred_on__gte=f.start, occurred_on__lte=f.end, territory__isnull=False
    )
    if f.territory:
        incidents = incidents.filter(territory_id__in=services.territory_and_descendants(f.territory))
    if f.family:
        categories = services.harmonised_table().filter(pl.col("family_code") == f.family.code)
        incidents = incidents.filter(category_id__in=categories.get_column("category_id").to_list())
    return dict(incidents.values("territory__code").annotate(n=Count("pk")).values_list("territory__code", "n"))


def _leaf_codes(territory: Territory) -> set[str]:
    ids = services.territory_and_descendants(territory)
    return set(Territory.objects.filter(pk__in=ids).values_list("code", flat=True))


def _bounds(features: list[dict], points: pl.DataFrame):
    if features:
        return tuple(shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features]).bounds)
    if not points.is_empty():
        return (points["lon"].min(), points["lat"].min(), points["lon"].max(), points["lat"].max())
    return None


class LayerExportView(LoginRequiredMixin, View):
    """One layer of the map as a GeoJSON download, with the same filters."""

    def get(self, request, code: str, layer: str):
        municipality = get_object_or_404(Municipality.objects.visible_to(request.user), code=code)
        f = services.MapFilter.from_query(municipality, request.GET)
        if layer == "hechos":
            points, _total = services.incident_points(f)
            doc = services.points_geojson(points)
        elif layer == "territorios":
            doc = {"type": "FeatureCollection", "features": services.territory_features(municipality)}
            counts = _counts_by_leaf(municipality, f)
            for feature in doc["features"]:
                feature["properties"]["count"] = counts.get(feature["properties"]["code"], 0)
        else:
            raise Http404
        doc["metadata"] = {"municipality": municipality.code, **f.query(), "layer": layer}
        response = HttpResponse(json.dumps(doc, ensure_ascii=False), content_type="application/geo+json")
        response["Content-Disposition"] = f'attachment; filename="{municipality.code}-{layer}.geojson"'
        return response


def no_glyphs(request, fontstack: str, glyph_range: str):
    """MapLibre asks for label glyphs; answering 404 at once makes it draw them with the browser's fonts."""
    response = HttpResponse(status=404, content_type="application/x-protobuf")
    response._has_been_logged = True  # an expected answer, asked on every map view: keep it out of the logs
    return response
