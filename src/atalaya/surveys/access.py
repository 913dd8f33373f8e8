"""Who may read and import surveys: every role of the municipality reads its estimates; analysts and admins
import (the data core's rule)."""

from __future__ import annotations

from atalaya.accounts.services import can_import, role_in


def may_read(user, municipality) -> bool:
    return role_in(user, municipality) is not None


def may_import(user, municipality) -> bool:
    return user is not None and user.is_authenticated and can_import(user, municipality)
