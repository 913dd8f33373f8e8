"""Consents and transitions (referrals and transfers; assignments are in :mod:`.workflow`): the consent gate and
the states, in one place.

A referral leaves only with the consents its module asks for (children: to receive services and to share data
with other institutions; violence against women: to receive services), unless a supervisor or coordinator of the
case's team authorises it with a reason — written to the change log and shown on the case.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.core.changelog import log_change

from .access import supervises
from .choices import ConsentPurpose, LineStatus, Module, TransitionKind, TransitionStatus
from .models import Case, Consent, ServiceLine, TeamMember, Transition
from .services import CaseError, touch

#: The consents each module requires before a referral or transfer leaves.
REQUIRED_CONSENTS = {
    Module.CHILDREN: (ConsentPurpose.SERVICES, ConsentPurpose.SHARE),
    Module.WOMEN: (ConsentPurpose.SERVICES,),
    Module.FAMILY: (ConsentPurpose.SERVICES, ConsentPurpose.SHARE),
    Module.OLDER: (ConsentPurpose.SERVICES,),
}
#: A transition still waiting for an answer or for its service to be done.
OPEN_STATUSES = (TransitionStatus.IN_PROGRESS, TransitionStatus.ACCEPTED)
#: Allowed moves: from a status, to the statuses it may reach.
MOVES = {
    TransitionStatus.IN_PROGRESS: {TransitionStatus.ACCEPTED, TransitionStatus.REJECTED, TransitionStatus.REVOKED},
    TransitionStatus.ACCEPTED: {TransitionStatus.DONE, TransitionStatus.REVOKED},
}


@transaction.atomic
def record_consent(case: Case, purpose: str, given: bool, *, given_by: str, user=None, origin: str = "cli") -> Consent:
    """A consent given or refused (the latest of each purpose counts; earlier ones stay as history)."""
    if not given_by.strip():
        raise CaseError(_("Indique quién otorga o niega el consentimiento."))
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
    touch(case)
    return consent


def missing_consents(case: Case) -> list[str]:
    """The purposes the module requires whose latest record is not a consent given."""
    latest: dict[str, bool] = {}
    for consent in case.consents.order_by("recorded_at", "pk"):
        latest[consent.purpose] = consent.given
    return [purpose for purpose in REQUIRED_CONSENTS[case.module] if not latest.get(purpose)]


def may_override_consent(user, case: Case) -> bool:
    return supervises(user, case)


@transaction.atomic
def refer(
    case: Case,
    *,
    user,
    kind: str = TransitionKind.REFERRAL,
    service_line: ServiceLine | None = None,
    service: str = "",
    to_user=None,
    due_date: dt.date | None = None,
    override_reason: str = "",
    origin: str = "cli",
) -> Transition:
    """Start a referral (to the provider of a plan line) or a transfer (to another worker); refused while a
    required consent is missing, unless a supervisor authorises it with a reason."""
    if case.closed_at is not None:
        raise CaseError(_("El caso está cerrado: reábralo antes de derivar."))
    if kind == TransitionKind.REFERRAL:
        if service_line is None or service_line.case_id != case.pk:
            raise CaseError(_("Una derivación se hace desde una línea del plan del caso."))
        if not service_line.is_open:
            raise CaseError(_("Esa línea del plan ya está cumplida o cancelada."))
        if service_line.transitions.filter(status__in=OPEN_STATUSES).exists():
            raise CaseError(_("Esa línea del plan ya tiene una derivación en curso."))
        service = service_line.service.name + " · " + service_line.service.provider
        due_date = due_date or service_line.due_date
    elif kind == TransitionKind.TRANSFER:
        if to_user is None or not receivers(case).filter(pk=to_user.pk).exists():
            raise CaseError(_("Una transferencia va a otra persona de un equipo del mismo módulo y municipio."))
        if to_user.pk == case.owner_id:
            raise CaseError(_("Esa persona ya es la responsable del caso."))
        service = service or to_user.get_username()
    else:
        raise CaseError(_("Las asignaciones se hacen desde la bandeja del equipo."))
    missing = missing_consents(case)
    overridden = False
    if missing:
        labels = ", ".join(str(ConsentPurpose(p).label).lower() for p in missing)
        if not override_reason.strip():
            raise CaseError(
                _("Falta el consentimiento para: %(purposes)s. Regístrelo o pida la autorización de supervisión.")
                % {"purposes": labels}
            )
        if not may_override_consent(user, case):
            raise CaseError(
                _("Solo una supervisora o coordinadora del equipo autoriza una derivación sin consentimiento.")
            )
        overridden = True
    transition = Transition.objects.create(
        case=case,
        kind=kind,
        service=service[:200],
        service_line=service_line,
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
    touch(case)
    return transition


def receivers(case: Case):
    """Who may receive a transfer of this case: members of the teams of its module in its municipality."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            case_teams__team__municipality_id=case.municipality_id,
            case_teams__team__module=case.module,
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def may_answer(user, transition: Transition) -> bool:
    """The receiver of a transfer answers it; a referral's answer is recorded by the case's team."""
    from .access import can_edit

    if transition.kind == TransitionKind.TRANSFER and transition.status == TransitionStatus.IN_PROGRESS:
        return transition.to_user_id == getattr(user, "pk", None) or supervises(user, transition.case)
    return can_edit(user, transition.case)


#: What a referral's answer does to its plan line.
LINE_AFTER = {
    TransitionStatus.ACCEPTED: LineStatus.IN_PROGRESS,
    TransitionStatus.DONE: LineStatus.DONE,
    TransitionStatus.REJECTED: LineStatus.PLANNED,
    TransitionStatus.REVOKED: LineStatus.PLANNED,
}


@transaction.atomic
def move(transition: Transition, to_status: str, *, user, reason: str = "", origin: str = "cli") -> Transition:
    """Accept, reject (with a reason), complete or revoke; any other move is refused with the reason. The plan
    line follows its referral; an accepted transfer hands the case to its receiver (and their team)."""
    allowed = MOVES.get(transition.status, set())
    if to_status not in allowed:
        raise CaseError(
            _("Una derivación «%(from)s» no pasa a «%(to)s».")
            % {"from": transition.get_status_display(), "to": TransitionStatus(to_status).label}
        )
    if to_status in (TransitionStatus.REJECTED, TransitionStatus.REVOKED) and not reason.strip():
        raise CaseError(_("Rechazar o revocar una derivación necesita un motivo."))
    if transition.kind == TransitionKind.TRANSFER and to_status == TransitionStatus.ACCEPTED:
        to_status = TransitionStatus.DONE  # a transfer is done when its receiver takes the case
    transition.status = to_status
    transition.response_reason = reason.strip()
    transition.save(update_fields=["status", "response_reason", "updated_at"])
    case = transition.case
    log_change(
        user=user,
        action="derivacion:" + to_status,
        obj=case,
        municipality=case.municipality,
        origin=origin,
        message=f"{transition.get_kind_display()} {transition.pk}: {transition.get_status_display()}"
        + (f" ({transition.response_reason})" if transition.response_reason else ""),
    )
    line = transition.service_line
    if line is not None and line.is_open:
        line.status = LINE_AFTER[to_status]
        line.closed_at = timezone.now() if line.status == LineStatus.DONE else None
        line.save(update_fields=["status", "closed_at"])
    fields: list[str] = []
    if transition.kind == TransitionKind.TRANSFER and to_status == TransitionStatus.DONE:
        receiver = transition.to_user
        case.owner, case.assigned_at = receiver, case.assigned_at or timezone.now()
        fields += ["owner", "assigned_at"]
        membership = TeamMember.objects.filter(
            user=receiver, team__municipality_id=case.municipality_id, team__module=case.module
        ).first()
        if membership is not None and not TeamMember.objects.filter(user=receiver, team_id=case.team_id).exists():
            case.team_id = membership.team_id
            fields.append("team")
    touch(case, *fields)
    return transition


def overdue(today: dt.date | None = None):
    """Referrals and transfers still open past their due date (oldest first); the inbox narrows them to a user."""
    today = today or timezone.localdate()
    return Transition.objects.filter(status__in=OPEN_STATUSES, due_date__lt=today).order_by("due_date", "pk")
