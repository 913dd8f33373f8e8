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
    """The cases ``user`` may read."""
    if user is None or not user.is_authenticated:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    closed = Q(module__in=CLOSED_MODULES)
    allowed = Q(owner=user)
    for member in TeamMember.objects.filter(user=user).select_related("team"):
        scope = scope_of(member.role)
        if scope in (TEAM, MUNICIPALITY):
            allowed |= Q(team_id=member.team_id)
        if scope == MUNICIPALITY:
            allowed |= Q(municipality_id=member.team.municipality_id) & ~closed
    now = timezone.now()
    grants = AccessGrant.objects.filter(
        user=user, object_type=CASE_TYPE, revoked_at__isnull=True, granted_at__lte=now, expires_at__gt=now
    )
    for grant in grants:
        opened = Q(municipality_id=grant.municipality_id) & ~closed
        allowed |= opened & Q(pk=grant.object_id) if grant.object_id else opened
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
