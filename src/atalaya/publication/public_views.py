"""The portal's publications: the archive of public bulletins (page and PDF), the subscription, and the
open-data catalogue with its DCAT-AP description and the indicator table as JSON."""

from __future__ import annotations

import datetime as dt
import json

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_noop
from django.views import View
from django.views.generic import TemplateView

from atalaya.core.sensitivity import PublicOutputMixin
from atalaya.geo.models import Municipality, Territory
from atalaya.indicators.models import Indicator, PublicValue
from atalaya.indicators.portal import download_records, published_municipalities
from atalaya.proximity.public_views import FollowView
from atalaya.surveys.models import PublicSurveyEstimate

from . import catalogue
from .models import Bulletin
from .render import STYLESHEET
from .services import subscription_target


class PortalMunicipalityMixin(PublicOutputMixin):
    """A page of a municipality that publishes (404 otherwise)."""

    def dispatch(self, request, *args, **kwargs):
        self.municipality = get_object_or_404(published_municipalities(), code=kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(municipality=self.municipality, **kwargs)


class BulletinListView(PortalMunicipalityMixin, TemplateView):
    public_models = (Municipality, Bulletin)
    template_name = "publication/public/bulletins.html"

    def get_context_data(self, **kwargs):
        bulletins = Bulletin.objects.filter(municipality=self.municipality).defer("body", "html", "pdf")
        return super().get_context_data(bulletins=bulletins, target=subscription_target(self.municipality), **kwargs)


def _bulletin(municipality: Municipality, month: str) -> Bulletin:
    try:
        day = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError as exc:
        raise Http404 from exc
    return get_object_or_404(Bulletin, municipality=municipality, month=day)


class BulletinView(PortalMunicipalityMixin, TemplateView):
    public_models = (Municipality, Bulletin)
    template_name = "publication/public/bulletin.html"

    def get_context_data(self, **kwargs):
        bulletin = _bulletin(self.municipality, kwargs["month"])
        return super().get_context_data(bulletin=bulletin, stylesheet=STYLESHEET, **kwargs)


class BulletinPdfView(PortalMunicipalityMixin, View):
    public_models = (Municipality, Bulletin)

    def get(self, request, code: str, month: str):
        bulletin = _bulletin(self.municipality, month)
        response = HttpResponse(bytes(bulletin.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="boletin-{code}-{bulletin.month:%Y-%m}.pdf"'
        return response


class SubscribeView(FollowView):
    """The bulletin by e-mail: the portal's follow (a confirmation first, a link to stop in every message)."""

    public_models = (Municipality, Bulletin)
    fallback = "boletines/"
    accepted = gettext_noop("Le enviamos un correo para confirmar la suscripción al boletín.")

    def municipalities(self):
        return published_municipalities()


CATALOGUE_MODELS = (Municipality, Territory, Indicator, PublicValue, PublicSurveyEstimate, Bulletin)


class CatalogueView(PortalMunicipalityMixin, TemplateView):
    public_models = CATALOGUE_MODELS
    template_name = "publication/public/catalogue.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(datasets=catalogue.datasets(self.municipality), **kwargs)


class CatalogueJsonLdView(PortalMunicipalityMixin, View):
    """The municipality's catalogue in DCAT-AP (JSON-LD)."""

    public_models = CATALOGUE_MODELS

    def get(self, request, code: str):
        body = json.dumps(catalogue.catalogue([self.municipality]), ensure_ascii=False, indent=1)
        return HttpResponse(body.encode("utf-8"), content_type="application/ld+json")


class NetworkCatalogueJsonLdView(PublicOutputMixin, View):
    """Every publishing municipality's datasets in one DCAT-AP catalogue (what a national portal harvests)."""

    public_models = CATALOGUE_MODELS

    def get(self, request):
        if not published_municipalities().exists():
            raise Http404
        body = json.dumps(catalogue.catalogue(), ensure_ascii=False, indent=1)
        return HttpResponse(body.encode("utf-8"), content_type="application/ld+json")


class IndicatorsJsonView(PublicOutputMixin, View):
    """The portal's indicator table as JSON: the same rows as the CSV (withheld cells are null)."""

    public_models = (Municipality, Indicator, PublicValue)

    def get(self, request, code: str):
        municipality = get_object_or_404(published_municipalities(), code=code)
        records = download_records(municipality)
        if not records:
            raise Http404
        return JsonResponse(
            {"municipio": municipality.code, "indicadores": records}, json_dumps_params={"ensure_ascii": False}
        )
