"""Detection runs started from a page, as background jobs (after an import they run in the import's job)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from atalaya.core.jobs import register
from atalaya.hooks import gettext_noop

from .services import run_detection


@register("alerts.detect", gettext_noop("Detección de alertas territoriales"))
def detect(job, progress) -> dict:
    """Look again at every series of the job's municipality with its current settings."""
    progress(10, _("revisando las series"))
    summary = run_detection(job.municipality)
    return {
        "mensaje": _(
            "Detección terminada: %(series)s series revisadas, %(created)s alertas nuevas, %(extended)s extendidas."
        )
        % summary,
        "url": reverse("alerts:inbox") + "?" + urlencode({"municipality": job.municipality.code}),
    }
