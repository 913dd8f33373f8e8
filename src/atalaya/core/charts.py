"""Charts: the house layout of every plotly spec, and what pages that draw plotly.js need.

Each app builds its own specs in its ``charts`` module (``indicators/charts.py``, ``spatial/charts.py``,
``alerts/services/pages.py``) on :func:`layout`, so that margins, backgrounds and titles look the same everywhere;
Spanish dates, separators and the mode bar come from the project's plotly locale on the page.
"""

from __future__ import annotations

#: Room for the y-axis labels on the left and the x-axis below; a title on top.
MARGIN = {"l": 50, "r": 10, "t": 30, "b": 40}


def layout(title: str | None = None, *, height: int, title_size: int = 14, margin: dict | None = None, **extra) -> dict:
    """A plotly layout in the house style: white background, the standard margins, the title's size."""
    out = {
        "height": height,
        "margin": margin or MARGIN,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        **extra,
    }
    if title is not None:
        out["title"] = {"text": title, "font": {"size": title_size}}
    return out


class PlotlyPageMixin:
    """Pages that draw plotly.js charts: plotly injects its own <style> rules, so these pages (and only these)
    may apply inline styles; scripts stay 'self' (see ``web.middleware``)."""

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response.allow_inline_styles = True
        return response
