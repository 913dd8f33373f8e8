"""The open-data catalogue: every public dataset of a municipality with its downloads, described in DCAT-AP 3.

The catalogue lists only what the portal already serves from its public tables (the disclosure-controlled
indicator values as CSV and JSON, each published indicator by territory as GeoJSON, the public survey estimates
as CSV, the public bulletins as PDF), so nothing suppressed can reach it. :func:`catalogue` gives the JSON-LD graph
(validated against the DCAT-AP 3.0.0 SHACL shapes in the tests); :func:`datasets` the same entries for the page.

Controlled vocabularies are the EU Publications Office's (data theme ``JUST``, frequency ``MONTHLY``, file types,
languages) and IANA's media types, as DCAT-AP recommends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.analysis.disclosure import THRESHOLD
from atalaya.geo.models import Municipality
from atalaya.indicators.portal import public_table, public_territories, published_municipalities
from atalaya.surveys.models import PublicSurveyEstimate

from .models import Bulletin

EU = "http://publications.europa.eu/resource/authority/"
THEME = EU + "data-theme/JUST"  # justice, legal system and public safety
MONTHLY = EU + "frequency/MONTHLY"
SPANISH = EU + "language/SPA"
MEDIA = {
    "CSV": "http://www.iana.org/assignments/media-types/text/csv",
    "JSON": "http://www.iana.org/assignments/media-types/application/json",
    "GEOJSON": "http://www.iana.org/assignments/media-types/application/geo+json",
    "PDF": "http://www.iana.org/assignments/media-types/application/pdf",
}
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@dataclass
class Download:
    format: str  # CSV, JSON, GEOJSON, PDF
    url: str  # path on this site
    title: str


@dataclass
class Entry:
    slug: str
    title: str
    description: str
    keywords: list[str]
    downloads: list[Download] = field(default_factory=list)
    start: object = None  # first and last month covered, when known
    end: object = None


def _absolute(path: str) -> str:
    base = getattr(settings, "ATALAYA_BASE_URL", "").rstrip("/") or "http://localhost"
    return base + path


def datasets(municipality: Municipality) -> list[Entry]:
    """The municipality's public datasets, each with its downloads (empty when it publishes nothing)."""
    entries = []
    rows = public_table(municipality)
    if rows:
        until = max(r["until"] for r in rows)
        entries.append(
            Entry(
                "indicadores",
                _("Indicadores delictivos de %(name)s") % {"name": municipality.name},
                _(
                    "Hechos de los últimos 12 meses y de los 12 anteriores, y tasa por 100.000 habitantes, de cada "
                    "indicador publicado. Las cifras de menos de %(n)s hechos, o que permitirían deducirlas, van "
                    "vacías con «reservado = sí»."
                )
                % {"n": THRESHOLD},
                [_("delitos"), _("seguridad"), _("indicadores")],
                [
                    Download("CSV", reverse("portal:download", args=[municipality.code]), _("Tabla CSV")),
                    Download(
                        "JSON", reverse("publication_public:indicators_json", args=[municipality.code]), _("Tabla JSON")
                    ),
                ],
                end=until,
            )
        )
        for row in rows:
            indicator = row["indicator"]
            _source, level, table = public_territories(municipality, indicator)
            if table.is_empty():
                continue
            entries.append(
                Entry(
                    f"territorios-{indicator.code}",
                    _("%(indicator)s por %(level)s en %(name)s")
                    % {"indicator": indicator.name, "level": level, "name": municipality.name},
                    _(
                        "Polígonos de cada %(level)s con los hechos y la tasa de los últimos 12 meses del indicador; "
                        "un territorio reservado lleva «reservado: true» y ninguna cifra."
                    )
                    % {"level": level},
                    [_("delitos"), _("mapa"), indicator.name],
                    [
                        Download(
                            "GEOJSON",
                            reverse("portal:geojson", args=[municipality.code, indicator.code]),
                            _("Mapa GeoJSON"),
                        ),
                    ],
                    end=row["until"],
                )
            )
    if PublicSurveyEstimate.objects.filter(municipality=municipality).exists():
        entries.append(
            Entry(
                "encuestas",
                _("Percepción de seguridad y confianza en %(name)s") % {"name": municipality.name},
                _("Estimaciones de la encuesta de victimización para la ciudad, con intervalo del 95 % y precisión."),
                [_("encuesta"), _("percepción"), _("confianza")],
                [Download("CSV", reverse("surveys_public:csv", args=[municipality.code]), _("Tabla CSV"))],
            )
        )
    bulletins = list(Bulletin.objects.filter(municipality=municipality).order_by("-month")[:24])
    if bulletins:
        entries.append(
            Entry(
                "boletines",
                _("Boletines mensuales del observatorio de %(name)s") % {"name": municipality.name},
                _("El boletín público de cada mes en PDF: indicadores, mapa, problemas de la comunidad y compromisos."),
                [_("boletín")],
                [
                    Download(
                        "PDF",
                        reverse("publication_public:bulletin_pdf", args=[municipality.code, f"{b.month:%Y-%m}"]),
                        f"{b.month:%Y-%m}",
                    )
                    for b in bulletins
                ],
                start=bulletins[-1].month,
                end=bulletins[0].month,
            )
        )
    return entries


def _literal(text: str) -> list[dict]:
    return [{"@value": text, "@language": "es"}]


def _concept(uri: str, kind: str) -> dict:
    return {"@id": uri, "@type": kind}


def _dataset(municipality: Municipality, entry: Entry, publisher: dict, licence: dict) -> dict:
    page = _absolute(reverse("publication_public:catalogue", args=[municipality.code]))
    node = {
        "@id": f"{page}#{entry.slug}",
        "@type": "dcat:Dataset",
        "dct:identifier": f"{municipality.code}/{entry.slug}",
        "dct:title": _literal(entry.title),
        "dct:description": _literal(entry.description),
        "dct:publisher": publisher,
        "dct:language": _concept(SPANISH, "dct:LinguisticSystem"),
        "dcat:theme": {
            **_concept(THEME, "skos:Concept"),
            "skos:prefLabel": _literal(_("Justicia y seguridad pública")),
        },
        "dct:accrualPeriodicity": _concept(MONTHLY, "dct:Frequency"),
        "dcat:keyword": [{"@value": k, "@language": "es"} for k in entry.keywords],
        "dcat:landingPage": {"@id": page, "@type": "foaf:Document"},
        "dcat:contactPoint": {
            "@type": "vcard:Kind",
            "vcard:fn": _("Observatorio de %(name)s") % {"name": municipality.name},
            "vcard:hasURL": {"@id": page},
        },
        "dcat:distribution": [
            {
                "@id": f"{page}#{entry.slug}-{i}",
                "@type": "dcat:Distribution",
                "dct:title": _literal(d.title),
                "dcat:accessURL": {"@id": _absolute(d.url)},
                "dcat:downloadURL": {"@id": _absolute(d.url)},
                "dcat:mediaType": _concept(MEDIA[d.format], "dct:MediaType"),
                "dct:format": _concept(EU + "file-type/" + d.format, "dct:MediaTypeOrExtent"),
                "dct:license": licence,
            }
            for i, d in enumerate(entry.downloads, start=1)
        ],
    }
    if entry.start or entry.end:
        period = {"@type": "dct:PeriodOfTime"}
        if entry.start:
            period["dcat:startDate"] = {"@value": entry.start.isoformat(), "@type": "xsd:date"}
        if entry.end:
            period["dcat:endDate"] = {"@value": entry.end.isoformat(), "@type": "xsd:date"}
        node["dct:temporal"] = period
    return node


def catalogue(municipalities: list[Municipality] | None = None) -> dict:
    """The DCAT-AP catalogue (JSON-LD) of the given municipalities, default every one that publishes."""
    municipalities = list(published_municipalities() if municipalities is None else municipalities)
    licence = {"@id": settings.ATALAYA_OPEN_DATA_LICENSE, "@type": "dct:LicenseDocument"}
    home = _absolute(reverse("portal:home"))
    nodes = []
    for municipality in municipalities:
        publisher = {
            "@id": f"{home}{municipality.code}/#observatorio",
            "@type": "foaf:Agent",
            "foaf:name": _("Observatorio de %(name)s") % {"name": municipality.name},
        }
        nodes.extend(_dataset(municipality, entry, publisher, licence) for entry in datasets(municipality))
    single = municipalities[0] if len(municipalities) == 1 else None
    if single is not None:
        name = _("Observatorio de %(name)s") % {"name": single.name}
        title = _("Datos abiertos del observatorio de %(name)s") % {"name": single.name}
        identifier = _absolute(reverse("publication_public:catalogue", args=[single.code]))
    else:
        name = _("Red de observatorios municipales")
        title = _("Datos abiertos de los observatorios municipales")
        identifier = f"{home}#catalogo"
    return {
        "@context": CONTEXT,
        "@id": identifier,
        "@type": "dcat:Catalog",
        "dct:title": _literal(title),
        "dct:description": _literal(
            _(
                "Conjuntos de datos públicos, con control de divulgación, de los observatorios del delito y la "
                "violencia."
            )
        ),
        "dct:publisher": {"@id": f"{identifier}#editor", "@type": "foaf:Agent", "foaf:name": name},
        "dct:language": _concept(SPANISH, "dct:LinguisticSystem"),
        "dct:license": licence,
        "dct:modified": {"@value": timezone.now().replace(microsecond=0).isoformat(), "@type": "xsd:dateTime"},
        "foaf:homepage": {"@id": home, "@type": "foaf:Document"},
        "dcat:themeTaxonomy": {
            "@id": EU + "data-theme",
            "@type": "skos:ConceptScheme",
            "dct:title": _literal(_("Temas de datos de la UE")),
        },
        "dcat:dataset": nodes,
    }
