"""What every page needs to know about the user: whether to show the analysts' links at all."""

from __future__ import annotations

from atalaya.core.access import does_sensitive_work, must_accept_code_of_conduct, requires_two_factor

from .services import audit_municipalities, import_municipalities


def roles(request) -> dict:
    """``user_imports``: analyst or administrator somewhere; ``user_audits``: reads the logs somewhere (the same
    rules the views apply: the navigation never offers a link that answers 403). ``gate_pending``: the second
    factor or the code of conduct is still to do, so the navigation is hidden (every link would lead back to
    that page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_imports": False, "user_audits": False, "user_cases": False, "gate_pending": False}
    unverified = requires_two_factor(user) and not getattr(user, "is_verified", lambda: True)()
    return {
        "user_imports": user.is_superuser or import_municipalities(user).exists(),
        "user_audits": user.is_superuser or audit_municipalities(user).exists(),
        "user_cases": user.is_superuser or does_sensitive_work(user),
        "gate_pending": unverified or must_accept_code_of_conduct(user),
    }
