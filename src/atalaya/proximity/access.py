"""Who may do what with community problems: the municipality's analysts and administrators, and the proximity
officers of its territories (an officer with territories works those and the territories under them; a
coordinator also closes, merges and manages the API clients). Directors and viewers read."""

from __future__ import annotations

from atalaya.accounts.models import Role
from atalaya.accounts.services import role_in
from atalaya.geo.models import Municipality, Territory

from .models import ProximityOfficer

#: Roles of a membership that work every problem of their municipality.
WORKING_ROLES = {Role.ADMIN, Role.ANALYST}


def _officer(user, municipality: Municipality) -> ProximityOfficer | None:
    if user is None or not user.is_authenticated:
        return None
    return ProximityOfficer.objects.filter(user=user, municipality=municipality).first()


def may_read(user, municipality: Municipality) -> bool:
    return role_in(user, municipality) is not None or _officer(user, municipality) is not None


def may_coordinate(user, municipality: Municipality) -> bool:
    if role_in(user, municipality) in WORKING_ROLES:
        return True
    officer = _officer(user, municipality)
    return officer is not None and officer.is_coordinator


def may_work(user, municipality: Municipality, territory: Territory | None = None) -> bool:
    """Change a problem of ``territory`` (``None``: a problem without territory, or creating one)."""
    if may_coordinate(user, municipality):
        return True
    officer = _officer(user, municipality)
    if officer is None:
        return False
    mine = set(officer.territories.values_list("pk", flat=True))
    if not mine or territory is None:
        return True
    node = territory
    while node is not None:  # a sector's officer works its cuadrantes
        if node.pk in mine:
            return True
        node = node.parent
    return False
