"""Versions of a source: the history of releases imported for a municipality, and rolling one back.

Every import is a version. A newer release supersedes stored values (``superseded_by``) instead of deleting
them, so rolling the newest version back restores the previous state exactly: its rows go, the rows it
superseded become current again, the cube is rebuilt over the affected periods, the after-import steps
(indicator values, alerts) run again, and the :data:`~atalaya.hooks.AFTER_ROLLBACK` steps undo what the import
alone created (e.g. alerts nobody has touched).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from atalaya.core.changelog import log_change
from atalaya.geo.models import Municipality
from atalaya.hooks import AFTER_ROLLBACK, derived_steps

from . import writing
from .choices import DatasetStatus
from .models import AggregateCount, Dataset, Incident


class VersionError(Exception):
    """A rollback that cannot be done as asked; the message says why, in Spanish."""


def history(source: str | None = None, municipality: Municipality | None = None):
    """Imported and rolled-back versions, newest first (boundaries excluded: they are not versioned)."""
    datasets = Dataset.objects.exclude(status=DatasetStatus.REJECTED).exclude(source="boundaries")
    if source:
        datasets = datasets.filter(source=source)
    if municipality is not None:
        datasets = datasets.filter(municipalities=municipality)
    return datasets.prefetch_related("municipalities").order_by("-created_at", "-pk")


def later_versions(dataset: Dataset):
    """Imported versions of the same source and municipalities made after ``dataset``."""
    return Dataset.objects.filter(
        source=dataset.source,
        status=DatasetStatus.IMPORTED,
        municipalities__in=dataset.municipalities.all(),
        pk__gt=dataset.pk,
    ).distinct()


@transaction.atomic
def rollback(dataset: Dataset, *, user=None, origin: str = "cli") -> dict:
    """Undo one version (the newest of its source): all or nothing. Returns what was restored."""
    if dataset.status != DatasetStatus.IMPORTED:
        raise VersionError(f"El conjunto {dataset.pk} no está vigente (estado: {dataset.get_status_display()}).")
    if dataset.source == "boundaries":
        raise VersionError("Los límites no se versionan: importe de nuevo el archivo anterior.")
    newer = list(later_versions(dataset).values_list("pk", flat=True))
    if newer:
        raise VersionError(
            f"Hay versiones posteriores de «{dataset.source}» ({', '.join(map(str, newer))}); "
            "reviértalas primero, de la más nueva a la más antigua."
        )
    municipality_ids = list(dataset.municipalities.values_list("pk", flat=True))
    restored = {"incidentes_quitados": 0, "incidentes_restaurados": 0, "conteos_quitados": 0, "conteos_restaurados": 0}
    for model, removed_key, restored_key, date_field in (
        (Incident, "incidentes_quitados", "incidentes_restaurados", "occurred_on"),
        (AggregateCount, "conteos_quitados", "conteos_restaurados", "period_start"),
    ):
        added = model.objects.filter(dataset=dataset)
        superseded = model.objects.filter(superseded_by=dataset)
        spans = {}
        for queryset in (added, superseded):
            for row in queryset.values("municipality_id").annotate(first=Min(date_field), last=Max(date_field)):
                old = spans.get(row["municipality_id"])
                spans[row["municipality_id"]] = (
                    (min(old[0], row["first"]), max(old[1], row["last"])) if old else (row["first"], row["last"])
                )
        restored[removed_key] = added.count()
        added.delete()
        restored[restored_key] = superseded.update(superseded_by=None)
        for municipality_id, (first, last) in spans.items():
            _refresh_cube(model, municipality_id, dataset.source, first, last)
    dataset.status = DatasetStatus.ROLLED_BACK
    dataset.rolled_back_at = timezone.now()
    dataset.save(update_fields=["status", "rolled_back_at"])
    for callback in AFTER_ROLLBACK:
        callback(dataset)
    for callback in derived_steps():
        callback(municipality_ids, dataset.source, None)
    message = (
        f"Conjunto {dataset.pk} ({dataset.file_name}) revertido: "
        + ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in restored.items() if v)
        + "."
    )
    for municipality in Municipality.objects.filter(pk__in=municipality_ids):
        log_change(user=user, action="revertir", obj=dataset, municipality=municipality, origin=origin, message=message)
    return {"conjunto": dataset.pk, "mensaje": message, **restored}


def _refresh_cube(model, municipality_id: int, source: str, first: dt.date, last: dt.date) -> None:
    if model is Incident:
        writing.refresh_cube_from_incidents(municipality_id, source, first, last)
    else:
        writing.refresh_cube_from_published(municipality_id, source, first, last)
