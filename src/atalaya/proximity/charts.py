"""Plotly specs of the proximity pages, on the site's common layout."""

from __future__ import annotations

from django.utils.translation import gettext as _

from atalaya.core.charts import layout


def monthly_spec(scanning: dict) -> dict:
    """The problem's crime in its place, month by month, with the baseline (mean of the last 12 months)."""
    months = [row["month"].isoformat() for row in scanning["monthly"]]
    counts = [row["count"] for row in scanning["monthly"]]
    return {
        "data": [
            {"type": "bar", "x": months, "y": counts, "name": _("hechos en el lugar"), "marker": {"color": "#2f6690"}},
            {
                "type": "scatter",
                "mode": "lines",
                "x": months,
                "y": [scanning["baseline"]] * len(months),
                "name": _("línea base (promedio 12 meses)"),
                "line": {"color": "#b23a48", "dash": "dot"},
            },
        ],
        "layout": layout(_("Hechos del problema en su lugar, por mes"), height=300),
    }
