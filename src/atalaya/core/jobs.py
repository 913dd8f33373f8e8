"""Background jobs: long work started from a page runs in ``atalaya worker``, not in the web process.

A job is a row (:class:`~atalaya.core.models.Job`, or an app's own :class:`~atalaya.core.models.TrackedJob` such
as the import's) and a task of Django's task framework (the ``django-tasks`` backport, database backend). The page
that started it follows the row: status, progress, stage, and at the end a Spanish message and, when the job made
something, a link to it. :func:`run_tracked` is the one place that moves a row through its states: the work runs
in one transaction, so a job that fails leaves the database as it was and says why.

An app registers the kinds of job it offers (``@register("reconciliation.run", label)``) in a module its
``ready()`` imports, so that the web process and the worker know the same kinds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from .context import acting
from .models import Job, JobStatus, TrackedJob

logger = logging.getLogger(__name__)

#: ``progress(percent, stage)``: what a job's work calls to tell the page how far it is.
Progress = Callable[[int, str], None]


class JobFailed(Exception):
    """A job that cannot be done for a reason the user should read (Spanish); the database is left as it was. A
    service's ``ValidationError`` is treated the same way."""


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str  # what the job page calls it, marked for translation
    work: Callable[[Job, Progress], dict]


KINDS: dict[str, JobKind] = {}


def register(name: str, label: str) -> Callable[[Callable[[Job, Progress], dict]], Callable[[Job, Progress], dict]]:
    """Register ``work(job, progress) -> result`` as a kind of job. ``result`` is shown on the job's page:
    ``mensaje`` and, if the job made something, ``url``."""

    def decorator(work: Callable[[Job, Progress], dict]) -> Callable[[Job, Progress], dict]:
        KINDS[name] = JobKind(name, label, work)
        return work

    return decorator


def start(kind: str, *, user, municipality=None, **params) -> Job:
    """Record a job and queue it; the caller redirects to its page (``/trabajos/<id>/``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job.objects.create(kind=kind, params=params, created_by=user, municipality=municipality)
    run_job.enqueue(job.pk)
    return job


@task()
def run_job(job_id: int) -> str:
    """The queued task of a :class:`~atalaya.core.models.Job`: its registered work, tracked."""
    job = Job.objects.select_related("created_by", "municipality").get(pk=job_id)
    with acting(f"trabajo:{job_id}", path=f"trabajo {job.kind} {job_id}"):
        run_tracked(job, lambda progress: KINDS[job.kind].work(job, progress))
    return Job.objects.filter(pk=job_id).values_list("status", flat=True).first() or ""


def run_tracked(job: TrackedJob, work: Callable[[Progress], dict], *, atomic: bool = True) -> None:
    """Run ``work`` for ``job``: running while it works, then done with its result or failed with a reason.

    ``work`` runs in one transaction (nothing of a failed job stays); progress is written outside it, so that
    the page sees the stage as it moves when the database lets other connections read (PostgreSQL; SQLite in
    WAL mode shows it once the job's transaction ends). ``atomic=False`` is for work that is all-or-nothing on
    its own and must commit before its after-commit steps (an import: dashboards read it before alerts run).
    """
    model = type(job)
    job.status, job.progress, job.stage = JobStatus.RUNNING, 1, _("inicio")
    job.save(update_fields=["status", "progress", "stage", "updated_at"])

    def progress(percent: int, stage: str) -> None:
        model.objects.filter(pk=job.pk).update(progress=percent, stage=stage)

    try:
        with transaction.atomic() if atomic else nullcontext():
            result = work(progress)
    except JobFailed as exc:
        job.status, job.result = JobStatus.FAILED, {"estado": "error", "mensaje": str(exc)}
    except ValidationError as exc:  # a service refusing the user's input, in Spanish: shown as it is
        job.status, job.result = JobStatus.FAILED, {"estado": "error", "mensaje": " ".join(exc.messages)}
    except Exception:  # a bug, not the user's input: keep the page informative and the traceback in the log
        logger.exception("job %s %s failed", model.__name__, job.pk)
        job.status = JobStatus.FAILED
        job.result = {"estado": "error", "mensaje": _("Error interno del trabajo; consulte el registro.")}
    else:
        job.status, job.result = JobStatus.DONE, result
    job.progress = 100
    job.save(update_fields=["status", "result", "progress", "updated_at"])
