"""What every page needs to know about the user: whether to show the analysts' links at all."""

from __future__ import annotations

from .services import import_municipalities


def roles(request) -> dict:
    """``user_imports``: analyst or administrator somewhere (the same rule the views apply: the navigation never
    offers a link that answers 403)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_imports": False}
    return {"user_imports": user.is_superuser or import_municipalities(user).exists()}
