"""The mesa de validación's long work as background jobs: running (or re-running) a reconciliation and
publishing its agreed figure. The pages start them and follow them on ``/trabajos/<id>/``."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from atalaya.core.jobs import JobFailed, register, start
from atalaya.hooks import gettext_noop

from . import services
from .models import Reconciliation


@register("reconciliation.run", gettext_noop("Conciliación de fuentes"))
def run(job, progress) -> dict:
    """``params``: family, sources, start, end (ISO dates), days and metres."""
    p = job.params
    progress(10, _("emparejando registros"))
    try:
        result = services.run_reconciliation(
            job.municipality,
            p["family"],
            p["sources"],
            dt.date.fromisoformat(p["start"]),
            dt.date.fromisoformat(p["end"]),
            days=p["days"],
            metres=p["metres"],
            user=job.created_by,
        )
    except services.ReconciliationError as exc:
        raise JobFailed(str(exc)) from exc
    return {
        "mensaje": _("Conciliación lista: cifra conciliada de %(n)s hechos.")
        % {"n": result.summary.get("cifra_conciliada", "—")},
        "url": reverse("reconciliation:detail", args=[result.pk]),
    }


@register("reconciliation.publish", gettext_noop("Publicación de la cifra conciliada"))
def publish(job, progress) -> dict:
    """``params``: reconciliation (its id)."""
    reconciliation = Reconciliation.objects.select_related("municipality", "family").get(
        pk=job.params["reconciliation"]
    )
    progress(10, _("escribiendo la cifra conciliada"))
    try:
        dataset = services.publish(reconciliation, user=job.created_by, origin=f"trabajo:{job.pk}")
    except services.ReconciliationError as exc:
        raise JobFailed(str(exc)) from exc
    return {
        "mensaje": _("Cifra conciliada publicada: %(n)s hechos en la fuente «%(source)s».")
        % {"n": dataset.summary["hechos"], "source": services.AGREED_SOURCE},
        "url": reverse("datasets:dataset", args=[dataset.pk]),
    }


def start_run(reconciliation_params: dict, *, municipality, user):
    """Queue a reconciliation with the form's (or an earlier run's) parameters."""
    return start("reconciliation.run", user=user, municipality=municipality, **reconciliation_params)


def params_of(run: Reconciliation) -> dict:
    """An earlier run's parameters, to run it again with today's records and decisions."""
    return {
        "family": run.family.code,
        "sources": run.sources,
        "start": run.period_start.isoformat(),
        "end": run.period_end.isoformat(),
        "days": run.days,
        "metres": run.metres,
    }
