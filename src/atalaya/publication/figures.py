"""Static charts and maps for documents: drawn with matplotlib on this machine, no tiles and no internet.

Each figure is rendered once, as a PNG at 200 dpi (sharp in print at the document's width), used by the HTML page,
WeasyPrint's PDF and the Word document alike. SVG was tried first: a map of 300 territories as vector paths made a
20-page bulletin take 19 s to draw and print (``atalaya bench --suite publication``); as PNG it takes a fraction.
Text uses matplotlib's own DejaVu Sans, so a document looks the same on every machine.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
}
INK, ACCENT, MUTED, WITHHELD = "#1f2d3d", "#1b6ca8", "#9aa5b1", "#d9dde2"
#: Maps with more territories than this carry no names on the polygons.
LABELLED = 40
#: Sequential blues for choropleths (light = low), colour-blind safe and legible in grey print.
BLUES = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]


@dataclass(frozen=True)
class Figure:
    """A drawn figure: ``png`` bytes, a title and a caption saying what it shows and its source."""

    title: str
    caption: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _finish(fig, title: str, caption: str) -> Figure:
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=200, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return Figure(title, caption, png.getvalue())


def monthly_series(
    months: list[dt.date], counts: list[float | None], *, title: str, caption: str, ylabel: str, withheld_label: str
) -> Figure:
    """Counts per month as a line with its 12-month moving average; withheld months are gaps marked on the axis."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.2, 2.6))
        x = np.array(months, dtype="datetime64[D]")
        y = np.array([np.nan if c is None else float(c) for c in counts])
        ax.plot(x, y, color=ACCENT, linewidth=1.4, marker="o", markersize=2.5)
        if len(y) >= 12:
            kernel = np.ones(12) / 12
            mean = np.convolve(np.nan_to_num(y), kernel, mode="valid")
            complete = np.convolve(~np.isnan(y), np.ones(12), mode="valid") == 12
            mean[~complete] = np.nan
            ax.plot(x[11:], mean, color=INK, linewidth=1.0, linestyle="--")
        gaps = np.isnan(y)
        if gaps.any():
            ax.plot(x[gaps], np.zeros(gaps.sum()), linestyle="none", marker="x", color=MUTED, label=withheld_label)
            ax.legend(loc="upper left", frameon=False, fontsize=8)
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", color="#e5e8eb", linewidth=0.6)
        fig.autofmt_xdate()
        return _finish(fig, title, caption)


def _patches(geometry) -> list[PathPatch]:
    """Shapely polygons as matplotlib patches (holes included)."""
    polygons = getattr(geometry, "geoms", [geometry])
    patches = []
    for polygon in polygons:
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        rings = [polygon.exterior, *polygon.interiors]
        vertices = np.concatenate([np.asarray(r.coords) for r in rings])
        codes = np.concatenate(
            [[MplPath.MOVETO] + [MplPath.LINETO] * (len(r.coords) - 2) + [MplPath.CLOSEPOLY] for r in rings]
        )
        patches.append(PathPatch(MplPath(vertices, codes)))
    return patches


def choropleth(
    areas: list[tuple[object, str, float | None]],
    *,
    title: str,
    caption: str,
    legend_title: str,
    withheld_label: str,
    breaks: list[float] | None = None,
) -> Figure:
    """Territories (shapely geometry, name, value) in five classes of blue; a territory without a value (withheld or
    without data) is grey and hatched. Class breaks default to quantiles of the values shown."""
    values = np.array([v for _g, _n, v in areas if v is not None], dtype=float)
    if breaks is None and values.size:
        breaks = sorted(set(np.quantile(values, [0.2, 0.4, 0.6, 0.8]).round(1).tolist()))
    breaks = breaks or []
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 4.6))
        classes: dict[int, list] = {}
        for geometry, _name, value in areas:
            if geometry is not None:
                step = -1 if value is None else min(int(np.searchsorted(breaks, value, side="right")), 4)
                classes.setdefault(step, []).extend(_patches(geometry))
        for step, patches in classes.items():
            ax.add_collection(
                PatchCollection(
                    patches,
                    facecolor=WITHHELD if step < 0 else BLUES[step],
                    edgecolor="white",
                    linewidth=0.8 if len(areas) <= LABELLED else 0.3,
                    hatch="///" if step < 0 else None,
                )
            )
        if len(areas) <= LABELLED:  # beyond that the names would cover the map; the table names them
            for geometry, name, value in areas:
                if geometry is None:
                    continue
                step = -1 if value is None else min(int(np.searchsorted(breaks, value, side="right")), 4)
                point = geometry.representative_point()
                ink = "white" if step >= 3 else INK
                ax.annotate(name, (point.x, point.y), ha="center", va="center", fontsize=6, color=ink)
        ax.autoscale_view()
        ax.set_aspect("equal")
        ax.axis("off")
        edges = [values.min() if values.size else 0.0, *breaks, values.max() if values.size else 0.0]
        handles = [
            Patch(facecolor=BLUES[i], edgecolor="#cccccc", label=f"{edges[i]:,.1f} – {edges[i + 1]:,.1f}")
            for i in range(len(edges) - 1)
        ]
        handles.append(Patch(facecolor=WITHHELD, hatch="///", edgecolor="#cccccc", label=withheld_label))
        ax.legend(
            handles=handles,
            title=legend_title,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=7,
            title_fontsize=7,
            frameon=False,
        )
        return _finish(fig, title, caption)


def estimates_with_intervals(
    labels: list[str],
    estimates: list[float],
    lows: list[float],
    highs: list[float],
    *,
    highlight: str,
    title: str,
    caption: str,
    xlabel: str,
) -> Figure:
    """Horizontal points with 95 % intervals (survey estimates by city), the municipality's own in the accent."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(labels) + 0.9))
        order = np.argsort(estimates)
        for row, i in enumerate(order):
            colour = ACCENT if labels[i] == highlight else MUTED
            ax.plot([lows[i], highs[i]], [row, row], color=colour, linewidth=1.6)
            ax.plot(estimates[i], row, "o", color=colour, markersize=4)
        ax.set_yticks(range(len(labels)), [labels[i] for i in order])
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color="#e5e8eb", linewidth=0.6)
        return _finish(fig, title, caption)
