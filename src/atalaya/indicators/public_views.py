"""The public portal: what each municipality chose to publish, for anonymous visitors, with suppression."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from atalaya.analysis.disclosure import THRESHOLD
from atalaya.analysis.parsing import add_months
from atalaya.analysis.tabular import export_csv
from atalaya.core.charts import PlotlyPageMixin
from atalaya.core.sensitivity import PublicOutputMixin
from atalaya.geo.models import Municipality, Territory
from atalaya.hooks import PORTAL_LINKS

from . import disclosure, services
from .models import Indicator, Publication, PublicValue


def published_municipalities():
    return Municipality.objects.filter(publications__is_public=True).distinct().order_by("name")


class PortalHomeView(PublicOutputMixin, TemplateView):
    public_models = (Municipality, Indicator, PublicValue)

    template_name = "indicators/public/home.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "municipalities": published_municipalities()}


def public_table(municipality: Municipality, until: dt.date | None = None) -> list[dict]:
    """Published indicators of a municipality: last 12 months (those ending at ``until``, when given) and the 12
    before, from the suppressed table."""
    indicators = disclosure.published_indicators(municipality)
    sources = services.available_sources(municipality)
    if not sources or not indicators:
        return []
    source = next((s for s in sources if not s.point_level), sources[0])  # official counts first
    windows = disclosure.public_values(municipality, source.source).filter(
        pl.col("level").is_null() & (pl.col("period") == "12m")
    )
    if until is not None:
        windows = windows.filter(pl.col("period_start") <= add_months(until, -11))
    if windows.is_empty():
        return []
    windows = disclosure.with_public_rates(windows, municipality, source.source, None)
    rows = []
    for indicator in indicators:
        shown = windows.filter(pl.col("indicator") == indicator.code).sort("period_start").to_dicts()
        if not shown:
            continue
        current = shown[-1]
        rows.append(
            {
                "indicator": indicator,
                "source": source.source,
                "until": add_months(current["period_start"], 11),
                "current": current,
                "previous": shown[-2] if len(shown) > 1 else None,
            }
        )
    return rows


#: Columns that reveal a withheld count (count × 100,000 / population = rate; the rank places it).
WITHHELD_WITH_COUNT = (
    "count", "rate", "rate_lower", "rate_upper", "value", "value_lower", "value_upper", "population",
    "rank", "rank_best", "rank_worst",
)  # fmt: skip


def map_source(municipality: Municipality, indicator: Indicator) -> str | None:
    """The point-level source that records the indicator most (police and prosecutors both locate incidents,
    and a prosecutors' file of homicides says nothing about robberies)."""
    best, best_count = None, -1
    for info in services.available_sources(municipality):
        if not info.point_level:
            continue
        windows = disclosure.public_values(municipality, info.source, indicator).filter(
            pl.col("level").is_null() & (pl.col("period") == "12m")
        )
        count = int(windows.get_column("count").fill_null(0).max() or 0) if windows.height else 0
        if count > best_count:
            best, best_count = info.source, count
    return best


def public_territories(
    municipality: Municipality, indicator: Indicator, until: dt.date | None = None
) -> tuple[str | None, str | None, pl.DataFrame]:
    """The published indicator by territory (source, top territorial level, table) over the last 12 months (those
    ending at ``until``, when given), from the suppressed table."""

    source = map_source(municipality, indicator)
    top = (
        Territory.objects.filter(municipality=municipality, parent__isnull=True)
        .order_by("level")
        .values_list("level", flat=True)
        .first()
    )
    if source is None or top is None:
        return source, None, pl.DataFrame()
    windows = disclosure.public_values(municipality, source, indicator).filter(
        (pl.col("level") == top) & (pl.col("period") == "12m")
    )
    if until is not None:
        windows = windows.filter(pl.col("period_start") <= add_months(until, -11))
    if windows.is_empty():
        return source, top, windows
    start = windows.get_column("period_start").max()
    totals = windows.filter(pl.col("period_start") == start).select("territory_code", "count", "months")
    reader = services.StoredValuesReader(municipality, source)
    table = services.rank_territories(reader, indicator, top, totals, start, add_months(start, 11))
    # A withheld territory shows nothing but its name: its count, and every figure a count could be recovered
    # from (rate or value with its interval, population, rank), are withheld in the page, map and GeoJSON alike.
    # A percentage's denominator is never shown (count ÷ percentage would give it back) and a percentage of a
    # small denominator is withheld too.
    withheld = pl.col("count").is_null()
    if "denominator" in table.columns:
        withheld = withheld | (pl.col("denominator") < THRESHOLD)
        table = table.with_columns(withheld.alias("suppressed")).drop("denominator")
    else:
        table = table.with_columns(withheld.alias("suppressed"))
    columns = [c for c in WITHHELD_WITH_COUNT if c in table.columns]
    return (
        source,
        top,
        table.with_columns(pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in columns),
    )


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
        _source, level, table = public_territories(municipality, publication.indicator)
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

    @staticmethod
    def records(municipality: Municipality) -> list[dict]:
        """The rows of the download (CSV here, JSON in the open-data catalogue): withheld counts are empty."""
        records = []
        for r in public_table(municipality):
            current, previous = r["current"], r["previous"] or {}
            records.append(
                {
                    "municipio": municipality.code,
                    "indicador": r["indicator"].code,
                    "fuente": r["source"],
                    "hasta": r["until"].isoformat(),
                    "hechos_12_meses": current["count"],
                    "tasa_100k": None if current["rate"] is None else round(current["rate"], 2),
                    "reservado": "sí" if current["withheld"] else "no",
                    "hechos_12_meses_anteriores": previous.get("count"),
                    "reservado_anteriores": "sí" if previous.get("withheld") else "no",
                }
            )
        return records

    def get(self, request, code: str):
        municipality = get_object_or_404(published_municipalities(), code=code)
        records = self.records(municipality)
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
