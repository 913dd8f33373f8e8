"""The survey pages under the access contract, the import form (a good and a bad file), the public page and its
CSV, and the dashboard panel beside recorded crime."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atalaya.core.testing import ScopedActionContract, ScopedPageContract, login_as
from atalaya.surveys import services
from atalaya.surveys.models import SurveyDataset, SurveyMapping

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[1] / "fixtures" / "surveys"


@pytest.fixture
def imported(neza, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return [
        services.import_survey(FIXTURES / name, neza)
        for name in ("conjunto_de_datos_ensu_cb_0323.csv", "conjunto_de_datos_ensu_cb_0623.csv")
    ]


class TestSurveyList(ScopedPageContract):
    max_queries = 40

    @pytest.fixture
    def scoped_page(self, imported):
        return "/encuestas/15058/", "15058"


class TestSurveyDetail(ScopedPageContract, ScopedActionContract):
    max_queries = 25

    @pytest.fixture
    def scoped_page(self, imported):
        return f"/encuestas/15058/{imported[0].pk}/", "15058"

    @pytest.fixture
    def scoped_action(self, imported):
        return f"/encuestas/15058/{imported[0].pk}/borrar/", {}, ("admin", "analyst")


class TestImportPage(ScopedPageContract, ScopedActionContract):
    reading_roles = ("admin", "analyst")

    @pytest.fixture
    def scoped_page(self, neza):
        return "/encuestas/15058/importar/", "15058"

    @pytest.fixture
    def scoped_action(self, neza):
        return "/encuestas/15058/mapeo-enusc/", {}, ("admin", "analyst")


def test_the_list_shows_the_city_among_the_others(client, imported, make_user):
    login_as(client, make_user("directora", ["15058"], "director"))
    page = client.get("/encuestas/15058/?indicador=confianza_policia_municipal").content.decode()
    assert "Ciudad Nezahualcóyotl" in page and "Ecatepec de Morelos" in page
    assert 'id="ranking-ciudades"' in page and "Cambios entre trimestres" in page
    assert "2023-T2" in page


def test_uploading_a_good_and_a_bad_file(client, neza, make_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.UPLOADS_DIR = tmp_path / "subidas"
    login_as(client, make_user("analista", ["15058"], "analyst"))
    bad = SimpleUploadedFile("cb.csv", b"ID_VIV,PER\n1,0123\n", content_type="text/csv")
    page = client.post("/encuestas/15058/importar/", {"kind": "ensu", "file": bad}).content.decode()
    assert "No es una tabla CB de la ENSU" in page and not SurveyDataset.objects.exists()
    good = SimpleUploadedFile("cb.csv", (FIXTURES / "conjunto_de_datos_ensu_cb_0323.csv").read_bytes())
    response = client.post("/encuestas/15058/importar/", {"kind": "ensu", "file": good})
    dataset = SurveyDataset.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/encuestas/15058/{dataset.pk}/"
    assert dataset.imported_by.username == "analista"
    assert not any(Path(settings.UPLOADS_DIR).glob("*"))  # the uploaded copies are gone once read


def test_the_enusc_mapping_is_saved_once(client, neza, make_user):
    login_as(client, make_user("analista", ["15058"], "analyst"))
    for _ in range(2):
        client.post("/encuestas/15058/mapeo-enusc/")
    assert SurveyMapping.objects.filter(municipality=neza).count() == 1


def test_public_page_and_csv_show_only_the_public_table(client, imported):
    page = client.get("/publico/15058/encuestas/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Confianza en la policía preventiva municipal" in text and "Ecatepec" not in text
    csv = client.get("/publico/15058/encuestas.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0] == "fuente,indicador,nombre,periodo,porcentaje,ic95_inferior,ic95_superior,precision"
    assert client.get("/publico/13122/encuestas/").status_code == 404


def test_the_dashboard_shows_trust_beside_recorded_crime(client, imported, make_user):
    login_as(client, make_user("directora", ["15058"], "director"))
    page = client.get("/indicadores/15058/").content.decode()
    assert "Percepción y confianza (ENSU (INEGI), tabla CB, 2023-T2)" in page
    assert "Lugar" in page and "ciudades" in page


def test_estimates_csv_for_staff(client, imported, make_user):
    login_as(client, make_user("lectora", ["15058"], "viewer"))
    response = client.get("/encuestas/15058/estimaciones.csv")
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").startswith("encuesta,indicador,periodo,dominio,ciudad")
