"""The repository's review workflow, the one writer of practices' status and ratings.

draft → submitted (by its municipality's analysts or admins) → under review (two **independent** reviewers,
neither from the contributing municipality, assigned by a network coordinator) → published when both reviews
recommend publishing **and agree** on every outcome's rating (consensus), or back to draft when one returns it;
when they disagree the coordinator settles each rating (``settle``, with a reason). The contributing municipality
may **appeal** a published rating once per round: the practice goes back under review for a new round. A change
to a published practice's text makes it *revised* (still public) until it is reviewed again.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atalaya.accounts.models import Role
from atalaya.accounts.services import role_in
from atalaya.core.changelog import log_change

from . import search
from .choices import Design, PracticeStatus, Rating, Recommendation
from .models import Practice, PracticeEvent, PracticeReview

CONTRIBUTOR_ROLES = {Role.ADMIN, Role.ANALYST}


def is_coordinator(user) -> bool:
    """Network coordinators (a role over several municipalities): superusers, or members of the
    ``coordinacion-red`` group."""
    return bool(
        user and user.is_authenticated and (user.is_superuser or user.groups.filter(name="coordinacion-red").exists())
    )


def _move(practice: Practice, to: str, user, comment: str = "") -> None:
    PracticeEvent.objects.create(
        practice=practice, from_status=practice.status, to_status=to, comment=comment, user=user
    )
    practice.status = to
    fields = ["status"]
    if to == PracticeStatus.PUBLISHED:
        practice.published_at = timezone.now()
        fields.append("published_at")
    practice.save(update_fields=fields)
    if to == PracticeStatus.PUBLISHED:
        write_edition(practice)
    log_change(
        user=user, action="practica", obj=practice, municipality=practice.municipality, message=f"→ {to}: {comment}"
    )


def current_round(practice: Practice) -> int:
    return practice.events.filter(to_status=PracticeStatus.UNDER_REVIEW).count()


def submit(practice: Practice, user) -> None:
    if role_in(user, practice.municipality) not in CONTRIBUTOR_ROLES:
        raise PermissionDenied
    if practice.status not in (PracticeStatus.DRAFT, PracticeStatus.REVISED):
        raise ValidationError(_("Solo se envía a revisión un borrador o una práctica revisada."))
    if not practice.outcomes.exists():
        raise ValidationError(_("Declare al menos un resultado con su diseño de evaluación antes de enviarla."))
    with transaction.atomic():
        _move(practice, PracticeStatus.SUBMITTED, user)


def assign_reviewers(practice: Practice, reviewers: list, user) -> None:
    """Two independent reviewers, none a member of the contributing municipality."""
    if not is_coordinator(user):
        raise PermissionDenied
    if practice.status != PracticeStatus.SUBMITTED:
        raise ValidationError(_("Solo se asignan revisores a una práctica enviada."))
    if len({r.pk for r in reviewers}) != 2:
        raise ValidationError(_("Asigne dos revisores distintos."))
    if any(r.memberships.filter(municipality=practice.municipality).exists() for r in reviewers):
        raise ValidationError(_("Los revisores no pueden ser del municipio que aporta la práctica."))
    with transaction.atomic():
        practice.reviewers.set(reviewers)
        _move(practice, PracticeStatus.UNDER_REVIEW, user, ", ".join(r.get_username() for r in reviewers))


def review(practice: Practice, reviewer, *, ratings: dict, recommendation: str, comment: str = "") -> PracticeReview:
    """A reviewer's independent review; with both in, publish on consensus or return."""
    if practice.status != PracticeStatus.UNDER_REVIEW:
        raise ValidationError(_("La práctica no está en revisión."))
    if not practice.reviewers.filter(pk=reviewer.pk).exists():
        raise PermissionDenied
    outcomes = {str(o.pk) for o in practice.outcomes.all()}
    if set(map(str, ratings)) != outcomes or not set(ratings.values()) <= set(Rating.values):
        raise ValidationError(_("Califique cada resultado de la práctica."))
    if recommendation == Recommendation.RETURN and not comment.strip():
        raise ValidationError(_("Para devolver la práctica escriba qué falta."))
    round_ = current_round(practice)
    with transaction.atomic():
        if PracticeReview.objects.filter(practice=practice, reviewer=reviewer, round=round_).exists():
            raise ValidationError(_("Ya envió su revisión en esta ronda."))
        made = PracticeReview.objects.create(
            practice=practice,
            reviewer=reviewer,
            round=round_,
            ratings={str(k): v for k, v in ratings.items()},
            recommendation=recommendation,
            comment=comment.strip(),
        )
        reviews = list(PracticeReview.objects.filter(practice=practice, round=round_))
        if len(reviews) == 2:
            _conclude(practice, reviews, reviewer)
    return made


def _conclude(practice: Practice, reviews: list[PracticeReview], user) -> None:
    if any(r.recommendation == Recommendation.RETURN for r in reviews):
        comments = " / ".join(r.comment for r in reviews if r.comment)
        _move(practice, PracticeStatus.DRAFT, user, _("Devuelta por la revisión: %(c)s") % {"c": comments})
        return
    first, second = (r.ratings for r in reviews)
    if first == second:
        _apply(practice, first)
        _move(practice, PracticeStatus.PUBLISHED, user, _("Consenso de los dos revisores."))
    # otherwise it stays under review until the coordinator settles it


def _apply(practice: Practice, ratings: dict) -> None:
    for outcome in practice.outcomes.all():
        outcome.rating = ratings[str(outcome.pk)]
        outcome.save(update_fields=["rating"])


def disagreements(practice: Practice) -> dict[str, tuple[str, str]]:
    """Outcomes the two reviews of the current round rate differently: ``{outcome id: (one, other)}``."""
    reviews = list(PracticeReview.objects.filter(practice=practice, round=current_round(practice)))
    if len(reviews) != 2:
        return {}
    first, second = (r.ratings for r in reviews)
    return {k: (first[k], second.get(k)) for k in first if first[k] != second.get(k)}


def settle(practice: Practice, ratings: dict, user, reason: str) -> None:
    """The coordinator's consensus when the reviewers disagree; the reason is kept in the history."""
    if not is_coordinator(user):
        raise PermissionDenied
    if not disagreements(practice):
        raise ValidationError(_("No hay desacuerdo que resolver."))
    if not reason.strip():
        raise ValidationError(_("Explique la decisión de consenso."))
    with transaction.atomic():
        _apply(practice, {str(k): v for k, v in ratings.items()})
        _move(practice, PracticeStatus.PUBLISHED, user, _("Consenso de la coordinación: %(r)s") % {"r": reason.strip()})


def appeal(practice: Practice, user, reason: str) -> None:
    """The contributing municipality disputes a published rating: a new review round."""
    if role_in(user, practice.municipality) not in CONTRIBUTOR_ROLES:
        raise PermissionDenied
    if practice.status != PracticeStatus.PUBLISHED:
        raise ValidationError(_("Solo se apela una práctica publicada."))
    if not reason.strip():
        raise ValidationError(_("Explique qué calificación apela y por qué."))
    with transaction.atomic():
        _move(practice, PracticeStatus.UNDER_REVIEW, user, _("Apelación: %(r)s") % {"r": reason.strip()})


def edited(practice: Practice, user) -> None:
    """After the contributing team edits the text: reindex, and a published practice becomes *revised*."""
    search.reindex(practice)
    if practice.status == PracticeStatus.PUBLISHED:
        with transaction.atomic():
            _move(practice, PracticeStatus.REVISED, user, _("Texto modificado tras la publicación."))


EUCPN_CRITERIA = {
    "problema": gettext_lazy("Describe con claridad el problema delictivo"),
    "mecanismo": gettext_lazy("Explica cómo la intervención lo atiende y por qué debería funcionar"),
    "evaluacion": gettext_lazy(
        "Tiene una evaluación de resultados positiva y robusta, o al menos fuertes indicios de plausibilidad teórica"
    ),
    "replicable": gettext_lazy("Informa lo suficiente sobre intervención, contexto e implementación para replicarla"),
}


#: EMMIE's five dimensions (College of Policing): key and name
EMMIE_DIMENSIONS = {
    "efecto": gettext_lazy("Efecto"),
    "mecanismo": gettext_lazy("Mecanismo"),
    "moderadores": gettext_lazy("Moderadores"),
    "implementacion": gettext_lazy("Implementación"),
    "costo": gettext_lazy("Costo económico"),
}


def emmie(practice: Practice) -> list[tuple[str, str, str, int]]:
    """The practice's EMMIE profile: ``(key, name, what is known, evidence quality 0–4)`` per dimension."""
    rows = {
        "efecto": (practice.effect, practice.effect_quality),
        "mecanismo": (practice.mechanism, practice.mechanism_quality),
        "moderadores": (practice.moderators, practice.moderators_quality),
        "implementacion": (practice.implementation, practice.implementation_quality),
        "costo": (practice.cost, practice.economic_quality),
    }
    return [(key, str(name), *rows[key]) for key, name in EMMIE_DIMENSIONS.items()]


def eucpn_check(practice: Practice) -> list[dict]:
    """The EUCPN's four minimum criteria for a good practice: what the contributing team declared, and whether the
    record holds what each criterion needs (a reviewer reads both; a declaration the record does not back is
    flagged, never silently accepted)."""
    outcomes = list(practice.outcomes.all())
    backed = {
        "problema": bool(practice.problem.strip()),
        "mecanismo": bool(practice.mechanism.strip()),
        "evaluacion": any(o.design != Design.DESCRIPTIVE for o in outcomes) or practice.mechanism_quality >= 3,
        "replicable": bool(practice.implementation.strip() and practice.context.strip()),
    }
    declared = practice.eucpn_criteria or {}
    return [
        {"key": key, "label": str(label), "declared": bool(declared.get(key)), "backed": backed[key]}
        for key, label in EUCPN_CRITERIA.items()
    ]


def write_edition(practice: Practice) -> None:
    """The public edition of a practice as reviewed now (at each publication)."""
    from atalaya.analysis.search import stems

    from .models import PublishedPractice

    outcomes = [
        {"outcome": o.outcome, "rating": o.rating, "design": o.design, "studies": o.studies}
        for o in practice.outcomes.all()
    ]
    text = {
        "problem": practice.problem,
        "target_group": practice.target_group,
        "mechanism": practice.mechanism,
        "context": practice.context,
        "implementation": practice.implementation,
        "cost": practice.cost,
    }
    PublishedPractice.objects.update_or_create(
        practice=practice,
        defaults={
            "municipality": practice.municipality,
            "code": practice.code,
            "title": practice.title,
            "summary": practice.summary,
            "text": text,
            "outcomes": outcomes,
            "emmie": [
                {"dimension": key, "text": text, "quality": quality} for key, _label, text, quality in emmie(practice)
            ],
            "systematisation": {
                "starting_point": practice.starting_point,
                "initial_questions": practice.initial_questions,
                "process_recovery": practice.process_recovery,
                "critical_reflection": practice.critical_reflection,
                "arrival_points": practice.arrival_points,
            },
            "eucpn": {c["key"]: c["declared"] and c["backed"] for c in eucpn_check(practice)},
            "dissemination_ready": practice.dissemination_ready,
            "search_document": " " + " ".join(stems(practice.search_document or practice.title)) + " ",
            "published_at": practice.published_at or timezone.now(),
        },
    )
    refresh_edition(practice)


def refresh_edition(practice: Practice) -> None:
    """Adoptions and public documents reach a published practice's public edition at once."""
    from .models import PublishedPractice

    adoptions = [
        {"municipality": a.municipality.name, "started": a.started.isoformat(), "results": a.results}
        for a in practice.adoptions.select_related("municipality").order_by("started", "pk")
    ]
    documents = [
        {"id": d.pk, "title": d.title, "content_type": d.content_type, "size": d.size}
        for d in practice.documents.filter(is_public=True)
    ]
    PublishedPractice.objects.filter(practice=practice).update(adoptions=adoptions, documents=documents)


def record_adoption(practice: Practice, user, *, municipality, programme=None, started, adaptations="", results=""):
    """A municipality takes a shared practice (or updates what it measured): its analysts or admins say so."""
    from .models import Adoption

    if role_in(user, municipality) not in CONTRIBUTOR_ROLES:
        raise PermissionDenied
    if practice.status not in (PracticeStatus.PUBLISHED, PracticeStatus.REVISED):
        raise ValidationError(_("Solo se adopta una práctica publicada."))
    if municipality == practice.municipality:
        raise ValidationError(_("El municipio que aporta la práctica no la adopta: ya es suya."))
    if programme is not None and programme.municipality_id != municipality.pk:
        raise ValidationError(_("El programa debe ser del municipio que adopta la práctica."))
    with transaction.atomic():
        adoption, created = Adoption.objects.update_or_create(
            practice=practice,
            municipality=municipality,
            defaults={
                "programme": programme,
                "started": started,
                "adaptations": adaptations.strip(),
                "results": results.strip(),
            },
        )
        refresh_edition(practice)
        log_change(
            user=user,
            action="adopcion",
            obj=adoption,
            municipality=municipality,
            message=f"{practice.code} ({'nueva' if created else 'actualizada'})",
        )
    return adoption


def add_document(practice: Practice, user, upload, *, title: str, is_public: bool):
    """A document of the practice, checked like every attachment (PDF or image, type from the content)."""
    from atalaya.proximity.attachments import clean_upload, keep

    from .models import PracticeDocument

    if role_in(user, practice.municipality) not in CONTRIBUTOR_ROLES:
        raise PermissionDenied
    if not title.strip():
        raise ValidationError(_("Escriba el título del documento."))
    clean = clean_upload(upload, allow_pdf=True)
    with transaction.atomic():
        document = keep(
            PracticeDocument, clean, user=user, practice=practice, title=title.strip()[:200], is_public=is_public
        )
        refresh_edition(practice)
        log_change(
            user=user,
            action="documento",
            obj=practice,
            municipality=practice.municipality,
            message=f"{clean.original_name} ({clean.content_type})",
        )
    return document


def may_record_transfer(user, origin, destination) -> bool:
    """The coordination, or analysts and admins of either end of the transfer."""
    return is_coordinator(user) or any(role_in(user, m) in CONTRIBUTOR_ROLES for m in (origin, destination) if m)


def activity_figures(activities) -> dict:
    """What the network reached, counted from the registrations (never typed in): municipalities and countries
    reached, people registered and attending, in person and online."""
    from django.db.models import Count, Q

    from .choices import Attendance
    from .models import Registration

    registrations = Registration.objects.filter(activity__in=activities)
    totals = registrations.aggregate(
        registered=Count("pk"),
        attending=Count("pk", filter=Q(attended=True)),
        online=Count("pk", filter=Q(attended=True, mode=Attendance.ONLINE)),
        in_person=Count("pk", filter=Q(attended=True, mode=Attendance.IN_PERSON)),
        municipalities=Count("municipality_code", filter=Q(attended=True), distinct=True),
        countries=Count("country", filter=Q(attended=True), distinct=True),
    )
    by_country = dict(
        registrations.filter(attended=True)
        .values_list("country")
        .annotate(n=Count("municipality_code", distinct=True))
        .values_list("country", "n")
    )
    return {**totals, "municipalities_by_country": by_country}


def participation_table(municipalities) -> list[dict]:
    """Each municipality's part in the network, counted from the records: practices contributed and shared,
    outcomes rated effective or promising, practices it adopted and of its own adopted elsewhere, transfers out
    and in, activities organised and people of it who attended an activity."""
    from django.db.models import Count

    from .models import Activity, Adoption, Practice, PracticeOutcome, Registration, Transfer

    def counts(queryset, field: str, **filters) -> dict:
        return dict(queryset.filter(**filters).values_list(field).annotate(n=Count("pk")).values_list(field, "n"))

    shared = [PracticeStatus.PUBLISHED, PracticeStatus.REVISED]
    contributed = counts(Practice.objects.all(), "municipality")
    published = counts(Practice.objects.all(), "municipality", status__in=shared)
    strong = counts(
        PracticeOutcome.objects.all(),
        "practice__municipality",
        rating__in=[Rating.EFFECTIVE, Rating.PROMISING],
        practice__status__in=shared,
    )
    adopted = counts(Adoption.objects.all(), "municipality")
    adopted_elsewhere = counts(Adoption.objects.all(), "practice__municipality")
    out = counts(Transfer.objects.all(), "origin")
    into = counts(Transfer.objects.all(), "destination")
    organised = counts(Activity.objects.all(), "organiser")
    attended = {
        (country, code): n
        for country, code, n in Registration.objects.filter(attended=True)
        .values_list("country", "municipality_code")
        .annotate(n=Count("pk"))
        .values_list("country", "municipality_code", "n")
    }
    rows = []
    for m in municipalities.select_related("country").order_by("country__code", "name"):
        rows.append(
            {
                "municipality": m,
                "contributed": contributed.get(m.pk, 0),
                "published": published.get(m.pk, 0),
                "strong_outcomes": strong.get(m.pk, 0),
                "adopted": adopted.get(m.pk, 0),
                "adopted_elsewhere": adopted_elsewhere.get(m.pk, 0),
                "transfers_out": out.get(m.pk, 0),
                "transfers_in": into.get(m.pk, 0),
                "organised": organised.get(m.pk, 0),
                "attended": attended.get((m.country.code, m.code), 0),
            }
        )
    return rows


def rating_counts() -> list[tuple[str, int]]:
    """How the shared practices' outcomes are rated across the network (CrimeSolutions' categories)."""
    from django.db.models import Count

    from .models import PracticeOutcome

    found = dict(
        PracticeOutcome.objects.filter(practice__status__in=[PracticeStatus.PUBLISHED, PracticeStatus.REVISED])
        .values_list("rating")
        .annotate(n=Count("pk"))
        .values_list("rating", "n")
    )
    return [(label, found.get(value, 0)) for value, label in Rating.choices]
