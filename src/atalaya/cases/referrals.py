"""Consents and transitions (referrals, transfers, assignments): the consent gate and the states, in one place.

A referral leaves only with the consents its module asks for (children: to receive services and to share data
with other institutions; violence against women: to receive services), unless a supervisor or coordinator of the
case's team authorises it with a reason — written to the change log and shown on the case.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from atalaya.core.changelog import log_change

from .choices import ConsentPurpose, Module, TeamRole, TransitionKind, TransitionStatus
from .models import Case, Consent, TeamMember, Transition
from .services import CaseError

#: The consents each module requires before a referral or transfer leaves.
REQUIRED_CONSENTS = {
    Module.CHILDREN: (ConsentPurpose.SERVICES, ConsentPurpose.SHARE),
    Module.WOMEN: (ConsentPurpose.SERVICES,),
    Module.FAMILY: (ConsentPurpose.SERVICES, ConsentPurpose.SHARE),
    Module.OLDER: (ConsentPurpose.SERVICES,),
}
#: Allowed moves: from a status, to the statuses it may reach.
MOVES = {
    TransitionStatus.IN_PROGRESS: {TransitionStatus.ACCEPTED, TransitionStatus.REJECTED, TransitionStatus.REVOKED},
    TransitionStatus.ACCEPTED: {TransitionStatus.DONE, TransitionStatus.REVOKED},
}
OVERRIDE_ROLES = (TeamRole.SUPERVISOR, TeamRole.COORDINATOR)


def record_consent(case: Case, purpose: str, given: bool, *, given_by: str, user=None, origin: str = "cli") -> Consent:
    """A consent given or refused (the latest of each purpose counts; earlier ones stay as history)."""
    if not given_by.strip():
        raise CaseError("Indique quién otorga o niega el consentimiento.")
    consent = Consent.objects.create(
        case=case, purpose=purpose, given=given, given_by=given_by.strip(), recorded_by=user
    )
    log_change(
        user=user,
        action="consentimiento",
        obj=case,
        municipality=case.municipality,
        origin=origin,
        message=f"{consent.get_purpose_display()}: {'otorgado' if given else 'negado'}",
    )
    return consent


def missing_consents(case: Case) -> list[str]:
    """The purposes the module requires whose latest record is not a consent given."""
    latest: dict[str, bool] = {}
    for consent in case.consents.order_by("recorded_at", "pk"):
        latest[consent.purpose] = consent.given
    return [purpose for purpose in REQUIRED_CONSENTS[case.module] if not latest.get(purpose)]


def may_override_consent(user, case: Case) -> bool:
    return bool(user and user.is_authenticated) and (
        user.is_superuser
        or TeamMember.objects.filter(user=user, team_id=case.team_id, role__in=list(OVERRIDE_ROLES)).exists()
    )


@transaction.atomic
def refer(
    case: Case,
    *,
    service: str,
    user,
    kind: str = TransitionKind.REFERRAL,
    to_user=None,
    due_date: dt.date | None = None,
    override_reason: str = "",
    origin: str = "cli",
) -> Transition:
    """Start a referral or transfer; refused while a required consent is missing, unless authorised."""
    if case.closed_at is not None:
        raise CaseError("El caso está cerrado: reábralo con un ingreso antes de derivar.")
    missing = missing_consents(case) if kind != TransitionKind.ASSIGNMENT else []
    overridden = False
    if missing:
        labels = ", ".join(str(ConsentPurpose(p).label).lower() for p in missing)
        if not override_reason.strip():
            raise CaseError(
                f"Falta el consentimiento para: {labels}. Regístrelo o pida la autorización de supervisión."
            )
        if not may_override_consent(user, case):
            raise CaseError(
                "Solo una supervisora o coordinadora del equipo autoriza una derivación sin consentimiento."
            )
        overridden = True
    transition = Transition.objects.create(
        case=case,
        kind=kind,
        service=service,
        to_user=to_user,
        due_date=due_date,
        consent_overridden=overridden,
        override_reason=override_reason.strip() if overridden else "",
        created_by=user,
    )
    log_change(
        user=user,
        action=kind,
        obj=case,
        municipality=case.municipality,
        origin=origin,
        message=f"{transition.get_kind_display()} a «{service}»"
        + (" SIN CONSENTIMIENTO, autorizada: " + transition.override_reason if overridden else ""),
    )
    return transition


@transaction.atomic
def move(transition: Transition, to_status: str, *, user, reason: str = "", origin: str = "cli") -> Transition:
    """Accept, reject (with a reason), complete or revoke; any other move is refused with the reason."""
    allowed = MOVES.get(transition.status, set())
    if to_status not in allowed:
        raise CaseError(
            f"Una derivación «{transition.get_status_display()}» no pasa a «{TransitionStatus(to_status).label}»."
        )
    if to_status in (TransitionStatus.REJECTED, TransitionStatus.REVOKED) and not reason.strip():
        raise CaseError("Rechazar o revocar una derivación necesita un motivo.")
    transition.status = to_status
    transition.response_reason = reason.strip()
    transition.save(update_fields=["status", "response_reason", "updated_at"])
    log_change(
        user=user,
        action="derivacion:" + to_status,
        obj=transition.case,
        municipality=transition.case.municipality,
        origin=origin,
        message=f"{transition.get_kind_display()} {transition.pk}: {transition.get_status_display()}"
        + (f" ({transition.response_reason})" if transition.response_reason else ""),
    )
    if to_status == TransitionStatus.ACCEPTED and transition.kind == TransitionKind.TRANSFER and transition.to_user:
        case = transition.case
        case.owner = transition.to_user
        case.version += 1
        case.save(update_fields=["owner", "version"])
    return transition


def overdue(cases, today: dt.date | None = None):
    """Referrals still open past their due date, for the inbox (oldest first)."""
    today = today or timezone.localdate()
    return (
        Transition.objects.filter(case__in=cases, due_date__lt=today)
        .filter(status__in=[TransitionStatus.IN_PROGRESS, TransitionStatus.ACCEPTED])
        .order_by("due_date", "pk")
    )
