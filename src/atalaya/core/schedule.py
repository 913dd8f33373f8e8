"""Daily work on the worker, without cron: a task marked ``@daily(hour=6)`` is kept queued for its next hour.

django-tasks runs a task no earlier than its ``run_after``; :func:`ensure_scheduled` (called when ``atalaya
worker`` starts, and again each time a daily task finishes) queues each daily task for its next occurrence unless
one is already waiting. A queue that cannot defer (the tests' immediate backend) schedules nothing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

#: Daily tasks and the local hour each runs at.
DAILY: dict[str, tuple[object, int]] = {}


def daily(hour: int):
    """Mark a django-tasks ``@task`` as daily at ``hour`` (local time)."""

    def decorator(task):
        DAILY[task.module_path] = (task, hour)
        return task

    return decorator


def next_run(hour: int, now: dt.datetime | None = None) -> dt.datetime:
    now = timezone.localtime(now or timezone.now())
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + dt.timedelta(days=1)


def ensure_scheduled(now: dt.datetime | None = None) -> list[str]:
    """Queue every daily task that has no run waiting; returns the paths queued."""
    from django_tasks import default_task_backend
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    if not default_task_backend.supports_defer:
        return []
    queued = []
    for path, (task, hour) in DAILY.items():
        if DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.READY).exists():
            continue
        task.using(run_after=next_run(hour, now)).enqueue()
        queued.append(path)
    return queued


def _after_task(sender, task_result, **kwargs) -> None:
    if task_result.task.module_path in DAILY:
        ensure_scheduled()


def connect() -> None:
    """Reschedule daily tasks after each run (called once, by the core app's ``ready()``)."""
    from django_tasks.signals import task_finished

    task_finished.connect(_after_task, dispatch_uid="atalaya-daily-tasks")
