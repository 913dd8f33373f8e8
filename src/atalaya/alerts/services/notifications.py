"""E-mail: alerts as they come and weekly digests, to the subscribers of each municipality."""

from __future__ import annotations

import datetime as dt

from django.conf import settings as django_settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.geo.models import Municipality

from ..models import Alert, Severity, Subscription
from .wording import explain


def _subscribers(alert: Alert, mode: str):
    subscriptions = Subscription.objects.filter(municipality=alert.municipality, mode=mode).select_related("user")
    for s in subscriptions:
        if (s.family_id is None or s.family_id == alert.family_id) and s.user.email and s.user.is_active:
            if Municipality.objects.visible_to(s.user).filter(pk=alert.municipality_id).exists():
                yield s


def _alert_url(alert: Alert) -> str:
    base = getattr(django_settings, "ATALAYA_BASE_URL", "").rstrip("/")
    return f"{base}/alertas/{alert.pk}/"


def notify_new_alerts(alerts: list[Alert]) -> int:
    """Immediate e-mails, one per subscriber with the new alerts they may see. Returns the number sent."""
    per_user: dict[int, tuple] = {}
    for alert in alerts:
        for s in _subscribers(alert, Subscription.Mode.IMMEDIATE):
            per_user.setdefault(s.user.pk, (s.user, []))[1].append(alert)
    sent = 0
    for user, mine in per_user.values():
        lines = [f"- [{Severity(a.severity).label}] {explain(a)}\n  {_alert_url(a)}" for a in mine]
        subject = _("Atalaya: %(n)s alerta(s) nueva(s)") % {"n": len(mine)}
        sent += send_mail(subject, "\n".join(lines), None, [user.email], fail_silently=True)
    return sent


def send_weekly_digests(now: dt.datetime | None = None) -> int:
    """One e-mail per weekly subscriber with the alerts created since their last digest (7 days the first time)."""
    now = now or timezone.now()
    sent = 0
    for s in Subscription.objects.filter(mode=Subscription.Mode.WEEKLY).select_related("user", "municipality"):
        since = s.last_digest_at or now - dt.timedelta(days=7)
        alerts = Alert.objects.filter(municipality=s.municipality, created_at__gt=since, created_at__lte=now)
        if s.family_id:
            alerts = alerts.filter(family_id=s.family_id)
        alerts = [a for a in alerts.select_related("family", "territory", "municipality") if s.user.email]
        if alerts and Municipality.objects.visible_to(s.user).filter(pk=s.municipality_id).exists():
            lines = [f"- [{Severity(a.severity).label}] {explain(a)}\n  {_alert_url(a)}" for a in alerts]
            subject = _("Atalaya: resumen semanal de alertas de %(municipality)s") % {"municipality": s.municipality}
            sent += send_mail(subject, "\n".join(lines), None, [s.user.email], fail_silently=True)
        s.last_digest_at = now
        s.save(update_fields=["last_digest_at"])
    return sent
