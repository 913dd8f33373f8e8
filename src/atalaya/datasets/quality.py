"""Data-quality summary of a municipality: freshness per source, location problems, unmapped categories."""

from __future__ import annotations

import polars as pl
from django.db.models import Count, Max, Q

from atalaya.geo.models import Municipality
from atalaya.taxonomy.services import unmapped_categories

from .choices import DatasetStatus, LocationStatus
from .models import AggregateCount, Dataset, Incident


def _own_rejections(dataset: Dataset, municipality: Municipality) -> int:
    """Rejected rows of this municipality in a dataset (a file may cover several of the observatory's)."""
    by_municipality = (dataset.summary or {}).get("rechazadas_por_municipio")
    if by_municipality is None:  # imports made before the count was kept per municipality
        return dataset.rows_rejected
    return int(by_municipality.get(municipality.code, 0))


def quality_summary(municipality: Municipality) -> dict:
    datasets = Dataset.objects.filter(municipalities=municipality)
    imported = datasets.filter(status=DatasetStatus.IMPORTED)
    freshness = [
        {
            "fuente": row["source"],
            "ultimo_dato": row["last"],
            "corte": row["cutoff"],
            "importado": row["imported"],
            "conjuntos": row["n"],
        }
        for row in imported.exclude(source="boundaries")
        .values("source")
        .annotate(last=Max("period_end"), cutoff=Max("cutoff"), imported=Max("created_at"), n=Count("id"))
        .order_by("source")
    ]
    incidents = Incident.objects.filter(municipality=municipality).aggregate(
        total=Count("id"),
        sin_coordenadas=Count("id", filter=Q(location_status=LocationStatus.MISSING)),
        fuera=Count("id", filter=Q(location_status=LocationStatus.OUTSIDE)),
        sin_territorio=Count("id", filter=Q(location_status=LocationStatus.UNASSIGNED)),
    )
    total = incidents["total"] or 0

    def share(n: int) -> float:
        return round(100 * n / total, 2) if total else 0.0

    used = set(Incident.objects.filter(municipality=municipality).values_list("category_id", flat=True).distinct())
    used |= set(
        AggregateCount.objects.filter(municipality=municipality).values_list("category_id", flat=True).distinct()
    )
    unmapped = [c for c in unmapped_categories() if c.pk in used]
    unmapped_incidents = Incident.objects.filter(municipality=municipality, category__in=unmapped).count()
    rejected = sum(_own_rejections(dataset, municipality) for dataset in imported.only("rows_rejected", "summary"))
    return {
        "municipio": municipality.code,
        "nombre": municipality.name,
        "datos_sinteticos": municipality.is_synthetic,
        "frescura": freshness,
        "incidentes": total,
        "conteos_publicados": AggregateCount.objects.filter(municipality=municipality).count(),
        "sin_coordenadas": {"n": incidents["sin_coordenadas"], "pct": share(incidents["sin_coordenadas"])},
        "fuera_del_municipio": {"n": incidents["fuera"], "pct": share(incidents["fuera"])},
        "sin_territorio": {"n": incidents["sin_territorio"], "pct": share(incidents["sin_territorio"])},
        "categorias_sin_mapeo": [{"catalogo": str(c.catalogue), "categoria": c.path} for c in unmapped],
        "incidentes_sin_mapeo": unmapped_incidents,
        "filas_rechazadas": rejected,
        "archivos_rechazados": datasets.filter(status=DatasetStatus.REJECTED).count(),
    }


OUTSIDE_COLUMNS = ["fuente", "registro", "fecha", "categoria", "latitud", "longitud", "conjunto"]


def outside_incidents(municipality: Municipality) -> pl.DataFrame:
    """The current incidents whose point falls outside the municipality: stored and shown, never counted, so an
    analyst can check them (a wrong municipality in the file, swapped coordinates, a neighbour's cases)."""
    rows = (
        Incident.objects.current()
        .filter(municipality=municipality, location_status=LocationStatus.OUTSIDE)
        .order_by("source", "occurred_on", "record_id")
        .values_list("source", "record_id", "occurred_on", "category__path", "lat", "lon", "dataset_id")
    )
    schema = dict(
        zip(OUTSIDE_COLUMNS, (pl.String, pl.String, pl.Date, pl.String, pl.Float64, pl.Float64, pl.Int64), strict=True)
    )
    return pl.DataFrame(list(rows.iterator(chunk_size=20_000)), schema=schema, orient="row")
