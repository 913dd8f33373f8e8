"""Permission checks and users, used by views, the API and the CLI alike."""

from __future__ import annotations

from atalaya.geo.models import Municipality

from .models import AUDIT_ROLES, IMPORT_ROLES, Membership


def role_in(user, municipality: Municipality) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser:
        return "admin"
    membership = Membership.objects.filter(user=user, municipality=municipality).first()
    return membership.role if membership else None


def can_import(user, municipality: Municipality | None) -> bool:
    """Analysts and admins of the municipality may import; superusers may import anything."""
    if user is None:  # the command line acts as the machine's operator
        return True
    if user.is_superuser:
        return True
    if municipality is None:
        return False
    return role_in(user, municipality) in IMPORT_ROLES


def create_user(username: str, password: str, *, municipality_codes: list[str], role: str, superuser: bool = False):
    """Create or update a user and give them ``role`` in each municipality (used by the CLI and the demo)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    municipalities = list(Municipality.objects.filter(code__in=municipality_codes))
    missing = set(municipality_codes) - {m.code for m in municipalities}
    if missing:
        raise ValueError(f"Municipios no registrados: {', '.join(sorted(missing))}.")
    user, _ = user_model.objects.get_or_create(username=username)
    user.set_password(password)
    user.is_superuser = user.is_staff = superuser
    user.save()
    for municipality in municipalities:
        Membership.objects.update_or_create(user=user, municipality=municipality, defaults={"role": role})
    return user


def audit_municipalities(user):
    """The municipalities whose access and change logs ``user`` reads: where they hold an audit role (all of them
    for a superuser)."""
    if user is None or user.is_superuser:
        return Municipality.objects.all()
    return Municipality.objects.filter(memberships__user=user, memberships__role__in=list(AUDIT_ROLES)).distinct()


def import_municipalities(user):
    """The municipalities where ``user`` is an analyst or administrator (all of them for a superuser or the
    command line): where they import, run reconciliations and own mappings and indicators."""
    if user is None or user.is_superuser:
        return Municipality.objects.all()
    return Municipality.objects.filter(memberships__user=user, memberships__role__in=list(IMPORT_ROLES)).distinct()
