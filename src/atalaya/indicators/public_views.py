"""The public portal: what each municipality chose to publish, for anonymous visitors, with suppression."""

from __future__ import annotations

import polars as pl
from django.db.models import F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from atalaya.analysis import indicators as calc
from atalaya.analysis.tabular import export_csv
from atalaya.geo.models import Municipality
from atalaya.web.views import PlotlyPageMixin

from . import services
from .models import Indicator, Publication


def published_municipalities():
    return Municipality.objects.filter(publications__is_public=True).distinct().order_by("name")


class PortalHomeView(TemplateView):
    template_name = "indicators/public/home.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "municipalities": published_municipalities()}


def public_table(municipality: Municipality) -> list[dict]:
    """Published indicators of a municipality: last 12 months and the 12 before, suppressed for small cells."""
    publications = (
        Publication.objects.filter(municipality=municipality, is_public=True)
        .select_related("indicator")
        .order_by("indicator__order")
    )
    sources = services.available_sources(municipality)
    if not sources or not publications:
        return []
    source = next((s for s in sources if not s.point_level), sources[0])  # official counts first
    reader = services.StoredValuesReader(municipality, source.source)
    rows = []
    for publication in publications:
        monthly = reader.monthly(publication.indicator)
        if monthly.is_empty():
            continue
        rolled = calc.rolling_twelve_months(monthly.drop("territory_code")).sort("period_start")
        last = rolled.tail(1).row(0, named=True)
        previous = rolled.filter(
            pl.col("period_start") == last["period_start"].replace(year=last["period_start"].year - 1)
        )
        prev_value = previous.row(0, named=True)["rolling_12m"] if not previous.is_empty() else None
        population = reader.populations([last["period_start"].year])
        frame = pl.DataFrame(
            {
                "count": [last["rolling_12m"], prev_value],
                "population": [population.get_column("population")[0] if not population.is_empty() else None] * 2,
            },
            schema={"count": pl.Int64, "population": pl.Float64},
        )
        shown = calc.suppress_small_cells(calc.with_rates(frame)).to_dicts()
        rows.append(
            {
                "indicator": publication.indicator,
                "source": source.source,
                "until": last["period_start"],
                "current": shown[0],
                "previous": shown[1],
            }
        )
    return rows


#: Columns that reveal a suppressed count (count × 100,000 / population = rate; the rank places it).
WITHHELD_WITH_COUNT = (
    "count", "rate", "rate_lower", "rate_upper", "value", "value_lower", "value_upper", "population",
    "rank", "rank_best", "rank_worst", "denominator",
)  # fmt: skip


def public_territories(municipality: Municipality, indicator: Indicator) -> tuple[str | None, pl.DataFrame]:
    """The published indicator by territory (top territorial level of the point-level source), suppressed."""
    from atalaya.geo.models import Territory

    source = next((s for s in services.available_sources(municipality) if s.point_level), None)
    top = (
        Territory.objects.filter(municipality=municipality, parent__isnull=True)
        .order_by("level")
        .values_list("level", flat=True)
        .first()
    )
    if source is None or top is None:
        return None, pl.DataFrame()
    table = services.ranking(services.StoredValuesReader(municipality, source.source), indicator, top)
    if table.is_empty():
        return top, table
    # A suppressed territory shows nothing but its name: its count, and every figure a count could be recovered
    # from (rate or value with its interval, population, rank), are withheld in the page, map and GeoJSON alike.
    withheld = [c for c in WITHHELD_WITH_COUNT if c in table.columns]
    return top, calc.suppress_small_cells(table).with_columns(
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in withheld
    )


class PortalMunicipalityView(PlotlyPageMixin, TemplateView):
    template_name = "indicators/public/municipality.html"

    def get_context_data(self, **kwargs):
        from .views import map_spec

        municipality = get_object_or_404(published_municipalities(), code=kwargs["code"])
        rows = public_table(municipality)
        context = {**super().get_context_data(**kwargs), "municipality": municipality, "rows": rows}
        published = [r["indicator"] for r in rows]
        chosen = next(
            (i for i in published if i.code == self.request.GET.get("indicador")), published[0] if published else None
        )
        if chosen is not None:
            level, table = public_territories(municipality, chosen)
            context["map_source"] = next(
                (s.source for s in services.available_sources(municipality) if s.point_level), None
            )
            if not table.is_empty():
                context.update(
                    {
                        "map_indicator": chosen,
                        "map_level": level,
                        "published": published,
                        "map_spec": map_spec(municipality, table, level),
                    }
                )
        return context


class PortalGeoJSONView(View):
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
        level, table = public_territories(municipality, publication.indicator)
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
                        "hechos_12_meses": row.get("count_public"),
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


class PortalDownloadView(View):
    def get(self, request, code: str):
        municipality = get_object_or_404(published_municipalities(), code=code)
        rows = public_table(municipality)
        if not rows:
            raise Http404
        frame = pl.DataFrame(
            [
                {
                    "municipio": municipality.code,
                    "indicador": r["indicator"].code,
                    "fuente": r["source"],
                    "hasta": r["until"].isoformat(),
                    "hechos_12_meses": r["current"]["count_public"],
                    "tasa_100k": None if r["current"]["rate"] is None else round(r["current"]["rate"], 2),
                    "hechos_12_meses_anteriores": r["previous"]["count_public"],
                }
                for r in rows
            ]
        )
        response = HttpResponse(export_csv(frame, bom=True).encode("utf-8"), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="indicadores-{municipality.code}.csv"'
        return response


class IndicatorSheetView(TemplateView):
    """Public metadata sheet of an indicator, in the style of the SDG metadata sheets."""

    template_name = "indicators/public/indicator.html"

    def get_context_data(self, **kwargs):
        # A municipality's own indicator has a public sheet only once that municipality publishes it.
        public = Indicator.objects.filter(
            Q(municipality__isnull=True) | Q(publications__is_public=True, publications__municipality=F("municipality"))
        ).distinct()
        indicator = get_object_or_404(public, code=kwargs["code"])
        return {**super().get_context_data(**kwargs), "indicator": indicator}


class MethodologyView(TemplateView):
    template_name = "indicators/public/methodology.html"
