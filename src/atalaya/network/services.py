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

from atalaya.accounts.models import Role
from atalaya.accounts.services import role_in
from atalaya.core.changelog import log_change

from . import search
from .choices import PracticeStatus, Rating, Recommendation
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
