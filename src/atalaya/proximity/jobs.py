"""The proximity module's background jobs: the weekly review's HTML and PDF files."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from atalaya.core.jobs import register
from atalaya.hooks import gettext_noop

from . import review


@register("proximity.weekly_review", gettext_noop("Revisión semanal por territorio (HTML y PDF)"))
def weekly_review(job, progress) -> dict:
    week_end = dt.date.fromisoformat(job.params["week_end"])
    progress(20, _("contando problemas, acuerdos y hechos"))
    result = review.weekly_review(job.municipality, week_end, job.params.get("level") or None)
    progress(70, _("escribiendo HTML y PDF"))
    _html, pdf = review.write_files(result)
    return {
        "mensaje": _("Revisión de la semana al %(end)s lista (HTML y PDF).") % {"end": f"{week_end:%d-%m-%Y}"},
        "url": reverse("proximity:review_file", args=[job.municipality.code, pdf.name]),
    }


@register("proximity.remind", gettext_noop("Recordatorios y escalamiento de acuerdos"))
def remind(job, progress) -> dict:
    """The daily reminders of one municipality, now (cron runs them for every municipality)."""
    from .mesas import remind_and_escalate

    progress(30, _("revisando los plazos de los acuerdos"))
    counts = remind_and_escalate(municipality=job.municipality)
    return {
        "mensaje": _("%(reminded)s acuerdo(s) recordado(s), %(escalated)s escalado(s), %(sent)s correo(s).")
        % {"reminded": counts["recordados"], "escalated": counts["escalados"], "sent": counts["correos"]},
        "url": reverse("proximity:mesas", args=[job.municipality.code]),
    }
