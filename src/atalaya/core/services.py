"""Security services shared by the modules: key rotation and emergency access ("break the glass")."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, crypto
from .fields import encrypted_fields
from .models import AccessAction, AccessGrant


def rotate_keys(batch_size: int = 500, dry_run: bool = False) -> dict[str, int]:
    """Re-encrypt every stored value whose key is not the current one, ``batch_size`` rows per transaction.

    Reads the raw column (no decryption on load) and writes back by primary key, so that a run can stop and be
    resumed: values already under the current key are skipped. Returns re-encrypted counts per field.
    """
    ring = crypto.key_ring()
    done: dict[str, int] = {}
    qn = connection.ops.quote_name
    for field in encrypted_fields():
        model = field.model
        table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
        label = field.crypto_context
        done[label] = 0
        last = None
        while True:
            with connection.cursor() as cursor:
                where = f"WHERE {qn(column)} LIKE %s" + (f" AND {qn(pk)} > %s" if last is not None else "")
                params = [f"{crypto.PREFIX}%"] + ([last] if last is not None else [])
                cursor.execute(
                    f"SELECT {qn(pk)}, {qn(column)} FROM {qn(table)} {where} ORDER BY {qn(pk)} LIMIT {int(batch_size)}",
                    params,
                )
                rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            changed = [(crypto.reencrypt(value, label, ring), key) for key, value in rows]
            changed = [(value, key) for value, key in changed if value is not None]
            if changed and not dry_run:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE {qn(pk)} = %s", changed)
            done[label] += len(changed)
    return done


def grant_emergency_access(
    *, user, municipality, object_type: str, object_id: str = "", reason: str, minutes: int | None = None
) -> AccessGrant:
    """Open records outside the user's scope for a short time, with a reason; audited and told to supervisors."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValueError(_("Explique el motivo del acceso de emergencia (al menos 10 caracteres)."))
    minutes = minutes or getattr(settings, "ATALAYA_EMERGENCY_ACCESS_MINUTES", 60)
    if not 1 <= minutes <= 24 * 60:
        raise ValueError(_("Un acceso de emergencia dura entre 1 minuto y 24 horas."))
    now = timezone.now()
    with transaction.atomic():
        grant = AccessGrant.objects.create(
            user=user,
            municipality=municipality,
            object_type=object_type,
            object_id=str(object_id or ""),
            reason=reason,
            granted_at=now,
            expires_at=now + dt.timedelta(minutes=minutes),
        )
        audit.write_entries(
            user=user,
            action=AccessAction.GRANT,
            object_type=AccessGrant._meta.label_lower,
            object_ids=[grant.pk],
            municipality=municipality,
            reason=reason,
            detail=f"{object_type}:{object_id or '*'} por {minutes} min",
        )
    _notify_supervisors(grant)
    return grant


def active_grant(user, municipality, object_type: str, object_id: str = "") -> AccessGrant | None:
    """The user's live grant covering this object (or its whole type), if any."""
    now = timezone.now()
    grants = AccessGrant.objects.filter(
        user=user,
        municipality=municipality,
        object_type=object_type,
        revoked_at__isnull=True,
        granted_at__lte=now,
        expires_at__gt=now,
    )
    return grants.filter(object_id__in=["", str(object_id)]).order_by("-expires_at").first()


def _notify_supervisors(grant: AccessGrant) -> None:
    """E-mail the municipality's administrators (through the membership relation: core imports no app)."""
    from django.contrib.auth import get_user_model

    recipients = sorted(
        get_user_model()
        .objects.filter(memberships__municipality=grant.municipality, memberships__role="admin", is_active=True)
        .exclude(pk=grant.user_id)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return
    send_mail(
        subject=_("Acceso de emergencia de %(user)s") % {"user": grant.user.get_username()},
        message=_("%(user)s abrió %(scope)s hasta %(until)s.\nMotivo: %(reason)s\n\nRevise el registro de accesos.")
        % {
            "user": grant.user.get_username(),
            "scope": f"{grant.object_type}:{grant.object_id or '*'}",
            "until": timezone.localtime(grant.expires_at).strftime("%Y-%m-%d %H:%M"),
            "reason": grant.reason,
        },
        from_email=None,
        recipient_list=recipients,
        fail_silently=True,
    )
