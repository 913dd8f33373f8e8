"""The case pages: a worker registers an intake (found again by RUT), screens the case, sees it first in the list;
out-of-scope cases answer 404, readers who may not change get 403, a stale form is a conflict (409), and every
page that shows a case or an identity writes the access log."""

from __future__ import annotations

import pytest

from atalaya.cases import services
from atalaya.cases.models import Case, Person, Screening, Team, TeamMember
from atalaya.core.models import AccessLogEntry
from atalaya.core.testing import ListQueryContract, accept_code_of_conduct, login_as
from tests.analysis.test_identifiers_screening import INSTRUMENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(penalolen):
    services.save_instrument("riesgo-nna", "ninez", "Tamizaje de riesgo NNA", INSTRUMENT)
    return Team.objects.create(municipality=penalolen, module="ninez", name="OLN norte")


@pytest.fixture
def worker(client, team, make_user):
    user = make_user("gestora", ["13122"], "viewer")
    TeamMember.objects.create(team=team, user=user, role="gestor")
    login_as(client, user)
    from django.conf import settings

    from atalaya.core.models import ConductAcceptance

    ConductAcceptance.objects.create(
        user=user, username=user.username, version=settings.ATALAYA_CODE_OF_CONDUCT_VERSION
    )
    return user


INTAKE = {
    "kind": "nna",
    "national_id": "12.345.678-5",
    "given_names": "Josefa",
    "family_names": "Muñoz <script>alert(1)</script>",
    "birth_date": "2012-05-17",
    "sex": "F",
    "channel": "escuela",
    "institution": "Liceo A-90",
    "notes": "Inasistencia desde marzo.",
}


def test_intake_screening_and_list(client, worker, team):
    response = client.post("/casos/ingreso/", {**INTAKE, "team": team.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    again = client.post(
        "/casos/ingreso/", {**INTAKE, "national_id": "12345678-5", "team": team.pk, "channel": "policia"}
    )
    assert again.status_code == 302 and Person.objects.count() == 1 and case.intakes.count() == 2
    page = client.get(f"/casos/{case.pk}/").content.decode()
    assert "Josefa" in page and "&lt;script&gt;" in page and "<script>alert" not in page
    assert AccessLogEntry.objects.filter(object_type="cases.identity", action="lectura").count() == 1
    assert AccessLogEntry.objects.filter(object_type="cases.case", object_id=str(case.pk), action="lectura").exists()
    form = client.get(f"/casos/{case.pk}/tamizaje/riesgo-nna/").content.decode()
    assert "Inasistencia reiterada" in form
    saved = client.post(
        f"/casos/{case.pk}/tamizaje/riesgo-nna/", {"version": case.version, "f_inasistencia": "on", "f_violencia": "on"}
    )
    assert saved.status_code == 302 and Screening.objects.get().level == "alta"
    listing = client.get("/casos/?state=abiertos").content.decode()
    assert case.person.code in listing and "Josefa" not in listing  # lists show codes, never names
    assert client.get("/casos/?rut_curp=12.345.678-5").content.decode().count(case.person.code) == 1
    assert case.person.code not in client.get("/casos/?rut_curp=7.654.321-6").content.decode()


def test_a_stale_screening_form_is_a_conflict(client, worker, team):
    client.post("/casos/ingreso/", {**INTAKE, "team": team.pk})
    case = Case.objects.get()
    stale = case.version
    services.screen(case, services.current_instruments("ninez")[0], {"violencia": True})
    response = client.post(f"/casos/{case.pk}/tamizaje/riesgo-nna/", {"version": stale, "f_inasistencia": "on"})
    assert response.status_code == 409 and "Otra persona cambió este caso" in response.content.decode()
    assert Screening.objects.count() == 1


def test_bad_identifiers_are_refused_on_the_form(client, worker, team):
    response = client.post("/casos/ingreso/", {**INTAKE, "national_id": "12.345.678-4", "team": team.pk})
    assert response.status_code == 200 and "dígito verificador" in response.content.decode()
    assert not Person.objects.exists()


def test_out_of_scope_is_404_and_readers_without_rights_get_403(client, worker, team, penalolen, make_user):
    other_team = Team.objects.create(municipality=penalolen, module="ninez", name="OLN sur")
    person, _ = services.register_person(penalolen, kind="nna")
    elsewhere = services.take_intake(person, "ninez", channel="salud", team=other_team).case
    assert client.get(f"/casos/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/casos/{elsewhere.pk}/tamizaje/riesgo-nna/").status_code == 404
    coordinator = make_user("coordinadora", ["13122"], "viewer")
    TeamMember.objects.create(team=team, user=coordinator, role="coordinador")
    accept_code_of_conduct(coordinator)
    client.logout()
    login_as(client, coordinator)
    assert client.get(f"/casos/{elsewhere.pk}/").status_code == 200  # reads the municipality…
    assert client.get(f"/casos/{elsewhere.pk}/tamizaje/riesgo-nna/").status_code == 403  # …changes only its team
    client.logout()
    login_as(client, make_user("analista", ["13122"], "analyst"))
    assert client.get("/casos/").status_code == 403  # the observatory sees aggregates, never cases


class TestCaseList(ListQueryContract):
    reader_role = "viewer"

    @pytest.fixture(autouse=True)
    def _team(self, team):
        self.team = team

    def prepare_reader(self, user) -> None:
        TeamMember.objects.create(team=self.team, user=user, role="supervisor")
        accept_code_of_conduct(user)

    @pytest.fixture
    def scoped_list(self, team, penalolen):
        def add_rows(n):
            for _ in range(n):
                person, _created = services.register_person(penalolen, kind="nna")
                services.take_intake(person, "ninez", channel="escuela", team=team)

        return "/casos/", "13122", add_rows
