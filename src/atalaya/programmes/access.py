"""Who does what with programmes: every role of the municipality reads; analysts and admins plan, enter
measurements and run evaluations; directors and admins approve (a programme's steps and the measurements someone
else entered: nobody approves their own figure)."""

from __future__ import annotations

from atalaya.accounts.models import Role
from atalaya.accounts.services import role_in

EDIT_ROLES = {Role.ADMIN, Role.ANALYST}
APPROVE_ROLES = {Role.ADMIN, Role.DIRECTOR}


def may_read(user, municipality) -> bool:
    return role_in(user, municipality) is not None


def may_edit(user, municipality) -> bool:
    return role_in(user, municipality) in EDIT_ROLES


def may_approve(user, municipality) -> bool:
    return role_in(user, municipality) in APPROVE_ROLES
