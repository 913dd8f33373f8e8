"""Permanent public accountability: the tree of commitments and results a municipality publishes (Decidim's
accountability results), kept in one public table (``PublicCommitment``) from what is public — mesas and their
agreements, and problems with their SARA response plans. A node's progress is its own (from its status) or,
with children, their weighted mean (Decidim's roll-up). Private mesas, private agreements and private problems
never enter it.
"""

from __future__ import annotations

from django.db.models import F, Sum
from django.utils import timezone

from .choices import ActionStatus, AgreementStatus, Status
from .models import Agreement, Mesa, Problem, PublicCommitment, ResponseAction

#: Progress of a problem by its state, when its plan has no actions to roll up.
PROBLEM_PROGRESS = {
    Status.REPORTED: 0,
    Status.CONFIRMED: 10,
    Status.ANALYSIS: 25,
    Status.PLANNED: 40,
    Status.IN_PROGRESS: 60,
    Status.ASSESSED: 90,
    Status.CLOSED: 100,
}
ACTION_PROGRESS = {ActionStatus.PENDING: 0, ActionStatus.ONGOING: 50, ActionStatus.DONE: 100}
#: Problems enter the tree once a response is planned: before that there is no commitment to account for.
PLANNED_OR_LATER = [Status.PLANNED, Status.IN_PROGRESS, Status.ASSESSED, Status.CLOSED]


def _today():
    return timezone.localdate()


def sync_agreement(agreement: Agreement) -> None:
    """Write or remove the agreement's node, then its mesa's."""
    key = f"acuerdo:{agreement.pk}"
    mesa = agreement.mesa
    if not (agreement.is_public and mesa.is_public and mesa.active):
        PublicCommitment.objects.filter(key=key).delete()
        sync_mesa(mesa)
        return
    parent = sync_mesa(mesa, roll_up=False)
    problem = agreement.problem
    public_problem = problem is not None and not problem.is_private
    milestones = [
        {
            "date": u.created_at.date().isoformat(),
            "status": u.get_status_display(),
            "progress": u.progress,
            "text": u.text,
        }
        for u in agreement.updates.all()
    ]
    PublicCommitment.objects.update_or_create(
        key=key,
        defaults={
            "municipality_id": mesa.municipality_id,
            "parent": parent,
            "kind": "acuerdo",
            "title": agreement.title,
            "institution": agreement.institution,
            "status": agreement.status,
            "status_label": agreement.get_status_display(),
            "progress": float(agreement.progress),
            "weight": agreement.weight,
            "deadline": agreement.deadline,
            "overdue": agreement.is_open and agreement.deadline < _today(),
            "reference": problem.reference if public_problem else "",
            "milestones": milestones,
            "updated_at": agreement.updated_at or timezone.now(),
        },
    )
    sync_mesa(mesa)


def sync_mesa(mesa: Mesa, *, roll_up: bool = True) -> PublicCommitment | None:
    """The mesa's node; its progress is the weighted mean of its public agreements (one query)."""
    key = f"mesa:{mesa.pk}"
    if not (mesa.is_public and mesa.active):
        PublicCommitment.objects.filter(key=key).delete()
        return None
    node, _created = PublicCommitment.objects.get_or_create(
        key=key,
        defaults={
            "municipality_id": mesa.municipality_id,
            "kind": "mesa",
            "title": mesa.name,
            "status": "activa",
            "status_label": "",
            "progress": 0.0,
            "updated_at": timezone.now(),
        },
    )
    if roll_up:
        totals = PublicCommitment.objects.filter(parent=node).aggregate(
            weighted=Sum(F("progress") * F("weight")), weights=Sum("weight")
        )
        node.progress = (totals["weighted"] or 0.0) / totals["weights"] if totals["weights"] else 0.0
        node.title = mesa.name
        node.institution = mesa.theme or (mesa.territory.name if mesa.territory_id else "")
        # Only published indicators: their sheet on the portal is disclosure-controlled.
        node.indicators = [
            {"code": code, "name": name}
            for code, name in mesa.indicators.filter(
                publications__municipality_id=mesa.municipality_id, publications__is_public=True
            ).values_list("code", "name")
        ]
        node.updated_at = timezone.now()
        node.save()
    return node


def sync_problem(problem: Problem) -> None:
    """A public problem with a planned response: its node and its plan's actions (cancelled ones left out)."""
    key = f"problema:{problem.pk}"
    if problem.is_private or problem.status not in PLANNED_OR_LATER or problem.duplicate_of_id:
        PublicCommitment.objects.filter(key=key).delete()  # its actions go with it
        return
    node, _created = PublicCommitment.objects.update_or_create(
        key=key,
        defaults={
            "municipality_id": problem.municipality_id,
            "kind": "problema",
            "title": problem.title,
            "institution": problem.agency_responsible,
            "status": problem.status,
            "status_label": problem.get_status_display(),
            "progress": float(PROBLEM_PROGRESS[Status(problem.status)]),
            "reference": problem.reference,
            "updated_at": problem.updated_at,
        },
    )
    actions = list(ResponseAction.objects.filter(sara__problem=problem).exclude(status=ActionStatus.CANCELLED))
    kept = []
    for action in actions:
        kept.append(f"accion:{action.pk}")
        PublicCommitment.objects.update_or_create(
            key=f"accion:{action.pk}",
            defaults={
                "municipality_id": problem.municipality_id,
                "parent": node,
                "kind": "accion",
                "title": action.description,
                "institution": action.institution,
                "status": action.status,
                "status_label": action.get_status_display(),
                "progress": float(ACTION_PROGRESS[ActionStatus(action.status)]),
                "deadline": action.deadline,
                "overdue": action.status != ActionStatus.DONE and action.deadline < _today(),
                "updated_at": timezone.now(),
            },
        )
    PublicCommitment.objects.filter(parent=node).exclude(key__in=kept).delete()
    if actions and problem.status != Status.CLOSED:
        node.progress = sum(ACTION_PROGRESS[ActionStatus(a.status)] for a in actions) / len(actions)
        node.save(update_fields=["progress"])


def rebuild(municipality) -> int:
    """The whole tree of a municipality again (the CLI and the demo); returns its size."""
    PublicCommitment.objects.filter(municipality=municipality).delete()
    for agreement in Agreement.objects.filter(mesa__municipality=municipality).select_related("mesa", "problem"):
        sync_agreement(agreement)
    for mesa in Mesa.objects.filter(municipality=municipality):
        sync_mesa(mesa)
    for problem in Problem.objects.filter(municipality=municipality, status__in=PLANNED_OR_LATER):
        sync_problem(problem)
    return PublicCommitment.objects.filter(municipality=municipality).count()


__all__ = ["AgreementStatus", "rebuild", "sync_agreement", "sync_mesa", "sync_problem"]
