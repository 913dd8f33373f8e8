"""Generating, archiving and sending the observatory's documents.

* :func:`make_diagnosis` — the diagnosis pack of a municipality and period (PDF and DOCX), archived as a
  :class:`~.models.Report`.
* :func:`make_bulletin` — the month's bulletin: the public edition (:class:`~.models.Bulletin`, portal and e-mail)
  and the institutional one (a :class:`~.models.Report`).
* :func:`send_bulletin` — the public edition to the confirmed subscribers, once.
* :func:`due_bulletins` — what the worker runs every day: each publishing municipality's bulletin for its last
  month with data, made and sent as soon as that month is in (late data delay the bulletin, they do not skip it).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.analysis.parsing import add_months
from atalaya.geo.models import Municipality
from atalaya.indicators.portal import public_table, published_municipalities
from atalaya.indicators.services import available_sources
from atalaya.proximity.models import Follower

from . import content, render
from .models import Bulletin, Report, ReportKind

logger = logging.getLogger(__name__)


def subscription_target(municipality: Municipality) -> str:
    """The portal's follower target of a municipality's bulletin (followers confirm by e-mail, stop any time)."""
    return f"boletin:{municipality.code}"


#: Months an institutional bulletin looks back for its charts (the month itself and the 23 before).
BULLETIN_MONTHS = 24


def last_month_with_data(municipality: Municipality) -> dt.date | None:
    return max((s.last for s in available_sources(municipality)), default=None)


def _check_period(municipality: Municipality, start: dt.date, end: dt.date) -> None:
    """A document covers months with data: a period that ends before it starts, or a month after the last one
    loaded, is refused in Spanish (nothing is written)."""
    if end < start:
        raise ValidationError(_("El periodo termina antes de empezar."))
    last = last_month_with_data(municipality)
    if last is None:
        raise ValidationError(_("%(name)s no tiene datos de delitos cargados.") % {"name": municipality.name})
    if end > last:
        raise ValidationError(
            _("No hay datos de %(month)s: el último mes cargado de %(name)s es %(last)s.")
            % {"month": f"{end:%m/%Y}", "name": municipality.name, "last": f"{last:%m/%Y}"}
        )


@transaction.atomic
def make_diagnosis(municipality: Municipality, start: dt.date, end: dt.date, user=None) -> Report:
    start, end = start.replace(day=1), end.replace(day=1)
    _check_period(municipality, start, end)
    document = content.institutional(municipality, start, end, kind=ReportKind.DIAGNOSIS)
    rendered = render.render(document)
    return Report.objects.create(
        municipality=municipality,
        kind=ReportKind.DIAGNOSIS,
        title=document.title,
        subtitle=document.subtitle,
        period_start=document.period_start,
        period_end=document.period_end,
        html=rendered.html,
        pdf=rendered.pdf,
        docx=render.docx(document),
        pages=rendered.pages,
        created_by=user,
    )


@transaction.atomic
def make_bulletin(municipality: Municipality, month: dt.date, user=None) -> tuple[Bulletin | None, Report]:
    """Both editions of ``month``'s bulletin. Making it again replaces the month's institutional edition; the public
    one exists only where the municipality publishes, and once sent it is not rewritten (what subscribers received
    stays in the archive)."""
    month = month.replace(day=1)
    _check_period(municipality, month, month)
    internal = content.institutional(
        municipality, add_months(month, -(BULLETIN_MONTHS - 1)), month, kind=ReportKind.BULLETIN
    )
    rendered = render.render(internal)
    report, _created = Report.objects.update_or_create(
        municipality=municipality,
        kind=ReportKind.BULLETIN,
        period_end=internal.period_end,
        defaults={
            "title": internal.title,
            "subtitle": internal.subtitle,
            "period_start": internal.period_start,
            "html": rendered.html,
            "pdf": rendered.pdf,
            "docx": None,
            "pages": rendered.pages,
            "created_by": user,
        },
    )
    bulletin = None
    if published_municipalities().filter(pk=municipality.pk).exists():
        bulletin = Bulletin.objects.filter(municipality=municipality, month=month).first()
        if bulletin is None or bulletin.sent_at is None:
            document = content.public(municipality, month)
            printed = render.render(document)
            bulletin, _created = Bulletin.objects.update_or_create(
                municipality=municipality,
                month=month,
                defaults={
                    "title": document.title,
                    "body": printed.body,
                    "html": printed.html,
                    "pdf": bytes(printed.pdf),
                    "pages": printed.pages,
                },
            )
    return bulletin, report


def _base() -> str:
    return getattr(settings, "ATALAYA_BASE_URL", "").rstrip("/")


def send_bulletin(bulletin: Bulletin) -> int:
    """E-mail the public bulletin (PDF attached, link to the page, link to stop) to each confirmed subscriber,
    once: a bulletin already sent is not sent again."""
    if bulletin.sent_at is not None:
        return 0
    municipality = bulletin.municipality
    followers = Follower.objects.filter(
        municipality=municipality, target=subscription_target(municipality), confirmed_at__isnull=False
    )
    page = f"{_base()}/publico/{municipality.code}/boletines/{bulletin.month:%Y-%m}/"
    sent = 0
    for follower in followers:
        stop = f"{_base()}/publico/{municipality.code}/dejar-de-seguir/{follower.token}/"
        body = _(
            "%(title)s, %(month)s.\n\nEl boletín va adjunto en PDF y puede leerse en %(page)s\n\n"
            "Para dejar de recibir el boletín: %(stop)s"
        ) % {"title": bulletin.title, "month": f"{bulletin.month:%m/%Y}", "page": page, "stop": stop}
        message = EmailMessage(f"{bulletin.title} · {bulletin.month:%m/%Y}", body, None, [follower.email])
        message.attach(
            f"boletin-{municipality.code}-{bulletin.month:%Y-%m}.pdf", bytes(bulletin.pdf), "application/pdf"
        )
        sent += message.send(fail_silently=True)
    if sent == 0 and followers.exists():  # the mail server refused every message: tomorrow's round tries again
        logger.warning("bulletin %s %s: no message could be sent", municipality.code, bulletin.month)
        return 0
    bulletin.sent_at, bulletin.recipients = timezone.now(), sent
    bulletin.save(update_fields=["sent_at", "recipients"])
    return sent


def last_public_month(municipality: Municipality) -> dt.date | None:
    """The last month the portal's table covers (the end of its latest 12-month window)."""
    rows = public_table(municipality)
    return max((row["until"] for row in rows), default=None)


def due_bulletins(today: dt.date | None = None) -> list[Bulletin]:
    """Make and send, for every publishing municipality, the bulletin of its last month with data if it has
    none yet (a month still running is never bulletined)."""
    today = today or timezone.localdate()
    done = []
    for municipality in published_municipalities():
        month = last_public_month(municipality)
        if month is None or month >= today.replace(day=1):
            continue
        if Bulletin.objects.filter(municipality=municipality, month=month, sent_at__isnull=False).exists():
            continue
        bulletin, _report = make_bulletin(municipality, month)
        if bulletin is not None:
            send_bulletin(bulletin)
            done.append(bulletin)
            logger.info("bulletin %s %s sent to %s", municipality.code, month, bulletin.recipients)
    return done
