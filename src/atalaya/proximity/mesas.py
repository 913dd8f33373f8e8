"""Mesas de trabajo: tables of a territory or theme, their sessions (ordinary, extraordinary and agile calls
about one problem), agenda, attendance, minutes approved by the members present, and agreements followed up to
their end, with reminders before the deadline and escalation after it (``atalaya problems remind``, for cron).

Every change writes the change log and keeps the public accountability tree in step
(:mod:`atalaya.proximity.accountability`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.core.changelog import log_change

from . import accountability, participation
from .choices import DEFAULT_PROGRESS, AgreementStatus, MinutesStatus, SessionKind, SessionStatus
from .models import (
    AgendaItem,
    Agreement,
    AgreementUpdate,
    Attendance,
    Mesa,
    MesaSession,
    Problem,
    ProximityOfficer,
)

#: Days before the deadline an agreement's owner institution is reminded.
REMIND_DAYS = 3
CLOSED_STATUSES = {AgreementStatus.DONE, AgreementStatus.FAILED, AgreementStatus.CANCELLED}


def _user(user):
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def call_session(
    mesa: Mesa,
    *,
    starts_at: dt.datetime,
    user,
    kind: str = SessionKind.ORDINARY,
    place: str = "",
    problem: Problem | None = None,
    agenda: list[dict] | None = None,
    notify: bool = True,
    now: dt.datetime | None = None,
) -> MesaSession:
    """Convene a session: its agenda (items may carry a problem or an alert), the members as invitees, and the
    invitation e-mails (sent after the commit). An agile call is about one problem and may be hours away."""
    now = now or timezone.now()
    if starts_at < now - dt.timedelta(minutes=5):
        raise ValidationError(_("La sesión no puede convocarse en el pasado."))
    if kind == SessionKind.AGILE and problem is None:
        raise ValidationError(_("Una convocatoria ágil es por un problema: elíjalo."))
    if problem is not None and problem.municipality_id != mesa.municipality_id:
        raise ValidationError(_("El problema es de otro municipio."))
    session = MesaSession.objects.create(
        mesa=mesa,
        kind=kind,
        starts_at=starts_at,
        place=place.strip()[:200],
        problem=problem,
        created_by=_user(user),
        invited_at=now if notify else None,
    )
    items = list(agenda or [])
    if problem is not None and not any(i.get("problem") == problem for i in items):
        items.insert(0, {"title": problem.title, "problem": problem})
    for order, item in enumerate(items):
        AgendaItem.objects.create(
            session=session,
            order=order,
            title=item["title"][:200],
            problem=item.get("problem"),
            alert=item.get("alert"),
            minutes=item.get("minutes", 15),
        )
    for member in mesa.members.filter(active=True):
        Attendance.objects.create(session=session, member=member, institution=member.institution)
    log_change(
        user=user,
        action="convocar",
        obj=session,
        municipality=mesa.municipality,
        message=f"{mesa.name}: sesión {SessionKind(kind).label} el {timezone.localtime(starts_at):%Y-%m-%d %H:%M}",
    )
    if notify:
        transaction.on_commit(lambda: invite(session))
    return session


@transaction.atomic
def add_agenda_item(session: MesaSession, *, user, title: str = "", problem=None, alert=None, minutes: int = 15):
    """A point on the agenda: a theme, a problem or an alert of the mesa's municipality (titled after it)."""
    municipality_id = session.mesa.municipality_id
    if problem is not None and problem.municipality_id != municipality_id:
        raise ValidationError(_("El problema es de otro municipio."))
    if alert is not None and alert.municipality_id != municipality_id:
        raise ValidationError(_("La alerta es de otro municipio."))
    title = title.strip() or (problem.title if problem else str(alert) if alert else "")
    if not title:
        raise ValidationError(_("Indique el tema, un problema o una alerta."))
    item = AgendaItem.objects.create(
        session=session,
        order=session.agenda.count(),
        title=title[:200],
        problem=problem,
        alert=alert,
        minutes=minutes,
    )
    log_change(
        user=user,
        action="tabla",
        obj=session,
        municipality=session.mesa.municipality,
        message=f"{session}: a la tabla «{item.title}»",
    )
    return item


def next_session_due(mesa: Mesa, today: dt.date | None = None) -> dt.date | None:
    """When the schedule says the mesa meets next: ``every_days`` after its last ordinary session held or called
    (today when it never met, or when that day has passed without a session called)."""
    today = today or timezone.localdate()
    last = (
        mesa.sessions.filter(kind=SessionKind.ORDINARY)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    if last is None:
        return today
    due = timezone.localdate(last) + dt.timedelta(days=mesa.every_days)
    return max(due, today) if timezone.localdate(last) <= today else None


def invite(session: MesaSession) -> int:
    """E-mail each active member with an address: when, where, what for."""
    when = timezone.localtime(session.starts_at)
    lines = [
        _("%(mesa)s convoca a sesión %(kind)s el %(when)s en %(place)s.")
        % {
            "mesa": session.mesa.name,
            "kind": SessionKind(session.kind).label,
            "when": f"{when:%d-%m-%Y %H:%M}",
            "place": session.place or _("lugar por confirmar"),
        },
        _("Tabla:"),
        *[f"- {item.title}" for item in session.agenda.all()],
    ]
    sent = 0
    for member in session.mesa.members.filter(active=True):
        if member.email:
            subject = _("Convocatoria: %(mesa)s, %(when)s") % {"mesa": session.mesa.name, "when": f"{when:%d-%m %H:%M}"}
            sent += send_mail(subject, "\n".join(lines), None, [member.email], fail_silently=True)
    return sent


@transaction.atomic
def record_attendance(
    session: MesaSession, *, present: list[int], user, guests: list[tuple[str, str]] = (), community: int = 0
) -> None:
    """Who came (member ids), guests (name, institution) and how many neighbours; the session is held."""
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("La sesión fue cancelada."))
    session.attendance.filter(member__isnull=False).update(present=False)
    session.attendance.filter(member_id__in=present).update(present=True)
    for name, institution in guests:
        if name.strip():
            Attendance.objects.create(
                session=session, guest_name=name.strip()[:120], institution=institution.strip()[:160], present=True
            )
    MesaSession.objects.filter(pk=session.pk).update(
        status=SessionStatus.HELD, community_attendees=max(0, community), version=session.version + 1
    )
    log_change(
        user=user,
        action="asistencia",
        obj=session,
        municipality=session.mesa.municipality,
        message=f"{session}: {len(present)} integrante(s), {len(guests)} invitado(s), {community} vecino(s)",
    )


@transaction.atomic
def write_minutes(session: MesaSession, *, text: str, user, version: int | None = None) -> None:
    """The draft minutes; writing them again clears the approvals (members approve what they read)."""
    if version is not None and version != session.version:
        raise ValidationError(_("Otra persona cambió el acta mientras la editaba. Revise y vuelva a intentar."))
    if session.minutes_status == MinutesStatus.APPROVED:
        raise ValidationError(_("El acta ya fue aprobada; no se cambia."))
    if not text.strip():
        raise ValidationError(_("El acta está vacía."))
    session.attendance.update(approved_minutes_at=None)
    MesaSession.objects.filter(pk=session.pk).update(
        minutes=text.strip(), minutes_status=MinutesStatus.DRAFT, version=session.version + 1
    )
    log_change(
        user=user,
        action="acta",
        obj=session,
        municipality=session.mesa.municipality,
        message=f"Acta de {session} (borrador)",
    )


@transaction.atomic
def approve_minutes(session: MesaSession, *, user, now: dt.datetime | None = None) -> bool:
    """A member who was present approves the draft; with half the members present approving, the minutes are
    approved. Returns whether they are approved now."""
    now = now or timezone.now()
    if session.minutes_status != MinutesStatus.DRAFT:
        raise ValidationError(_("No hay un acta en borrador que aprobar."))
    seat = session.attendance.filter(member__user=user, present=True).first()
    if seat is None:
        raise ValidationError(_("Solo aprueban el acta los integrantes que asistieron."))
    seat.approved_minutes_at = now
    seat.save(update_fields=["approved_minutes_at"])
    present = session.attendance.filter(member__isnull=False, present=True)
    approved = present.filter(approved_minutes_at__isnull=False).count()
    done = approved * 2 >= present.count()
    if done:
        MesaSession.objects.filter(pk=session.pk).update(minutes_status=MinutesStatus.APPROVED, minutes_approved_at=now)
    log_change(
        user=user,
        action="acta",
        obj=session,
        municipality=session.mesa.municipality,
        message=f"Acta de {session}: aprobación de {seat.institution}" + (" (aprobada)" if done else ""),
    )
    return done


@transaction.atomic
def add_agreement(
    mesa: Mesa,
    *,
    title: str,
    owner: str,
    institution: str,
    deadline: dt.date,
    user,
    session: MesaSession | None = None,
    problem: Problem | None = None,
    description: str = "",
    is_public: bool = True,
    weight: int = 1,
    now: dt.datetime | None = None,
) -> Agreement:
    now = now or timezone.now()
    if not title.strip() or not owner.strip() or not institution.strip():
        raise ValidationError(_("Un acuerdo necesita qué, quién y qué institución."))
    if problem is not None and problem.municipality_id != mesa.municipality_id:
        raise ValidationError(_("El problema es de otro municipio."))
    if session is not None and session.mesa_id != mesa.pk:
        raise ValidationError(_("La sesión es de otra mesa."))
    agreement = Agreement.objects.create(
        mesa=mesa,
        session=session,
        problem=problem,
        title=title.strip()[:200],
        owner=owner.strip()[:120],
        institution=institution.strip()[:160],
        deadline=deadline,
        description=description.strip(),
        is_public=is_public,
        weight=max(1, weight),
    )
    AgreementUpdate.objects.create(
        agreement=agreement,
        status=agreement.status,
        progress=0,
        text=_("Acuerdo tomado."),
        created_by=_user(user),
        created_at=now,
    )
    log_change(
        user=user,
        action="acuerdo",
        obj=agreement,
        municipality=mesa.municipality,
        message=f"{mesa.name}: «{agreement.title}» ({agreement.institution}, {deadline})",
    )
    accountability.sync_agreement(agreement)
    return agreement


@transaction.atomic
def update_agreement(
    agreement: Agreement,
    *,
    status: str,
    user,
    progress: int | None = None,
    text: str = "",
    evidence: str = "",
    version: int | None = None,
    now: dt.datetime | None = None,
) -> AgreementUpdate:
    """A new status and progress (by default the status's), with a note and evidence; closing needs evidence
    when the agreement is kept, and a reason otherwise."""
    now = now or timezone.now()
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if version is not None and version != agreement.version:
        raise ValidationError(_("Otra persona cambió este acuerdo mientras lo veía. Revise y vuelva a intentar."))
    status = AgreementStatus(status)
    if progress is None:
        progress = DEFAULT_PROGRESS[status]
    if status == AgreementStatus.DONE:
        progress = 100
    if not 0 <= progress <= 100:
        raise ValidationError(_("El avance va de 0 a 100."))
    if status == AgreementStatus.DONE and not (evidence.strip() or agreement.evidence):
        raise ValidationError(_("Para dar un acuerdo por cumplido, indique la evidencia."))
    if status in (AgreementStatus.FAILED, AgreementStatus.CANCELLED) and not text.strip():
        raise ValidationError(_("Escriba por qué no se cumplió o se canceló."))
    agreement.status, agreement.progress = status, progress
    if evidence.strip():
        agreement.evidence = evidence.strip()
    agreement.closed_at = now if status in CLOSED_STATUSES else None
    agreement.version += 1
    agreement.save()
    update = AgreementUpdate.objects.create(
        agreement=agreement, status=status, progress=progress, text=text.strip(), created_by=_user(user), created_at=now
    )
    log_change(
        user=user,
        action="acuerdo",
        obj=agreement,
        municipality=agreement.mesa.municipality,
        message=f"«{agreement.title}»: {status.label}, {progress} %",
    )
    accountability.sync_agreement(agreement)
    if agreement.is_public and agreement.mesa.is_public:
        news = f"{agreement.title}: {status.label}, {progress} %" + (f"\n{update.text}" if update.text else "")
        transaction.on_commit(
            lambda: participation.notify_followers(
                agreement.mesa.municipality_id, f"acuerdo:{agreement.pk}", agreement.title, news
            )
        )
        transaction.on_commit(
            lambda: participation.notify_followers(
                agreement.mesa.municipality_id, f"mesa:{agreement.mesa_id}", agreement.mesa.name, news
            )
        )
    return update


def remind_and_escalate(now: dt.datetime | None = None, municipality=None) -> dict[str, int]:
    """Remind the members of the owner institution (and the chair) of agreements due within ``REMIND_DAYS``;
    escalate overdue ones to the municipality's proximity coordinators. Each once. Run by cron
    (``atalaya problems remind``) or as a worker job from the mesas page (one municipality)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"recordados": 0, "escalados": 0, "correos": 0}
    scope = {"mesa__municipality": municipality} if municipality is not None else {}
    due = Agreement.objects.filter(
        status__in=[AgreementStatus.PENDING, AgreementStatus.ONGOING],
        reminded_at__isnull=True,
        deadline__lte=today + dt.timedelta(days=REMIND_DAYS),
        deadline__gte=today,
        **scope,
    ).select_related("mesa__chair")
    for agreement in due:
        emails = {
            m.email
            for m in agreement.mesa.members.filter(active=True)
            if m.email and _same(m.institution, agreement.institution)
        }
        if agreement.mesa.chair and agreement.mesa.chair.email:
            emails.add(agreement.mesa.chair.email)
        subject = _("Recordatorio: «%(title)s» vence el %(deadline)s") % {
            "title": agreement.title,
            "deadline": f"{agreement.deadline:%d-%m-%Y}",
        }
        counts["correos"] += _mail(subject, agreement, emails)
        Agreement.objects.filter(pk=agreement.pk).update(reminded_at=now)
        counts["recordados"] += 1
    overdue = Agreement.objects.filter(
        status__in=[AgreementStatus.PENDING, AgreementStatus.ONGOING],
        escalated_at__isnull=True,
        deadline__lt=today,
        **scope,
    ).select_related("mesa__municipality")
    for agreement in overdue:
        coordinators = ProximityOfficer.objects.filter(municipality=agreement.mesa.municipality, is_coordinator=True)
        emails = {o.user.email for o in coordinators.select_related("user") if o.user.email}
        subject = _("Acuerdo vencido: «%(title)s» (%(mesa)s)") % {"title": agreement.title, "mesa": agreement.mesa.name}
        counts["correos"] += _mail(subject, agreement, emails)
        Agreement.objects.filter(pk=agreement.pk).update(escalated_at=now)
        accountability.sync_agreement(agreement)  # its node is shown overdue
        counts["escalados"] += 1
    return counts


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _mail(subject: str, agreement: Agreement, emails: set[str]) -> int:
    if not emails:
        return 0
    base = getattr(settings, "ATALAYA_BASE_URL", "").rstrip("/")
    body = "\n".join(
        [
            f"{agreement.title} — {agreement.owner} ({agreement.institution})",
            _("Plazo: %(deadline)s · estado: %(status)s · avance: %(progress)s %%")
            % {
                "deadline": f"{agreement.deadline:%d-%m-%Y}",
                "status": agreement.get_status_display(),
                "progress": agreement.progress,
            },
            f"{base}/proximidad/mesas/{agreement.mesa_id}/",
        ]
    )
    return send_mail(subject, body, None, sorted(emails), fail_silently=True)
