"""The life of a community problem, used alike by the public form, the staff pages, Open311 and the command line:
report, change state, note, merge duplicates, make private, attach, and keep the public copy in step.

Every change writes the change log, adds a timeline entry and re-publishes the problem (``publish``): the public
tables hold only what is not private, so the public pages and Open311 never see more.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.core.changelog import log_change
from atalaya.geo.models import Municipality
from atalaya.geo.services import locate_point

from . import accountability, attachments, participation
from .choices import FORWARD, ORDER, Outcome, Source, Status
from .models import (
    Attachment,
    Problem,
    ProblemCategory,
    ProblemUpdate,
    PublicProblem,
    PublicUpdate,
    Reporter,
)

#: Longest texts accepted from the public (title, description); hostile text is kept as text and escaped on output.
MAX_TITLE = 160
MAX_DESCRIPTION = 5000


@dataclass(frozen=True)
class ReporterContact:
    name: str = ""
    email: str = ""
    phone: str = ""
    wants_updates: bool = True


@transaction.atomic
def report_problem(
    *,
    municipality: Municipality,
    category: ProblemCategory,
    title: str,
    description: str = "",
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    source: str = Source.CITIZEN,
    user=None,
    api_client=None,
    reporter: ReporterContact | None = None,
    is_private: bool = False,
    alert=None,
    uploads: tuple = (),
    now: dt.datetime | None = None,
) -> Problem:
    """A new problem in state «reportado», with its territory found from the point; a Spanish
    ``ValidationError`` for a point outside the municipality, a category of another one, or empty text."""
    now = now or timezone.now()
    title = " ".join((title or "").split())[:MAX_TITLE]
    description = (description or "").strip()
    if not title:
        raise ValidationError(_("Escriba un título breve del problema."))
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError(_("La descripción admite hasta %(n)s caracteres.") % {"n": MAX_DESCRIPTION})
    if category.municipality_id != municipality.pk or not category.active:
        raise ValidationError(_("Esa categoría no existe en este municipio."))
    if len(uploads) > settings.ATALAYA_PROBLEM_MAX_ATTACHMENTS:
        raise ValidationError(_("Se aceptan hasta %(n)s archivos.") % {"n": settings.ATALAYA_PROBLEM_MAX_ATTACHMENTS})
    territory = None
    if (lat is None) != (lon is None):
        raise ValidationError(_("Indique latitud y longitud, o ninguna."))
    if lat is not None:
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError(_("Coordenadas imposibles."))
        territory, status = locate_point(municipality, lat, lon)
        if status == "fuera_del_municipio":
            raise ValidationError(
                _("El punto está fuera de %(municipality)s: reporte el problema al municipio que corresponde.")
                % {"municipality": municipality.name}
            )
    elif not address.strip() and alert is None:
        raise ValidationError(_("Marque el lugar en el mapa o escriba una dirección o referencia."))
    if alert is not None and territory is None:
        territory = alert.territory
    cleaned = [attachments.clean_upload(u, allow_pdf=source != Source.CITIZEN) for u in uploads]
    problem = Problem.objects.create(
        municipality=municipality,
        reference=uuid.uuid4().hex[:30],
        category=category,
        title=title,
        description=description,
        lat=lat,
        lon=lon,
        address=address.strip()[:200],
        territory=territory,
        source=source,
        is_private=is_private,
        alert=alert,
        created_by=user if user is not None and user.is_authenticated else None,
        api_client=api_client,
        reported_at=now,
        updated_at=now,
    )
    problem.reference = f"{municipality.code}-{problem.pk:06d}"
    problem.save(update_fields=["reference"])
    if reporter is not None and (reporter.name or reporter.email or reporter.phone):
        Reporter.objects.create(
            problem=problem,
            name=reporter.name.strip()[:120],
            email=reporter.email.strip()[:200],
            phone=reporter.phone.strip()[:40],
            wants_updates=reporter.wants_updates,
        )
    ProblemUpdate.objects.create(
        problem=problem,
        status_after=Status.REPORTED,
        text=_("Problema reportado."),
        created_by=problem.created_by,
        created_at=now,
    )
    for clean in cleaned:
        _attach(problem, clean, user=user, is_public=source == Source.CITIZEN and not is_private)
    log_change(
        user=user,
        action="crear",
        obj=problem,
        municipality=municipality,
        message=f"Problema {problem.reference} ({category.code}) reportado por {Source(source).label}",
    )
    publish(problem)
    return problem


def _attach(problem: Problem, clean: attachments.CleanFile, *, user, is_public: bool) -> Attachment:
    return attachments.keep(Attachment, clean, user=user, problem=problem, is_public=is_public)


@transaction.atomic
def attach(problem: Problem, upload, *, user, is_public: bool = False) -> Attachment:
    """A staff member adds a photo or a PDF."""
    if problem.attachments.count() >= settings.ATALAYA_PROBLEM_MAX_ATTACHMENTS * 3:
        raise ValidationError(_("El problema ya tiene el máximo de adjuntos."))
    attachment = _attach(problem, attachments.clean_upload(upload, allow_pdf=True), user=user, is_public=is_public)
    log_change(
        user=user,
        action="adjuntar",
        obj=problem,
        municipality=problem.municipality,
        message=f"Adjunto {attachment.original_name} ({attachment.content_type}) en {problem.reference}",
    )
    publish(problem)
    return attachment


def allowed_next(problem: Problem) -> list[str]:
    """States this problem may move to: forward steps and closing, or back to an earlier state (with a reason)."""
    current = Status(problem.status)
    if current == Status.CLOSED:
        return [Status.CONFIRMED, Status.ANALYSIS]  # reopening
    earlier = [s for s in ORDER[1 : ORDER.index(current)]]
    return [s for s in ORDER if s in FORWARD[current]] + earlier


@transaction.atomic
def change_status(
    problem: Problem,
    *,
    to: str,
    user,
    text: str = "",
    outcome: str = "",
    is_public: bool = True,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> ProblemUpdate:
    """Move the problem to ``to``; closing needs an outcome, going back needs a reason. ``version`` is the one the
    user saw: if someone changed the problem meanwhile the change is refused (``PermissionDenied`` is not it: a
    ``ValidationError`` the page shows)."""
    now = now or timezone.now()
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if version is not None and version != problem.version:
        raise ValidationError(_("Otra persona cambió este problema mientras lo veía. Revise y vuelva a intentar."))
    before = Status(problem.status)
    target = Status(to)
    if target not in allowed_next(problem):
        raise ValidationError(
            _("No se puede pasar de «%(before)s» a «%(after)s».") % {"before": before.label, "after": target.label}
        )
    going_back = ORDER.index(target) < ORDER.index(before) or before == Status.CLOSED
    if going_back and not text.strip():
        raise ValidationError(_("Para volver a un estado anterior o reabrir, escriba el motivo."))
    if target == Status.CLOSED:
        if outcome not in Outcome.values:
            raise ValidationError(_("Para cerrar, indique el resultado."))
        problem.outcome = outcome
    elif before == Status.CLOSED:
        problem.outcome = ""
        problem.duplicate_of = None
    problem.status = target
    problem.updated_at = now
    problem.version += 1
    problem.save(update_fields=["status", "outcome", "duplicate_of", "updated_at", "version"])
    update = ProblemUpdate.objects.create(
        problem=problem,
        status_before=before,
        status_after=target,
        text=text.strip(),
        is_public=is_public,
        created_by=user if user is not None and user.is_authenticated else None,
        created_at=now,
    )
    log_change(
        user=user,
        action="estado",
        obj=problem,
        municipality=problem.municipality,
        message=f"{problem.reference}: {before.label} → {target.label}" + (f" ({outcome})" if outcome else ""),
    )
    publish(problem)
    if is_public and not problem.is_private:
        news = f"{problem.reference} · {problem.title}: {target.label}" + (f"\n{update.text}" if update.text else "")
        transaction.on_commit(lambda: notify_reporter(problem, update))
        transaction.on_commit(
            lambda: participation.notify_followers(
                problem.municipality_id, f"problema:{problem.reference}", problem.title, news
            )
        )
    return update


@transaction.atomic
def add_note(problem: Problem, *, user, text: str, is_public: bool = False) -> ProblemUpdate:
    if not text.strip():
        raise ValidationError(_("La nota está vacía."))
    now = timezone.now()
    update = ProblemUpdate.objects.create(
        problem=problem,
        text=text.strip()[:MAX_DESCRIPTION],
        is_public=is_public,
        created_by=user if user is not None and user.is_authenticated else None,
        created_at=now,
    )
    Problem.objects.filter(pk=problem.pk).update(updated_at=now)
    log_change(
        user=user,
        action="nota",
        obj=problem,
        municipality=problem.municipality,
        message=f"Nota {'pública' if is_public else 'interna'} en {problem.reference}",
    )
    problem.refresh_from_db()
    publish(problem)
    return update


@transaction.atomic
def merge(duplicate: Problem, *, into: Problem, user, version: int | None = None) -> None:
    """Close ``duplicate`` as a duplicate of ``into`` (same municipality, open), telling both timelines."""
    if duplicate.pk == into.pk or duplicate.municipality_id != into.municipality_id:
        raise ValidationError(_("Solo se unen dos problemas distintos del mismo municipio."))
    if into.duplicate_of_id is not None:
        raise ValidationError(_("El problema elegido ya es duplicado de otro; únalo a ese."))
    change_status(
        duplicate,
        to=Status.CLOSED,
        outcome=Outcome.DUPLICATE,
        user=user,
        version=version,
        text=_("Es el mismo problema que %(reference)s; se sigue allí.") % {"reference": into.reference},
    )
    Problem.objects.filter(pk=duplicate.pk).update(duplicate_of=into)
    Problem.objects.filter(duplicate_of=duplicate).update(duplicate_of=into)
    add_note(
        into,
        user=user,
        text=_("Se unió el reporte %(reference)s.") % {"reference": duplicate.reference},
        is_public=not duplicate.is_private,
    )
    duplicate.refresh_from_db()
    publish(duplicate)


@transaction.atomic
def set_private(problem: Problem, *, user, private: bool, reason: str) -> None:
    """Hide a problem from the public (or show it again); the reason stays in the change log."""
    if not reason.strip():
        raise ValidationError(_("Escriba el motivo."))
    Problem.objects.filter(pk=problem.pk).update(is_private=private, version=problem.version + 1)
    problem.refresh_from_db()
    log_change(
        user=user,
        action="privacidad",
        obj=problem,
        municipality=problem.municipality,
        message=f"{problem.reference} {'privado' if private else 'público'}: {reason.strip()[:200]}",
    )
    publish(problem)


def similar_open_problems(problem: Problem, *, limit: int = 10) -> list[tuple[Problem, float | None]]:
    """Possible duplicates: open problems of the same category reported within the configured days, within the
    configured radius when both have a point (else in the same territory); nearest first with the distance in m."""
    days = settings.ATALAYA_PROBLEM_DUPLICATE_DAYS
    radius = settings.ATALAYA_PROBLEM_DUPLICATE_METRES
    candidates = (
        Problem.objects.filter(
            municipality_id=problem.municipality_id,
            category_id=problem.category_id,
            reported_at__gte=problem.reported_at - dt.timedelta(days=days),
            reported_at__lte=problem.reported_at + dt.timedelta(days=days),
            duplicate_of__isnull=True,
        )
        .exclude(pk=problem.pk)
        .exclude(status=Status.CLOSED)
    )
    found = []
    for other in candidates[:500]:
        if problem.lat is not None and other.lat is not None:
            metres = haversine_metres(problem.lat, problem.lon, other.lat, other.lon)
            if metres <= radius:
                found.append((other, metres))
        elif problem.territory_id is not None and other.territory_id == problem.territory_id:
            found.append((other, None))
    found.sort(key=lambda pair: (pair[1] is None, pair[1] or 0.0))
    return found[:limit]


def haversine_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def load_default_categories(municipality: Municipality) -> int:
    """The starter catalogue of kinds of problem (``proximity/data/categories.csv``) for a municipality; existing
    codes are left as the municipality edited them. Returns how many were created."""
    import csv
    from pathlib import Path

    created = 0
    path = Path(__file__).parent / "data" / "categories.csv"
    with path.open(encoding="utf-8") as handle:
        for order, row in enumerate(csv.DictReader(handle)):
            _category, new = ProblemCategory.objects.get_or_create(
                municipality=municipality,
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "group": row["group"],
                    "crime_families": [f for f in row["families"].split(";") if f],
                    "keywords": row["keywords"],
                    "description": row["description"],
                    "order": order,
                },
            )
            created += new
    return created


def publish(problem: Problem) -> PublicProblem | None:
    """Write (or remove) the public copy of ``problem`` and of its public timeline entries."""
    accountability.sync_problem(problem)
    if problem.is_private:
        PublicProblem.objects.filter(problem=problem).delete()
        return None
    decimals = settings.ATALAYA_PROBLEM_PUBLIC_DECIMALS
    last_public = problem.updates.filter(is_public=True).exclude(text="").order_by("-created_at", "-id").first()
    photo = problem.attachments.filter(is_public=True, content_type__startswith="image/").first()
    public, _created = PublicProblem.objects.update_or_create(
        problem=problem,
        defaults={
            "municipality_id": problem.municipality_id,
            "reference": problem.reference,
            "category_id": problem.category_id,
            "title": problem.title,
            "description": problem.description,
            "lat": round(problem.lat, decimals) if problem.lat is not None else None,
            "lon": round(problem.lon, decimals) if problem.lon is not None else None,
            "address": problem.address,
            "territory_name": str(problem.territory.name) if problem.territory_id else "",
            "status": problem.status,
            "outcome": problem.outcome,
            "status_notes": (last_public.text[:300] if last_public else ""),
            "duplicate_of_reference": problem.duplicate_of.reference if problem.duplicate_of_id else "",
            "agency_responsible": problem.agency_responsible,
            "photo": photo,
            "reported_at": problem.reported_at,
            "updated_at": problem.updated_at,
            "expected_at": problem.expected_at,
        },
    )
    shown = set()
    for update in problem.updates.filter(is_public=True):
        PublicUpdate.objects.update_or_create(
            update=update,
            defaults={
                "problem": public,
                "status": update.status_after,
                "text": update.text,
                "created_at": update.created_at,
            },
        )
        shown.add(update.pk)
    PublicUpdate.objects.filter(problem=public).exclude(update_id__in=shown).delete()
    return public


def notify_reporter(problem: Problem, update: ProblemUpdate) -> int:
    """E-mail the reporter who asked for updates: the new state and the public note, never internal text."""
    reporter = Reporter.objects.filter(problem=problem, wants_updates=True).first()
    if reporter is None or not reporter.email or problem.is_private:
        return 0
    base = getattr(settings, "ATALAYA_BASE_URL", "").rstrip("/")
    status = Status(update.status_after).label if update.status_after else ""
    lines = [
        _("Su reporte %(reference)s («%(title)s») cambió de estado: %(status)s.")
        % {"reference": problem.reference, "title": problem.title, "status": status},
    ]
    if update.text:
        lines.append(update.text)
    lines.append(f"{base}/publico/{problem.municipality.code}/problemas/{problem.reference}/")
    subject = _("Atalaya: su reporte %(reference)s está %(status)s") % {
        "reference": problem.reference,
        "status": status,
    }
    return send_mail(subject, "\n\n".join(lines), None, [reporter.email], fail_silently=True)
