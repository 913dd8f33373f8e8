"""The public portal: what each municipality chose to publish, for anonymous visitors, with suppression."""

from __future__ import annotations

import polars as pl
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from atalaya.analysis import indicators as calc
from atalaya.geo.models import Municipality

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


class PortalMunicipalityView(TemplateView):
    template_name = "indicators/public/municipality.html"

    def get_context_data(self, **kwargs):
        municipality = get_object_or_404(published_municipalities(), code=kwargs["code"])
        return {**super().get_context_data(**kwargs), "municipality": municipality, "rows": public_table(municipality)}


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
        response = HttpResponse(("\ufeff" + frame.write_csv()).encode("utf-8"), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="indicadores-{municipality.code}.csv"'
        return response


class IndicatorSheetView(TemplateView):
    """Public metadata sheet of an indicator, in the style of the SDG metadata sheets."""

    template_name = "indicators/public/indicator.html"

    def get_context_data(self, **kwargs):
        indicator = get_object_or_404(Indicator, code=kwargs["code"])
        return {**super().get_context_data(**kwargs), "indicator": indicator}


class MethodologyView(TemplateView):
    template_name = "indicators/public/methodology.html"
