"""Indicator API: scoped private values, public values with suppression, GeoJSON territories, categories."""

import pytest
from django.urls import reverse

from atalaya.datasets.importing import import_file
from atalaya.indicators.models import Indicator, Publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(neza, fixtures_dir, generic_mapping):
    import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    import_file(
        "incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="15058", mapping_name="policia-prueba"
    )
    return neza


def test_indicator_definitions_are_public(client):
    response = client.get(reverse("api:indicators"))
    assert response.status_code == 200 and {"code", "numerator", "methodology"} <= set(response.json()[0])


def test_values_by_month_quarter_and_level(client, loaded, make_user):
    client.force_login(make_user("ana", ["15058"]))
    url = reverse("api:indicator_values", args=["robo-con-violencia"])
    months = client.get(url, {"municipality": "15058", "source": "sesnsp"}).json()
    assert months[0]["period_start"] == "2025-01-01" and months[0]["count"] == 41 + 60
    assert months[0]["population"] == pytest.approx(1_077_208)
    assert months[0]["rate"] == pytest.approx(101 / 1_077_208 * 100_000)
    quarters = client.get(url, {"municipality": "15058", "source": "sesnsp", "period": "quarter"}).json()
    assert quarters[0]["count"] == 41 + 38 + 1204 + 60 + 58 + 61
    sectors = client.get(url, {"municipality": "15058", "source": "policia-prueba", "level": "sector"}).json()
    assert {row["territory_code"] for row in sectors} == {"S1", "S2", "SIN_TERRITORIO"}
    bad = client.get(url, {"municipality": "15058", "source": "otra"})
    assert bad.status_code == 400 and "sesnsp" in bad.json()["source"]


def test_values_are_scoped_and_private(client, loaded, penalolen, make_user):
    url = reverse("api:indicator_values", args=["homicidio-doloso"])
    assert client.get(url, {"municipality": "15058"}).status_code in (401, 403)
    client.force_login(make_user("pedro", ["13122"]))
    assert client.get(url, {"municipality": "15058"}).status_code == 404
    assert client.get(reverse("api:territories"), {"municipality": "15058"}).status_code == 404


def test_public_values_only_when_published_and_suppressed(client, loaded):
    url = reverse("api:public_indicator_values", args=["homicidio-doloso"])
    assert client.get(url, {"municipality": "15058", "source": "sesnsp"}).status_code == 404
    Publication.objects.create(
        municipality=loaded, indicator=Indicator.objects.get(code="homicidio-doloso"), is_public=True
    )
    rows = client.get(url, {"municipality": "15058", "source": "sesnsp"}).json()
    january = rows[0]
    assert january["withheld"] and january["count"] is None and january["rate"] is None
    assert january["population"] is None  # population × rate would give the count back
    # Homicides are 0 to 4 a month here: each small month is withheld, and so is the zero month, or the quarters
    # would give the small ones back.
    assert all(r["withheld"] for r in rows)
    quarters = client.get(url, {"municipality": "15058", "source": "sesnsp", "period": "quarter"}).json()
    assert any(not q["withheld"] and q["count"] >= 5 and q["rate"] > 0 for q in quarters)
    yearly = client.get(url, {"municipality": "15058", "source": "sesnsp", "period": "year"}).json()
    assert yearly[0]["count"] == 25 and not yearly[0]["withheld"] and yearly[0]["months"] == 12
    bad = client.get(url, {"municipality": "15058", "source": "sesnsp", "period": "week"})
    assert bad.status_code == 400 and "Periodos publicados" in bad.json()["period"]


def test_territories_as_geojson_and_categories(client, loaded, make_user):
    client.force_login(make_user("ana", ["15058"]))
    geo = client.get(reverse("api:territories"), {"municipality": "15058", "level": "cuadrante"}).json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 4
    first = geo["features"][0]
    assert first["geometry"]["type"] == "Polygon" and first["properties"]["parent"] in ("S1", "S2")
    categories = client.get(reverse("api:categories"), {"source": "cead"}).json()
    homicidios = next(c for c in categories if c["category_code"] == "homicidios")
    assert homicidios["iccs_code"] == "0101" and homicidios["family_code"] == "homicidios"


def test_openapi_schema_has_no_warnings(capsys):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_api_docs_page_is_in_spanish_and_serves_its_assets_locally(client, db):
    page = client.get(reverse("api-docs"))
    html = page.content.decode()
    assert page.status_code == 200 and '<html lang="es">' in html and "API de Atalaya" in html
    assert "no tiene traducción" in html and "http" not in html.split("<body>")[1].split("</main>")[1]  # no CDN
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
