"""What the network adds to other modules' pages, through :mod:`atalaya.hooks`: the published practices a SARA
file's team may choose from, and the public repository's link on the portal."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext

from .choices import PracticeStatus, Rating

#: Best evidence first when suggesting practices for a response.
RATING_ORDER = [
    Rating.EFFECTIVE,
    Rating.PROMISING,
    Rating.INCONCLUSIVE,
    Rating.NOT_RATED,
    Rating.NO_EFFECT,
    Rating.NEGATIVE,
]


def best_rating(practice) -> str:
    ratings = {o.rating for o in practice.outcomes.all()}
    return next((r for r in RATING_ORDER if r in ratings), Rating.NOT_RATED)


def practices_for_problem(user, problem, families: list[str]) -> list:
    """Shared practices that address the problem's type (its category code) or one of its crime families, best
    rated first; practices rated only as harmful are left out of the suggestions."""
    from django.db.models import Q

    from .access import visible_practices

    wanted = Q(problem_types__icontains=f'"{problem.category.code}"')  # a JSON list's text: portable on both
    for family in families:
        wanted |= Q(crime_families__icontains=f'"{family}"')
    candidates = (
        visible_practices(user)
        .filter(wanted, status__in=[PracticeStatus.PUBLISHED, PracticeStatus.REVISED])
        .select_related("municipality")
        .prefetch_related("outcomes")[:500]
    )
    code = problem.category.code
    found = [p for p in candidates if code in (p.problem_types or []) or set(families) & set(p.crime_families or [])]
    found = [p for p in found if best_rating(p) != Rating.NEGATIVE]
    return sorted(found, key=lambda p: (RATING_ORDER.index(best_rating(p)), p.title))[:10]


def response_panel(user, problem) -> dict | None:
    families = list(getattr(getattr(problem, "sara", None), "families", None) or problem.category.crime_families)
    practices = practices_for_problem(user, problem, families)
    return {
        "template": "network/_response_options.html",
        "context": {
            "practices": [(p, Rating(best_rating(p)).label) for p in practices],
            "search_url": reverse("network:list") + "?" + urlencode({"q": problem.category.name}),
        },
    }


def portal_link(municipality) -> tuple[str, str] | None:
    from .models import PublishedPractice

    if PublishedPractice.objects.exists():
        return gettext("Buenas prácticas de la red"), reverse("network_public:list")
    return None
