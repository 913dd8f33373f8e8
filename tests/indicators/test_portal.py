"""The public portal: anonymous, only what was published, small cells suppressed."""

import pytest
from django.urls import reverse

from atalaya.datasets.importing import import_file
from atalaya.indicators.models import Indicator, Publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(neza, fixtures_dir):
    import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    for code in ("homicidio-doloso", "secuestro"):
        Publication.objects.create(municipality=neza, indicator=Indicator.objects.get(code=code), is_public=True)
    Publication.objects.create(
        municipality=neza, indicator=Indicator.objects.get(code="violencia-familiar"), is_public=False
    )
    return neza


def test_portal_lists_only_municipalities_that_publish(client, published, penalolen):
    page = client.get(reverse("portal:home")).content.decode()
    assert "Nezahualcóyotl" in page and "Peñalolén" not in page
    assert client.get(reverse("portal:municipality", args=["13122"])).status_code == 404


def test_municipality_page_shows_published_indicators_with_suppression(client, published):
    page = client.get(reverse("portal:municipality", args=["15058"])).content.decode()
    assert "Homicidio intencional" in page and "Secuestro" in page
    assert "Violencia familiar" not in page  # chosen not to publish
    csv = client.get(reverse("portal:download", args=["15058"])).content.decode("utf-8-sig").splitlines()
    header, *rows = csv
    assert header == (
        "municipio,indicador,fuente,hasta,hechos_12_meses,tasa_100k,reservado,"
        "hechos_12_meses_anteriores,reservado_anteriores"
    )
    homicide = next(r for r in rows if ",homicidio-doloso," in r)
    kidnapping = next(r for r in rows if ",secuestro," in r)
    assert homicide.startswith("15058,homicidio-doloso,sesnsp,2026-06-01,")
    assert kidnapping.split(",")[4] == "0"  # a published zero is shown


def test_small_counts_are_withheld_with_their_rates(client, published, tmp_path, fixtures_dir):
    lines = (fixtures_dir / "sesnsp_delitos_cp1252.csv").read_bytes().decode("cp1252").splitlines()
    keep = [lines[0], *[line for line in lines[1:] if "Homicidio" in line]]
    keep = [line.replace(",3,2,4,1,0,2,3,1,2,4,1,2", ",0,0,0,0,0,0,0,1,0,0,0,0") for line in keep]
    keep = [line.replace(",2,3,1,0,2,1,,,,,,", ",0,0,1,0,0,1,,,,,,") for line in keep]
    path = tmp_path / "pocos.csv"
    path.write_text("\n".join(keep), encoding="utf-8")
    assert import_file("sesnsp", path).status == "importado"
    csv = client.get(reverse("portal:download", args=["15058"])).content.decode("utf-8-sig").splitlines()
    homicide = next(r for r in csv if ",homicidio-doloso," in r).split(",")
    assert homicide[4:7] == ["", "", "sí"]  # 3 cases: count and rate withheld, one marker saying so
    page = client.get(reverse("portal:municipality", args=["15058"])).content.decode()
    assert "reservado" in page and "&lt;5" not in page


def test_indicator_sheet_and_methodology_are_public(client, db):
    sheet = client.get(reverse("portal:indicator", args=["robo-con-violencia"])).content.decode()
    assert "robos-con-violencia" in sheet and "Poisson" in sheet
    assert "«reservado»" in client.get(reverse("portal:methodology")).content.decode()


def test_portal_map_and_geojson_are_suppressed(client, neza, fixtures_dir, generic_mapping):
    import json

    assert (
        import_file(
            "incidents",
            fixtures_dir / "incidentes_generico.csv",
            municipality_code="15058",
            mapping_name="policia-prueba",
        ).status
        == "importado"
    )
    indicator = Indicator.objects.create(code="todo", name="Todo", numerator={"categories": ["policia-prueba:"]})
    Publication.objects.create(municipality=neza, indicator=indicator, is_public=True)
    page = client.get(reverse("portal:municipality", args=["15058"]), {"indicador": "todo"})
    html = page.content.decode()
    assert html.index("</title>") < html.index("spec-mapa") and "Todo por sector" in html
    geo = json.loads(client.get(reverse("portal:geojson", args=["15058", "todo"])).content)
    props = {f["properties"]["codigo"]: f["properties"] for f in geo["features"]}
    assert set(props) == {"S1", "S2"}
    assert props["S2"]["reservado"] and props["S2"]["hechos_12_meses"] is None and props["S2"]["tasa_100k"] is None
    assert client.get(reverse("portal:geojson", args=["15058", "homicidio-doloso"])).status_code == 404


def test_a_suppressed_territory_shows_only_its_name_on_the_map_and_in_the_geojson(client, neza, generic_mapping,
                                                                                   tmp_path):  # fmt: skip
    """The map used to colour a suppressed territory by its rate and say "18,2 · None hechos" (issue 10): rate ×
    population gives the count back."""
    import json

    rows = ["id,fecha,hora,delito,lat,lon,cuadrante"]
    rows += [f"A{k},2025-0{1 + k % 9}-10,10:00,Robo a transeúnte con violencia,19.405,-99.015," for k in range(2)]
    rows += [f"B{k},2025-0{1 + k % 9}-10,10:00,Robo a transeúnte con violencia,19.395,-99.005," for k in range(40)]
    path = tmp_path / "pocos.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert (
        import_file("incidents", path, municipality_code="15058", mapping_name="policia-prueba").status == "importado"
    )
    indicator = Indicator.objects.create(code="todo", name="Todo", numerator={"categories": ["policia-prueba:"]})
    Publication.objects.create(municipality=neza, indicator=indicator, is_public=True)
    page = client.get(reverse("portal:municipality", args=["15058"]), {"indicador": "todo"}).content.decode()
    assert "Sector 1: reservado" in page and "None hechos" not in page
    s1_population = str(neza.territories.get(code="S1").populations.order_by("-year").first().value)
    spec = page.split("Sector 1")[1][:200] if "Sector 1" in page else ""
    assert s1_population not in spec
    geo = json.loads(client.get(reverse("portal:geojson", args=["15058", "todo"])).content)
    s1 = next(f["properties"] for f in geo["features"] if f["properties"]["codigo"] == "S1")
    assert s1["reservado"] and s1["hechos_12_meses"] is None and s1["tasa_100k"] is None
