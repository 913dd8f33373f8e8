"""What the map page needs from the database: incidents as points and territories as features, filtered.

The filters are the same for every layer (period, family, territory and everything under it), so that a layer
exported to GeoJSON is exactly what the map shows.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import polars as pl
import shapely
from django.db.models import Count, Max, Min

from atalaya.datasets.models import Incident
from atalaya.geo.models import Municipality, Territory
from atalaya.taxonomy.models import Family
from atalaya.taxonomy.services import harmonised_table

MAX_POINTS = 60_000  # beyond this the browser gets a uniform sample, and the page says so


@dataclass
class MapFilter:
    """Source, period (inclusive days), family code or None, territory or None; parsed from the query string.

    One source at a time: police and prosecutors record many of the same incidents, so drawing both would
    count them twice. The default is the source with the most records."""

    municipality: Municipality
    source: str
    start: dt.date
    end: dt.date
    family: Family | None
    territory: Territory | None

    @classmethod
    def from_query(cls, municipality: Municipality, query) -> MapFilter:
        sources = located_sources(municipality)
        source = query.get("fuente") if query.get("fuente") in sources else next(iter(sources), "")
        span = (
            Incident.objects.counted()
            .filter(municipality=municipality, source=source)
            .aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
        )
        last = span["last"] or dt.date.today()
        first = span["first"] or last
        end = _date(query.get("hasta")) or last
        start = _date(query.get("desde")) or max(first, end - dt.timedelta(days=89))
        if start > end:
            start, end = end, start
        family = Family.objects.filter(code=query.get("familia") or "").first()
        territory = Territory.objects.filter(municipality=municipality, code=query.get("territorio") or "").first()
        return cls(municipality, source, start, end, family, territory)

    @property
    def cut_off(self) -> dt.date | None:
        """The last day the chosen source has records for (the map cannot show anything later)."""
        return (
            Incident.objects.counted()
            .filter(municipality=self.municipality, source=self.source)
            .aggregate(last=Max("occurred_on"))["last"]
        )

    def query(self) -> dict[str, str]:
        params = {"fuente": self.source, "desde": self.start.isoformat(), "hasta": self.end.isoformat()}
        if self.family:
            params["familia"] = self.family.code
        if self.territory:
            params["territorio"] = self.territory.code
        return params


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def located_sources(municipality: Municipality) -> list[str]:
    """Sources with incidents of the municipality, the one with the most records first."""
    rows = (
        Incident.objects.counted()
        .filter(municipality=municipality)
        .values("source")
        .annotate(n=Count("pk"))
        .order_by("-n", "source")
    )
    return [r["source"] for r in rows]


def territory_and_descendants(territory: Territory) -> list[int]:
    parents = dict(Territory.objects.filter(municipality_id=territory.municipality_id).values_list("pk", "parent_id"))
    return descendants(territory.pk, parents)


def descendants(root: int, parents: dict[int, int | None]) -> list[int]:
    """``root`` and every territory under it, from a ``{territory id: parent id}`` map (one query for many roots)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in parents.items():
        children.setdefault(parent, []).append(pk)
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(children.get(node, []))
    return found


def incident_frame(f: MapFilter, located: bool = True) -> pl.DataFrame:
    """Every incident matching the filter with its category, family and harm weight: those with coordinates
    (``located``), or those placed in a territory (by coordinates or by a territory column of the file)."""
    incidents = Incident.objects.counted().filter(
        municipality=f.municipality, source=f.source, occurred_on__gte=f.start, occurred_on__lte=f.end
    )
    incidents = incidents.filter(lat__isnull=False) if located else incidents.filter(territory__isnull=False)
    if f.territory:
        incidents = incidents.filter(territory_id__in=territory_and_descendants(f.territory))
    categories = harmonised_table().select(
        "category_id", "category_label", "family_code", "family_label", "harm_weight"
    )
    if f.family:
        wanted = categories.filter(pl.col("family_code") == f.family.code).get_column("category_id").to_list()
        incidents = incidents.filter(category_id__in=wanted)
    rows = list(
        incidents.values_list(
            "lat", "lon", "occurred_on", "category_id", "record_id", "territory_id", "occurred_time", "time_precision"
        )
    )
    schema = {
        "lat": pl.Float64,
        "lon": pl.Float64,
        "date": pl.Date,
        "category_id": pl.Int64,
        "record_id": pl.String,
        "territory_id": pl.Int64,
        "occurred_time": pl.Time,
        "time_precision": pl.String,
    }
    frame = pl.DataFrame(rows, schema=schema, orient="row").join(categories, on="category_id", how="left")
    return frame.with_columns(pl.col("harm_weight").fill_null(1.0))


def incident_points(f: MapFilter) -> tuple[pl.DataFrame, int]:
    """Located incidents to draw (at most MAX_POINTS, sampled evenly) and how many there were."""
    frame = incident_frame(f)
    total = frame.height
    if total > MAX_POINTS:
        frame = frame.gather_every(-(-total // MAX_POINTS))
    return frame, total


def territory_features(municipality: Municipality, level: str | None = None) -> list[dict]:
    """GeoJSON features of the territories (one level, or the leaves when none is given)."""
    territories = Territory.objects.filter(municipality=municipality).exclude(geometry=None)
    if level:
        territories = territories.filter(level=level)
    else:
        territories = territories.filter(children__isnull=True)
    features = []
    for t in territories.order_by("code"):
        geometry = shapely.from_wkb(bytes(t.geometry))
        features.append(
            {
                "type": "Feature",
                "id": t.code,
                "properties": {"code": t.code, "name": t.name, "level": t.level},
                "geometry": json.loads(shapely.to_geojson(geometry)),
            }
        )
    return features


def points_geojson(frame: pl.DataFrame) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "record_id": r["record_id"],
                    "date": r["date"].isoformat(),
                    "category": r["category_label"],
                    "family": r["family_label"],
                },
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            }
            for r in frame.iter_rows(named=True)
        ],
    }
