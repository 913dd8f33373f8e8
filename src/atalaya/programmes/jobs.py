"""The programmes' background jobs: running an evaluation (a synthetic control fits one model per donor) and a
benefit-cost sheet's Monte Carlo."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from atalaya.core.jobs import JobFailed, register
from atalaya.hooks import gettext_noop
from atalaya.indicators.models import Indicator

from .models import CostBenefitSheet, Programme


@register("programmes.evaluate", gettext_noop("Evaluación de un programa contra los delitos"))
def evaluate(job, progress) -> dict:
    from .evaluations import run_evaluation

    params = job.params
    programme = Programme.objects.get(pk=params["programme"], municipality=job.municipality)
    progress(20, _("reuniendo las series del observatorio"))
    try:
        evaluation = run_evaluation(
            programme,
            method=params["method"],
            outcome=Indicator.objects.get(pk=params["outcome"]),
            source=params["source"],
            start=dt.date.fromisoformat(params["start"]),
            user=job.created_by,
            parameters=params.get("parameters") or {},
        )
    except (ValidationError, ValueError) as exc:
        raise JobFailed(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
    finally:
        _forget_upload((params.get("parameters") or {}).get("file"))
    return {
        "mensaje": evaluation.summary,
        "url": reverse("programmes:evaluation", args=[evaluation.pk]),
    }


def _forget_upload(path: str | None) -> None:
    """The donor file uploaded for a synthetic control is read once: removed from the uploads folder after."""
    from pathlib import Path

    from django.conf import settings

    if path and Path(settings.UPLOADS_DIR).resolve() in Path(path).resolve().parents:
        Path(path).unlink(missing_ok=True)


@register("programmes.cost_benefit", gettext_noop("Hoja de costo-beneficio (simulación de Monte Carlo)"))
def cost_benefit(job, progress) -> dict:
    from .evaluations import compute_sheet

    sheet = CostBenefitSheet.objects.get(pk=job.params["sheet"], programme__municipality=job.municipality)
    progress(30, _("simulando el efecto y los costos unitarios"))
    try:
        compute_sheet(sheet, job.created_by)
    except (ValidationError, ValueError) as exc:
        raise JobFailed(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
    return {"mensaje": sheet.result.get("sentence", ""), "url": reverse("programmes:sheet", args=[sheet.pk])}
