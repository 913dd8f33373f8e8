"""A case's way from intake to closure: assignment from the team's queue, the case plan (service lines from the
catalogue), follow-ups and tasks, supervisor approvals of assessment, plan and closure, reopening, and the
escalation of what is overdue.

Each function checks what the records allow and says why not in Spanish (:class:`~.services.CaseError`), writes
the change log and recomputes the case's stage (:func:`~.services.touch`). Who may call which is decided by the
pages (:mod:`.access`); the functions also refuse a supervisor's act to anyone else.
"""

from __future__ import annotations

import datetime as dt

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.core.changelog import log_change
from atalaya.core.models import AccessGrant

from .access import CASE_TYPE, SUPERVISING_ROLES, supervises, supervision_emails
from .choices import ApprovalKind, ApprovalStatus, FollowUpKind, LineStatus, TransitionKind, TransitionStatus
from .models import Approval, Case, FollowUp, Service, ServiceLine, TeamMember, Transition
from .referrals import OPEN_STATUSES, overdue
from .services import CaseError, touch
from .stages import approved_kinds, cycle_start


def _open(case: Case) -> None:
    if case.closed_at is not None:
        raise CaseError(_("El caso está cerrado: reábralo antes de cambiarlo."))


def _log(case: Case, user, action: str, message: str, origin: str) -> None:
    log_change(user=user, action=action, obj=case, municipality=case.municipality, origin=origin, message=message)


def team_members(case: Case):
    """Who works in the case's team (to assign the case or a follow-up to)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(case_teams__team_id=case.team_id, is_active=True).order_by("username")


# --- assignment -------------------------------------------------------------------------------------------------


def may_assign(user, case: Case, to_user) -> bool:
    """A supervisor assigns anyone of the team; a team member may take a queued case for themselves."""
    if supervises(user, case):
        return True
    return (
        to_user is not None
        and to_user.pk == getattr(user, "pk", None)
        and case.owner_id is None
        and TeamMember.objects.filter(user=user, team_id=case.team_id).exists()
    )


@transaction.atomic
def assign(case: Case, to_user, *, user, origin: str = "cli") -> Transition:
    """Give the case a responsible worker of its team (an assignment is immediate: it is recorded as done)."""
    _open(case)
    if not team_members(case).filter(pk=to_user.pk).exists():
        raise CaseError(_("Solo se asigna a una persona del equipo del caso."))
    if not may_assign(user, case, to_user):
        raise CaseError(_("Solo la supervisión asigna casos; una gestora puede tomar un caso de la cola."))
    transition = Transition.objects.create(
        case=case,
        kind=TransitionKind.ASSIGNMENT,
        status=TransitionStatus.DONE,
        service=to_user.get_username(),
        to_user=to_user,
        created_by=user,
    )
    case.owner = to_user
    case.assigned_at = case.assigned_at or timezone.now()
    touch(case, "owner", "assigned_at")
    _log(case, user, "asignar", f"asignado a {to_user.get_username()}", origin)
    return transition


@transaction.atomic
def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Queued cases past their assignment deadline are marked escalated and their team's supervisors e-mailed
    (once per case). Run by ``atalaya cases escalate`` every few minutes; the inbox shows them anyway."""
    now = now or timezone.now()
    late = list(
        Case.objects.filter(
            closed_at__isnull=True, owner__isnull=True, assign_due_at__lt=now, escalated_at__isnull=True
        ).select_related("team", "person")
    )
    by_team: dict[int | None, list[Case]] = {}
    for case in late:
        case.escalated_at = now
        case.save(update_fields=["escalated_at"])  # not a change of the case's content: no new version
        _log(case, None, "escalar", "plazo de asignación vencido", "trabajo")
        by_team.setdefault(case.team_id, []).append(case)
    for team_id, cases in by_team.items():
        recipients = supervision_emails(team_id)
        if recipients:
            codes = ", ".join(c.person.code for c in cases)  # pseudonymous codes only: mail is not private
            send_mail(
                _("[Atalaya] %(n)s caso(s) sin asignar fuera de plazo") % {"n": len(cases)},
                _(
                    "Casos en la cola de su equipo cuyo plazo de asignación venció: %(codes)s.\n"
                    "Ábralos desde la bandeja de casos."
                )
                % {"codes": codes},
                None,
                recipients,
                fail_silently=True,
            )
    return len(late)


# --- case plan --------------------------------------------------------------------------------------------------


def services_for(case: Case):
    """The catalogue's current services a plan of this case may use."""
    services = Service.objects.filter(municipality_id=case.municipality_id, active=True).order_by("name")
    return [s for s in services if s.serves(case.module)]


@transaction.atomic
def add_service_line(
    case: Case, service: Service, *, goal: str, due_date: dt.date, user, origin: str = "cli"
) -> ServiceLine:
    _open(case)
    if service.municipality_id != case.municipality_id or not service.active or not service.serves(case.module):
        raise CaseError(_("Ese servicio no está en el catálogo vigente para este módulo."))
    if not goal.strip():
        raise CaseError(_("Escriba el objetivo de la línea del plan."))
    if due_date < timezone.localdate():
        raise CaseError(_("El plazo de una línea del plan no puede estar en el pasado."))
    line = ServiceLine.objects.create(case=case, service=service, goal=goal.strip(), due_date=due_date, created_by=user)
    _log(case, user, "plan", f"línea {line.pk}: {service.name} hasta {due_date}", origin)
    touch(case)
    return line


@transaction.atomic
def close_line(line: ServiceLine, status: str, *, user, reason: str = "", origin: str = "cli") -> ServiceLine:
    """Mark a plan line fulfilled or cancelled (a cancellation says why); a referral in progress is answered
    first."""
    _open(line.case)
    if status not in (LineStatus.DONE, LineStatus.CANCELLED):
        raise CaseError(_("Una línea del plan se marca cumplida o cancelada."))
    if not line.is_open:
        raise CaseError(_("Esa línea del plan ya está cerrada."))
    if status == LineStatus.CANCELLED and not reason.strip():
        raise CaseError(_("Cancelar una línea del plan necesita un motivo."))
    if line.transitions.filter(status__in=OPEN_STATUSES).exists():
        raise CaseError(_("Esa línea tiene una derivación en curso: regístrele primero la respuesta."))
    line.status, line.closed_at = status, timezone.now()
    line.save(update_fields=["status", "closed_at"])
    _log(line.case, user, "plan", f"línea {line.pk}: {line.get_status_display()} {reason.strip()}".strip(), origin)
    touch(line.case)
    return line


# --- follow-ups and tasks ---------------------------------------------------------------------------------------


@transaction.atomic
def add_follow_up(
    case: Case,
    *,
    description: str,
    due_date: dt.date,
    user,
    kind: str = FollowUpKind.CONTACT,
    assigned_to=None,
    origin: str = "cli",
) -> FollowUp:
    _open(case)
    if not description.strip():
        raise CaseError(_("Escriba qué hay que hacer."))
    assigned_to = assigned_to or case.owner or user
    if assigned_to is None:
        raise CaseError(_("Indique quién hace el seguimiento."))
    if not team_members(case).filter(pk=assigned_to.pk).exists() and assigned_to.pk != case.owner_id:
        raise CaseError(_("Un seguimiento se encarga a una persona del equipo del caso."))
    follow_up = FollowUp.objects.create(
        case=case,
        kind=kind,
        description=description.strip(),
        due_date=due_date,
        assigned_to=assigned_to,
        created_by=user,
    )
    _log(case, user, "seguimiento", f"{follow_up.get_kind_display()} {follow_up.pk} para {due_date}", origin)
    touch(case)
    return follow_up


@transaction.atomic
def complete_follow_up(follow_up: FollowUp, *, result: str, user, origin: str = "cli") -> FollowUp:
    if follow_up.done_at is not None:
        raise CaseError(_("Ese seguimiento ya está registrado como realizado."))
    if not result.strip():
        raise CaseError(_("Escriba el resultado del seguimiento."))
    follow_up.done_at, follow_up.done_by, follow_up.result = timezone.now(), user, result.strip()
    follow_up.save(update_fields=["done_at", "done_by", "result"])
    _log(follow_up.case, user, "seguimiento", f"{follow_up.pk} realizado", origin)  # the result stays encrypted
    touch(follow_up.case)
    return follow_up


# --- approvals, closure, reopening ------------------------------------------------------------------------------


def _closure_blockers(case: Case) -> list[str]:
    blockers = []
    if case.service_lines.filter(status__in=[LineStatus.PLANNED, LineStatus.IN_PROGRESS]).exists():
        blockers.append(_("hay líneas del plan abiertas (márquelas cumplidas o cancélelas)"))
    if case.transitions.filter(status__in=OPEN_STATUSES).exists():
        blockers.append(_("hay derivaciones o transferencias en curso"))
    if case.follow_ups.filter(done_at__isnull=True).exists():
        blockers.append(_("hay seguimientos pendientes"))
    return blockers


@transaction.atomic
def request_approval(
    case: Case, kind: str, *, user, note: str = "", outcome: str = "", origin: str = "cli"
) -> Approval:
    """Ask the team's supervision to approve the assessment (after a screening), the plan (after the assessment,
    with at least one line) or the closure (with its outcome, once nothing is pending)."""
    _open(case)
    if case.approvals.filter(kind=kind, status=ApprovalStatus.PENDING).exists():
        raise CaseError(_("Ya hay una solicitud de aprobación pendiente de ese tipo."))
    start, approved = cycle_start(case), approved_kinds(case)
    if kind == ApprovalKind.ASSESSMENT and not case.screenings.filter(screened_at__gte=start).exists():
        raise CaseError(_("La evaluación se aprueba después de un tamizaje."))
    if kind == ApprovalKind.PLAN:
        if ApprovalKind.ASSESSMENT not in approved:
            raise CaseError(_("El plan se aprueba después de la evaluación."))
        lines = case.service_lines.filter(created_at__gte=start).exclude(status=LineStatus.CANCELLED)
        if not lines.exists():
            raise CaseError(_("El plan necesita al menos una línea de servicio."))
    if kind == ApprovalKind.CLOSURE:
        if not outcome:
            raise CaseError(_("Indique el resultado con que se cierra el caso."))
        blockers = _closure_blockers(case)
        if blockers:
            raise CaseError(_("No se puede pedir el cierre: %(reasons)s.") % {"reasons": "; ".join(blockers)})
    elif outcome:
        outcome = ""
    approval = Approval.objects.create(case=case, kind=kind, note=note.strip(), outcome=outcome, requested_by=user)
    _log(case, user, "aprobacion", f"solicitud de aprobación: {approval.get_kind_display()}", origin)
    touch(case)
    return approval


@transaction.atomic
def decide(approval: Approval, approve: bool, *, user, comment: str = "", origin: str = "cli") -> Approval:
    """A supervisor of the case's team approves or returns (with observations). Nobody approves their own
    request. An approved closure closes the case with its outcome."""
    case = approval.case
    if approval.status != ApprovalStatus.PENDING:
        raise CaseError(_("Esa solicitud ya fue resuelta."))
    if not supervises(user, case):
        raise CaseError(_("Solo la supervisión o coordinación del equipo aprueba."))
    if approval.requested_by_id is not None and approval.requested_by_id == user.pk:
        raise CaseError(_("Nadie aprueba su propia solicitud: debe hacerlo otra persona de la supervisión."))
    if not approve and not comment.strip():
        raise CaseError(_("Para devolver una solicitud escriba las observaciones."))
    fields: list[str] = []
    if approve and approval.kind == ApprovalKind.CLOSURE:
        blockers = _closure_blockers(case)
        if blockers:
            raise CaseError(_("No se puede cerrar: %(reasons)s.") % {"reasons": "; ".join(blockers)})
        case.closed_at, case.closure_outcome = timezone.now(), approval.outcome
        fields = ["closed_at", "closure_outcome"]
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.RETURNED
    approval.decided_by, approval.decided_at, approval.comment = user, timezone.now(), comment.strip()
    approval.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    _log(case, user, "aprobacion", f"{approval.get_kind_display()}: {approval.get_status_display()}", origin)
    touch(case, *fields)
    return approval


def reopen(case: Case, *, user, reason: str, origin: str = "cli") -> None:
    from .services import reopen_case

    if case.closed_at is None:
        raise CaseError(_("El caso ya está abierto."))
    if not reason.strip():
        raise CaseError(_("Escriba por qué se reabre el caso."))
    with transaction.atomic():
        reopen_case(case, user=user, reason=reason.strip(), origin=origin)


# --- the inbox --------------------------------------------------------------------------------------------------

INBOX_LIMIT = 25  # per section: the most urgent first; the count says how many more
INBOX_COUNT_CAP = 1000  # counted up to here («1000+»): beyond, the number changes nothing for the reader


def inbox(user, *, now: dt.datetime | None = None) -> dict:
    """What is due for ``user``, most urgent first: the queue of their teams, their follow-ups, transfers waiting
    for their answer, approvals they must decide, and — for supervisors — their teams' overdue follow-ups and
    referrals. Each list is cut at :data:`INBOX_LIMIT` and comes with its full count.

    Everything is bounded by the user's teams (and their own cases), which their scope always includes: plain
    filters on indexed columns rather than a sub-query of every case they may read."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    memberships = list(TeamMember.objects.filter(user=user).values_list("team_id", "role"))
    teams = [team for team, _role in memberships]
    supervised = [team for team, role in memberships if role in SUPERVISING_ROLES]
    mine = Q(case__team_id__in=teams) | Q(case__owner=user)
    sections = {
        "queue": Case.objects.filter(team_id__in=teams, owner__isnull=True, closed_at__isnull=True)
        .select_related("person", "team")
        .order_by("assign_due_at", "pk"),
        "follow_ups": FollowUp.objects.filter(
            mine, assigned_to=user, done_at__isnull=True, case__closed_at__isnull=True
        )
        .select_related("case__person")
        .order_by("due_date", "pk"),
        "transfers": Transition.objects.filter(  # addressed to them: theirs to answer before the case is
            to_user=user, kind=TransitionKind.TRANSFER, status=TransitionStatus.IN_PROGRESS
        )
        .select_related("case__person", "created_by")
        .order_by("created_at", "pk"),
        "approvals": Approval.objects.filter(case__team_id__in=supervised, status=ApprovalStatus.PENDING)
        .exclude(requested_by=user)
        .select_related("case__person", "requested_by")
        .order_by("requested_at", "pk"),
        "team_overdue": FollowUp.objects.filter(
            case__team_id__in=supervised, case__closed_at__isnull=True, done_at__isnull=True, due_date__lt=today
        )
        .exclude(assigned_to=user)
        .select_related("case__person", "assigned_to")
        .order_by("due_date", "pk"),
        "overrides": Transition.objects.filter(  # referrals without consent: supervision reviews each one
            case__team_id__in=supervised, consent_overridden=True, created_at__gte=now - dt.timedelta(days=30)
        )
        .select_related("case__person", "created_by")
        .order_by("-created_at", "-pk"),
        "referrals_overdue": overdue(today)
        .filter(Q(case__owner=user) | Q(case__team_id__in=supervised), case__closed_at__isnull=True)
        .select_related("case__person"),
    }
    boxes: dict = {"supervised": supervised}
    for name, queryset in sections.items():
        items = list(queryset[:INBOX_LIMIT])
        # a short list is its own count; a full one is counted (up to the cap, without the order)
        count = len(items) if len(items) < INBOX_LIMIT else queryset.order_by()[: INBOX_COUNT_CAP + 1].count()
        boxes[name] = {"items": items, "count": f"{INBOX_COUNT_CAP}+" if count > INBOX_COUNT_CAP else count}
    emergencies = recent_emergencies(supervised, since=now - dt.timedelta(days=7))
    boxes["emergencies"] = {"items": emergencies[:INBOX_LIMIT], "count": len(emergencies)}
    return boxes


def recent_emergencies(teams: list[int], *, since: dt.datetime) -> list[AccessGrant]:
    """Emergency accesses to the cases of ``teams`` since a date, newest first (grants name their case by id:
    the few recent grants of the teams' municipalities are read, then kept if their case is of the teams)."""
    if not teams:
        return []
    grants = list(
        AccessGrant.objects.filter(
            object_type=CASE_TYPE,
            granted_at__gte=since,
            municipality__in=TeamMember.objects.filter(team_id__in=teams).values("team__municipality"),
        )
        .select_related("user")
        .order_by("-granted_at")
    )
    ids = {int(g.object_id) for g in grants if g.object_id.isdigit()}
    ours = {str(pk) for pk in Case.objects.filter(pk__in=ids, team_id__in=teams).values_list("pk", flat=True)}
    return [g for g in grants if g.object_id in ours]
