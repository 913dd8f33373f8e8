"""The network's public repository of practices (as México Evalúa's practice bank, but kept up to date by the
review): only :class:`~.models.PublishedPractice`, the edition the reviewers published, searchable with the
same Spanish stems as the internal search, filterable by rating; the documents the contributors marked public."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from atalaya.analysis.search import stems
from atalaya.core.sensitivity import PublicOutputMixin

from .choices import Design, Rating
from .models import PublishedPractice
from .services import EMMIE_DIMENSIONS, EUCPN_CRITERIA


def _labelled(edition: PublishedPractice) -> dict:
    ratings, designs = dict(Rating.choices), dict(Design.choices)
    return {
        "outcomes": [
            {**o, "rating_label": ratings.get(o["rating"], o["rating"]), "design_label": designs.get(o["design"], "")}
            for o in edition.outcomes
        ],
        "emmie": [{**e, "label": str(EMMIE_DIMENSIONS.get(e["dimension"], e["dimension"]))} for e in edition.emmie],
        "eucpn": [str(label) for key, label in EUCPN_CRITERIA.items() if edition.eucpn.get(key)],
    }


LIMIT = 200


class PublicPracticeListView(PublicOutputMixin, TemplateView):
    public_models = (PublishedPractice,)
    template_name = "network/public/practice_list.html"

    def get_context_data(self, **kwargs):
        editions = PublishedPractice.objects.select_related("municipality")
        query = (self.request.GET.get("q") or "")[:200]
        for stem in stems(query):
            editions = editions.filter(search_document__contains=f" {stem} ")
        rating = self.request.GET.get("calificacion") or ""
        if rating:  # the edition's ratings are the practice's: both are written when it is published
            editions = editions.filter(practice__outcomes__rating=rating).distinct()
        shown = list(editions.order_by("title")[:LIMIT])
        rows = [{"edition": edition, **_labelled(edition)} for edition in shown]
        return super().get_context_data(
            rows=rows,
            limited=len(shown) == LIMIT,
            query=query,
            rating=rating,
            ratings=Rating.choices,
            total=PublishedPractice.objects.count(),
            **kwargs,
        )


class PublicPracticeView(PublicOutputMixin, TemplateView):
    public_models = (PublishedPractice,)
    template_name = "network/public/practice_detail.html"

    def get_context_data(self, **kwargs):
        edition = get_object_or_404(PublishedPractice.objects.select_related("municipality"), code=kwargs["code"])
        return super().get_context_data(edition=edition, **_labelled(edition), **kwargs)


class PublicDocumentView(PublicOutputMixin, View):
    """A document its contributors marked public, of a practice with a public edition that lists it."""

    public_models = (PublishedPractice,)

    def get(self, request, code, pk):
        from atalaya.proximity.attachments import serve

        from .models import PracticeDocument

        edition = get_object_or_404(PublishedPractice, code=code)
        if pk not in {d["id"] for d in edition.documents}:
            raise Http404
        document = get_object_or_404(PracticeDocument, pk=pk, practice_id=edition.pk, is_public=True)
        return serve(document, "documento")
