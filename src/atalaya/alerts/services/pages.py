"""What the pages show: the map link and the chart of an alert."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from atalaya.analysis.parsing import month_end
from atalaya.core.charts import layout

from ..models import Alert


def period_end(day: dt.date, freq: str) -> dt.date:
    """The last day of the week (Sunday) or month that starts on ``day``."""
    return day + dt.timedelta(days=6) if freq == "week" else month_end(day)


def map_url(alert: Alert) -> str:
    """The incidents map of the municipality, filtered to the alert's family, place and episode."""
    from urllib.parse import urlencode

    from django.urls import reverse

    params = {
        "familia": alert.family.code,
        "desde": alert.first_period.isoformat(),
        "hasta": period_end(alert.last_period, alert.freq).isoformat(),
    }
    if alert.territory_id:
        params["territorio"] = alert.territory.code
    return reverse("spatial:map", kwargs={"code": alert.municipality.code}) + "?" + urlencode(params)


def chart_spec(alert: Alert) -> dict:
    """Plotly spec of the stored series: counts, the expected line, the band up to the threshold, alarms."""
    points = alert.points
    x = [p["period"] for p in points]
    expected = [p["expected"] for p in points]
    upper = [p["upperbound"] for p in points]
    alarms = [p for p in points if p["alarm"]]
    weekly = alert.freq == "week"
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": expected,
                "name": _("esperado"),
                "line": {"color": "#6b7b8c", "dash": "dot"},
                "connectgaps": False,
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": upper,
                "name": _("umbral"),
                "fill": "tonexty",
                "fillcolor": "rgba(11,93,122,0.12)",
                "line": {"color": "#0b5d7a", "width": 1},
                "connectgaps": False,
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": x,
                "y": [p["count"] for p in points],
                "name": _("casos"),
                "line": {"color": "#1f2933", "width": 2},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": [p["period"] for p in alarms],
                "y": [p["count"] for p in alarms],
                "name": _("alarma"),
                "marker": {"color": "#c0392b", "size": 11, "symbol": "diamond"},
            },
        ],
        "layout": layout(
            height=300,
            margin={"l": 40, "r": 10, "t": 10, "b": 40},
            legend={"orientation": "h", "y": -0.2},
            yaxis={"rangemode": "tozero", "title": {"text": _("casos por semana") if weekly else _("casos por mes")}},
            xaxis={"type": "date"},
        ),
    }
