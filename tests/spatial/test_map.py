"""The map page and its layers on incidents loaded through the importer: scope, filters, every layer's GeoJSON."""

import numpy as np
import pytest
from django.urls import reverse

from atalaya.core.testing import verify_second_factor
from atalaya.datasets.importing import import_file

pytestmark = pytest.mark.django_db

LAYERS = ["hechos", "densidad", "calientes", "lisa", "tasa"]


QUERY = "?desde=2026-07-01&hasta=2026-09-30&hex=500"


def test_every_layer_downloads_as_geojson(client, located, make_user):
    client.force_login(make_user("analista", ["15058"], "analyst"))
    docs = {layer: client.get(reverse("spatial:layer", args=["15058", layer]) + QUERY).json() for layer in LAYERS}
    assert len(docs["hechos"]["features"]) == 400
    assert all(f["properties"]["hechos_por_km2"] > 0 for f in docs["densidad"]["features"])
    hot = [f for f in docs["calientes"]["features"] if f["properties"]["clase"] == "caliente_99"]
    assert hot, "the packed corner is a hot spot"
    lon, lat = np.array(hot[0]["geometry"]["coordinates"][0]).mean(axis=0)
    assert abs(lon + 99.026) < 0.01 and abs(lat - 19.416) < 0.01
    assert {f["properties"]["codigo"] for f in docs["lisa"]["features"]} == {"C1", "C2", "C3", "C4"}
    rates = {f["properties"]["codigo"]: f["properties"] for f in docs["tasa"]["features"]}
    assert rates["C1"]["valor"] > rates["C4"]["valor"] and rates["C1"]["tasa_anual_100k"] is None  # no population
    assert docs["calientes"]["metadata"].items() >= {"capa": "calientes", "desde": "2026-07-01", "hex": "500"}.items()
    harm = client.get(reverse("spatial:layer", args=["15058", "calientes"]) + QUERY + "&medida=danio").json()
    assert harm["metadata"]["medida"] == "danio"


def test_map_page_draws_the_chosen_layers(client, located, make_user):
    client.force_login(make_user("analista", ["15058"], "analyst"))
    response = client.get(reverse("spatial:map", args=["15058"]) + QUERY + "".join(f"&capas={x}" for x in LAYERS))
    assert response.status_code == 200
    page = response.content.decode()
    assert "caliente 99 %" in page and "densidad.png" in page and "Densidad: núcleo cuártico" in page
    assert "Concentración: el 50 % de los hechos está en el" in page
    assert "worker-src 'self' blob:" in response["Content-Security-Policy"]
    png = client.get(reverse("spatial:density_png", args=["15058"]) + QUERY)
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    family = client.get(reverse("spatial:map", args=["15058"]) + QUERY + "&familia=homicidios")
    assert "0 hechos con ubicación" in family.content.decode()


def test_map_scope_and_absurd_options(client, located, make_user, penalolen):
    assert client.get(reverse("spatial:map", args=["15058"])).status_code == 302
    verify_second_factor(client, make_user("chileno", ["13122"], "admin"))
    for url in (
        reverse("spatial:map", args=["15058"]),
        reverse("spatial:layer", args=["15058", "tasa"]),
        reverse("spatial:density_png", args=["15058"]),
    ):
        assert client.get(url).status_code == 404
    client.force_login(make_user("analista", ["15058"], "analyst"))
    odd = "?desde=nunca&hasta=2026-13-45&hex=-3&celda=abc&banda=1e99&capas=<script>&nivel=x"
    response = client.get(reverse("spatial:map", args=["15058"]) + odd)
    assert response.status_code == 200 and "<script>&" not in response.content.decode()


def test_map_of_a_municipality_without_territories_or_incidents(client, penalolen, make_user):
    client.force_login(make_user("analista", ["13122"], "analyst"))
    layers = "".join(f"&capas={x}" for x in LAYERS)
    response = client.get(reverse("spatial:map", args=["13122"]) + "?desde=2026-01-01" + layers)
    assert response.status_code == 200 and "0 hechos con ubicación" in response.content.decode()
    for layer in LAYERS:
        doc = client.get(reverse("spatial:layer", args=["13122", layer])).json()
        assert doc["features"] == []
    assert client.get(reverse("spatial:density_png", args=["13122"])).status_code == 404


def test_the_map_draws_one_source_and_says_which_and_until_when(client, located, generic_mapping, fixtures_dir):
    """Police and prosecutors record many of the same incidents: the map draws one source at a time (the one
    with the most records unless chosen), names it with its last day, and draws no point outside the
    municipality. No text labels, so no glyph files are asked for."""
    import json

    from atalaya.accounts.services import create_user

    outcome = import_file(
        "incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="15058", mapping_name="policia-prueba"
    )
    assert outcome.status == "importado"
    client.force_login(create_user("mapa", "clave-de-prueba-123", municipality_codes=["15058"], role="analyst"))
    page = client.get(reverse("spatial:map", args=["15058"]) + QUERY).content.decode()
    assert '<option value="policia-xy" selected>' in page and '<option value="policia-prueba">' in page
    assert "Fuente: policia-xy, con datos hasta el 2026-09-" in page
    spec = json.loads(page.split('id="spec-mapa" type="application/json">')[1].split("</script>")[0])
    assert "glyphs" not in spec["layout"]["map"]["style"]
    assert not [t for t in spec["data"] if t.get("mode") == "text"]
    other = client.get(reverse("spatial:map", args=["15058"]), {"fuente": "policia-prueba", "desde": "2025-01-01"})
    text = other.content.decode()
    assert "2 hechos con ubicación" in text  # A4 lies outside the municipality: stored, reported, not drawn
    assert "Fuente: policia-prueba, con datos hasta el 2025-03-02" in text
    layer = client.get(reverse("spatial:layer", args=["15058", "hechos"]), {"fuente": "policia-prueba"}).json()
    assert layer["metadata"]["fuente"] == "policia-prueba" and len(layer["features"]) == 2
