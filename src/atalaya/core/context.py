"""Who is acting and from where — the request or the job — for the change log and the access log.

Set by :class:`atalaya.core.middleware.RequestIdMiddleware` for web requests and by :func:`acting` for jobs and
commands, so that services write the origin without every caller passing it down.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    request_id: str  # a request's id, or ``trabajo:<id>`` / ``cli:<command>``
    path: str = ""  # the request path or the command line
    ip: str = ""


_current: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("atalaya_origin", default=None)


def current() -> Origin | None:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def acting(request_id: str, path: str = "", ip: str = "") -> Iterator[Origin]:
    """Everything logged inside carries this origin (a job: ``acting(f"trabajo:{job.pk}")``)."""
    origin = Origin(request_id=request_id, path=path, ip=ip)
    token = _current.set(origin)
    try:
        yield origin
    finally:
        _current.reset(token)
