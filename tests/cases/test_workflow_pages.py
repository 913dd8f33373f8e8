"""The pages of a case's way: every change page opens and saves for the case's team, refuses with the Spanish
reason, answers 409 with both versions when the case changed meanwhile, 403 to who may read but not act, 404 out
of scope; the receiver of a transfer answers it from their inbox; the inbox's queries do not grow with its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from atalaya.cases import referrals, services, workflow
from atalaya.cases.models import Approval, Case, FollowUp, Service, ServiceLine, Team, TeamMember
from atalaya.core.models import AccessLogEntry
from atalaya.core.testing import ListQueryContract, accept_code_of_conduct, login_as
from tests.analysis.test_identifiers_screening import INSTRUMENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(penalolen):
    services.save_instrument("riesgo-nna", "ninez", "Tamizaje de riesgo NNA", INSTRUMENT)
    Service.objects.create(municipality=penalolen, name="Reinserción escolar", provider="DAEM <b>Peñalolén</b>")
    return Team.objects.create(municipality=penalolen, module="ninez", name="OLN norte")


@pytest.fixture
def member(team, make_user):
    def make(name, role="gestor"):
        user = make_user(name, ["13122"], "viewer")
        TeamMember.objects.create(team=team, user=user, role=role)
        accept_code_of_conduct(user)
        return user

    return make


@pytest.fixture
def case(team, member):
    worker = member("gestora")
    person, _ = services.register_person(team.municipality, kind="nna")
    return services.take_intake(person, "ninez", channel="escuela", team=team, owner=worker).case


def post(client, case, path, data):
    case.refresh_from_db()
    return client.post(
        f"/casos/{case.pk}/{path}", {"version": case.version, "loaded": timezone.now().isoformat(), **data}
    )


def test_a_worker_plans_refers_follows_up_and_asks_for_approval(client, case, member):
    worker, supervisor = case.owner, member("supervisora", "supervisor")
    login_as(client, worker)
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    for path in ("consentimiento/", "derivar/", "plan/", "seguimientos/", "aprobacion/"):
        assert client.get(f"/casos/{case.pk}/{path}").status_code == 200, path
    service = Service.objects.get()
    assert (
        post(client, case, "plan/", {"service": service.pk, "goal": "Volver a clases", "due_date": due}).status_code
        == 302
    )
    line = ServiceLine.objects.get()
    refused = post(client, case, "derivar/", {"kind": "derivacion", "service_line": line.pk})
    assert refused.status_code == 200 and "Falta el consentimiento" in refused.content.decode()
    for purpose in ("servicios", "compartir"):
        assert (
            post(client, case, "consentimiento/", {"purpose": purpose, "given": "1", "given_by": "Madre"}).status_code
            == 302
        )
    assert post(client, case, "derivar/", {"kind": "derivacion", "service_line": line.pk}).status_code == 302
    referral = line.transitions.get()
    assert post(client, case, f"derivaciones/{referral.pk}/", {"to_status": "aceptada"}).status_code == 302
    assert (
        post(
            client, case, "seguimientos/", {"kind": "seguimiento", "description": "Visita", "due_date": due}
        ).status_code
        == 302
    )
    follow_up = FollowUp.objects.get()
    assert post(client, case, f"seguimientos/{follow_up.pk}/", {"result": "Asistió toda la semana."}).status_code == 302
    no_screening = post(client, case, "aprobacion/", {"kind": "evaluacion"})
    assert "después de un tamizaje" in no_screening.content.decode()
    services.screen(case, services.current_instruments("ninez")[0], {"inasistencia": True}, user=worker)
    assert post(client, case, "aprobacion/", {"kind": "evaluacion", "note": "Tamizaje hecho"}).status_code == 302
    approval = Approval.objects.get()
    assert client.get(f"/casos/{case.pk}/aprobaciones/{approval.pk}/").status_code == 403  # workers do not decide
    page = client.get(f"/casos/{case.pk}/").content.decode()
    assert "Reinserción escolar" in page and "DAEM &lt;b&gt;" in page and "Asistió toda la semana." in page
    client.logout()
    login_as(client, supervisor)
    assert "Resolver" in client.get("/casos/bandeja/").content.decode()
    assert post(client, case, f"aprobaciones/{approval.pk}/", {"decision": "1"}).status_code == 302
    case.refresh_from_db()
    assert case.stage == "plan"


def test_a_stale_form_shows_both_versions_and_saves_nothing(client, case, member):
    colleague = member("colega")
    login_as(client, case.owner)
    stale = case.version
    referrals.record_consent(case, "servicios", False, given_by="Padre", user=colleague)
    response = client.post(
        f"/casos/{case.pk}/consentimiento/",
        {
            "version": stale,
            "loaded": (timezone.now() - dt.timedelta(minutes=1)).isoformat(),
            "purpose": "servicios",
            "given": "1",
            "given_by": "Madre",
        },
    )
    page = response.content.decode()
    assert response.status_code == 409 and 'id="conflicto"' in page
    assert "colega" in page and "negado" in page  # what the other person did…
    assert "Madre" in page and "Otorgado" in page  # …beside what this user wrote
    assert case.consents.count() == 1


def test_the_receiver_answers_a_transfer_and_outsiders_get_404(client, case, team, member, make_user, neza):
    other_team = Team.objects.create(municipality=team.municipality, module="ninez", name="OLN sur")
    receiver = make_user("gestor.sur", ["13122"], "viewer")
    TeamMember.objects.create(team=other_team, user=receiver, role="gestor")
    accept_code_of_conduct(receiver)
    for purpose in ("servicios", "compartir"):
        referrals.record_consent(case, purpose, True, given_by="Madre", user=case.owner)
    transfer = referrals.refer(case, kind="transferencia", to_user=receiver, user=case.owner)
    login_as(client, receiver)
    assert client.get(f"/casos/{case.pk}/").status_code == 404  # not theirs until they accept
    assert "Responder" in client.get("/casos/bandeja/").content.decode()
    assert post(client, case, f"derivaciones/{transfer.pk}/", {"to_status": "aceptada"}).status_code == 302
    assert client.get(f"/casos/{case.pk}/").status_code == 200
    client.logout()
    outsider = make_user("gestor.neza", ["15058"], "viewer")
    TeamMember.objects.create(
        team=Team.objects.create(municipality=neza, module="ninez", name="Neza"),
        user=outsider,
    )
    accept_code_of_conduct(outsider)
    login_as(client, outsider)
    for path in ("", "plan/", "asignar/", f"derivaciones/{transfer.pk}/"):
        assert client.get(f"/casos/{case.pk}/{path}").status_code == 404, path


def test_the_queue_is_taken_from_the_inbox_and_the_inbox_is_audited(client, team, member):
    worker = member("gestora")
    person, _ = services.register_person(team.municipality, kind="nna")
    queued = services.take_intake(person, "ninez", channel="policia", team=team).case
    login_as(client, worker)
    page = client.get("/casos/bandeja/").content.decode()
    assert queued.person.code in page and "Tomar el caso" in page
    assert AccessLogEntry.objects.filter(object_type="cases.case", object_id=str(queued.pk), action="busqueda").exists()
    form = client.get(f"/casos/{queued.pk}/asignar/").content.decode()
    assert "gestora" in form
    assert post(client, queued, "asignar/", {"to_user": worker.pk}).status_code == 302
    queued.refresh_from_db()
    assert queued.owner == worker and queued.person.code not in client.get("/casos/bandeja/").content.decode()


def test_closure_and_reopening_from_the_pages(client, case, member):
    supervisor = member("supervisora", "supervisor")
    worker = case.owner
    login_as(client, worker)
    assert (
        post(
            client,
            case,
            "aprobacion/",
            {"kind": "cierre", "outcome": "sin_contacto", "note": "Tres visitas sin respuesta"},
        ).status_code
        == 302
    )
    client.logout()
    login_as(client, supervisor)
    approval = Approval.objects.get()
    assert post(client, case, f"aprobaciones/{approval.pk}/", {"decision": "1"}).status_code == 302
    case.refresh_from_db()
    assert case.stage == "cerrado" and case.closure_outcome == "sin_contacto"
    assert (
        post(client, case, "seguimientos/", {"kind": "tarea", "description": "x", "due_date": "2030-01-01"}).status_code
        == 200
    )
    assert post(client, case, "reabrir/", {"reason": "La familia volvió a la comuna"}).status_code == 302
    case.refresh_from_db()
    assert case.stage == "reabierto"


def test_hostile_text_in_every_change_form_is_stored_as_text_and_shown_escaped(client, case, member):
    login_as(client, case.owner)
    hostile = "<script>alert('x')</script> '; DROP TABLE cases_case; --"
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    assert (
        post(
            client, case, "consentimiento/", {"purpose": "servicios", "given": "1", "given_by": hostile[:120]}
        ).status_code
        == 302
    )
    assert (
        post(client, case, "seguimientos/", {"kind": "tarea", "description": hostile, "due_date": due}).status_code
        == 302
    )
    assert (
        post(client, case, "plan/", {"service": Service.objects.get().pk, "goal": hostile, "due_date": due}).status_code
        == 302
    )
    too_long = post(client, case, "seguimientos/", {"kind": "tarea", "description": "x" * 400, "due_date": due})
    assert too_long.status_code == 200 and FollowUp.objects.count() == 1
    page = client.get(f"/casos/{case.pk}/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert Case.objects.count() == 1


class TestInboxQueries(ListQueryContract):
    reader_role = "viewer"

    @pytest.fixture(autouse=True)
    def _team(self, team):
        self.team = team

    def prepare_reader(self, user) -> None:
        TeamMember.objects.create(team=self.team, user=user, role="supervisor")
        accept_code_of_conduct(user)

    @pytest.fixture
    def scoped_list(self, team, penalolen, member):
        worker = member("gestora")
        yesterday = timezone.localdate() - dt.timedelta(days=1)

        def add_rows(n):  # a queued case and an overdue follow-up of the team per row
            for _ in range(n):
                person, _created = services.register_person(penalolen, kind="nna")
                case = services.take_intake(person, "ninez", channel="escuela", team=team).case
                FollowUp.objects.create(case=case, description="Visita", due_date=yesterday, assigned_to=worker)

        return "/casos/bandeja/", "13122", add_rows


def test_breaking_the_glass_opens_a_case_for_hours_with_a_reason_and_tells_the_supervisor(
    client, team, member, make_user
):
    from django.core import mail

    supervisor = member("supervisora", "supervisor")
    supervisor.email = "supervisora@example.org"
    supervisor.save(update_fields=["email"])
    other_team = Team.objects.create(municipality=team.municipality, module="ninez", name="OLN sur")
    outsider = make_user("gestor.sur", ["13122"], "viewer")
    TeamMember.objects.create(team=other_team, user=outsider, role="gestor")
    accept_code_of_conduct(outsider)
    person, _ = services.register_person(team.municipality, kind="nna", national_id="12.345.678-5")
    case = services.take_intake(person, "ninez", channel="escuela", team=team).case
    womens_team = Team.objects.create(municipality=team.municipality, module="mujer", name="Centro de la mujer")
    closed = services.take_intake(person, "mujer", channel="fono", team=womens_team).case
    login_as(client, outsider)
    assert client.get(f"/casos/{case.pk}/").status_code == 404
    short = client.post("/casos/emergencia/", {"query": person.code, "reason": "urgente"})
    assert short.status_code == 200 and not client.get(f"/casos/{case.pk}/").status_code == 200
    opened = client.post(
        "/casos/emergencia/", {"query": "12345678-5", "reason": "Carabineros informa agresión esta noche."}
    )
    assert opened.status_code == 302 and opened["Location"] == f"/casos/{case.pk}/"
    page = client.get(f"/casos/{case.pk}/").content.decode()
    assert 'id="emergencia"' in page
    assert client.get(f"/casos/{closed.pk}/").status_code == 404  # the women's module never opens so
    assert client.get(f"/casos/{case.pk}/plan/").status_code == 403  # emergency access only reads
    assert len(mail.outbox) == 1 and "Carabineros informa" in mail.outbox[0].body
    assert "12345678" not in " ".join(AccessLogEntry.objects.values_list("detail", flat=True))
    client.logout()
    login_as(client, supervisor)
    assert "Carabineros informa" in client.get("/casos/bandeja/").content.decode()
    log = client.get(f"/casos/{case.pk}/registro/").content.decode()
    assert "gestor.sur" in log and "Acceso de emergencia" in log and "Lectura" in log
    client.logout()
    login_as(client, outsider)
    assert client.get(f"/casos/{case.pk}/registro/").status_code == 403  # only supervision reads the log


def test_households_join_persons_by_code_and_show_their_cases(client, case, team):
    login_as(client, case.owner)
    sibling, _ = services.register_person(team.municipality, kind="nna")
    sibling_case = services.take_intake(sibling, "ninez", channel="escuela", team=team, owner=case.owner).case
    assert post(client, case, "hogar/", {"other_code": "P-NOEXIS", "relation": "hijo"}).status_code == 200
    assert post(client, case, "hogar/", {"other_code": sibling.code.lower(), "relation": "hermano"}).status_code == 302
    page = client.get(f"/casos/{case.pk}/").content.decode()
    assert f'href="/casos/{sibling_case.pk}/"' in page and "Hermano o hermana" in page
    again = post(client, case, "hogar/", {"other_code": sibling.code, "relation": "hermano"})
    assert "ya es parte" in again.content.decode()


def test_every_page_that_shows_a_case_writes_the_access_log(client, case, member):
    """Audit coverage: each page of a case, opened once, leaves one more read of that case in the log."""
    from django.urls import get_resolver

    coordinator = member("coordinadora", "coordinador")
    services.screen(case, services.current_instruments("ninez")[0], {"violencia": True}, user=case.owner)
    approval = workflow.request_approval(case, "evaluacion", user=case.owner)
    due = timezone.localdate() + dt.timedelta(days=9)
    line = workflow.add_service_line(case, Service.objects.get(), goal="x", due_date=due, user=case.owner)
    follow_up = workflow.add_follow_up(case, description="Visita", due_date=due, user=case.owner)
    for purpose in ("servicios", "compartir"):
        referrals.record_consent(case, purpose, True, given_by="Madre", user=case.owner)
    referral = referrals.refer(case, service_line=line, user=case.owner)
    ids = {"pk": case.pk, "tid": referral.pk, "lid": line.pk, "fid": follow_up.pk, "aid": approval.pk}
    ids["instrument"] = services.current_instruments("ninez")[0].code
    patterns = next(p for p in get_resolver().url_patterns if str(p.pattern) == "casos/").url_patterns
    paths = [str(p.pattern) for p in patterns if "<int:pk>" in str(p.pattern)]
    assert len(paths) >= 14
    login_as(client, coordinator)
    for path in paths:
        url = "/casos/" + path.replace("<int:", "<").replace("<slug:", "<")
        for name, value in ids.items():
            url = url.replace(f"<{name}>", str(value))
        before = AccessLogEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).count()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        after = AccessLogEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).count()
        assert after > before, url


def test_the_identity_is_corrected_with_the_rut_checked_and_reindexed(client, case, team):
    other, _ = services.register_person(team.municipality, kind="nna", national_id="7.654.321-6")
    login_as(client, case.owner)
    form = client.get(f"/casos/{case.pk}/persona/corregir/")
    assert form.status_code == 200
    assert AccessLogEntry.objects.filter(object_type="cases.identity", object_id=str(case.person_id)).exists()
    fields = {"given_names": "Josefa", "family_names": "Muñoz", "sex": "F", "birth_date": "2012-05-17"}
    wrong = post(client, case, "persona/corregir/", {**fields, "national_id": "12.345.678-4"})
    assert wrong.status_code == 200 and "dígito verificador" in wrong.content.decode()
    taken = post(client, case, "persona/corregir/", {**fields, "national_id": "7654321-6"})
    assert "ya es de otra persona" in taken.content.decode()
    assert post(client, case, "persona/corregir/", {**fields, "national_id": "12.345.678-5"}).status_code == 302
    assert services.find_person(team.municipality, "12345678-5") == case.person
    case.person.refresh_from_db()
    assert case.person.birth_year == 2012 and other.code != case.person.code
    from atalaya.core.models import ChangeLogEntry

    entry = ChangeLogEntry.objects.filter(action="identidad").get()
    assert "national_id" in entry.message and "12345678" not in entry.message and "Josefa" not in entry.message
