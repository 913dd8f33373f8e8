"""The indicator pages' charts as plotly specs (the page draws them with plotly.js): the series against the
previous year, the seasonal index, the weekday × hour table and the choropleth without basemap."""

from __future__ import annotations

import math

import polars as pl
import shapely
from django.utils.translation import gettext as _

from atalaya.core.charts import layout
from atalaya.core.numbers import decimal
from atalaya.cube.reading import NO_TERRITORY
from atalaya.geo.models import Municipality, Territory

from . import services
from .models import Indicator

PALETTE = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
WITHHELD_CLASS = -2  # the public map: a territory whose figures are withheld
WITHHELD_COLOR = "#c9ced6"
NO_DATA_COLOR = "#d9d9d9"
MONTH_LABELS = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]


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
        "layout": layout(
            indicator.name,
            height=320,
            title_size=15,
            xaxis={"categoryorder": "array", "categoryarray": MONTH_LABELS},
            yaxis={"title": {"text": _("hechos por mes")}, "rangemode": "tozero"},
            legend={"orientation": "h", "y": -0.15},
        ),
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
        "layout": layout(
            _("Índice estacional (1 = mes promedio)"),
            height=260,
            shapes=[
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
        ),
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
        "layout": layout(
            _("Hechos por día y hora (últimos 12 meses)"),
            height=280,
            xaxis={"title": {"text": _("hora")}, "dtick": 2},
            yaxis={"autorange": "reversed"},
        ),
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
        "layout": layout(
            _("Hechos en 12 meses") if value_column == "count" else _("Tasa anual por 100.000 habitantes"),
            height=420,
            margin={"l": 0, "r": 0, "t": 30, "b": 0},
            xaxis={"visible": False},
            yaxis={"visible": False, "scaleanchor": "x", "scaleratio": ratio},
            # The title above the classes: beside them it pushed the last class's label out of the chart.
            legend={"title": {"text": _("clases (cuantiles)"), "side": "top"}, "orientation": "h", "y": -0.02},
        ),
    }


def network_chart(rows: list[dict], indicator: Indicator | None) -> dict:
    """The network page's comparison: each municipality's rate with its 95 % interval, best at the bottom."""
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
        "layout": layout(
            indicator.name if indicator else "",
            height=max(220, 40 * len(ranked) + 80),
            margin={"l": 160, "r": 20, "t": 30, "b": 40},
            xaxis={"title": {"text": _("tasa anual por 100.000 (IC 95 %)")}, "rangemode": "tozero"},
        ),
    }
