"""Background imports for the web upload: the request returns at once and the page polls the job's progress.

The upload enqueues a task on Django's task framework (the ``django-tasks`` backport); ``atalaya worker`` runs it
in its own process (``atalaya serve`` starts one beside the web server; production runs it as a service). The
job row (a :class:`~atalaya.core.models.TrackedJob`) is the single record of progress, result and the resulting
dataset, moved through its states by :func:`atalaya.core.jobs.run_tracked`; an import is one transaction, so a
task that fails leaves the database as it was and the job says why. Tests use the immediate backend (the task
runs inside the request) and one test runs the real queue with the worker.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django_tasks import task

from atalaya.core.context import acting
from atalaya.core.jobs import JobFailed, run_tracked

from .importing import UsageError, import_file
from .models import ImportJob


def start_job(job: ImportJob) -> None:
    """Queue the import of an uploaded file (the page then follows ``job``)."""
    run_import_job.enqueue(job.pk)


@task()
def run_import_job(job_id: int) -> str:
    """The queued task: one upload's check or import, logged under ``trabajo:<id>``."""
    with acting(f"trabajo:{job_id}", path=f"trabajo de importación {job_id}"):
        run_job(job_id)
    return ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or ""


def run_job(job_id: int) -> None:
    job = ImportJob.objects.select_related("mapping", "municipality", "created_by").get(pk=job_id)

    def work(progress) -> dict:
        options = job.options or {}
        try:
            outcome = import_file(
                job.format,
                Path(job.file_path),
                municipality_code=job.municipality.code if job.municipality else None,
                mapping_name=job.mapping.name if job.mapping else None,
                on_error=job.on_error,
                dry_run=job.dry_run,
                user=job.created_by,
                origin=f"web:trabajo {job.pk}",
                progress=progress,
                file_name=job.file_name,
                level=options.get("level"),
                population_year=options.get("population_year"),
                reader_options=options.get("reader_options"),
                cutoff=dt.date.fromisoformat(options["cutoff"]) if options.get("cutoff") else None,
                catalogue_version=options.get("catalogue_version"),
                replace=bool(options.get("replace")),
            )
        except UsageError as exc:
            raise JobFailed(str(exc)) from exc
        if outcome.dataset is not None:
            job.dataset = outcome.dataset
            ImportJob.objects.filter(pk=job.pk).update(dataset=outcome.dataset)
        result = outcome.as_dict()
        result["problemas"] = outcome.problems.head(200).to_dicts()
        return result

    run_tracked(job, work, atomic=False)  # an import is one transaction of its own, with after-commit steps
