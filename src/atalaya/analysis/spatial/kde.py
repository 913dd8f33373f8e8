"""Kernel density of incidents on a grid of cells in metres: quartic or Gaussian, binned and convolved.

The density at a cell centre is Σᵢ K(‖x − xᵢ‖ / h) over incidents, with kernels that integrate to 1, so the
surface is in **incidents per km²**. Points are first distributed over a fine grid (linear binning: each point
split among the 4 nearest nodes), then convolved with the kernel by FFT: the cost grows with the number of
cells, not with points × cells, and a million points take about a second (``benchmarks/compare_spatial.py``
measures it against the exact sum). The fine grid is ``oversample`` times finer than the output cells
(chosen so that it is at most h/4), which keeps the error of binning under 1 % of the peak density.

Default bandwidth (documented in the spatial guide): the rule of ArcGIS Pro's *Kernel Density*, Silverman's
rule of thumb in two dimensions made robust to spatial outliers — the quartic radius
h_Q = 0.9 · min(SD, √(1/ln 2) · D_m) · n^(−0.2), with SD the standard distance of the points and D_m their median
distance to the mean centre. A Gaussian with the same spread has standard deviation h_G = h_Q / √8 (a quartic
kernel of radius h has a standard deviation of h/√8 per axis). Analysts may and often should override it.

References
----------
Silverman B. W. (1986). *Density estimation for statistics and data analysis*, §4.2–4.3. Chapman & Hall.
Wand M. P. (1994). Fast computation of multivariate kernel estimators. *Journal of Computational and Graphical
Statistics* 3(4), 433–445. https://doi.org/10.1080/10618600.1994.10474656
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve

KERNELS = ("quartic", "gaussian")
MAX_CELLS = 4_000_000


def kernel(u2: np.ndarray, h: float, name: str) -> np.ndarray:
    """Kernel value per m² at squared scaled distance u² = (d/h)²."""
    if name == "quartic":
        return np.where(u2 < 1, 3 / (math.pi * h * h) * (1 - u2) ** 2, 0.0)
    if name == "gaussian":
        return np.exp(-u2 / 2) / (2 * math.pi * h * h)
    raise ValueError(f"Núcleo desconocido «{name}»: use quartic o gaussian.")


def default_bandwidth(x: np.ndarray, y: np.ndarray, kernel_name: str = "quartic") -> float:
    """The documented rule (ArcGIS Pro's default search radius), in the units of x and y.

    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(0, 100, 10_000), rng.normal(0, 100, 10_000)
    >>> round(default_bandwidth(x, y, "quartic")), round(default_bandwidth(x, y, "gaussian"))  # 0.9·√2·100·n^−0.2
    (20, 7)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.size
    if n < 2:
        raise ValueError("Se necesitan al menos 2 puntos para estimar el ancho de banda.")
    dx, dy = x - x.mean(), y - y.mean()
    standard_distance = math.sqrt(float(np.sum(dx * dx + dy * dy)) / n)
    median_distance = float(np.median(np.hypot(dx, dy)))
    radius = 0.9 * min(standard_distance, math.sqrt(1 / math.log(2)) * median_distance) * n ** (-0.2)
    if radius == 0:
        raise ValueError("Todos los puntos están en el mismo lugar: indique el ancho de banda.")
    return radius if kernel_name == "quartic" else radius / math.sqrt(8)


@dataclass(frozen=True)
class Surface:
    """Density (incidents per km²) on cells of ``cell`` metres; ``density[row, col]``, row 0 at the south."""

    density: np.ndarray
    origin: tuple[float, float]  # lower-left corner of cell (0, 0), metres
    cell: float
    bandwidth: float
    kernel: str
    n_points: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.density.shape

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = self.shape
        xs = self.origin[0] + (np.arange(cols) + 0.5) * self.cell
        ys = self.origin[1] + (np.arange(rows) + 0.5) * self.cell
        return np.meshgrid(xs, ys)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        rows, cols = self.shape
        return (self.origin[0], self.origin[1], self.origin[0] + cols * self.cell, self.origin[1] + rows * self.cell)


def kde(
    x,
    y,
    *,
    cell: float,
    bandwidth: float | None = None,
    kernel_name: str = "quartic",
    bounds: tuple[float, float, float, float] | None = None,
    weights=None,
) -> Surface:
    """Kernel density surface of points (metres) over ``bounds`` (default: the points plus one bandwidth).

    ``weights`` (e.g. harm weights) multiply each point's contribution.
    """
    if kernel_name not in KERNELS:
        raise ValueError(f"Núcleo desconocido «{kernel_name}»: use quartic o gaussian.")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size == 0:
        raise ValueError("No hay puntos para la densidad.")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("Hay coordenadas vacías o no numéricas.")
    if cell <= 0:
        raise ValueError("El tamaño de celda debe ser positivo.")
    h = default_bandwidth(x, y, kernel_name) if bandwidth is None else float(bandwidth)
    if h <= 0:
        raise ValueError("El ancho de banda debe ser positivo.")
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    reach = h if kernel_name == "quartic" else 4 * h
    if bounds is None:
        bounds = (x.min() - reach, y.min() - reach, x.max() + reach, y.max() + reach)
    minx, miny, maxx, maxy = bounds
    cols = max(1, math.ceil((maxx - minx) / cell))
    rows = max(1, math.ceil((maxy - miny) / cell))
    if rows * cols > MAX_CELLS:
        raise ValueError(f"La superficie tendría {rows * cols:,} celdas: use celdas más grandes.".replace(",", "."))
    # fine grid: nodes every cell/m, m odd so that every output centre is a node
    m = max(1, math.ceil(4 * cell / h))
    m += 1 - m % 2
    step = cell / m
    reach_nodes = math.ceil(reach / step)
    fine_cols, fine_rows = cols * m + 2 * reach_nodes, rows * m + 2 * reach_nodes
    if fine_rows * fine_cols > 16 * MAX_CELLS:
        raise ValueError("El ancho de banda es muy pequeño para este tamaño de celda: reduzca la celda.")
    # node (0, 0) sits half a fine step inside the lower-left corner, minus the margin
    fx = (x - minx) / step - 0.5 + reach_nodes
    fy = (y - miny) / step - 0.5 + reach_nodes
    counts = _linear_binning(fx, fy, w, fine_rows, fine_cols)
    offsets = np.arange(-reach_nodes, reach_nodes + 1) * step
    dx, dy = np.meshgrid(offsets, offsets)
    stencil = kernel((dx * dx + dy * dy) / (h * h), h, kernel_name)
    smooth = fftconvolve(counts, stencil, mode="same")
    centre = (m - 1) // 2
    density = smooth[
        reach_nodes + centre : reach_nodes + rows * m : m, reach_nodes + centre : reach_nodes + cols * m : m
    ]
    density = np.maximum(density, 0.0) * 1e6  # per m² → per km²; FFT round-off can leave tiny negatives
    return Surface(density[:rows, :cols], (minx, miny), cell, h, kernel_name, int(x.size))


def _linear_binning(fx, fy, w, rows: int, cols: int) -> np.ndarray:
    x0 = np.floor(fx).astype(np.int64)
    y0 = np.floor(fy).astype(np.int64)
    ax = fx - x0
    ay = fy - y0
    grid = np.zeros(rows * cols)
    for dx, dy, share in ((0, 0, (1 - ax) * (1 - ay)), (1, 0, ax * (1 - ay)), (0, 1, (1 - ax) * ay), (1, 1, ax * ay)):
        cx, cy = x0 + dx, y0 + dy
        inside = (cx >= 0) & (cx < cols) & (cy >= 0) & (cy < rows)
        grid += np.bincount(cy[inside] * cols + cx[inside], weights=(w * share)[inside], minlength=rows * cols)
    return grid.reshape(rows, cols)


def exact_density(x, y, centres_x, centres_y, bandwidth: float, kernel_name: str = "quartic"):
    """The direct sum over points for every centre (per km²): the reference the binned surface is checked with."""
    chunk = max(1, 20_000_000 // max(1, np.size(x)))  # ~160 MB of distances at a time
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    cx = np.asarray(centres_x, dtype=float).ravel()
    cy = np.asarray(centres_y, dtype=float).ravel()
    out = np.zeros(cx.size)
    for start in range(0, cx.size, chunk):
        sx, sy = cx[start : start + chunk, None], cy[start : start + chunk, None]
        u2 = ((sx - x[None, :]) ** 2 + (sy - y[None, :]) ** 2) / bandwidth**2
        out[start : start + chunk] = kernel(u2, bandwidth, kernel_name).sum(axis=1)
    return out.reshape(np.shape(centres_x)) * 1e6


# -- output ----------------------------------------------------------------------------------------------------

#: light yellow → dark red, as the dashboard's choropleth
RAMP = np.array([[255, 255, 178], [254, 204, 92], [253, 141, 60], [240, 59, 32], [189, 0, 38]], dtype=float)


def inside_mask(surface: Surface, clip) -> np.ndarray:
    """Cells whose centre lies in ``clip`` (a shapely geometry in the same metres), or all of them."""
    cx, cy = surface.centres()
    if clip is None:
        return np.ones(surface.shape, dtype=bool)
    import shapely

    return shapely.contains_xy(clip, cx, cy)


def surface_png(surface: Surface, clip=None, floor: float = 0.02) -> bytes:
    """The surface as a PNG (north up), transparent outside ``clip`` and below ``floor`` × the maximum."""
    import io

    from PIL import Image

    density = np.where(inside_mask(surface, clip), surface.density, 0.0)
    peak = density.max()
    level = density / peak if peak > 0 else density
    position = np.clip(level, 0, 1) * (len(RAMP) - 1)
    low = np.floor(position).astype(int).clip(0, len(RAMP) - 2)
    frac = (position - low)[..., None]
    rgb = RAMP[low] * (1 - frac) + RAMP[low + 1] * frac
    alpha = np.where(level > floor, 200, 0)
    image = np.dstack([rgb, alpha]).astype(np.uint8)[::-1]  # row 0 of the array is the south
    buffer = io.BytesIO()
    Image.fromarray(image, "RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def surface_cells(surface: Surface, clip=None) -> tuple[np.ndarray, np.ndarray]:
    """Square cell polygons (metres) with density > 0 inside ``clip``, and their densities."""
    import shapely

    keep = inside_mask(surface, clip) & (surface.density > 0)
    cx, cy = surface.centres()
    half = surface.cell / 2
    boxes = shapely.box(cx[keep] - half, cy[keep] - half, cx[keep] + half, cy[keep] + half)
    return boxes, surface.density[keep]
