"""The case teams' dashboard: caseload and overdue follow-ups per worker, risk and stage of open cases, referrals
by state, the queue, and how long assigning and closing take — for supervision, over the cases it may read."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db.models import Count, Q
from django.utils import timezone

from .choices import RiskLevel, Stage, TransitionKind, TransitionStatus
from .models import FollowUp, Transition


def _spread(values: list[float]) -> dict:
    """Median and 90th percentile (None without data), and how many values."""
    if not values:
        return {"n": 0, "median": None, "p90": None}
    array = np.asarray(values, dtype=float)
    return {"n": len(values), "median": float(np.median(array)), "p90": float(np.percentile(array, 90))}


def team_dashboard(cases, *, since: dt.date, now: dt.datetime | None = None) -> dict:
    """Figures over ``cases`` (a queryset the user may read); flows (referrals, times) since ``since``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    open_cases = cases.filter(closed_at__isnull=True)
    caseload = list(
        open_cases.filter(owner__isnull=False)
        .values("owner__username")
        .annotate(total=Count("pk"), high=Count("pk", filter=Q(risk_level=RiskLevel.HIGH)))
        .order_by("-total", "owner__username")
    )
    overdue = dict(
        FollowUp.objects.filter(case__in=open_cases, done_at__isnull=True, due_date__lt=today)
        .values_list("assigned_to__username")
        .annotate(n=Count("pk"))
    )
    for row in caseload:
        row["overdue"] = overdue.pop(row["owner__username"], 0)
    risk = dict(open_cases.values_list("risk_level").annotate(n=Count("pk")))
    stages = dict(open_cases.values_list("stage").annotate(n=Count("pk")))
    referrals = dict(
        Transition.objects.filter(case__in=cases, kind=TransitionKind.REFERRAL, created_at__date__gte=since)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    sent = sum(referrals.values())
    answered = sent - referrals.get(TransitionStatus.IN_PROGRESS, 0)
    accepted = referrals.get(TransitionStatus.ACCEPTED, 0) + referrals.get(TransitionStatus.DONE, 0)
    assign_hours = [
        (assigned - opened).total_seconds() / 3600
        for opened, assigned in cases.filter(opened_at__date__gte=since, assigned_at__isnull=False).values_list(
            "opened_at", "assigned_at"
        )
    ]
    close_days = [
        (closed - opened).total_seconds() / 86400
        for opened, closed in cases.filter(closed_at__date__gte=since).values_list("opened_at", "closed_at")
    ]
    queue = open_cases.filter(owner__isnull=True)
    return {
        "since": since,
        "open": open_cases.count(),
        "queue": queue.count(),
        "queue_late": queue.filter(assign_due_at__lt=now).count(),
        "caseload": caseload,
        "overdue_unassigned": sum(overdue.values()),
        "risk": [(level.label, risk.get(level.value, 0), level.value) for level in RiskLevel]
        + [("sin tamizaje", risk.get("", 0), "")],
        "stages": [(stage.label, stages.get(stage.value, 0)) for stage in Stage if stage != Stage.CLOSED],
        "referrals": [(status.label, referrals.get(status.value, 0)) for status in TransitionStatus],
        "referrals_sent": sent,
        "acceptance": accepted / answered if answered else None,
        "completion": referrals.get(TransitionStatus.DONE, 0) / accepted if accepted else None,
        "time_to_assign": _spread(assign_hours),
        "time_to_close": _spread(close_days),
    }
