"""Who sees and changes which case: own, team or municipality by team role, the violence-against-women module
closed to everyone outside its team, and time-limited emergency access («romper el vidrio») on top.

The scope of each team role comes from ``ATALAYA_CASE_SCOPES`` (``gestor``: own cases and those of their team by
default; ``supervisor``: team; ``coordinador``: municipality). Observatory roles (analyst, director, viewer) see
no case at all: they receive de-identified aggregates. Out-of-scope cases answer 404, like every other record.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.core.models import AccessGrant

from .choices import Module, TeamRole
from .models import Case, TeamMember

OWN, TEAM, MUNICIPALITY = "propios", "equipo", "municipio"
DEFAULT_SCOPES = {TeamRole.WORKER: TEAM, TeamRole.SUPERVISOR: TEAM, TeamRole.COORDINATOR: MUNICIPALITY}
#: Modules closed to anyone outside their team: no municipality scope and no emergency access opens them.
CLOSED_MODULES = (Module.WOMEN,)
CASE_TYPE = "cases.case"


def scope_of(role: str) -> str:
    scopes = {**DEFAULT_SCOPES, **getattr(settings, "ATALAYA_CASE_SCOPES", {})}
    return scopes.get(role, OWN)


def visible_cases(user) -> QuerySet[Case]:
    """The cases ``user`` may read.

    Written as «municipality = m AND (…)» for each municipality the user works in (their own cases, their teams',
    the whole municipality but its closed modules for a municipality scope, emergency grants), so that the
    database walks the case list's index (municipality, priority, opened) instead of sorting every case."""
    if user is None or not user.is_authenticated:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    closed = Q(module__in=CLOSED_MODULES)
    within: dict[int, Q] = {}

    def allow(municipality_id: int, condition: Q) -> None:
        within[municipality_id] = within[municipality_id] | condition if municipality_id in within else condition

    for member in TeamMember.objects.filter(user=user).select_related("team"):
        municipality_id = member.team.municipality_id
        allow(municipality_id, Q(owner=user))
        scope = scope_of(member.role)
        if scope in (TEAM, MUNICIPALITY):
            allow(municipality_id, Q(team_id=member.team_id))
        if scope == MUNICIPALITY:
            allow(municipality_id, ~closed)
    now = timezone.now()
    grants = AccessGrant.objects.filter(
        user=user, object_type=CASE_TYPE, revoked_at__isnull=True, granted_at__lte=now, expires_at__gt=now
    )
    for grant in grants:
        allow(grant.municipality_id, ~closed & Q(pk=grant.object_id) if grant.object_id else ~closed)
    if not within:
        return Case.objects.filter(owner=user)  # a former member's own cases (normally none)
    allowed = Q()
    for municipality_id, condition in within.items():
        allowed |= Q(municipality_id=municipality_id) & condition
    return Case.objects.filter(allowed)


def can_edit(user, case: Case) -> bool:
    """Its owner and the members of its team change a case; a superuser too. Municipality scope and emergency
    access only read."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or case.owner_id == user.pk:
        return True
    return case.team_id is not None and TeamMember.objects.filter(user=user, team_id=case.team_id).exists()


def works_with_cases(user) -> bool:
    """Whether ``user`` belongs to a case team (their login needs a second factor and the code of conduct)."""
    return user is not None and user.is_authenticated and TeamMember.objects.filter(user=user).exists()


#: Team roles that approve, assign, authorise a referral without consent and see their team's overdue items.
SUPERVISING_ROLES = (TeamRole.SUPERVISOR, TeamRole.COORDINATOR)


def supervises(user, case: Case) -> bool:
    """Whether ``user`` supervises or coordinates the case's team (a superuser too)."""
    if user is None or not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or TeamMember.objects.filter(user=user, team_id=case.team_id, role__in=list(SUPERVISING_ROLES)).exists()
    )


def supervised_teams(user) -> list[int]:
    """The teams ``user`` supervises or coordinates."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        TeamMember.objects.filter(user=user, role__in=list(SUPERVISING_ROLES)).values_list("team_id", flat=True)
    )


def emergency_minutes() -> int:
    return int(getattr(settings, "ATALAYA_CASE_EMERGENCY_MINUTES", 180))


def emergency_candidates(user, person) -> QuerySet[Case]:
    """The person's cases ``user`` could open in an emergency: outside their scope, in a municipality where they
    work with cases, never in a closed module."""
    if not works_with_cases(user):
        return Case.objects.none()
    municipalities = TeamMember.objects.filter(user=user).values("team__municipality")
    return (
        Case.objects.filter(person=person, municipality__in=municipalities)
        .exclude(module__in=CLOSED_MODULES)
        .exclude(pk__in=visible_cases(user).values("pk"))
    )


def open_emergency_access(user, person, reason: str) -> list[Case]:
    """Break the glass: time-limited access to the person's cases outside ``user``'s scope, with a reason (at
    least 10 characters). Audited by the grant, written to each case's change log and e-mailed to the
    supervisors of each case's team (besides the municipality's administrators)."""
    from django.core.mail import send_mail

    from atalaya.core.changelog import log_change
    from atalaya.core.services import grant_emergency_access

    cases = list(emergency_candidates(user, person).select_related("municipality", "team"))
    minutes = emergency_minutes()
    for case in cases:
        grant = grant_emergency_access(
            user=user,
            municipality=case.municipality,
            object_type=CASE_TYPE,
            object_id=str(case.pk),
            reason=reason,
            minutes=minutes,
        )
        log_change(
            user=user,
            action="acceso_de_emergencia",
            obj=case,
            municipality=case.municipality,
            message=f"hasta {timezone.localtime(grant.expires_at):%Y-%m-%d %H:%M}: {grant.reason}",
        )
        recipients = supervision_emails(case.team_id, exclude=user)
        if recipients:
            send_mail(
                _("[Atalaya] Acceso de emergencia al caso %(code)s") % {"code": person.code},
                _(
                    "%(user)s abrió el caso %(code)s (%(module)s) por %(minutes)s minutos.\nMotivo: %(reason)s\n\n"
                    "Revise el registro del caso."
                )
                % {
                    "user": user.get_username(),
                    "code": person.code,
                    "module": case.get_module_display(),
                    "minutes": minutes,
                    "reason": grant.reason,
                },
                None,
                recipients,
                fail_silently=True,
            )
    return cases


def supervision_emails(team_id, exclude=None) -> list[str]:
    """E-mail addresses of a team's active supervisors and coordinators (but ``exclude``), for notices."""
    members = TeamMember.objects.filter(team_id=team_id, role__in=list(SUPERVISING_ROLES), user__is_active=True)
    if exclude is not None:
        members = members.exclude(user=exclude)
    return sorted(members.exclude(user__email="").values_list("user__email", flat=True))


def emergency_grant(user, case: Case):
    """The live emergency grant through which ``user`` reads ``case`` (None if it is in their normal scope)."""
    now = timezone.now()
    return (
        AccessGrant.objects.filter(
            user=user,
            object_type=CASE_TYPE,
            object_id=str(case.pk),
            revoked_at__isnull=True,
            granted_at__lte=now,
            expires_at__gt=now,
        )
        .order_by("-expires_at")
        .first()
    )


#: Observatory roles that read the de-identified aggregates of a municipality (never a case).
AGGREGATE_ROLES = ("admin", "analyst", "director")


def reads_aggregates(user, municipality) -> bool:
    """The observatory (administrators, analysts, directors) and the supervision of the municipality's teams."""
    from atalaya.accounts.services import role_in

    if user is None or not user.is_authenticated:
        return False
    if role_in(user, municipality) in AGGREGATE_ROLES:
        return True
    return TeamMember.objects.filter(
        user=user, team__municipality=municipality, role__in=list(SUPERVISING_ROLES)
    ).exists()
