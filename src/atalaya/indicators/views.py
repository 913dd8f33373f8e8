"""The municipality dashboard: headline cards, the series against last year, a choropleth and a ranking."""

from __future__ import annotations

import io

import polars as pl
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from atalaya.accounts.mixins import ImporterRequiredMixin
from atalaya.analysis.parsing import month_range
from atalaya.analysis.tabular import export_csv, neutralise_formulas
from atalaya.core.charts import PlotlyPageMixin
from atalaya.core.generic import MunicipalityMixin, ObjectCreateView, ObjectEditView, ObjectListView
from atalaya.core.views import render_panels
from atalaya.geo.models import Municipality, Territory
from atalaya.hooks import DASHBOARD_PANELS

from . import services
from .charts import heat_spec, map_spec, network_chart, seasonal_spec, series_spec
from .filters import IndicatorFilter
from .forms import IndicatorForm
from .models import Indicator


class DashboardSelection:
    """What the user picked (indicator, source, territory level), with sensible defaults."""

    def __init__(self, request, municipality: Municipality):
        self.municipality = municipality
        self.sources = services.available_sources(municipality)
        self.indicators = list(Indicator.objects.for_municipality(municipality))
        if not self.indicators:
            raise Http404
        wanted = request.GET.get("indicador")
        self.indicator = next((i for i in self.indicators if i.code == wanted), self.indicators[0])
        wanted_source = request.GET.get("fuente")
        self.source = next(
            (s for s in self.sources if s.source == wanted_source), self.sources[0] if self.sources else None
        )
        levels = list(
            Territory.objects.filter(municipality=municipality)
            .values_list("level", flat=True)
            .distinct()
            .order_by("level")
        )
        self.levels = levels
        leaf_levels = set(
            Territory.objects.filter(municipality=municipality, children__isnull=True).values_list("level", flat=True)
        )
        parent_levels = [lv for lv in levels if lv not in leaf_levels]
        default_level = parent_levels[-1] if parent_levels else (levels[0] if levels else None)
        self.map_measure = "conteo" if request.GET.get("mapa") == "conteo" else "tasa"
        wanted_level = request.GET.get("nivel")
        self.level = wanted_level if wanted_level in levels else default_level
        self.territorial = bool(self.source and self.source.point_level and self.level)
        self.months = month_range(self.source.first, self.source.last)[::-1][:120] if self.source else []
        wanted_until = request.GET.get("hasta", "")
        self.until = next((m for m in self.months if m.strftime("%Y-%m") == wanted_until), None)

    def query(self) -> str:
        from urllib.parse import urlencode

        params = {"indicador": self.indicator.code}
        if self.until:
            params["hasta"] = self.until.strftime("%Y-%m")
        if self.source:
            params["fuente"] = self.source.source
        if self.level:
            params["nivel"] = self.level
        return urlencode(params)


class DashboardView(PlotlyPageMixin, MunicipalityMixin, TemplateView):
    template_name = "indicators/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        municipality = self.municipality
        selection = DashboardSelection(self.request, municipality)
        context["sel"] = selection
        context["panels"] = render_panels(self.request, DASHBOARD_PANELS, municipality)
        if selection.source is None:
            return context
        reader = services.StoredValuesReader(municipality, selection.source.source)
        context["cards"] = services.headlines(reader, selection.indicators[:8], selection.until)
        monthly = reader.monthly(selection.indicator)
        if selection.until:
            monthly = monthly.filter(pl.col("period_start") <= selection.until)
        context["series_spec"] = series_spec(monthly, selection.indicator)
        context["seasonal_spec"] = seasonal_spec(monthly)
        profile = reader.weekday_hour(selection.indicator) if selection.source.point_level else None
        if profile and any(any(row) for row in profile["weekday_hour"]):
            context["heat_spec"] = heat_spec(profile)
            context["heat_since"] = profile["since"]
        if not monthly.is_empty():
            context["last_month"] = monthly.get_column("period_start").max()
        if selection.territorial:
            table = services.ranking(reader, selection.indicator, selection.level, selection.until)
            context["ranking"] = table.to_dicts()
            if not table.is_empty():
                context["window"] = (table.get_column("window_start")[0], table.get_column("window_end")[0])
            context["map_spec"] = map_spec(municipality, table, selection.level, selection.map_measure)
        return context


class RankingExportView(MunicipalityMixin, View):
    """The ranking table as CSV or XLSX, with the same columns as on screen."""

    def get(self, request, code: str, fmt: str):
        municipality = self.municipality
        selection = DashboardSelection(request, municipality)
        if not selection.territorial:
            raise Http404
        reader = services.StoredValuesReader(municipality, selection.source.source)
        table = services.ranking(reader, selection.indicator, selection.level, selection.until)
        out = table.select(
            pl.col("territory_code").alias("codigo"),
            pl.col("name").alias("territorio"),
            pl.col("count").alias("hechos_12_meses"),
            pl.col("population").alias("poblacion"),
            pl.col("value").round(2).alias("valor"),
            pl.col("value_lower").round(2).alias("valor_inferior_95"),
            pl.col("value_upper").round(2).alias("valor_superior_95"),
            pl.lit(selection.indicator.unit).alias("unidad"),
            pl.col("rank").alias("lugar"),
            pl.col("rank_best").alias("lugar_mejor"),
            pl.col("rank_worst").alias("lugar_peor"),
            pl.col("window_start").alias("desde"),
            pl.col("window_end").alias("hasta"),
        )
        name = f"ranking-{municipality.code}-{selection.indicator.code}-{selection.level}"
        if fmt == "csv":
            response = HttpResponse(export_csv(out, bom=True).encode("utf-8"), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        buffer = io.BytesIO()
        neutralise_formulas(out).write_excel(buffer, worksheet=selection.indicator.code[:31])
        response = HttpResponse(
            buffer.getvalue(), content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response


class NetworkView(PlotlyPageMixin, LoginRequiredMixin, TemplateView):
    """The same indicator across every municipality the user may see, ranked with honest ties."""

    template_name = "indicators/network.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        municipalities = Municipality.objects.visible_to(self.request.user)
        indicators = list(Indicator.objects.shared())  # a municipality's own indicator compares with nobody
        wanted = self.request.GET.get("indicador")
        indicator = next((i for i in indicators if i.code == wanted), indicators[0] if indicators else None)
        from .models import IndicatorSnapshot

        sources = sorted(
            set(IndicatorSnapshot.objects.filter(municipality__in=municipalities).values_list("source", flat=True))
        )
        source = (
            self.request.GET.get("fuente")
            if self.request.GET.get("fuente") in sources
            else (sources[0] if sources else None)
        )
        table = services.network_ranking(municipalities, indicator, source) if indicator and source else None
        rows = table.to_dicts() if table is not None else []
        context.update(
            {
                "indicators": indicators,
                "indicator": indicator,
                "sources": sources,
                "source": source,
                "rows": rows,
                "chart_spec": network_chart(rows, indicator),
            }
        )
        return context


class QualityView(MunicipalityMixin, TemplateView):
    template_name = "indicators/quality.html"

    def get_context_data(self, **kwargs):
        from atalaya.datasets.quality import quality_summary

        from .quality import outlying_months, source_quality

        context = super().get_context_data(**kwargs)
        municipality = self.municipality
        context.update(
            {
                "sources": source_quality(municipality),
                "outliers": outlying_months(municipality),
                "summary": quality_summary(municipality),
            }
        )
        return context


class IndicatorListView(ImporterRequiredMixin, ObjectListView):
    """Shared indicators and those of the user's municipalities."""

    model = Indicator
    filterset_class = IndicatorFilter
    template_name = "indicators/indicator_list.html"

    def scope_queryset(self, queryset):
        return queryset.select_related("municipality")

    def get_context_data(self, **kwargs):
        from atalaya.taxonomy.models import Family

        context = super().get_context_data(**kwargs)
        context["editable"] = set(Indicator.objects.editable_by(self.request.user).values_list("pk", flat=True))
        names = dict(Family.objects.values_list("code", "name"))
        context["rows"] = [(i, i.numerator_text(names)) for i in context["object_list"]]
        return context


class IndicatorFormMixin:
    """What the indicator's create and edit pages share. Analysts and administrators create indicators for their
    municipality; a superuser may share one with every municipality. Built-in ones only a superuser changes
    (``editable_by``)."""

    model = Indicator
    template_name = "indicators/indicator_form.html"
    form_class = IndicatorForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def log_message(self) -> str:
        return f"Indicador «{self.object.code}»: {self.object.numerator}"

    def get_success_url(self):
        return reverse("indicators:catalogue")


class IndicatorCreateView(IndicatorFormMixin, ImporterRequiredMixin, ObjectCreateView):
    pass


class IndicatorUpdateView(IndicatorFormMixin, ImporterRequiredMixin, ObjectEditView):
    slug_field = "code"
    slug_url_kwarg = "code"
