"""The numbers of a SARA file, from the observatory's own incidents: the problem's place (a circle around its
point, or its territory), the ring around it where crime could move, a control area; the monthly series and the
weekday × hour profile of the problem's crime families there (scanning and analysis); and the before/after
assessment with the displacement check (``analysis.evaluation.place``, shared with programme evaluation).

Distances are measured in metres in an azimuthal equidistant projection centred on the problem (exact enough
for a few kilometres anywhere).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
import shapely
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from pyproj import CRS, Transformer

from atalaya.analysis.evaluation import PlaceCounts, evaluate_place
from atalaya.analysis.indicators import weekday_hour_table
from atalaya.core.changelog import log_change
from atalaya.geo.models import Municipality, Territory
from atalaya.spatial.services import MapFilter, incident_frame, located_sources

from .models import Assessment, Problem, SaraFile


@dataclass(frozen=True)
class Areas:
    response: shapely.Geometry
    buffer: shapely.Geometry
    control: shapely.Geometry
    control_label: str


def sara_file(problem: Problem) -> SaraFile:
    """The problem's file, made on first use with the category's crime families."""
    sara, _created = SaraFile.objects.get_or_create(
        problem=problem, defaults={"families": list(problem.category.crime_families)}
    )
    return sara


def _metric(lat: float, lon: float) -> tuple[Transformer, Transformer]:
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs")
    return (
        Transformer.from_crs("EPSG:4326", local, always_xy=True),
        Transformer.from_crs(local, "EPSG:4326", always_xy=True),
    )


def areas(problem: Problem, *, radius_m: int, buffer_m: int, control: Territory | None = None) -> Areas:
    """The response area (a circle of ``radius_m`` around the point, or the problem's territory), the ring of
    ``buffer_m`` around it, and the control: a chosen territory, or the rest of the municipality, both without
    the response area and the ring (a control must not be contaminated by the response)."""
    response = response_area(problem, radius_m)
    point = response.centroid
    forward, back = _metric(point.y, point.x)
    around = _transform(back, _transform(forward, response).buffer(buffer_m, quad_segs=32))
    ring = around.difference(response)
    if control is not None:
        if control.geometry is None:
            raise ValidationError(_("El territorio de control no tiene polígono."))
        control_area, label = shapely.from_wkb(bytes(control.geometry)), str(control)
    elif boundary := Municipality.objects.filter(pk=problem.municipality_id).values_list("boundary", flat=True)[0]:
        control_area, label = shapely.from_wkb(bytes(boundary)), _("resto del municipio")
    else:
        raise ValidationError(_("Elija un territorio de control: el municipio no tiene su límite cargado."))
    control_area = control_area.difference(around)
    if control_area.is_empty:
        raise ValidationError(_("El área de control queda vacía: elija otra más lejos del problema."))
    return Areas(response=response, buffer=ring, control=control_area, control_label=label)


def response_area(problem: Problem, radius_m: int) -> shapely.Geometry:
    """A circle of ``radius_m`` around the problem's point, or its territory when it has no point."""
    if problem.lat is not None:
        _forward, back = _metric(problem.lat, problem.lon)
        return _transform(back, shapely.Point(0, 0).buffer(radius_m, quad_segs=32))
    if problem.territory_id and problem.territory.geometry:
        return shapely.from_wkb(bytes(problem.territory.geometry))
    raise ValidationError(_("El problema no tiene punto ni territorio: no hay lugar que medir."))


def _transform(transformer: Transformer, geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def incidents(problem: Problem, families: list[str], start: dt.date, end: dt.date, source: str | None = None):
    """Located incidents of the municipality in the period, of the families (all when empty): ``(frame, source)``."""
    sources = located_sources(problem.municipality)
    source = source if source in sources else (sources[0] if sources else None)
    if source is None:
        raise ValidationError(_("El municipio no tiene hechos con ubicación: cargue datos de la policía."))
    frame = incident_frame(MapFilter(problem.municipality, source, start, end, None, None))
    if families:
        frame = frame.filter(pl.col("family_code").is_in(families))
    return frame, source


def count_inside(frame: pl.DataFrame, area: shapely.Geometry, start: dt.date, end: dt.date) -> int:
    part = frame.filter(pl.col("date").is_between(start, end))
    if part.is_empty():
        return 0
    shapely.prepare(area)
    return int(shapely.contains_xy(area, part.get_column("lon").to_numpy(), part.get_column("lat").to_numpy()).sum())


def scanning(sara: SaraFile, *, months: int = 24, today: dt.date | None = None) -> dict:
    """The problem's crime in its place: monthly counts over ``months``, the mean of the last 12 (the baseline)
    and the weekday × hour profile; empty when the municipality has no located incidents."""
    problem = sara.problem
    today = today or dt.date.today()
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = (end.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    try:
        frame, source = incidents(problem, sara.families, start, end)
        place = response_area(problem, sara.radius_m)
    except ValidationError as exc:
        return {"error": " ".join(exc.messages)}
    shapely.prepare(place)
    if not frame.is_empty():
        inside = shapely.contains_xy(place, frame.get_column("lon").to_numpy(), frame.get_column("lat").to_numpy())
        frame = frame.filter(pl.Series(inside))
    monthly = (
        pl.DataFrame({"month": pl.date_range(start, end, "1mo", eager=True)})
        .join(
            frame.group_by(pl.col("date").dt.truncate("1mo").alias("month")).agg(pl.len().alias("count")),
            on="month",
            how="left",
        )
        .with_columns(pl.col("count").fill_null(0))
        .sort("month")
    )
    last_year = monthly.tail(12).get_column("count")
    return {
        "source": source,
        "start": start,
        "end": end,
        "monthly": monthly.to_dicts(),
        "baseline": float(last_year.mean()) if len(last_year) else 0.0,
        "total": int(monthly.get_column("count").sum()),
        "profile": _profile(frame),
        "place": place,
        "points": frame.filter(pl.col("date") > end - dt.timedelta(days=365)).select(
            "lat", "lon", "date", "category_label"
        ),
    }


def _profile(frame: pl.DataFrame) -> list[dict]:
    """Incidents by weekday (1 = Monday) and hour, those with a recorded time: the indicators' table."""
    if frame.is_empty():
        return []
    return weekday_hour_table(frame.rename({"date": "occurred_on"})).to_dicts()


@transaction.atomic
def assess(
    sara: SaraFile,
    *,
    user,
    before: tuple[dt.date, dt.date],
    after: tuple[dt.date, dt.date],
    buffer_m: int = 400,
    control: Territory | None = None,
    source: str | None = None,
) -> Assessment:
    """Count the problem's crime before and after the response in its place, the ring and the control, evaluate
    it (``analysis.evaluation.place``) and keep the result."""
    if before[0] > before[1] or after[0] > after[1]:
        raise ValidationError(_("Cada periodo debe empezar antes de terminar."))
    if before[1] >= after[0]:
        raise ValidationError(_("El periodo «antes» debe terminar antes de que empiece el «después»."))
    problem = sara.problem
    zone = areas(problem, radius_m=sara.radius_m, buffer_m=buffer_m, control=control)
    frame, used = incidents(problem, sara.families, before[0], after[1], source)
    counts = {
        f"{area}_{period}": count_inside(frame, geometry, *span)
        for area, geometry in (("response", zone.response), ("control", zone.control), ("buffer", zone.buffer))
        for period, span in (("before", before), ("after", after))
    }
    lengths = {"before_length": (before[1] - before[0]).days + 1, "after_length": (after[1] - after[0]).days + 1}
    evaluation = evaluate_place(PlaceCounts(**counts, **lengths))
    assessment = Assessment.objects.create(
        sara=sara,
        source=used,
        before_start=before[0],
        before_end=before[1],
        after_start=after[0],
        after_end=after[1],
        radius_m=sara.radius_m,
        buffer_m=buffer_m,
        control=zone.control_label,
        families=list(sara.families),
        counts={**counts, **lengths},
        results=evaluation.as_dict(),
        created_by=user,
    )
    log_change(
        user=user,
        action="evaluar",
        obj=problem,
        municipality=problem.municipality,
        message=f"{problem.reference}: antes/después {after[0]}–{after[1]} · {evaluation.verdict}",
    )
    return assessment
