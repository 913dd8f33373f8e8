"""The municipality dashboard: headline cards, the series against last year, a choropleth and a ranking."""

from __future__ import annotations

import io
import math

import polars as pl
import shapely
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import CreateView, ListView, TemplateView, UpdateView

from atalaya.accounts.mixins import ImporterRequiredMixin, LoggedFormMixin
from atalaya.analysis.parsing import month_range
from atalaya.analysis.tabular import export_csv, neutralise_formulas
from atalaya.core.charts import PlotlyPageMixin
from atalaya.core.numbers import decimal
from atalaya.datasets.exporting import NO_TERRITORY
from atalaya.geo.models import Municipality, Territory

from . import services
from .forms import IndicatorForm
from .models import Indicator

PALETTE = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
WITHHELD_CLASS = -2  # the public map: a territory whose figures are withheld
WITHHELD_COLOR = "#c9ced6"
NO_DATA_COLOR = "#d9d9d9"
MONTH_LABELS = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]


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


class DashboardView(PlotlyPageMixin, LoginRequiredMixin, TemplateView):
    template_name = "indicators/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        municipality = get_object_or_404(Municipality.objects.visible_to(self.request.user), code=kwargs["code"])
        selection = DashboardSelection(self.request, municipality)
        context.update({"municipality": municipality, "sel": selection})
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


def series_spec(monthly: pl.DataFrame, indicator: Indicator) -> dict:
    """Plotly spec: this year's months against the previous year's, one line each."""
    traces = []
    if not monthly.is_empty():
        last_year = monthly.get_column("period_start").max().year
        styles = {
            last_year: {"color": "#0b5d7a", "width": 3},
            last_year - 1: {"color": "#9aa9b8", "width": 2, "dash": "dot"},
        }
        for year in (last_year - 1, last_year):
            part = monthly.filter(pl.col("period_start").dt.year() == year).sort("period_start")
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": str(year),
                    "x": [MONTH_LABELS[d.month - 1] for d in part.get_column("period_start")],
                    "y": part.get_column("count").to_list(),
                    "line": styles[year],
                }
            )
    return {
        "data": traces,
        "layout": {
            "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
            "height": 320,
            "title": {"text": indicator.name, "font": {"size": 15}},
            "xaxis": {"categoryorder": "array", "categoryarray": MONTH_LABELS},
            "yaxis": {"title": {"text": _("hechos por mes")}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.15},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
        },
    }


WEEKDAYS = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]


def seasonal_spec(monthly: pl.DataFrame) -> dict | None:
    """Seasonal index of each calendar month (1 = an average month), from complete years only."""
    from atalaya.analysis import indicators as calc

    profile = calc.seasonal_profile(monthly.drop("territory_code")) if not monthly.is_empty() else monthly
    if profile.is_empty():
        return None
    return {
        "data": [
            {
                "type": "bar",
                "x": [MONTH_LABELS[m - 1] for m in profile.get_column("month")],
                "y": [round(s * 12, 3) for s in profile.get_column("share")],
                "marker": {"color": "#0b5d7a"},
                "hovertemplate": "%{x}: %{y:.2f}<extra></extra>",
            }
        ],
        "layout": {
            "height": 260,
            "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
            "title": {"text": _("Índice estacional (1 = mes promedio)"), "font": {"size": 14}},
            "shapes": [
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": 1,
                    "y1": 1,
                    "line": {"color": "#9aa9b8", "dash": "dot"},
                }
            ],
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
        },
    }


def heat_spec(profile: dict) -> dict:
    return {
        "data": [
            {
                "type": "heatmap",
                "z": profile["weekday_hour"],
                "x": list(range(24)),
                "y": WEEKDAYS,
                "colorscale": "YlOrRd",
                "reversescale": True,
                "hovertemplate": "%{y} %{x}:00 — %{z}<extra></extra>",
            }
        ],
        "layout": {
            "height": 280,
            "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
            "title": {"text": _("Hechos por día y hora (últimos 12 meses)"), "font": {"size": 14}},
            "xaxis": {"title": {"text": _("hora")}, "dtick": 2},
            "yaxis": {"autorange": "reversed"},
            "paper_bgcolor": "#ffffff",
        },
    }


def map_spec(municipality: Municipality, table: pl.DataFrame, level: str, measure: str = "tasa") -> dict:
    """A choropleth of the level's territories by annual rate (or count), in quantile classes, no basemap."""
    value_column = "count" if measure == "conteo" else "value"
    territories = {t.code: t for t in Territory.objects.filter(municipality=municipality, level__iexact=level)}
    rates = {r["territory_code"]: r for r in table.to_dicts()}
    values = (
        table.filter(pl.col("territory_code") != NO_TERRITORY).get_column(value_column).to_numpy().astype(float)
        if value_column in table.columns
        else []
    )
    breaks = services.class_breaks(values) if len(values) else []
    groups: dict[int, dict] = {}
    hover_x, hover_y, hover_text = [], [], []
    lat0 = None
    for code, territory in territories.items():
        if not territory.geometry:
            continue
        geom = shapely.from_wkb(bytes(territory.geometry))
        lat0 = lat0 or geom.centroid.y
        row = rates.get(code, {})
        value = row.get(value_column)
        rate = row.get("value")
        if row.get("suppressed"):
            klass = WITHHELD_CLASS
        elif value is None:
            klass = -1
        else:
            klass = next((i for i, b in enumerate(breaks) if value <= b + 1e-12), len(breaks) - 1)
        group = groups.setdefault(klass, {"x": [], "y": []})
        for polygon in getattr(geom, "geoms", [geom]):
            if polygon.geom_type != "Polygon":
                continue
            xs, ys = polygon.exterior.coords.xy
            group["x"].extend([*xs, None])
            group["y"].extend([*ys, None])
        point = geom.representative_point()
        hover_x.append(point.x)
        hover_y.append(point.y)
        if row.get("suppressed"):  # nothing about it but its name (the public map)
            reserved = _("reservado")
            hover_text.append(f"{territory.name}: {reserved}")
        else:
            rate_text = "—" if rate is None else decimal(rate, 1)
            events = _("hechos")
            hover_text.append(f"{territory.name}: {rate_text} · {row.get('count', 0)} {events}")
    traces = []
    for klass in sorted(groups):
        if klass == WITHHELD_CLASS:
            name, color = _("reservado"), WITHHELD_COLOR
        elif klass < 0:
            name, color = (_("sin dato") if value_column == "count" else _("sin población")), NO_DATA_COLOR
        else:
            low = 0 if klass == 0 else breaks[klass - 1]
            name = f"{decimal(low, 1)} – {decimal(breaks[klass], 1)}"
            color = PALETTE[min(klass, len(PALETTE) - 1)]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "fill": "toself",
                "name": name,
                "x": groups[klass]["x"],
                "y": groups[klass]["y"],
                "fillcolor": color,
                "line": {"color": "#ffffff", "width": 1},
                "hoverinfo": "skip",
            }
        )
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": hover_x,
            "y": hover_y,
            "text": hover_text,
            "hoverinfo": "text",
            "marker": {"size": 6, "color": "rgba(0,0,0,0.15)"},
            "showlegend": False,
        }
    )
    ratio = 1 / math.cos(math.radians(lat0)) if lat0 is not None else 1
    return {
        "data": traces,
        "layout": {
            "margin": {"l": 0, "r": 0, "t": 30, "b": 0},
            "height": 420,
            "title": {
                "text": _("Hechos en 12 meses") if value_column == "count" else _("Tasa anual por 100.000 habitantes"),
                "font": {"size": 14},
            },
            "xaxis": {"visible": False},
            "yaxis": {"visible": False, "scaleanchor": "x", "scaleratio": ratio},
            # The title above the classes: beside them it pushed the last class's label out of the chart.
            "legend": {"title": {"text": _("clases (cuantiles)"), "side": "top"}, "orientation": "h", "y": -0.02},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
        },
    }


class RankingExportView(LoginRequiredMixin, View):
    """The ranking table as CSV or XLSX, with the same columns as on screen."""

    def get(self, request, code: str, fmt: str):
        municipality = get_object_or_404(Municipality.objects.visible_to(request.user), code=code)
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


def network_chart(rows: list[dict], indicator: Indicator | None) -> dict:
    ranked = [r for r in rows if r.get("rate") is not None][::-1]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "y": [r["name"] for r in ranked],
                "x": [r["rate"] for r in ranked],
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [r["rate_upper"] - r["rate"] for r in ranked],
                    "arrayminus": [r["rate"] - r["rate_lower"] for r in ranked],
                },
                "marker": {"color": "#0b5d7a", "size": 9},
                "hovertemplate": "%{y}: %{x:.1f}<extra></extra>",
            }
        ],
        "layout": {
            "height": max(220, 40 * len(ranked) + 80),
            "margin": {"l": 160, "r": 20, "t": 30, "b": 40},
            "title": {"text": indicator.name if indicator else "", "font": {"size": 14}},
            "xaxis": {"title": {"text": _("tasa anual por 100.000 (IC 95 %)")}, "rangemode": "tozero"},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
        },
    }


class QualityView(LoginRequiredMixin, TemplateView):
    template_name = "indicators/quality.html"

    def get_context_data(self, **kwargs):
        from atalaya.datasets.quality import quality_summary

        from .quality import outlying_months, source_quality

        context = super().get_context_data(**kwargs)
        municipality = get_object_or_404(Municipality.objects.visible_to(self.request.user), code=kwargs["code"])
        context.update(
            {
                "municipality": municipality,
                "sources": source_quality(municipality),
                "outliers": outlying_months(municipality),
                "summary": quality_summary(municipality),
            }
        )
        return context


class IndicatorListView(ImporterRequiredMixin, ListView):
    template_name = "indicators/indicator_list.html"

    def get_queryset(self):
        return Indicator.objects.visible_to(self.request.user).select_related("municipality")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["editable"] = set(Indicator.objects.editable_by(self.request.user).values_list("pk", flat=True))
        return context


class IndicatorCreateView(ImporterRequiredMixin, LoggedFormMixin, CreateView):
    """Analysts and administrators create indicators for their municipality; a superuser may share one with
    every municipality. Built-in ones only a superuser changes (see the update view)."""

    template_name = "indicators/indicator_form.html"
    form_class = IndicatorForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def log_message(self) -> str:
        return f"Indicador «{self.object.code}»: {self.object.numerator}"

    def get_success_url(self):
        return reverse("indicators:catalogue")


class IndicatorUpdateView(IndicatorCreateView, UpdateView):
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_queryset(self):
        return Indicator.objects.editable_by(self.request.user)
