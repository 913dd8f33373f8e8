"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2), so that existing citizen apps can list the kinds of
problem, report one and follow it: ``services``, a service definition, ``requests`` (GET and POST) and one
request, in XML (required by the spec) and JSON, chosen by the extension, plus the discovery document.

Reading is public and serves only the public tables (a private problem does not exist here); posting needs an
API key of the municipality (``jurisdiction_id``), given as the spec says (``api_key``), and is throttled per key.
Errors answer the spec's way: a list of ``{code, description}`` (``<errors><error>`` in XML), in Spanish.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import xml.etree.ElementTree as ET

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from atalaya.core.sensitivity import PublicOutputMixin
from atalaya.geo.models import Municipality

from . import services
from .choices import OPEN311_CLOSED, Source, Status
from .models import ApiClient, ProblemCategory, PublicProblem

#: The spec's default window for GET requests: 90 days or the first 1,000 requests, whichever is smaller.
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
KEY_PREFIX = "o311"


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


def new_api_key(municipality: Municipality, name: str, *, user=None) -> tuple[ApiClient, str]:
    """A client and its key, shown once: ``o311_<prefix>.<secret>``; only the prefix and a SHA-256 are stored."""
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}.{secrets.token_urlsafe(24)}"
    client = ApiClient.objects.create(
        municipality=municipality, name=name, key_prefix=prefix, key_hash=_hash(key), created_by=user
    )
    return client, key


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def client_for_key(key: str) -> ApiClient | None:
    head, _, _secret = (key or "").partition(".")
    if not head.startswith(f"{KEY_PREFIX}_"):
        return None
    client = ApiClient.objects.filter(key_prefix=head.removeprefix(f"{KEY_PREFIX}_"), active=True).first()
    if client is None or not hmac.compare_digest(client.key_hash, _hash(key)):
        return None
    return client


def _datetime(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _render(request, fmt: str, root: str, item: str, rows: list[dict], status: int = 200) -> HttpResponse:
    if fmt == "json":
        import json

        return HttpResponse(
            json.dumps(rows, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
        )
    element = ET.Element(root)
    for row in rows:
        child = ET.SubElement(element, item)
        for key, value in row.items():
            _xml_value(ET.SubElement(child, key), value)
    body = ET.tostring(element, encoding="UTF-8", xml_declaration=True)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _xml_value(node: ET.Element, value) -> None:
    if isinstance(value, list):  # the attributes of a service definition and their values
        for entry in value:
            child = ET.SubElement(node, "attribute" if node.tag == "attributes" else "value")
            for key, inner in entry.items():
                _xml_value(ET.SubElement(child, key), inner)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


class Open311Throttle(SimpleRateThrottle):
    """Posting: per API key (or address, for a missing key), ``ATALAYA_OPEN311_POSTS_PER_HOUR``."""

    scope = "open311"

    def get_rate(self):
        return f"{getattr(settings, 'ATALAYA_OPEN311_POSTS_PER_HOUR', 120)}/hour"

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None
        key = (request.data.get("api_key") or "")[:80] if hasattr(request, "data") else ""
        return self.cache_format % {"scope": self.scope, "ident": key or self.get_ident(request)}


@extend_schema(exclude=True)  # its own specification; its XML is not OpenAPI's
class Open311View(PublicOutputMixin, APIView):
    """The shared part: the format, the jurisdiction and the spec's error body."""

    public_models = (ProblemCategory, PublicProblem)
    authentication_classes: list = []
    permission_classes: list = []
    parser_classes = [FormParser, MultiPartParser]
    throttle_classes = [Open311Throttle]
    root, item = "service_requests", "request"

    def handle_exception(self, exc):
        fmt = self.kwargs.get("fmt", "xml")
        if isinstance(exc, Open311Error):
            return _render(
                self.request, fmt, "errors", "error", [{"code": exc.code, "description": exc.description}], exc.code
            )
        from rest_framework.exceptions import APIException, Throttled

        if isinstance(exc, Throttled):
            error = {"code": 429, "description": _("Demasiados reportes desde esta clave; intente más tarde.")}
            return _render(self.request, fmt, "errors", "error", [error], 429)
        if isinstance(exc, APIException):
            return _render(
                self.request,
                fmt,
                "errors",
                "error",
                [{"code": exc.status_code, "description": str(exc.detail)}],
                exc.status_code,
            )
        raise exc

    def municipality(self) -> Municipality:
        code = (
            self.request.query_params.get("jurisdiction_id") or self.request.data.get("jurisdiction_id") or ""
        ).strip()
        if not code:
            raise Open311Error(400, _("Falta jurisdiction_id: el código del municipio (p. ej. 15058)."))
        municipality = Municipality.objects.filter(code=code, problem_categories__active=True).distinct().first()
        if municipality is None:
            raise Open311Error(
                404, _("No hay servicios Open311 para la jurisdicción «%(code)s».") % {"code": code[:20]}
            )
        return municipality

    def respond(self, rows: list[dict], status: int = 200) -> HttpResponse:
        return _render(self.request, self.kwargs["fmt"], self.root, self.item, rows, status)


class DiscoveryView(Open311View):
    def get(self, request, fmt):
        base = request.build_absolute_uri(reverse("open311:services", args=["xml"])).rsplit("/", 1)[0] + "/"
        document = {
            "changeset": "2026-12-06T00:00:00Z",
            "contact": getattr(settings, "ATALAYA_CONTACT", "") or "",
            "key_service": _("Las claves las entrega la coordinación de proximidad de cada municipio."),
        }
        endpoint = {"specification": "http://wiki.open311.org/GeoReport_v2", "url": base, "type": "production"}
        if fmt == "json":
            import json

            document["endpoints"] = [{**endpoint, "formats": ["text/xml", "application/json"]}]
            return HttpResponse(
                json.dumps(document, ensure_ascii=False), content_type="application/json; charset=utf-8"
            )
        root = ET.Element("discovery")
        for key, value in document.items():
            ET.SubElement(root, key).text = value
        endpoints = ET.SubElement(ET.SubElement(root, "endpoints"), "endpoint")
        for key, value in endpoint.items():
            ET.SubElement(endpoints, key).text = value
        formats = ET.SubElement(endpoints, "formats")
        for value in ("text/xml", "application/json"):
            ET.SubElement(formats, "format").text = value
        return HttpResponse(
            ET.tostring(root, encoding="UTF-8", xml_declaration=True), content_type="text/xml; charset=utf-8"
        )


def _service(category: ProblemCategory) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    }


class ServiceListView(Open311View):
    root, item = "services", "service"

    def get(self, request, fmt):
        municipality = self.municipality()
        categories = ProblemCategory.objects.filter(municipality=municipality, active=True)
        return self.respond([_service(c) for c in categories])


class ServiceDefinitionView(Open311View):
    """Atalaya's kinds of problem have no extra attributes (``metadata`` is false): the definition is empty."""

    def get(self, request, fmt, code):
        municipality = self.municipality()
        category = ProblemCategory.objects.filter(municipality=municipality, code=code, active=True).first()
        if category is None:
            raise Open311Error(404, _("No existe el servicio «%(code)s».") % {"code": code[:40]})
        document = {"service_code": category.code, "attributes": []}
        if fmt == "json":
            import json

            return HttpResponse(json.dumps(document), content_type="application/json; charset=utf-8")
        root = ET.Element("service_definition")
        ET.SubElement(root, "service_code").text = category.code
        ET.SubElement(root, "attributes")
        return HttpResponse(
            ET.tostring(root, encoding="UTF-8", xml_declaration=True), content_type="text/xml; charset=utf-8"
        )


def request_row(public: PublicProblem, request) -> dict:
    """One service request in the spec's field order, from the public table only."""
    status = "closed" if public.status in OPEN311_CLOSED else "open"
    notes = public.status_notes or str(Status(public.status).label)
    media = ""
    if public.photo_id:
        media = request.build_absolute_uri(
            reverse("problems_public:photo", args=[public.municipality.code, public.reference])
        )
    return {
        "service_request_id": public.reference,
        "status": status,
        "status_notes": notes,
        "service_name": public.category.name,
        "service_code": public.category.code,
        "description": public.description or public.title,
        "agency_responsible": public.agency_responsible,
        "service_notice": "",
        "requested_datetime": _datetime(public.reported_at),
        "updated_datetime": _datetime(public.updated_at),
        "expected_datetime": _datetime(public.expected_at),
        "address": public.address or public.territory_name,
        "address_id": "",
        "zipcode": "",
        "lat": public.lat,
        "long": public.lon,
        "media_url": media,
    }


class RequestListView(Open311View):
    def get(self, request, fmt):
        municipality = self.municipality()
        rows = PublicProblem.objects.filter(municipality=municipality).select_related("category", "municipality")
        params = request.query_params
        ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
        if ids:
            rows = rows.filter(reference__in=ids[:MAX_REQUESTS])  # the spec: other parameters are then ignored
        else:
            if params.get("service_code"):
                rows = rows.filter(category__code__in=params["service_code"].split(","))
            start = _parse_date(params.get("start_date"), "start_date")
            end = _parse_date(params.get("end_date"), "end_date")
            if start is None and end is None:
                start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
            if start is not None:
                rows = rows.filter(reported_at__gte=start)
            if end is not None:
                rows = rows.filter(reported_at__lte=end)
            status = params.get("status")
            if status not in (None, "", "open", "closed"):
                raise Open311Error(400, _("status debe ser open o closed."))
            if status == "open":
                rows = rows.exclude(status__in=OPEN311_CLOSED)
            elif status == "closed":
                rows = rows.filter(status__in=OPEN311_CLOSED)
        return self.respond([request_row(p, request) for p in rows.order_by("-reported_at")[:MAX_REQUESTS]])

    def post(self, request, fmt):
        client = client_for_key(request.data.get("api_key", ""))
        if client is None:
            raise Open311Error(403, _("Falta una api_key válida para reportar."))
        municipality = self.municipality()
        if client.municipality_id != municipality.pk:
            raise Open311Error(403, _("La api_key no corresponde a esta jurisdicción."))
        data = request.data
        category = ProblemCategory.objects.filter(
            municipality=municipality, code=data.get("service_code", ""), active=True
        ).first()
        if category is None:
            raise Open311Error(400, _("service_code desconocido: consulte services.xml."))
        lat, lon = _coordinate(data.get("lat"), "lat"), _coordinate(data.get("long"), "long")
        description = (data.get("description") or "").strip()
        name = " ".join(part for part in (data.get("first_name", ""), data.get("last_name", "")) if part).strip()
        try:
            with transaction.atomic():
                problem = services.report_problem(
                    municipality=municipality,
                    category=category,
                    title=description[:80] or category.name,
                    description=description,
                    lat=lat,
                    lon=lon,
                    address=data.get("address_string", "") or "",
                    source=Source.OPEN311,
                    api_client=client,
                    reporter=services.ReporterContact(
                        name=name, email=data.get("email", "") or "", phone=data.get("phone", "") or ""
                    ),
                )
        except ValidationError as exc:
            raise Open311Error(400, " ".join(exc.messages)) from exc
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        notice = _("Reporte recibido; la coordinación de proximidad lo revisará.")
        if data.get("media_url"):
            notice += " " + _("La foto enlazada (media_url) no se descarga: adjúntela desde el portal.")
        return self.respond(
            [{"service_request_id": problem.reference, "service_notice": notice, "account_id": None}], 201
        )


class RequestDetailView(Open311View):
    def get(self, request, fmt, reference):
        municipality = self.municipality()
        public = (
            PublicProblem.objects.filter(municipality=municipality, reference=reference)
            .select_related("category", "municipality")
            .first()
        )
        if public is None:
            raise Open311Error(404, _("No existe la solicitud «%(reference)s».") % {"reference": reference[:40]})
        return self.respond([request_row(public, request)])


def _parse_date(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value.replace(" ", "+"))  # a «+» in a query string arrives as a space
    if parsed is None:
        raise Open311Error(
            400, _("%(name)s no es una fecha ISO 8601 (p. ej. 2026-11-05T08:15:30-03:00).") % {"name": name}
        )
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _coordinate(value, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise Open311Error(400, _("%(name)s no es un número.") % {"name": name}) from exc
