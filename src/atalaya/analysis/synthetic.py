"""Synthetic but realistic crime data for the demo observatory and the benchmark.

Everything here is **synthetic**: territories are approximate shapes at the real location of each municipality,
and incidents are drawn from a model with seasonality, weekday and hour profiles, a slow trend, strong spatial
concentration (a few places hold much of the crime, as Weisburd's law describes) and a few injected spikes.
Nothing here is an official figure. Random draws use an explicit ``numpy.random.Generator``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import shapely
from shapely.geometry import Polygon, box

# Monthly seasonal multipliers (January..December) and weekday multipliers (Monday..Sunday).
SEASONAL = np.array([0.93, 0.90, 0.99, 0.98, 1.03, 1.00, 1.02, 1.01, 0.99, 1.03, 1.02, 1.10])
WEEKDAY = {
    "default": np.array([1.00, 0.98, 0.98, 1.00, 1.08, 1.02, 0.94]),
    "violencia": np.array([0.90, 0.88, 0.88, 0.92, 1.05, 1.25, 1.32]),
}
# Hour-of-day profiles (24 weights), by kind of crime.
HOURS = {
    "calle": np.array([3, 2, 1.5, 1, 1, 1.5, 3, 5, 5, 4, 4, 4, 4, 4, 4, 4.5, 5, 6, 7, 8, 8, 7, 5.5, 4.5]),
    "vivienda": np.array(
        [2, 1.5, 1.5, 1.5, 1.5, 2, 2.5, 3.5, 5, 6, 6.5, 6.5, 6, 6, 6, 6, 5.5, 5, 4, 3.5, 3, 3, 2.5, 2]
    ),
    "violencia": np.array([6, 5, 4, 3, 2, 1.5, 1.5, 2, 2.5, 3, 3, 3.5, 3.5, 3.5, 4, 4, 4.5, 5, 6, 7, 8, 8.5, 8, 7]),
    "uniforme": np.ones(24),
}


@dataclass(frozen=True)
class CategoryProfile:
    label: str  # the label path as the source writes it
    share: float  # share of the municipality's annual volume
    hours: str = "calle"
    weekday: str = "default"
    family: str = ""


NEZA_CATEGORIES = [
    CategoryProfile("Robo / Robo a transeúnte en vía pública / Con violencia", 12, "calle"),
    CategoryProfile("Robo / Robo a transeúnte en vía pública / Sin violencia", 4, "calle"),
    CategoryProfile("Robo / Robo de vehículo automotor / Robo de coche de 4 ruedas Con violencia", 5, "calle"),
    CategoryProfile("Robo / Robo de vehículo automotor / Robo de coche de 4 ruedas Sin violencia", 8, "vivienda"),
    CategoryProfile("Robo / Robo de vehículo automotor / Robo de motocicleta Sin violencia", 2, "vivienda"),
    CategoryProfile("Robo / Robo a negocio / Con violencia", 5, "calle"),
    CategoryProfile("Robo / Robo a negocio / Sin violencia", 4, "vivienda"),
    CategoryProfile("Robo / Robo a casa habitación / Sin violencia", 4, "vivienda"),
    CategoryProfile("Robo / Robo a casa habitación / Con violencia", 1, "vivienda"),
    CategoryProfile("Robo / Robo de autopartes / Sin violencia", 5, "vivienda"),
    CategoryProfile("Robo / Robo en transporte público colectivo / Con violencia", 4, "calle"),
    CategoryProfile("Violencia familiar / Violencia familiar / Violencia familiar", 14, "violencia", "violencia"),
    CategoryProfile("Lesiones / Lesiones dolosas / Con otro elemento", 6, "violencia", "violencia"),
    CategoryProfile("Lesiones / Lesiones dolosas / Con arma blanca", 1, "violencia", "violencia"),
    CategoryProfile("Amenazas / Amenazas / Amenazas", 5, "uniforme"),
    CategoryProfile("Fraude / Fraude / Fraude", 4, "uniforme"),
    CategoryProfile("Daño a la propiedad / Daño a la propiedad / Daño a la propiedad", 4, "calle"),
    CategoryProfile("Narcomenudeo / Narcomenudeo / Narcomenudeo", 3, "calle"),
    CategoryProfile("Homicidio / Homicidio doloso / Con arma de fuego", 0.6, "violencia", "violencia"),
    CategoryProfile("Homicidio / Homicidio doloso / Con arma blanca", 0.2, "violencia", "violencia"),
    CategoryProfile("Homicidio / Homicidio culposo / En accidente de tránsito", 0.8, "calle"),
    CategoryProfile("Feminicidio / Feminicidio / Con arma blanca", 0.05, "violencia", "violencia"),
    CategoryProfile("Abuso sexual / Abuso sexual / Abuso sexual", 1.5, "vivienda"),
    CategoryProfile("Violación simple / Violación simple / Violación simple", 0.6, "violencia", "violencia"),
    CategoryProfile("Extorsión / Extorsión / Extorsión", 1, "uniforme"),
    CategoryProfile(
        "Otros delitos del Fuero Común / Otros delitos del Fuero Común / Otros delitos del Fuero Común",
        3,
        "uniforme",
    ),
    # A local label that is not in the SESNSP catalogue: the demo shows how unmapped categories are reported.
    CategoryProfile("Robo / Robo de celular / Con violencia", 0.4, "calle"),
]

PENALOLEN_CATEGORIES = [
    CategoryProfile("Hurtos", 18, "calle"),
    CategoryProfile("Robo en lugar habitado", 7, "vivienda"),
    CategoryProfile("Robos en lugar no habitado", 3, "vivienda"),
    CategoryProfile("Robo de vehículo motorizado", 4, "vivienda"),
    CategoryProfile("Robo de objetos de o desde vehículo", 7, "vivienda"),
    CategoryProfile("Robos con violencia o intimidación", 6, "calle"),
    CategoryProfile("Robo por sorpresa", 3, "calle"),
    CategoryProfile("Robo violento de vehículo motorizado", 1.5, "calle"),
    CategoryProfile("Lesiones leves", 6, "violencia", "violencia"),
    CategoryProfile("Lesiones menos graves", 1.5, "violencia", "violencia"),
    CategoryProfile("Lesiones graves o gravísimas", 0.8, "violencia", "violencia"),
    CategoryProfile("Amenazas", 7, "uniforme"),
    CategoryProfile("VIF con lesiones físicas", 5, "violencia", "violencia"),
    CategoryProfile("VIF con lesiones psicológicas", 4, "violencia", "violencia"),
    CategoryProfile("Homicidios", 0.15, "violencia", "violencia"),
    CategoryProfile("Femicidios", 0.02, "violencia", "violencia"),
    CategoryProfile("Violaciones", 0.4, "violencia", "violencia"),
    CategoryProfile("Abusos sexuales", 0.8, "vivienda"),
    CategoryProfile("Microtráfico de sustancias", 2, "calle"),
    CategoryProfile("Consumo de alcohol en la vía pública", 6, "calle", "violencia"),
    CategoryProfile("Daños", 6, "calle"),
    CategoryProfile("Desórdenes públicos", 1.5, "calle", "violencia"),
    CategoryProfile("Porte de arma cortante o punzante", 0.8, "calle"),
    CategoryProfile("Riña Pública", 1, "calle", "violencia"),
    CategoryProfile("Receptación", 0.7, "uniforme"),
    CategoryProfile("Otras incivilidades", 2, "calle"),
]


@dataclass
class Spike:
    """An injected outbreak: extra incidents of one category around one place for a few weeks."""

    category: str
    start: dt.date
    weeks: int
    extra_per_week: int
    lon: float
    lat: float
    territory_code: str = ""


@dataclass
class SyntheticMunicipality:
    code: str
    name: str
    country: str
    region: str
    populations: dict[int, int]
    outline: Polygon
    territories: pl.DataFrame  # level, code, name, parent_code, population, geometry (shapely)
    incidents: pl.DataFrame = field(default_factory=pl.DataFrame)
    spikes: list[Spike] = field(default_factory=list)


def _grid(outline: Polygon, nx: int, ny: int) -> list[tuple[int, int, Polygon]]:
    minx, miny, maxx, maxy = outline.bounds
    dx, dy = (maxx - minx) / nx, (maxy - miny) / ny
    cells = []
    for j in range(ny):  # north to south
        for i in range(nx):  # west to east
            cell = box(minx + i * dx, maxy - (j + 1) * dy, minx + (i + 1) * dx, maxy - j * dy)
            clipped = cell.intersection(outline)
            if clipped.area > 0.15 * cell.area:
                cells.append((i, j, shapely.normalize(clipped)))
    return cells


def nezahualcoyotl(rng: np.random.Generator) -> SyntheticMunicipality:
    """Nezahualcóyotl (CVEGEO 15058): 4 zonas, 15 sectores, 100 cuadrantes on its (very regular) street grid.

    The outline is a 9 × 7 km rectangle around the real city centre (about 64 km²; the real area is 63.74 km²).
    """
    outline = box(-99.058, 19.368, -98.972, 19.432)
    cells = _grid(outline, 10, 10)
    rows = []
    weights = rng.gamma(4.0, 1.0, size=len(cells))
    weights /= weights.sum()
    total = 1_077_208
    cell_pop = np.floor(weights * total).astype(int)
    cell_pop[0] += total - cell_pop.sum()
    for n, ((i, j, geom), pop) in enumerate(zip(cells, cell_pop, strict=True), start=1):
        row_band = 0 if j < 4 else 1 if j < 7 else 2
        sector = row_band * 5 + i // 2 + 1
        rows.append(("cuadrante", f"C{n:03d}", f"Cuadrante {n}", f"S{sector:02d}", int(pop), geom))
    sectors = {}
    for _, _, _, parent, pop, geom in rows:
        s = sectors.setdefault(parent, [0, []])
        s[0] += pop
        s[1].append(geom)
    zona_of = {}
    for code in sectors:
        number = int(code[1:])
        row_band, col_band = (number - 1) // 5, (number - 1) % 5
        zona = (1 if col_band < 3 else 2) + (0 if row_band == 0 else 2)
        zona_of[code] = f"Z{zona}"
    zone_rows = {}
    sector_rows = []
    for code, (pop, geoms) in sorted(sectors.items()):
        geom = shapely.normalize(shapely.union_all(geoms))
        sector_rows.append(("sector", code, f"Sector {int(code[1:])}", zona_of[code], pop, geom))
        z = zone_rows.setdefault(zona_of[code], [0, []])
        z[0] += pop
        z[1].append(geom)
    zone_names = {
        "Z1": "Zona Norponiente",
        "Z2": "Zona Nororiente",
        "Z3": "Zona Surponiente",
        "Z4": "Zona Suroriente",
    }
    zones = [
        ("zona", code, zone_names[code], None, pop, shapely.normalize(shapely.union_all(g)))
        for code, (pop, g) in sorted(zone_rows.items())
    ]
    territories = _territory_frame(zones + sector_rows + rows)
    return SyntheticMunicipality(
        "15058", "Nezahualcóyotl", "MX", "Estado de México", {2020: 1_077_208}, outline, territories
    )


def penalolen(rng: np.random.Generator) -> SyntheticMunicipality:
    """Peñalolén (CUT 13122): sectores and unidades vecinales in an approximate outline of the comuna.

    The outline follows the comuna's position between Avenida Américo Vespucio and the Andes foothills; the
    eastern strip is sparsely populated. Sector names are illustrative.
    """
    outline = Polygon(
        [
            (-70.585, -33.455),
            (-70.520, -33.452),
            (-70.500, -33.470),
            (-70.505, -33.500),
            (-70.530, -33.516),
            (-70.575, -33.514),
            (-70.588, -33.490),
        ]
    )
    cells = _grid(outline, 6, 6)
    minx, _, maxx, _ = outline.bounds
    populations = {2017: 253_606, 2018: 257_714, 2019: 262_268, 2020: 266_798, 2021: 269_296}
    total = populations[2020]
    centroids_x = np.array([geom.centroid.x for _, _, geom in cells])
    urban = 1.0 - 0.8 * (centroids_x - minx) / (maxx - minx)  # fewer people towards the foothills
    weights = rng.gamma(4.0, 1.0, size=len(cells)) * urban
    weights /= weights.sum()
    cell_pop = np.floor(weights * total).astype(int)
    cell_pop[0] += total - cell_pop.sum()
    sector_names = {
        1: "Lo Hermida",
        2: "La Faena",
        3: "Peñalolén Alto",
        4: "San Luis",
        5: "Peñalolén Nuevo",
        6: "Cordillera",
    }
    rows, sectors = [], {}
    for n, ((i, j, geom), pop) in enumerate(zip(cells, cell_pop, strict=True), start=1):
        sector = (j // 3) * 3 + i // 2 + 1
        code = f"S{sector}"
        rows.append(("unidad vecinal", f"UV{n:02d}", f"Unidad vecinal {n}", code, int(pop), geom))
        s = sectors.setdefault(code, [0, []])
        s[0] += pop
        s[1].append(geom)
    sector_rows = [
        ("sector", code, sector_names[int(code[1:])], None, pop, shapely.normalize(shapely.union_all(g)))
        for code, (pop, g) in sorted(sectors.items())
    ]
    territories = _territory_frame(sector_rows + rows)
    return SyntheticMunicipality(
        "13122", "Peñalolén", "CL", "Región Metropolitana de Santiago", populations, outline, territories
    )


def _territory_frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "level": [r[0] for r in rows],
            "code": [r[1] for r in rows],
            "name": [r[2] for r in rows],
            "parent_code": [r[3] for r in rows],
            "population": [r[4] for r in rows],
            "geometry": pl.Series([r[5] for r in rows], dtype=pl.Object),
        }
    )


def random_points_in(polygon: Polygon, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points inside a polygon (rejection sampling, vectorised)."""
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    xs, ys = [], []
    remaining = n
    while remaining > 0:
        batch = max(remaining * 2, 64)
        x = rng.uniform(minx, maxx, batch)
        y = rng.uniform(miny, maxy, batch)
        inside = shapely.contains_xy(polygon, x, y)
        xs.append(x[inside][:remaining])
        ys.append(y[inside][:remaining])
        remaining -= int(min(inside.sum(), remaining))
    return np.concatenate(xs), np.concatenate(ys)


def generate_incidents(
    municipality: SyntheticMunicipality,
    categories: list[CategoryProfile],
    *,
    annual_total: float,
    start: dt.date,
    end: dt.date,
    rng: np.random.Generator,
    n_places: int = 4000,
    spikes: int = 3,
) -> pl.DataFrame:
    """Point-level incidents between ``start`` and ``end`` (inclusive).

    Returns ``record_id, date, time, category, lon, lat, spike`` with ``spike`` true for injected incidents.
    Places get heavy-tailed (log-normal) attractiveness, mixed with a category-specific component, so that
    about 5 % of places hold about half of the incidents.
    """
    days = np.arange(np.datetime64(start), np.datetime64(end) + 1)
    n_days = len(days)
    months = days.astype("datetime64[M]").astype(int) % 12
    weekdays = (days.astype("datetime64[D]").astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    years_from_start = np.arange(n_days) / 365.25
    shares = np.array([c.share for c in categories], dtype=float)
    shares /= shares.sum()
    place_x, place_y = random_points_in(municipality.outline, n_places, rng)
    base_attract = rng.lognormal(0.0, 1.6, n_places)
    frames = []
    for k, cat in enumerate(categories):
        trend = 1.0 + rng.uniform(-0.06, 0.04) * years_from_start
        rate = annual_total * shares[k] / 365.25 * SEASONAL[months] * WEEKDAY[cat.weekday][weekdays] * trend
        counts = rng.poisson(rate)
        total = int(counts.sum())
        if total == 0:
            continue
        event_days = np.repeat(days, counts)
        attract = base_attract * rng.lognormal(0.0, 0.6, n_places)
        attract /= attract.sum()
        place = rng.choice(n_places, size=total, p=attract)
        jitter = rng.normal(0.0, 0.00012, size=(total, 2))  # about 13 m
        hours_p = HOURS[cat.hours] / HOURS[cat.hours].sum()
        hours = rng.choice(24, size=total, p=hours_p)
        minutes = rng.integers(0, 60, size=total)
        frames.append(
            pl.DataFrame(
                {
                    "date": event_days,
                    "hour": hours,
                    "minute": minutes,
                    "category": [cat.label] * total,
                    "lon": place_x[place] + jitter[:, 0],
                    "lat": place_y[place] + jitter[:, 1],
                    "spike": False,
                }
            )
        )
    injected = []
    weekly_categories = [c for c in categories if c.share >= 3]
    for s in range(spikes):
        cat = weekly_categories[int(rng.integers(len(weekly_categories)))]
        week0 = int(rng.integers(n_days // 2, n_days - 60)) // 7 * 7
        weeks = int(rng.integers(2, 4))
        hot = int(np.argmax(base_attract * (rng.random(n_places) < 0.2)))
        extra = int(rng.integers(6, 12))
        span = days[week0 : week0 + 7 * weeks]
        event_days = rng.choice(span, size=extra * weeks)
        n = len(event_days)
        spike = Spike(cat.label, span[0].astype(dt.date), weeks, extra, float(place_x[hot]), float(place_y[hot]))
        injected.append(spike)
        frames.append(
            pl.DataFrame(
                {
                    "date": event_days,
                    "hour": rng.choice(24, size=n, p=HOURS["calle"] / HOURS["calle"].sum()),
                    "minute": rng.integers(0, 60, size=n),
                    "category": [cat.label] * n,
                    "lon": place_x[hot] + rng.normal(0, 0.0004, n),
                    "lat": place_y[hot] + rng.normal(0, 0.0004, n),
                    "spike": True,
                }
            )
        )
        del s
    municipality.spikes = injected
    frame = pl.concat(frames).with_columns(pl.col("date").cast(pl.Date)).sort(["date", "hour", "minute"])
    frame = frame.with_columns(
        pl.time(pl.col("hour"), pl.col("minute"), 0).alias("time"),
    ).drop("hour", "minute")
    return (
        frame.with_row_index("n", offset=1)
        .with_columns(
            pl.format("{}-{}", pl.lit(municipality.code), pl.col("n").cast(pl.String).str.zfill(7)).alias("record_id")
        )
        .drop("n")
    )


def degrade(
    frame: pl.DataFrame,
    rng: np.random.Generator,
    *,
    missing_share: float = 0.03,
    outside_share: float = 0.003,
    bad_rows: int = 6,
) -> pl.DataFrame:
    """Add the imperfections real files have: missing coordinates, points outside, a few impossible values.

    Returns text columns ready to be written as a source file (``date``, ``time``, ``lat``, ``lon`` as text).
    """
    n = frame.height
    missing = rng.random(n) < missing_share
    outside = (rng.random(n) < outside_share) & ~missing
    out = frame.with_columns(
        pl.col("date").cast(pl.String),
        pl.col("time").dt.strftime("%H:%M"),
        pl.when(pl.Series(outside)).then(pl.col("lat") + 0.05).otherwise(pl.col("lat")).alias("lat"),
    ).with_columns(
        pl.when(pl.Series(missing)).then(None).otherwise(pl.col("lat").round(6).cast(pl.String)).alias("lat"),
        pl.when(pl.Series(missing)).then(None).otherwise(pl.col("lon").round(6).cast(pl.String)).alias("lon"),
    )
    bad = rng.choice(n, size=min(bad_rows, n), replace=False)
    dates = out.get_column("date").to_list()
    lats = out.get_column("lat").to_list()
    for k, index in enumerate(bad):
        if k % 2 == 0:
            dates[index] = dates[index][:5] + "02-30"  # an impossible date, as typed by hand
        else:
            lats[index] = "123.4"  # an impossible latitude
    return out.with_columns(pl.Series("date", dates), pl.Series("lat", lats))


def monthly_counts(frame: pl.DataFrame, labels: list[str], first: dt.date, last: dt.date) -> pl.DataFrame:
    """Counts by ``category × month`` for every label and month (zeros included), from point incidents."""
    months = pl.date_range(first, last, interval="1mo", eager=True).alias("month")
    grid = pl.DataFrame({"category": labels}).join(pl.DataFrame({"month": months}), how="cross")
    counts = (
        frame.with_columns(pl.col("date").dt.truncate("1mo").alias("month"))
        .group_by(["category", "month"])
        .agg(pl.len().alias("count"))
    )
    return grid.join(counts, on=["category", "month"], how="left").with_columns(pl.col("count").fill_null(0))


def second_source(
    frame: pl.DataFrame,
    rng: np.random.Generator,
    *,
    prefix: str,
    recorded_share: float = 0.9,
    extra_share: float = 0.06,
    metres: float = 150.0,
) -> pl.DataFrame:
    """Another agency's records of the same events (the prosecutors' homicides beside the police's): most events
    recorded again with its own id, a point up to ``metres`` away and sometimes the next day's date; some missed;
    a few the first source never had. Same columns as ``frame``; what a reconciliation is for."""
    kept = frame.filter(pl.Series(rng.random(frame.height) < recorded_share))
    extra = frame.sample(n=max(1, int(frame.height * extra_share)), seed=int(rng.integers(1 << 31)))
    extra = extra.with_columns(
        (pl.col("date") - pl.duration(days=pl.Series(rng.integers(20, 200, extra.height)))).alias("date"),
        (pl.col("lat") + pl.Series(rng.normal(0, 0.01, extra.height))).alias("lat"),
    )  # other events: elsewhere and earlier (never after the first source's last day, which may be the cut-off)
    both = pl.concat([kept, extra])
    n = both.height
    shift = rng.normal(0, metres / 2 / 111_000, (n, 2)).clip(-metres / 111_000, metres / 111_000)
    return both.with_columns(
        pl.format("{}-{}", pl.lit(prefix), pl.int_range(1, n + 1).cast(pl.String).str.zfill(6)).alias("record_id"),
        (pl.col("date") + pl.duration(days=pl.Series((rng.random(n) < 0.2).astype(np.int64)))).alias("date"),
        (pl.col("lat") + pl.Series(shift[:, 0])).alias("lat"),
        (pl.col("lon") + pl.Series(shift[:, 1])).alias("lon"),
    )


def apply_programme_effect(
    frame: pl.DataFrame,
    area: Polygon,
    categories: list[str],
    start: dt.date,
    keep: float,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """A prevention programme's effect on synthetic incidents: from ``start`` on, only a share ``keep`` of the
    incidents of ``categories`` inside ``area`` happen (the others are removed at random). The demo's programmes
    get a known effect this way, for their evaluations to find."""
    inside = shapely.contains_xy(area, frame.get_column("lon").to_numpy(), frame.get_column("lat").to_numpy())
    target = (
        inside
        & frame.get_column("category").is_in(categories).to_numpy()
        & (frame.get_column("date") >= start).to_numpy()
    )
    drop = target & (rng.random(frame.height) >= keep)
    return frame.filter(pl.Series(~drop))
