"""The map page of a municipality: incidents as clustered points and territories, with the same filters for all.

Drawn with plotly.js's MapLibre map (shipped in the plotly wheel): no internet tile server is assumed; without
one the map has a plain background with territory outlines and labels, and ``ATALAYA_MAP_TILES_URL`` adds one.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlparse

import polars as pl
import shapely
from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from atalaya.analysis.spatial import concentration
from atalaya.core.charts import PlotlyPageMixin
from atalaya.core.generic import MunicipalityMixin
from atalaya.core.numbers import decimal
from atalaya.geo.models import Municipality, Territory
from atalaya.taxonomy.models import Family

from . import maps, services
from .charts import (
    density_scale_trace,
    hotspot_traces,
    lisa_traces,
    map_layout,
    outline_traces,
    points_trace,
    rate_trace,
)


def tile_host() -> str | None:
    url = getattr(settings, "ATALAYA_MAP_TILES_URL", "")
    return f"{urlparse(url).scheme}://{urlparse(url).netloc}" if url else None


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


class MapPageMixin(PlotlyPageMixin):
    """Pages that draw a MapLibre map (plotly's ``scattermap`` and ``choroplethmap``): MapLibre draws in a web
    worker created from a blob: URL, and the basemap, when one is configured, comes from its tile server."""

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response.allow_map_workers = True
        response.extra_image_host = tile_host()
        return response


class MapView(MapPageMixin, MunicipalityMixin, TemplateView):
    template_name = "spatial/map.html"

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
