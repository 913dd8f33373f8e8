"""Where a case stands, computed from its records — never set by hand.

nuevo → evaluación (screened) → plan (assessment approved) → servicios (plan approved, lines open) → servicios
cumplidos (every line fulfilled) → cerrado (closure approved) → reabierto (a new intake or a reopening, until the
new cycle's first screening). Only the records of the current cycle (since the last reopening) count.

The result is kept in ``Case.stage`` by :func:`atalaya.cases.services.touch` after every change, so that lists
filter and sort by it without recomputing; a test recomputes it after every service to prove the two agree.
"""

from __future__ import annotations

import datetime as dt

from .choices import ApprovalKind, ApprovalStatus, LineStatus, Stage


def cycle_start(case) -> dt.datetime:
    """When the case's current cycle began: its last reopening, or its opening."""
    return case.reopened_at or case.opened_at


def approved_kinds(case) -> set[str]:
    """The steps approved in the current cycle."""
    return set(
        case.approvals.filter(requested_at__gte=cycle_start(case), status=ApprovalStatus.APPROVED).values_list(
            "kind", flat=True
        )
    )


def compute_stage(case) -> str:
    if case.closed_at is not None:
        return Stage.CLOSED
    start = cycle_start(case)
    approved = approved_kinds(case)
    if ApprovalKind.PLAN in approved:
        lines = case.service_lines.filter(created_at__gte=start).exclude(status=LineStatus.CANCELLED)
        if not lines.exists() or lines.filter(status__in=[LineStatus.PLANNED, LineStatus.IN_PROGRESS]).exists():
            return Stage.SERVICES
        return Stage.SERVICES_DONE
    if ApprovalKind.ASSESSMENT in approved:
        return Stage.PLAN
    if case.screenings.filter(screened_at__gte=start).exists():
        return Stage.ASSESSMENT
    return Stage.REOPENED if case.reopened_at else Stage.NEW
