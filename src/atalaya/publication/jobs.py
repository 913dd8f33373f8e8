"""The publication module's background work: documents asked for on a page, and the daily bulletin round."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from atalaya.core.jobs import register
from atalaya.core.schedule import daily
from atalaya.hooks import gettext_noop

from . import services


@register("publication.diagnosis", gettext_noop("Diagnóstico para postulación de proyectos (PDF y DOCX)"))
def diagnosis(job, progress) -> dict:
    progress(10, _("leyendo indicadores, alertas, encuestas y programas"))
    report = services.make_diagnosis(
        job.municipality,
        dt.date.fromisoformat(job.params["start"]),
        dt.date.fromisoformat(job.params["end"]),
        job.created_by,
    )
    return {
        "mensaje": _("Diagnóstico listo: %(pages)s página(s).") % {"pages": report.pages},
        "url": reverse("publication:report", args=[report.pk]),
    }


@register("publication.bulletin", gettext_noop("Boletín mensual (ediciones pública e institucional)"))
def bulletin(job, progress) -> dict:
    progress(10, _("preparando las dos ediciones del boletín"))
    public, report = services.make_bulletin(
        job.municipality, dt.date.fromisoformat(job.params["month"]), job.created_by
    )
    message = _("Boletín listo: edición institucional de %(pages)s página(s).") % {"pages": report.pages}
    if public is not None:
        message += " " + _("Edición pública: %(pages)s página(s).") % {"pages": public.pages}
    return {"mensaje": message, "url": reverse("publication:report", args=[report.pk])}


@daily(hour=6)
@task()
def bulletin_round() -> int:
    """Every morning: each publishing municipality's bulletin for its last month with data, once."""
    return len(services.due_bulletins())
