"""Who sees a practice: every signed-in member of the network sees the published ones; drafts and reviews are seen
by the contributing municipality, the assigned reviewers and the network's coordination."""

from __future__ import annotations

from django.db.models import Q

from atalaya.core.scoping import visible_municipalities

from .choices import PracticeStatus
from .models import Practice
from .services import CONTRIBUTOR_ROLES, is_coordinator


def visible_practices(user):
    if user is None or not user.is_authenticated:
        return Practice.objects.none()
    if user.is_superuser or is_coordinator(user):
        return Practice.objects.all()
    shared = Q(status__in=[PracticeStatus.PUBLISHED, PracticeStatus.REVISED])
    own = Q(municipality__in=visible_municipalities(user))
    return Practice.objects.filter(shared | own | Q(reviewers=user)).distinct()


def may_contribute(user, municipality) -> bool:
    from atalaya.accounts.services import role_in

    return role_in(user, municipality) in CONTRIBUTOR_ROLES
