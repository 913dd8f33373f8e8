"""The programme pages' charts: budget against execution by year, the synthetic control's path, and a
benefit-cost sheet's benefits by who gains."""

from __future__ import annotations

from django.utils.translation import gettext as _

from atalaya.core.charts import layout


def budget_spec(budget: dict, currency: str) -> dict:
    years = budget["years"]
    if not years:
        return {}
    return {
        "data": [
            {
                "type": "bar",
                "name": _("Presupuestado"),
                "x": [y["year"] for y in years],
                "y": [y["planned"] for y in years],
                "marker": {"color": "#9aa9b8"},
            },
            {
                "type": "bar",
                "name": _("Ejecutado"),
                "x": [y["year"] for y in years],
                "y": [y["actual"] for y in years],
                "marker": {"color": "#0b5d7a"},
            },
        ],
        "layout": layout(_("Presupuesto y ejecución (%(c)s)") % {"c": currency}, height=260, barmode="group"),
    }


def synth_spec(result: dict) -> dict:
    """The treated unit against its synthetic control (synthetic control evaluations only)."""
    path = (result.get("details") or {}).get("path")
    if not path:
        return {}
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Municipio"),
                "x": path["periods"],
                "y": path["actual"],
                "line": {"color": "#0b5d7a", "width": 3},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Control sintético"),
                "x": path["periods"],
                "y": path["synthetic"],
                "line": {"color": "#bd0026", "dash": "dot"},
            },
        ],
        "layout": layout(_("Trayectoria observada y sintética (índice: promedio previo = 100)"), height=300),
    }


def perspectives_spec(result: dict, currency: str) -> dict:
    from atalaya.analysis.costbenefit import by_perspective_labels

    items = by_perspective_labels(result.get("benefits_pv", {}))
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [label for label, _value in items] + [_("Costo del programa")],
                "x": [round(value) for _label, value in items] + [-round(result.get("costs_pv", 0))],
                "marker": {"color": ["#0b5d7a"] * len(items) + ["#bd0026"]},
            }
        ],
        "layout": layout(
            _("Beneficios por quién los recibe y costo, valor presente (%(c)s)") % {"c": currency},
            height=260,
            margin={"l": 240, "r": 20, "t": 40, "b": 40},
        ),
    }
