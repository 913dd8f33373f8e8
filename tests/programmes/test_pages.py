"""Programme pages under the access contract, the forms end to end, the IATI export valid against the IATI
schema, and the one-page PDF."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from atalaya.core.testing import ScopedActionContract, ScopedPageContract, login_as
from atalaya.programmes.choices import Method
from atalaya.programmes.models import Measurement, Programme, ResultIndicator

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parents[2] / ".venv" / "share" / "iati-2.03"


class TestProgrammeList(ScopedPageContract):
    max_queries = 60

    @pytest.fixture
    def scoped_page(self, programme):
        return "/programas/15058/", "15058"


class TestProgrammeDetail(ScopedPageContract, ScopedActionContract):
    max_queries = 80

    @pytest.fixture
    def scoped_page(self, programme):
        return f"/programas/p/{programme.pk}/", "15058"

    @pytest.fixture
    def scoped_action(self, programme):
        data = {"presupuesto-year": 2024, "presupuesto-category": "personal", "presupuesto-planned": "10"}
        return f"/programas/p/{programme.pk}/presupuesto/", data, ("admin", "analyst")


class TestIndicatorPage(ScopedPageContract, ScopedActionContract):
    max_queries = 40

    @pytest.fixture
    def scoped_page(self, programme):
        return f"/programas/i/{ResultIndicator.objects.get(code='C1.1').pk}/", "15058"

    @pytest.fixture
    def scoped_action(self, programme):
        pk = ResultIndicator.objects.get(code="C1.1").pk
        data = {"meta-period_start": "2023-07-01", "meta-period_end": "2023-12-31", "meta-value": "400"}
        return f"/programas/i/{pk}/meta/", data, ("admin", "analyst")


def test_creating_a_programme_and_its_framework(client, observed, make_user):
    login_as(client, make_user("analista", ["15058"], "analyst"))
    response = client.post(
        "/programas/15058/nuevo/",
        {"code": "mediacion", "name": "Mediación vecinal", "start": "2024-01-01", "currency": "MXN", "participants": 0},
    )
    programme = Programme.objects.get(code="mediacion")
    assert response.status_code == 302 and response["Location"] == f"/programas/p/{programme.pk}/"
    client.post(
        f"/programas/p/{programme.pk}/nivel/",
        {"nivel-kind": "proposito", "nivel-narrative": "Conflictos resueltos", "nivel-order": 0},
    )
    level = programme.levels.get()
    response = client.post(
        f"/programas/p/{programme.pk}/indicador/",
        {
            "indicador-level": level.pk,
            "indicador-code": "P1",
            "indicador-name": "Conflictos mediados",
            "indicador-unit": "numero",
            "indicador-direction": "sube",
            "indicador-frequency": "trimestral",
            "indicador-source": "ingresado",
        },
    )
    indicator = ResultIndicator.objects.get(code="P1")
    assert response["Location"] == f"/programas/i/{indicator.pk}/"
    page = client.get(f"/programas/p/{programme.pk}/").content.decode()
    assert "Conflictos resueltos" in page and "Conflictos mediados" in page


def test_a_measurement_is_entered_and_approved_on_the_pages(client, programme, make_user):
    indicator = ResultIndicator.objects.get(code="C1.1")
    login_as(client, programme.responsible)
    client.post(
        f"/programas/i/{indicator.pk}/medicion/",
        {
            "medicion-period_start": "2023-01-01",
            "medicion-period_end": "2023-06-30",
            "medicion-value": "190",
            "medicion-comment": "Listas",
        },
    )
    measurement = Measurement.objects.get(indicator=indicator)
    assert measurement.status == "enviado"
    client.logout()
    login_as(client, make_user("directora", ["15058"], "director"))
    page = client.get(f"/programas/i/{indicator.pk}/").content.decode()
    assert "Aprobar" in page
    client.post(f"/programas/m/{measurement.pk}/revisar/", {"decision": "aprobar"})
    measurement.refresh_from_db()
    assert measurement.status == "aprobado"


def test_iati_export_is_valid_against_the_schema(client, programme, make_user):
    import xmlschema

    from atalaya.programmes import services

    services.compute_measurements(ResultIndicator.objects.get(code="F1"))
    assert (SCHEMAS / "iati-activities-schema.xsd").exists(), "run make iati-schemas (make test does)"
    login_as(client, make_user("lectora", ["15058"], "viewer"))
    response = client.get("/programas/15058/iati.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    schema = xmlschema.XMLSchema(str(SCHEMAS / "iati-activities-schema.xsd"))
    schema.validate(response.content.decode("utf-8"))
    document = schema.to_dict(response.content.decode("utf-8"))
    activity = document["iati-activity"][0]
    assert activity["iati-identifier"] == "MX-MUN-15058-barrio-seguro"
    results = activity["result"]
    assert [r["@type"] for r in results] == ["3", "1"]  # fin → impact, componente → output
    period = results[0]["indicator"][0]["period"][0]
    assert period["target"][0]["@value"] == "380" and "actual" in period


def test_evaluation_and_sheet_pages(client, programme, priced, make_user):
    from atalaya.indicators.models import Indicator
    from atalaya.programmes.evaluations import compute_sheet, run_evaluation
    from atalaya.programmes.models import CostBenefitSheet

    evaluation = run_evaluation(
        programme,
        method=Method.ITS,
        outcome=Indicator.objects.get(code="robo-con-violencia"),
        source="policia-prueba",
        start=dt.date(2023, 1, 1),
    )
    sheet = CostBenefitSheet.objects.create(
        programme=programme,
        evaluation=evaluation,
        base_year=2023,
        usd_rate=17.0,
        usd_rate_date=dt.date(2023, 12, 29),
        prison_year_cost=180_000,
        draws=2000,
    )
    compute_sheet(sheet)
    login_as(client, make_user("directora", ["15058"], "director"))
    assert "Serie de tiempo interrumpida" in client.get(f"/programas/e/{evaluation.pk}/").content.decode()
    page = client.get(f"/programas/cb/{sheet.pk}/").content.decode()
    assert "Cada peso invertido devuelve" in page and 'id="sensibilidad"' in page
    pdf = client.get(f"/programas/cb/{sheet.pk}/resumen.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.content)) == 1  # one page


def test_roles_that_may_not_plan_get_403(client, programme, make_user):
    login_as(client, make_user("lectora", ["15058"], "viewer"))
    assert client.get("/programas/15058/nuevo/").status_code == 403
    assert client.get(f"/programas/p/{programme.pk}/evaluar/").status_code == 403
    assert client.get(f"/programas/p/{programme.pk}/editar/").status_code == 403


def test_editing_an_indicator_is_logged_in_its_history(client, programme, make_user):
    indicator = ResultIndicator.objects.get(code="C1.1")
    login_as(client, make_user("lectora", ["15058"], "viewer"))
    assert client.get(f"/programas/i/{indicator.pk}/editar/").status_code == 403
    client.logout()
    login_as(client, programme.responsible)
    data = {
        "level": indicator.level_id,
        "code": "C1.1",
        "name": "Jóvenes que terminan y aprueban el taller",
        "unit": "numero",
        "direction": "sube",
        "frequency": "semestral",
        "source": "ingresado",
        "baseline_value": "0",
    }
    response = client.post(f"/programas/i/{indicator.pk}/editar/", data)
    assert response.status_code == 302
    page = client.get(f"/programas/i/{indicator.pk}/").content.decode()
    assert "Jóvenes que terminan y aprueban el taller" in page and "frequency: semestral" in page


def test_a_measurement_with_an_evidence_file(client, programme, penalolen, make_user, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DATA_DIR = tmp_path
    indicator = ResultIndicator.objects.get(code="C1.1")
    login_as(client, programme.responsible)
    pdf = SimpleUploadedFile(
        "lista.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )
    client.post(
        f"/programas/i/{indicator.pk}/medicion/",
        {
            "medicion-period_start": "2023-01-01",
            "medicion-period_end": "2023-06-30",
            "medicion-value": "120",
            "medicion-evidence": pdf,
        },
    )
    measurement = Measurement.objects.get(indicator=indicator)
    evidence = measurement.evidence.get()
    response = client.get(f"/programas/evidencia/{evidence.pk}/")
    assert response.status_code == 200 and response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "attachment" in response["Content-Disposition"]
    client.logout()
    login_as(client, make_user("ajeno", ["13122"], "admin"))
    assert client.get(f"/programas/evidencia/{evidence.pk}/").status_code == 404
    # a disguised executable is refused and nothing is recorded
    client.logout()
    login_as(client, programme.responsible)
    fake = SimpleUploadedFile("lista.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    client.post(
        f"/programas/i/{indicator.pk}/medicion/",
        {
            "medicion-period_start": "2023-07-01",
            "medicion-period_end": "2023-12-31",
            "medicion-value": "90",
            "medicion-evidence": fake,
        },
    )
    assert Measurement.objects.filter(indicator=indicator).count() == 1


def test_an_invalid_form_is_refused_with_its_field_named(client, programme):
    login_as(client, programme.responsible)
    levels = programme.levels.count()
    response = client.post(
        f"/programas/p/{programme.pk}/nivel/", {"nivel-kind": "fin", "nivel-narrative": ""}, follow=True
    )
    assert programme.levels.count() == levels
    page = response.content.decode()
    assert "Enunciado: Este campo es requerido." in page
