"""Open311 GeoReport v2 against the specification's documented examples (tests/fixtures/open311), in XML and
JSON: the service list, posting with a key, following requests, errors; private problems do not exist here."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from atalaya.proximity import services
from atalaya.proximity.choices import Outcome, Status
from atalaya.proximity.models import Problem
from atalaya.proximity.open311 import new_api_key

pytestmark = pytest.mark.django_db


def spec(fixtures_dir, name: str) -> ET.Element:
    return ET.parse(fixtures_dir / "open311" / name).getroot()


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return ET.fromstring(response.content)


@pytest.fixture
def key(neza, categories):
    _client, key = new_api_key(neza, "App vecinal")
    return key


def test_service_list_has_the_specs_shape(client, categories, fixtures_dir):
    example = spec(fixtures_dir, "services.xml")
    ours = xml(client.get("/open311/v2/services.xml?jurisdiction_id=15058"))
    assert ours.tag == example.tag == "services"
    assert [s.tag for s in ours] == ["service"] * 3
    assert tags(ours[0]) == tags(example[0])
    assert ours[1].findtext("service_code") == "microtrafico"
    assert ours[1].findtext("metadata") == "false" and ours[1].findtext("type") == "realtime"
    listed = client.get("/open311/v2/services.json?jurisdiction_id=15058").json()
    assert [list(s) for s in listed] == [tags(example[0])] * 3
    assert listed[0] == {
        "service_code": "luminaria",
        "service_name": "Luminaria apagada",
        "description": "",
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "entorno",
    }


def test_post_then_follow_the_request_like_the_spec(client, key, points, fixtures_dir):
    lat, lon = points["C1"]
    data = {
        "api_key": key,
        "jurisdiction_id": "15058",
        "service_code": "luminaria",
        "lat": lat,
        "long": lon,
        "description": "La luminaria de la esquina no enciende hace dos semanas",
        "email": "vecino@example.org",
        "first_name": "Juan",
        "last_name": "Pérez",
        "media_url": "http://169.254.169.254/latest/meta-data/",
    }
    response = client.post("/open311/v2/requests.xml", data)
    assert response.status_code == 201
    posted = xml(response)
    assert posted.tag == "service_requests" and tags(posted[0]) == tags(spec(fixtures_dir, "post_response.xml")[0])
    reference = posted[0].findtext("service_request_id")
    problem = Problem.objects.get(reference=reference)
    assert problem.source == "open311" and problem.territory.code == "C1" and problem.reporter.name == "Juan Pérez"
    assert "media_url" in posted[0].findtext("service_notice")  # the link is not fetched (no server-side requests)

    followed = xml(client.get(f"/open311/v2/requests/{reference}.xml?jurisdiction_id=15058"))
    example = spec(fixtures_dir, "request.xml")
    assert followed.tag == example.tag and tags(followed[0]) == tags(example[0])
    assert followed[0].findtext("status") == "open"
    assert followed[0].findtext("requested_datetime")[-6] in "+-"  # ISO 8601 with the offset, as the spec asks
    assert (
        "vecino@example.org"
        not in client.get(f"/open311/v2/requests/{reference}.json?jurisdiction_id=15058").content.decode()
    )

    services.change_status(
        problem, to=Status.CLOSED, outcome=Outcome.NOT_OURS, user=None, text="Corresponde a la empresa eléctrica"
    )
    row = client.get(f"/open311/v2/requests/{reference}.json?jurisdiction_id=15058").json()[0]
    assert list(row) == tags(example[0])
    assert row["status"] == "closed" and row["status_notes"] == "Corresponde a la empresa eléctrica"


def test_request_list_filters_as_the_spec_says(client, report, admin_user):
    light = report()
    fights = report(category="rinas", title="Riña en la plaza")
    services.change_status(fights, to=Status.CLOSED, outcome=Outcome.SOLVED, user=admin_user)
    secret = report(category="microtrafico", title="Casa de venta", is_private=True)

    def ids(query: str) -> list[str]:
        return [
            r["service_request_id"]
            for r in client.get(f"/open311/v2/requests.json?jurisdiction_id=15058{query}").json()
        ]

    assert set(ids("")) == {light.reference, fights.reference}  # the private one does not exist here
    assert ids("&status=open") == [light.reference]
    assert ids("&status=closed") == [fights.reference]
    assert ids("&service_code=rinas") == [fights.reference]
    assert ids(f"&service_request_id={light.reference},{secret.reference}") == [light.reference]
    assert ids("&start_date=2000-01-01T00:00:00Z&end_date=2000-12-31T00:00:00Z") == []
    missing = client.get(f"/open311/v2/requests/{secret.reference}.xml?jurisdiction_id=15058")
    assert missing.status_code == 404 and xml(missing).tag == "errors"


@pytest.mark.parametrize(
    "data, code, words",
    [
        ({}, 403, "api_key"),
        ({"api_key": "o311_deadbeef.nope"}, 403, "api_key"),
        ({"service_code": "no-existe"}, 400, "service_code"),
        ({"lat": "norte"}, 400, "lat"),
        ({"lat": "0", "long": "0"}, 400, "fuera de"),
        ({"lat": "", "long": "", "address_string": ""}, 400, "dirección"),
    ],
)
def test_errors_answer_the_specs_way_in_spanish(client, key, points, fixtures_dir, data, code, words):
    lat, lon = points["C1"]
    base = {"api_key": key, "jurisdiction_id": "15058", "service_code": "luminaria", "lat": lat, "long": lon}
    if not data:
        base.pop("api_key")
    response = client.post("/open311/v2/requests.xml", {**base, **data})
    assert response.status_code == code
    errors = xml(response)
    assert errors.tag == spec(fixtures_dir, "errors.xml").tag and tags(errors[0]) == ["code", "description"]
    assert errors[0].findtext("code") == str(code) and words in errors[0].findtext("description")
    as_json = client.post("/open311/v2/requests.json", {**base, **data}).json()
    assert as_json[0]["code"] == code
    assert not Problem.objects.exists()


def test_a_key_of_another_municipality_cannot_post_here(client, categories, penalolen, points):
    _client, foreign = new_api_key(penalolen, "Otra app")
    lat, lon = points["C1"]
    response = client.post(
        "/open311/v2/requests.json",
        {"api_key": foreign, "jurisdiction_id": "15058", "service_code": "luminaria", "lat": lat, "long": lon},
    )
    assert response.status_code == 403 and "jurisdicción" in response.json()[0]["description"]


def test_jurisdiction_is_required_and_unknown_ones_are_404(client, categories):
    assert client.get("/open311/v2/services.xml").status_code == 400
    assert client.get("/open311/v2/services.xml?jurisdiction_id=99999").status_code == 404
    assert client.get("/open311/v2/services.csv?jurisdiction_id=15058").status_code == 404  # XML or JSON only


def test_posting_is_throttled_per_key(client, key, points, settings):
    from django.core.cache import cache

    cache.clear()
    settings.ATALAYA_OPEN311_POSTS_PER_HOUR = 2
    lat, lon = points["C1"]
    data = {"api_key": key, "jurisdiction_id": "15058", "service_code": "luminaria", "lat": lat, "long": lon}
    codes = [client.post("/open311/v2/requests.json", data).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    cache.clear()


def test_discovery_and_service_definition(client, categories):
    discovery = client.get("/open311/v2/discovery.json").json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    definition = xml(client.get("/open311/v2/services/luminaria.xml?jurisdiction_id=15058"))
    assert definition.tag == "service_definition" and definition.findtext("service_code") == "luminaria"
    assert (
        json.loads(client.get("/open311/v2/services/luminaria.json?jurisdiction_id=15058").content)["attributes"] == []
    )


def test_a_request_without_public_notes_says_its_state(client, report):
    from atalaya.proximity.models import PublicProblem

    problem = report()
    PublicProblem.objects.filter(problem=problem).update(status_notes="")
    row = client.get(f"/open311/v2/requests/{problem.reference}.json?jurisdiction_id=15058").json()[0]
    assert row["status_notes"] == "reportado"


def test_errors_are_spanish_first_and_english_for_who_chose_it(client, categories, settings):
    spanish = client.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="en").json()[0]["description"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language selector's choice, as everywhere
    english = client.get("/open311/v2/services.json").json()[0]["description"]
    assert spanish.startswith("Falta jurisdiction_id") and english.startswith("jurisdiction_id is missing")
