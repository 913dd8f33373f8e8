"""Who must pass which gate at login: a second factor, the code of conduct (read by middleware and pages)."""

from __future__ import annotations


def requires_two_factor(user) -> bool:
    """Superusers and anyone holding a role listed in ``ATALAYA_TWO_FACTOR_ROLES`` (administrators by default;
    the modules with sensitive records add their roles) must log in with a second factor."""
    from django.conf import settings

    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    roles = set(getattr(settings, "ATALAYA_TWO_FACTOR_ROLES", ()))
    return bool(roles) and user.memberships.filter(role__in=roles).exists()


def must_accept_code_of_conduct(user) -> bool:
    """Users holding a role listed in ``ATALAYA_CODE_OF_CONDUCT_ROLES`` accept the current version once."""
    from django.conf import settings

    from .models import ConductAcceptance

    roles = set(getattr(settings, "ATALAYA_CODE_OF_CONDUCT_ROLES", ()))
    if not roles or user is None or not user.is_authenticated:
        return False
    if not user.memberships.filter(role__in=roles).exists():
        return False
    version = settings.ATALAYA_CODE_OF_CONDUCT_VERSION
    return not ConductAcceptance.objects.filter(user=user, version=version).exists()
