"""The public portal: what each municipality chose to publish, for anonymous visitors, with suppression."""

from __future__ import annotations

import polars as pl
from django.db.models import F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from atalaya.analysis.tabular import export_csv
from atalaya.core.charts import PlotlyPageMixin
from atalaya.core.sensitivity import PublicOutputMixin
from atalaya.geo.models import Municipality, Territory
from atalaya.hooks import PORTAL_LINKS

from .models import Indicator, Publication, PublicValue
from .portal import download_records, public_table, public_territories, published_municipalities


class PortalHomeView(PublicOutputMixin, TemplateView):
    public_models = (Municipality, Indicator, PublicValue)

    template_name = "indicators/public/home.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "municipalities": published_municipalities()}


class PortalMunicipalityView(PublicOutputMixin, PlotlyPageMixin, TemplateView):
    public_models = (Municipality, Territory, Indicator, PublicValue)

    template_name = "indicators/public/municipality.html"

    def get_context_data(self, **kwargs):
        from .charts import map_spec

        municipality = get_object_or_404(published_municipalities(), code=kwargs["code"])
        rows = public_table(municipality)
        context = {**super().get_context_data(**kwargs), "municipality": municipality, "rows": rows}
        context["portal_links"] = [link for link in (make(municipality) for make in PORTAL_LINKS) if link]
        published = [r["indicator"] for r in rows]
        chosen = next(
            (i for i in published if i.code == self.request.GET.get("indicador")), published[0] if published else None
        )
        if chosen is not None:
            source, level, table = public_territories(municipality, chosen)
            context["map_source"] = source
            if not table.is_empty():
                context.update(
                    {
                        "map_indicator": chosen,
                        "map_level": level,
                        "published": published,
                        "map_spec": map_spec(municipality, table, level),
                        "map_until": table.get_column("window_end").max(),
                    }
                )
        return context


class PortalGeoJSONView(PublicOutputMixin, View):
    public_models = (Municipality, Territory, Indicator, PublicValue)

    """Territories with the published indicator's last 12 months, suppressed, as GeoJSON."""

    def get(self, request, code: str, indicator: str):
        import json

        import shapely
        from shapely.geometry import mapping

        from atalaya.geo.models import Territory

        municipality = get_object_or_404(published_municipalities(), code=code)
        publication = get_object_or_404(
            Publication, municipality=municipality, indicator__code=indicator, is_public=True
        )
        source, level, table = public_territories(municipality, publication.indicator)
        if table.is_empty():
            raise Http404
        values = {r["territory_code"]: r for r in table.to_dicts()}
        features = []
        for territory in Territory.objects.filter(municipality=municipality, level=level):
            row = values.get(territory.code, {})
            rate = row.get("rate")
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "codigo": territory.code,
                        "nombre": territory.name,
                        "indicador": indicator,
                        "fuente": source,
                        "hechos_12_meses": row.get("count"),
                        "reservado": bool(row.get("suppressed", True)),
                        "tasa_100k": None if rate is None else round(rate, 2),
                        "desde": str(row.get("window_start", "")),
                        "hasta": str(row.get("window_end", "")),
                    },
                    "geometry": mapping(shapely.from_wkb(bytes(territory.geometry))) if territory.geometry else None,
                }
            )
        body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
        response = HttpResponse(body.encode("utf-8"), content_type="application/geo+json")
        response["Content-Disposition"] = f'attachment; filename="{municipality.code}-{indicator}.geojson"'
        return response


class PortalDownloadView(PublicOutputMixin, View):
    public_models = (Municipality, Indicator, PublicValue)

    """The portal table as CSV: withheld cells are empty, with ``reservado`` saying so (never a "<5")."""

    def get(self, request, code: str):
        municipality = get_object_or_404(published_municipalities(), code=code)
        records = download_records(municipality)
        if not records:
            raise Http404
        frame = pl.DataFrame(records, schema_overrides={"hechos_12_meses": pl.Int64, "tasa_100k": pl.Float64})
        response = HttpResponse(export_csv(frame, bom=True).encode("utf-8"), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="indicadores-{municipality.code}.csv"'
        return response


class IndicatorSheetView(PublicOutputMixin, TemplateView):
    public_models = (Indicator,)

    """Public metadata sheet of an indicator, in the style of the SDG metadata sheets."""

    template_name = "indicators/public/indicator.html"

    def get_context_data(self, **kwargs):
        # A municipality's own indicator has a public sheet only once that municipality publishes it.
        public = Indicator.objects.filter(
            Q(municipality__isnull=True) | Q(publications__is_public=True, publications__municipality=F("municipality"))
        ).distinct()
        indicator = get_object_or_404(public, code=kwargs["code"])
        return {**super().get_context_data(**kwargs), "indicator": indicator}


class MethodologyView(PublicOutputMixin, TemplateView):
    public_models = (Indicator,)

    template_name = "indicators/public/methodology.html"
