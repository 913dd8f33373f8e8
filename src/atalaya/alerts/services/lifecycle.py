"""The lifecycle: nueva → en revisión → derivada → cerrada, who may act, comments and closure figures."""

from __future__ import annotations

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atalaya.accounts.models import IMPORT_ROLES, Role
from atalaya.accounts.services import role_in
from atalaya.geo.models import Municipality

from ..models import Alert, AlertEvent, Status

TRANSITIONS = {
    Status.NEW: {Status.REVIEW, Status.REFERRED, Status.CLOSED},
    Status.REVIEW: {Status.REFERRED, Status.CLOSED},
    Status.REFERRED: {Status.REVIEW, Status.CLOSED},
    Status.CLOSED: {Status.REVIEW},  # reopened by an analyst when the closure was wrong
}
ACTING_ROLES = frozenset({*IMPORT_ROLES, Role.DIRECTOR})


UNKNOWN_COLLEAGUE = gettext_lazy("No hay nadie con ese usuario en este municipio.")


class TransitionError(ValueError):
    """A change of state that the rules do not allow; the message says why, in the user's language."""


def can_act(user, alert: Alert) -> bool:
    """Analysts, administrators and directors of the municipality act on alerts; so does the person it went to."""
    if user is None or not user.is_authenticated:
        return False
    if alert.assigned_to_id == user.pk:
        return True
    return user.is_superuser or role_in(user, alert.municipality) in ACTING_ROLES


def with_related(alerts):
    """Alerts with what lists and pages show of them (one query, not one per row)."""
    return alerts.select_related("municipality", "territory", "family", "assigned_to")


def visible_alerts(user):
    """The alerts of the municipalities ``user`` may see, with what lists and pages show of them."""
    return with_related(Alert.objects.visible_to(user))


@transaction.atomic
def colleague(alert: Alert, username: str | None):
    """The active user called ``username`` who works on the alert's municipality; anyone else — nobody by that
    name, or someone of another municipality — is the same :class:`TransitionError`."""
    from django.contrib.auth import get_user_model

    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not Municipality.objects.visible_to(user).filter(pk=alert.municipality_id).exists():
        raise TransitionError(UNKNOWN_COLLEAGUE)
    return user


def change_status(
    alert: Alert, user, to_status: str, *, result: str = "", assigned_to=None, referred_to: str = "", comment: str = ""
) -> Alert:
    """Move an alert along its lifecycle, writing the history. Closing needs a result; referring, a recipient."""
    if not can_act(user, alert):
        raise TransitionError(_("No tiene permiso para cambiar esta alerta."))
    if to_status not in TRANSITIONS[alert.status]:
        raise TransitionError(
            _("Una alerta %(from)s no puede pasar a %(to)s.")
            % {"from": Status(alert.status).label, "to": Status(to_status).label}
        )
    if to_status == Status.CLOSED and not result:
        raise TransitionError(_("Para cerrar una alerta indique el resultado."))
    if to_status == Status.REFERRED and not (assigned_to or referred_to.strip()):
        raise TransitionError(_("Para derivar una alerta indique a quién o a qué mesa."))
    if (
        assigned_to is not None
        and not Municipality.objects.visible_to(assigned_to).filter(pk=alert.municipality_id).exists()
    ):
        raise TransitionError(UNKNOWN_COLLEAGUE)
    AlertEvent.objects.create(
        alert=alert,
        user=user,
        kind=AlertEvent.Kind.STATUS,
        from_status=alert.status,
        to_status=to_status,
        text=comment.strip(),
    )
    alert.status = to_status
    if to_status == Status.REFERRED:
        alert.assigned_to = assigned_to
        alert.referred_to = referred_to.strip()
    if to_status == Status.CLOSED:
        alert.result = result
        alert.closed_at = timezone.now()
    else:
        alert.result = ""
        alert.closed_at = None
    alert.save()
    return alert


def add_comment(alert: Alert, user, text: str) -> AlertEvent:
    if not can_act(user, alert):
        raise TransitionError(_("No tiene permiso para comentar esta alerta."))
    if not text.strip():
        raise TransitionError(_("El comentario está vacío."))
    return AlertEvent.objects.create(alert=alert, user=user, kind=AlertEvent.Kind.COMMENT, text=text.strip())


def closure_statistics(alerts) -> list[dict]:
    """Per method and family: alerts closed and the share confirmed, false alarms and data artefacts."""
    frame = pl.DataFrame(
        list(alerts.filter(status=Status.CLOSED).values("method", "family__name", "result")),
        schema={"method": pl.String, "family__name": pl.String, "result": pl.String},
    )
    if frame.is_empty():
        return []
    table = frame.group_by("method", "family__name").agg(
        pl.len().alias("closed"),
        (pl.col("result") == "confirmado").sum().alias("confirmed"),
        (pl.col("result") == "falsa_alarma").sum().alias("false_alarms"),
        (pl.col("result") == "artefacto").sum().alias("artefacts"),
    )
    return (
        table.with_columns((pl.col("confirmed") / pl.col("closed")).alias("precision"))
        .sort("method", "family__name")
        .to_dicts()
    )
