"""The survey pages' chart: every city's estimate with its 95 % interval, the municipality's city highlighted."""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext as _

from atalaya.core.charts import layout


def cities_spec(table: pl.DataFrame, own_city: str, title: str) -> dict:
    """Horizontal bars (percent) with interval whiskers, best first; low-precision cells drawn pale."""
    if table.is_empty():
        return {}
    rows = table.sort("rank", descending=True).to_dicts()
    colours = [
        "#0b5d7a" if r["CD"] == own_city else ("#c9ced6" if r["precision"] == "baja" else "#7fa7bd") for r in rows
    ]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [r["city_name"] or r["CD"] for r in rows],
                "x": [round(100 * r["estimate"], 1) for r in rows],
                "marker": {"color": colours},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [round(100 * (r["ci_high"] - r["estimate"]), 1) for r in rows],
                    "arrayminus": [round(100 * (r["estimate"] - r["ci_low"]), 1) for r in rows],
                    "color": "#333",
                },
                "hovertemplate": "%{y}: %{x} %<extra></extra>",
            }
        ],
        "layout": layout(
            title,
            height=max(260, 22 * len(rows) + 80),
            margin={"l": 190, "r": 20, "t": 40, "b": 40},
            xaxis={"title": _("% (intervalo del 95 %)"), "range": [0, 100]},
        ),
    }
