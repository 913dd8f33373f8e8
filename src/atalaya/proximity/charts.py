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


#: Most points a public map draws (the most recent first); the page says when there are more.
MAP_POINTS = 2000
STATUS_COLOURS = {"abiertos": "#d95f02", "cerrados": "#1b9e77"}


def problems_map_spec(municipality, rows: list[tuple]) -> dict:
    """Territory outlines and the public problems as points, open and closed apart. ``rows``:
    ``(lat, lon, reference, title, status label, is_open)`` from the public table."""
    import shapely

    from atalaya.spatial.charts import map_layout, outline_traces
    from atalaya.spatial.services import territory_features

    features = territory_features(municipality)
    bounds = None
    if municipality.boundary:
        bounds = shapely.from_wkb(bytes(municipality.boundary)).bounds
    traces = outline_traces(features) if features else []
    for key, label, is_open in (("abiertos", _("abiertos"), True), ("cerrados", _("cerrados"), False)):
        chosen = [r for r in rows if r[5] == is_open and r[0] is not None]
        traces.append(
            {
                "type": "scattermap",
                "mode": "markers",
                "name": label,
                "lat": [r[0] for r in chosen],
                "lon": [r[1] for r in chosen],
                "text": [f"{r[2]} · {r[3]} · {r[4]}" for r in chosen],
                "customdata": [r[2] for r in chosen],
                "hoverinfo": "text",
                "marker": {"size": 9, "color": STATUS_COLOURS[key], "opacity": 0.85},
            }
        )
    return {"data": traces, "layout": map_layout(bounds)}


def pick_map_spec(municipality) -> dict:
    """The report form's map: territory outlines and one marker that a click moves (``atalaya/pick.js``)."""
    spec = problems_map_spec(municipality, [])
    spec["data"] = [t for t in spec["data"] if t["type"] != "scattermap"]
    spec["data"].append(
        {
            "type": "scattermap",
            "mode": "markers",
            "name": _("lugar del problema"),
            "lat": [],
            "lon": [],
            "marker": {"size": 14, "color": "#c51b7d"},
            "hoverinfo": "skip",
        }
    )
    return spec


def place_map_spec(scanning: dict) -> dict:
    """The SARA file's place: its outline and the last 12 months' incidents inside it."""
    import json

    import shapely

    from atalaya.spatial.charts import map_layout

    place = scanning["place"]
    points = scanning["points"]
    feature = {
        "type": "Feature",
        "id": "lugar",
        "properties": {"code": "lugar"},
        "geometry": json.loads(shapely.to_geojson(place)),
    }
    return {
        "data": [
            {
                "type": "choroplethmap",
                "name": _("lugar del problema"),
                "geojson": {"type": "FeatureCollection", "features": [feature]},
                "featureidkey": "properties.code",
                "locations": ["lugar"],
                "z": [1],
                "showscale": False,
                "colorscale": [[0, "rgba(197,27,125,0.08)"], [1, "rgba(197,27,125,0.08)"]],
                "marker": {"line": {"color": "#c51b7d", "width": 2}},
                "hoverinfo": "skip",
            },
            {
                "type": "scattermap",
                "mode": "markers",
                "name": _("hechos de los últimos 12 meses"),
                "lat": points.get_column("lat").to_list(),
                "lon": points.get_column("lon").to_list(),
                "text": [
                    f"{d:%Y-%m-%d} · {c or ''}"
                    for d, c in zip(points.get_column("date"), points.get_column("category_label"), strict=True)
                ],
                "hoverinfo": "text",
                "marker": {"size": 8, "color": "#7b3294", "opacity": 0.8},
            },
        ],
        "layout": map_layout(place.buffer(0.002).bounds),
    }
