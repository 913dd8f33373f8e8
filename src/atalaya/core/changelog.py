"""The change log: who changed what, from which request or job (see :class:`~atalaya.core.models.ChangeLogEntry`).

Written from services, so that bulk imports, jobs and the command line are logged as well as the web pages.
"""

from __future__ import annotations

from .models import ChangeLogEntry


def log_change(*, user, action: str, obj, message: str, municipality=None, origin: str = "") -> ChangeLogEntry:
    """One change-log row; the request or job id (and, without ``origin``, its path) come from the context."""
    from . import context

    acting = context.current()
    known = user if (user is not None and user.is_authenticated) else None
    return ChangeLogEntry.objects.create(
        user=known,
        username=known.get_username() if known else "",
        municipality=municipality,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(getattr(obj, "pk", "") or ""),
        message=message,
        origin=origin or (f"web:{acting.path}" if acting and acting.path else ""),
        request_id=acting.request_id if acting else "",
    )
