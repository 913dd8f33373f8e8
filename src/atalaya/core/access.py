"""Who must pass which gate at login: a second factor, the code of conduct (read by middleware and pages)."""

from __future__ import annotations

from collections.abc import Callable

#: Extra rules of modules with sensitive records (``user -> bool``): whoever one of them names must use a second
#: factor and accept the code of conduct, whatever their municipality role (a case module's team members).
SENSITIVE_WORK: list[Callable[[object], bool]] = []


def register_sensitive_work(rule: Callable[[object], bool]) -> Callable[[object], bool]:
    if rule not in SENSITIVE_WORK:
        SENSITIVE_WORK.append(rule)
    return rule


def does_sensitive_work(user) -> bool:
    """Whether a :data:`SENSITIVE_WORK` rule names ``user``; remembered on the user object, which lives for one
    request (the login gates and the navigation both ask)."""
    known = getattr(user, "_atalaya_sensitive_work", None)
    if known is None:
        known = any(rule(user) for rule in SENSITIVE_WORK)
        user._atalaya_sensitive_work = known
    return known


def requires_two_factor(user) -> bool:
    """Superusers, anyone holding a role listed in ``ATALAYA_TWO_FACTOR_ROLES`` (administrators by default) and
    anyone a module's :data:`SENSITIVE_WORK` rule names must log in with a second factor."""
    from django.conf import settings

    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    roles = set(getattr(settings, "ATALAYA_TWO_FACTOR_ROLES", ()))
    return (bool(roles) and user.memberships.filter(role__in=roles).exists()) or does_sensitive_work(user)


def must_accept_code_of_conduct(user) -> bool:
    """Users holding a role listed in ``ATALAYA_CODE_OF_CONDUCT_ROLES``, or named by a :data:`SENSITIVE_WORK`
    rule, accept the current version once."""
    from django.conf import settings

    from .models import ConductAcceptance

    if user is None or not user.is_authenticated:
        return False
    roles = set(getattr(settings, "ATALAYA_CODE_OF_CONDUCT_ROLES", ()))
    named = bool(roles) and user.memberships.filter(role__in=roles).exists()
    if not (named or does_sensitive_work(user)):
        return False
    version = settings.ATALAYA_CODE_OF_CONDUCT_VERSION
    return not ConductAcceptance.objects.filter(user=user, version=version).exists()
