"""The access log: reads, exports and searches of personal or sensitive records, written by services.

Views and the API do not write it themselves: the services that hand records over call :func:`record_access`,
so that the web, the API, the command line and jobs are audited alike. The origin (request or job id, path,
address) comes from :mod:`atalaya.core.context`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from . import context, sensitivity
from .models import AccessAction, AccessLogEntry


def _user_fields(user) -> dict:
    if user is None or not getattr(user, "is_authenticated", False):
        return {"user_id": None, "username": ""}
    return {"user_id": user.pk, "username": user.get_username()}


def record_access(
    *,
    user,
    action: str,
    model: type[models.Model] | models.Model,
    object_ids: Iterable[object] = (),
    municipality=None,
    reason: str = "",
    detail: str = "",
) -> list[AccessLogEntry]:
    """Write one row per object read (or one row for a search or an export, with ``object_ids`` empty).

    Only personal and sensitive models are logged; asking for an internal or public one is a no-op, so that
    callers can audit uniformly. Returns the rows written.
    """
    model_class = type(model) if isinstance(model, models.Model) else model
    if not sensitivity.is_personal(model_class):
        return []
    return write_entries(
        user=user,
        action=action,
        object_type=model_class._meta.label_lower,
        object_ids=object_ids,
        municipality=municipality,
        reason=reason,
        detail=detail,
    )


def write_entries(
    *,
    user,
    action: str,
    object_type: str,
    object_ids: Iterable[object] = (),
    municipality=None,
    reason: str = "",
    detail: str = "",
) -> list[AccessLogEntry]:
    """Write access-log rows whatever the model's class (emergency grants, refusals)."""
    origin = context.current()
    common = {
        **_user_fields(user),
        "municipality_id": getattr(municipality, "pk", municipality),
        "action": AccessAction(action),
        "object_type": object_type,
        "reason": reason,
        "detail": detail,
        "request_id": origin.request_id if origin else "",
        "path": origin.path if origin else "",
        "ip": origin.ip if origin else "",
    }
    ids = [str(i) for i in object_ids] or [""]
    return AccessLogEntry.objects.bulk_create([AccessLogEntry(object_id=object_id, **common) for object_id in ids])


def record_read(user, obj: models.Model) -> None:
    """One object shown (a detail page, an API detail): logged when its model is personal or sensitive."""
    record_access(
        user=user,
        action=AccessAction.READ,
        model=obj,
        object_ids=[obj.pk],
        municipality=getattr(obj, "municipality", None),
    )


def record_search(user, model: type[models.Model], shown: Iterable[models.Model], query: str) -> None:
    """The rows a list or search showed (its page), with the query that found them."""
    record_access(
        user=user, action=AccessAction.SEARCH, model=model, object_ids=[obj.pk for obj in shown], detail=query
    )


def record_export(
    user, model: type[models.Model], object_ids: Iterable[object], *, detail: str, reason: str = ""
) -> None:
    """Rows handed over in a file (one log row per object), with what the file held."""
    record_access(
        user=user, action=AccessAction.EXPORT, model=model, object_ids=object_ids, detail=detail, reason=reason
    )
