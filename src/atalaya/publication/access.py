"""Who reads and who generates documents: every role of the municipality reads its archive (the dashboard's
rule); analysts and administrators generate (the figures are theirs to vouch for)."""

from __future__ import annotations

from atalaya.accounts.services import can_import, role_in


def may_read(user, municipality) -> bool:
    return role_in(user, municipality) is not None


def may_generate(user, municipality) -> bool:
    return user is not None and user.is_authenticated and can_import(user, municipality)
