"""Mesas de trabajo: sessions and agile calls with invitations, attendance, minutes approved by who was there,
agreements followed to their end with reminders and escalation, the session's territory board, and the public
accountability tree (roll-up, nothing private, open data)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from atalaya.core.testing import ScopedActionContract, ScopedPageContract, login_as
from atalaya.proximity import accountability, mesas
from atalaya.proximity.models import Agreement, Mesa, MesaMember, ProximityOfficer, PublicCommitment

pytestmark = pytest.mark.django_db


@pytest.fixture
def mesa(neza, admin_user):
    from atalaya.geo.models import Territory

    table = Mesa.objects.create(
        municipality=neza,
        name="Mesa del sector 1",
        territory=Territory.objects.get(municipality=neza, code="S1"),
        chair=admin_user,
        schedule="primer martes",
    )
    for institution, role, email in (
        ("Policía de proximidad", "policia", "cabo@example.org"),
        ("Escuela 12", "escuela", "directora@example.org"),
        ("Junta de vecinos", "junta_vecinos", ""),
    ):
        MesaMember.objects.create(
            mesa=table, name=f"Persona de {institution}", institution=institution, role=role, email=email
        )
    return table


def test_an_agile_call_invites_the_members_about_one_problem(
    mesa, report, admin_user, django_capture_on_commit_callbacks
):
    problem = report(title="Riñas en la plaza")
    with django_capture_on_commit_callbacks(execute=True):
        session = mesas.call_session(
            mesa,
            starts_at=timezone.now() + dt.timedelta(hours=6),
            kind="convocatoria_agil",
            problem=problem,
            place="Plaza",
            user=admin_user,
        )
    assert [item.problem for item in session.agenda.all()] == [problem]
    assert session.attendance.count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["cabo@example.org", "directora@example.org"]
    assert "Riñas en la plaza" in mail.outbox[0].body
    with pytest.raises(ValidationError, match="por un problema"):
        mesas.call_session(
            mesa, starts_at=timezone.now() + dt.timedelta(hours=2), kind="convocatoria_agil", user=admin_user
        )
    with pytest.raises(ValidationError, match="pasado"):
        mesas.call_session(mesa, starts_at=timezone.now() - dt.timedelta(days=1), user=admin_user)


def test_minutes_are_approved_by_half_of_those_present(mesa, admin_user, make_user):
    session = mesas.call_session(mesa, starts_at=timezone.now() + dt.timedelta(hours=1), user=admin_user, notify=False)
    cabo, directora = make_user("cabo", ["15058"], "viewer"), make_user("directora", ["15058"], "viewer")
    members = {m.institution: m for m in mesa.members.all()}
    members["Policía de proximidad"].user = cabo
    members["Policía de proximidad"].save()
    members["Escuela 12"].user = directora
    members["Escuela 12"].save()
    present = [members["Policía de proximidad"].pk, members["Escuela 12"].pk, members["Junta de vecinos"].pk]
    mesas.record_attendance(
        session, present=present, user=admin_user, guests=[("Vecina", "Comité de la plaza")], community=12
    )
    session.refresh_from_db()
    assert session.status == "realizada" and session.community_attendees == 12
    with pytest.raises(ValidationError, match="borrador"):
        mesas.approve_minutes(session, user=cabo)
    mesas.write_minutes(session, text="Se acordaron rondas.", user=admin_user)
    session.refresh_from_db()
    outsider = make_user("otro", ["15058"], "viewer")
    with pytest.raises(ValidationError, match="asistieron"):
        mesas.approve_minutes(session, user=outsider)
    assert mesas.approve_minutes(session, user=cabo) is False  # 1 of 3 present
    session.refresh_from_db()
    assert mesas.approve_minutes(session, user=directora) is True  # 2 of 3
    session.refresh_from_db()
    assert session.minutes_status == "aprobada"
    with pytest.raises(ValidationError, match="aprobada"):
        mesas.write_minutes(session, text="Cambio", user=admin_user)


def test_agreements_follow_their_way_and_feed_the_public_tree(mesa, report, admin_user, admin_client):
    problem = report()
    kept = mesas.add_agreement(
        mesa,
        title="Reponer luminarias",
        owner="Dirección de Operaciones",
        institution="Municipio",
        deadline=dt.date.today() + dt.timedelta(days=10),
        user=admin_user,
        problem=problem,
    )
    late = mesas.add_agreement(
        mesa,
        title="Rondas nocturnas",
        owner="Cabo",
        institution="Policía de proximidad",
        deadline=dt.date.today() - dt.timedelta(days=3),
        user=admin_user,
        weight=3,
    )
    hidden = mesas.add_agreement(
        mesa,
        title="Vigilar la casa del vendedor",
        owner="Cabo",
        institution="Policía",
        deadline=dt.date.today(),
        user=admin_user,
        is_public=False,
    )
    with pytest.raises(ValidationError, match="evidencia"):
        mesas.update_agreement(kept, status="cumplido", user=admin_user)
    mesas.update_agreement(kept, status="cumplido", user=admin_user, evidence="Fotos de las luminarias")
    mesas.update_agreement(late, status="en_curso", progress=40, user=admin_user, text="Dos rondas por semana")
    with pytest.raises(ValidationError, match="por qué"):
        mesas.update_agreement(late, status="incumplido", user=admin_user)
    node = PublicCommitment.objects.get(key=f"mesa:{mesa.pk}")
    assert node.progress == pytest.approx((100 * 1 + 40 * 3) / 4)  # weighted roll-up of the public ones
    assert not PublicCommitment.objects.filter(key=f"acuerdo:{hidden.pk}").exists()
    late_node = PublicCommitment.objects.get(key=f"acuerdo:{late.pk}")
    assert late_node.overdue and [m["progress"] for m in late_node.milestones] == [0, 40]
    assert PublicCommitment.objects.get(key=f"acuerdo:{kept.pk}").reference == problem.reference

    from django.test import Client

    public = Client()
    page = public.get(f"/publico/15058/compromisos/?mesa=mesa:{mesa.pk}").content.decode()
    assert "Reponer luminarias" in page and "Rondas nocturnas" in page and "vendedor" not in page
    assert "1 de 2 acuerdos cumplidos" in page
    data = json.loads(public.get("/publico/15058/compromisos.json").content)
    assert {c["kind"] for c in data["commitments"]} >= {"mesa", "acuerdo"}
    csv = public.get("/publico/15058/compromisos.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("key,parent,kind,title") and "vendedor" not in csv
    Mesa.objects.filter(pk=mesa.pk).update(is_public=False)
    mesa.refresh_from_db()
    accountability.rebuild(mesa.municipality)
    assert not PublicCommitment.objects.filter(municipality=mesa.municipality, kind__in=["mesa", "acuerdo"]).exists()


def test_reminders_before_the_deadline_and_escalation_after_it(mesa, admin_user, make_user, neza):
    coordinator = make_user("coordinadora", ["15058"], "viewer")
    coordinator.email = "coordinadora@example.org"
    coordinator.save()
    ProximityOfficer.objects.create(user=coordinator, municipality=neza, is_coordinator=True)
    admin_user.email = "presidente@example.org"
    admin_user.save()
    soon = mesas.add_agreement(
        mesa,
        title="Reunión con la escuela",
        owner="Directora",
        institution="Escuela 12",
        deadline=dt.date.today() + dt.timedelta(days=2),
        user=admin_user,
    )
    late = mesas.add_agreement(
        mesa,
        title="Limpiar el sitio eriazo",
        owner="Aseo",
        institution="Municipio",
        deadline=dt.date.today() - dt.timedelta(days=1),
        user=admin_user,
    )
    far = mesas.add_agreement(
        mesa,
        title="Plan anual",
        owner="Mesa",
        institution="Municipio",
        deadline=dt.date.today() + dt.timedelta(days=60),
        user=admin_user,
    )
    counts = mesas.remind_and_escalate()
    assert counts["recordados"] == 1 and counts["escalados"] == 1
    recipients = {tuple(m.to) for m in mail.outbox}
    assert ("directora@example.org", "presidente@example.org") in recipients
    assert ("coordinadora@example.org",) in recipients
    assert mesas.remind_and_escalate() == {"recordados": 0, "escalados": 0, "correos": 0}  # each only once
    assert Agreement.objects.get(pk=far.pk).reminded_at is None
    assert Agreement.objects.get(pk=soon.pk).reminded_at and Agreement.objects.get(pk=late.pk).escalated_at


class TestMesaPage(ScopedPageContract, ScopedActionContract):
    max_queries = 40

    @pytest.fixture
    def scoped_page(self, mesa):
        return f"/proximidad/mesas/{mesa.pk}/", "15058"

    @pytest.fixture
    def scoped_action(self, mesa):
        return (
            f"/proximidad/mesas/{mesa.pk}/integrantes/",
            {"name": "X", "institution": "Y", "role": "otro"},
            ("admin", "analyst"),
        )


class TestSessionPage(ScopedPageContract, ScopedActionContract):
    max_queries = 45

    @pytest.fixture
    def scoped_page(self, mesa, admin_user):
        session = mesas.call_session(
            mesa, starts_at=timezone.now() + dt.timedelta(hours=3), user=admin_user, notify=False
        )
        return f"/proximidad/sesiones/{session.pk}/", "15058"

    @pytest.fixture
    def scoped_action(self, scoped_page):
        url, _code = scoped_page
        return (
            url + "acuerdos/",
            {"title": "A", "owner": "B", "institution": "C", "deadline": "2027-01-31"},
            ("admin", "analyst"),
        )


def test_the_session_page_shows_the_territory_and_runs_the_meeting(mesa, report, make_user, client, admin_user):
    problem = report(title="Pasaje oscuro")  # in C1, under sector S1
    report(where="C4", title="Fuera del sector")
    session = mesas.call_session(mesa, starts_at=timezone.now() + dt.timedelta(hours=3), user=admin_user, notify=False)
    login_as(client, make_user("analista", ["15058"], "analyst"))
    page = client.get(f"/proximidad/sesiones/{session.pk}/").content.decode()
    assert "Pasaje oscuro" in page and "Fuera del sector" not in page
    client.post(
        f"/proximidad/sesiones/{session.pk}/acuerdos/",
        {
            "title": "Rondas",
            "owner": "Cabo",
            "institution": "Policía",
            "deadline": "2027-01-31",
            "problem": problem.reference,
            "is_public": "on",
        },
    )
    agreement = Agreement.objects.get()
    assert agreement.problem == problem and agreement.session == session
    response = client.post(
        f"/proximidad/acuerdos/{agreement.pk}/",
        {"status": "en_curso", "progress": 30, "version": agreement.version + 5},
        follow=True,
    )
    assert "Otra persona cambió este acuerdo" in response.content.decode()


def test_session_documents_are_checked_kept_apart_and_scoped(
    mesa, admin_user, make_user, client, settings, tmp_path, penalolen
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from atalaya.proximity.models import SessionDocument

    settings.ATTACHMENTS_DIR = tmp_path / "adjuntos"
    session = mesas.call_session(mesa, starts_at=timezone.now() + dt.timedelta(hours=1), user=admin_user, notify=False)
    login_as(client, make_user("analista", ["15058"], "analyst"))
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    client.post(f"/proximidad/sesiones/{session.pk}/documentos/", {"file": SimpleUploadedFile("acta firmada.pdf", pdf)})
    response = client.post(
        f"/proximidad/sesiones/{session.pk}/documentos/",
        {"file": SimpleUploadedFile("x.html", b"<script>alert(1)</script>")},
        follow=True,
    )
    assert "no es una imagen válida" in response.content.decode()
    document = SessionDocument.objects.get()
    served = client.get(f"/proximidad/documentos/{document.pk}/")
    assert served["Content-Type"] == "application/pdf" and served["Content-Disposition"].startswith("attachment;")
    client.logout()
    login_as(client, make_user("ajena", ["13122"], "admin"))
    assert client.get(f"/proximidad/documentos/{document.pk}/").status_code == 404


def test_agenda_items_and_the_indicators_that_measure_a_mesa(mesa, report, admin_user, make_user, client, penalolen):
    from atalaya.indicators.models import Indicator, Publication

    problem = report(title="Esquina oscura")
    session = mesas.call_session(mesa, starts_at=timezone.now() + dt.timedelta(hours=3), user=admin_user, notify=False)
    login_as(client, make_user("analista", ["15058"], "analyst"))
    client.post(f"/proximidad/sesiones/{session.pk}/tabla/", {"tabla-problem": problem.reference, "tabla-minutes": 20})
    client.post(f"/proximidad/sesiones/{session.pk}/tabla/", {"tabla-title": "Fiestas patrias", "tabla-minutes": 10})
    refused = client.post(
        f"/proximidad/sesiones/{session.pk}/tabla/", {"tabla-alert": 999999, "tabla-minutes": 10}, follow=True
    )
    assert "No existe esa alerta" in refused.content.decode()
    assert [(i.title, i.problem_id) for i in session.agenda.all()] == [
        ("Esquina oscura", problem.pk),
        ("Fiestas patrias", None),
    ]

    published, hidden = Indicator.objects.get(code="robo-con-violencia"), Indicator.objects.get(code="narcomenudeo")
    Publication.objects.create(municipality=mesa.municipality, indicator=published, is_public=True)
    mesa.indicators.set([published, hidden])
    mesas.add_agreement(mesa, title="Rondas", owner="A", institution="B", deadline=dt.date(2030, 1, 1), user=admin_user)
    node = PublicCommitment.objects.get(key=f"mesa:{mesa.pk}")
    assert node.indicators == [{"code": "robo-con-violencia", "name": published.name}]  # only what the portal shows
    page = Client().get("/publico/15058/compromisos/").content.decode()
    assert "/publico/indicadores/robo-con-violencia/" in page and "narcomenudeo" not in page


def test_the_reminders_run_as_a_worker_job_for_one_municipality(mesa, admin_user, make_user, client, penalolen):
    from atalaya.core.models import Job

    other = Mesa.objects.create(municipality=penalolen, name="Mesa de Peñalolén")
    mine = mesas.add_agreement(
        mesa, title="Aquí", owner="A", institution="B", deadline=dt.date.today(), user=admin_user
    )
    theirs = mesas.add_agreement(
        other, title="Allá", owner="A", institution="B", deadline=dt.date.today(), user=admin_user
    )
    login_as(client, make_user("analista", ["15058"], "analyst"))
    response = client.post("/proximidad/15058/mesas/", {"recordar": "1"})
    assert response.status_code == 302 and Job.objects.get().status == "terminado"
    assert Agreement.objects.get(pk=mine.pk).reminded_at and Agreement.objects.get(pk=theirs.pk).reminded_at is None
    client.logout()
    login_as(client, make_user("consulta", ["15058"], "viewer"))
    assert client.post("/proximidad/15058/mesas/", {"recordar": "1"}).status_code == 403


def test_the_schedule_says_when_the_next_ordinary_session_is_due(mesa, admin_user):
    from atalaya.proximity.models import MesaSession

    today = dt.date(2026, 12, 6)
    assert mesas.next_session_due(mesa, today) == today  # never met
    session = mesas.call_session(mesa, starts_at=timezone.now() + dt.timedelta(days=3), user=admin_user, notify=False)
    assert mesas.next_session_due(mesa, timezone.localdate()) is None  # the next one is already called
    held = timezone.make_aware(dt.datetime(2026, 11, 20, 18))
    MesaSession.objects.filter(pk=session.pk).update(starts_at=held, status="realizada")
    assert mesas.next_session_due(mesa, today) == dt.date(2026, 12, 20)  # 30 days after
    assert mesas.next_session_due(mesa, dt.date(2027, 1, 5)) == dt.date(2027, 1, 5)  # overdue: today
