"""The way of a case: the stage computed from its records at every step (and kept equal to the stored one), the
supervisor's approvals with four eyes, the closure's conditions, reopening, the team queue with its deadline by
risk, escalation of what is late, and the inbox of a worker and of a supervisor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from atalaya.cases import referrals, services, workflow
from atalaya.cases.models import Case, FollowUp, Service, Team, TeamMember
from atalaya.cases.stages import compute_stage
from atalaya.core.models import ChangeLogEntry
from tests.analysis.test_identifiers_screening import INSTRUMENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(penalolen, make_user):
    instrument = services.save_instrument("riesgo-nna", "ninez", "Tamizaje de riesgo NNA", INSTRUMENT)
    team = Team.objects.create(municipality=penalolen, module="ninez", name="OLN norte")
    people = {}
    for name, role in (("gestora", "gestor"), ("colega", "gestor"), ("supervisora", "supervisor")):
        people[name] = make_user(name, ["13122"], "viewer")
        people[name].email = f"{name}@example.org"
        people[name].save(update_fields=["email"])
        TeamMember.objects.create(team=team, user=people[name], role=role)
    service = Service.objects.create(municipality=penalolen, name="Reinserción escolar", provider="DAEM")
    return team, instrument, service, people


def new_case(team, owner=None):
    person, _ = services.register_person(team.municipality, kind="nna")
    return services.take_intake(person, team.module, channel="escuela", team=team, owner=owner).case


def stage(case) -> str:
    case.refresh_from_db()
    assert case.stage == compute_stage(case)  # the stored stage is always the computed one
    return case.stage


def test_a_case_goes_from_intake_to_closure_and_back(setting):
    team, instrument, service, people = setting
    worker, supervisor = people["gestora"], people["supervisora"]
    case = new_case(team, owner=worker)
    assert stage(case) == "nuevo"
    with pytest.raises(services.CaseError, match="después de un tamizaje"):
        workflow.request_approval(case, "evaluacion", user=worker)
    services.screen(case, instrument, {"inasistencia": True}, user=worker)
    assert stage(case) == "evaluacion"
    approval = workflow.request_approval(case, "evaluacion", user=worker, note="Factores escolares")
    with pytest.raises(services.CaseError, match="pendiente"):
        workflow.request_approval(case, "evaluacion", user=worker)
    workflow.decide(approval, True, user=supervisor)
    assert stage(case) == "plan"
    with pytest.raises(services.CaseError, match="al menos una línea"):
        workflow.request_approval(case, "plan", user=worker)
    line = workflow.add_service_line(
        case, service, goal="Volver a clases", due_date=timezone.localdate() + dt.timedelta(days=30), user=worker
    )
    workflow.decide(workflow.request_approval(case, "plan", user=worker), True, user=supervisor)
    assert stage(case) == "servicios"
    follow_up = workflow.add_follow_up(
        case, description="Visita domiciliaria", due_date=timezone.localdate() + dt.timedelta(days=7), user=worker
    )
    workflow.close_line(line, "cumplida", user=worker)
    assert stage(case) == "servicios_cumplidos"
    with pytest.raises(services.CaseError, match="resultado"):
        workflow.request_approval(case, "cierre", user=worker)
    with pytest.raises(services.CaseError, match="seguimientos pendientes"):
        workflow.request_approval(case, "cierre", user=worker, outcome="objetivos_cumplidos")
    workflow.complete_follow_up(follow_up, result="Asiste regularmente desde la semana pasada.", user=worker)
    closure = workflow.request_approval(case, "cierre", user=worker, outcome="objetivos_cumplidos")
    assert stage(case) == "servicios_cumplidos"  # a closure counts only once approved
    workflow.decide(closure, True, user=supervisor)
    assert stage(case) == "cerrado" and case.closure_outcome == "objetivos_cumplidos" and case.closed_at
    with pytest.raises(services.CaseError, match="cerrado"):
        workflow.add_follow_up(case, description="Otra visita", due_date=timezone.localdate(), user=worker)
    with pytest.raises(services.CaseError, match="por qué"):
        workflow.reopen(case, user=worker, reason=" ")
    workflow.reopen(case, user=worker, reason="Nueva inasistencia informada por el liceo")
    assert stage(case) == "reabierto" and case.closure_outcome == ""
    services.screen(case, instrument, {"violencia": True}, user=worker)
    assert stage(case) == "evaluacion"  # a new cycle: the earlier approvals do not count
    actions = list(
        ChangeLogEntry.objects.filter(object_type="Case", object_id=str(case.pk)).values_list("action", flat=True)
    )
    assert actions.count("aprobacion") == 6 and "reabrir" in actions


def test_approvals_need_another_supervisor_and_returns_need_observations(setting):
    team, instrument, _service, people = setting
    worker, colleague, supervisor = people["gestora"], people["colega"], people["supervisora"]
    case = new_case(team, owner=worker)
    services.screen(case, instrument, {"inasistencia": True}, user=worker)
    approval = workflow.request_approval(case, "evaluacion", user=worker)
    with pytest.raises(services.CaseError, match="Solo la supervisión"):
        workflow.decide(approval, True, user=colleague)
    with pytest.raises(services.CaseError, match="observaciones"):
        workflow.decide(approval, False, user=supervisor)
    workflow.decide(approval, False, user=supervisor, comment="Falta la entrevista con la familia.")
    assert stage(case) == "evaluacion"
    own = workflow.request_approval(case, "evaluacion", user=supervisor)
    with pytest.raises(services.CaseError, match="propia solicitud"):
        workflow.decide(own, True, user=supervisor)
    assert [a.status for a in case.approvals.order_by("pk")] == ["devuelta", "pendiente"]  # the history stays


def test_a_queued_case_has_a_deadline_by_risk_and_is_assigned_from_the_queue(setting, settings, make_user):
    team, instrument, _service, people = setting
    worker, colleague, supervisor = people["gestora"], people["colega"], people["supervisora"]
    before = timezone.now()
    case = new_case(team)
    assert case.owner is None and before + dt.timedelta(hours=23) < case.assign_due_at <= timezone.now() + dt.timedelta(
        hours=24
    )
    services.screen(case, instrument, {"violencia": True, "inasistencia": True}, user=worker)
    case.refresh_from_db()
    assert case.risk_level == "alta" and case.assign_due_at <= timezone.now() + dt.timedelta(hours=1)
    settings.ATALAYA_CASE_ASSIGN_HOURS = {"alta": 0.5}
    assert services.assignment_hours("alta") == 0.5 and services.assignment_hours("media") == 24
    with pytest.raises(services.CaseError, match="Solo la supervisión asigna"):
        workflow.assign(case, colleague, user=worker)
    workflow.assign(case, worker, user=worker)  # a worker takes a queued case for themselves
    case.refresh_from_db()
    assert case.owner == worker and case.assigned_at is not None
    with pytest.raises(services.CaseError, match="Solo la supervisión asigna"):
        workflow.assign(case, worker, user=colleague)
    workflow.assign(case, colleague, user=supervisor)
    outsider = Team.objects.create(municipality=team.municipality, module="ninez", name="OLN sur")
    stranger = make_user("otro", ["13122"], "viewer")
    TeamMember.objects.create(team=outsider, user=stranger)
    with pytest.raises(services.CaseError, match="equipo del caso"):
        workflow.assign(case, stranger, user=supervisor)
    assert case.transitions.filter(kind="asignacion", status="realizada").count() == 2


def test_late_assignments_escalate_once_to_the_supervisors(setting):
    team, _instrument, _service, _people = setting
    late, on_time = new_case(team), new_case(team)
    Case.objects.filter(pk=late.pk).update(assign_due_at=timezone.now() - dt.timedelta(minutes=5))
    assert workflow.escalate_overdue() == 1
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.escalated_at is not None and on_time.escalated_at is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["supervisora@example.org"]
    assert late.person.code in mail.outbox[0].body and "Josefa" not in mail.outbox[0].body
    assert workflow.escalate_overdue() == 0 and len(mail.outbox) == 1  # once per case


def test_the_inbox_shows_what_is_due_first_and_only_in_scope(setting, penalolen):
    team, instrument, service, people = setting
    worker, supervisor = people["gestora"], people["supervisora"]
    urgent, later = new_case(team), new_case(team)
    services.screen(urgent, instrument, {"violencia": True, "inasistencia": True}, user=worker)
    other = new_case(Team.objects.create(municipality=penalolen, module="ninez", name="OLN sur"))
    mine = new_case(team, owner=worker)
    today = timezone.localdate()
    overdue = workflow.add_follow_up(
        mine, description="Llamar a la madre", due_date=today - dt.timedelta(days=2), user=worker
    )
    soon = workflow.add_follow_up(mine, description="Visita", due_date=today + dt.timedelta(days=3), user=worker)
    services.screen(mine, instrument, {"inasistencia": True}, user=worker)
    pending = workflow.request_approval(mine, "evaluacion", user=worker)
    box = workflow.inbox(worker)
    assert [c.pk for c in box["queue"]["items"]] == [urgent.pk, later.pk] and other.pk not in box["queue"]["items"]
    assert [f.pk for f in box["follow_ups"]["items"]] == [overdue.pk, soon.pk]
    assert box["approvals"]["count"] == 0  # a worker decides nothing
    box = workflow.inbox(supervisor)
    assert [a.pk for a in box["approvals"]["items"]] == [pending.pk]
    assert [f.pk for f in box["team_overdue"]["items"]] == [overdue.pk]
    line = workflow.add_service_line(mine, service, goal="Volver a clases", due_date=today, user=worker)
    forced = referrals.refer(mine, service_line=line, user=supervisor, override_reason="Riesgo vital, sin adulto.")
    assert [t.pk for t in workflow.inbox(supervisor)["overrides"]["items"]] == [forced.pk]


def test_a_follow_up_result_is_encrypted_at_rest(setting):
    team, _instrument, _service, people = setting
    case = new_case(team, owner=people["gestora"])
    follow_up = workflow.add_follow_up(
        case, description="Visita", due_date=timezone.localdate(), user=people["gestora"]
    )
    with pytest.raises(services.CaseError, match="resultado"):
        workflow.complete_follow_up(follow_up, result="  ", user=people["gestora"])
    workflow.complete_follow_up(follow_up, result="La madre relata amenazas del vecino.", user=people["gestora"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT result FROM {FollowUp._meta.db_table} WHERE id = %s", [follow_up.pk])
        raw = cursor.fetchone()[0]
    assert "amenazas" not in raw and FollowUp.objects.get().result.startswith("La madre")


def test_plan_lines_come_from_the_current_catalogue_and_cancel_with_a_reason(setting, penalolen):
    team, _instrument, service, people = setting
    worker = people["gestora"]
    case = new_case(team, owner=worker)
    retired = Service.objects.create(municipality=penalolen, name="Taller antiguo", provider="OLN", active=False)
    womens = Service.objects.create(
        municipality=penalolen, name="Casa de acogida", provider="SernamEG", modules=["mujer"]
    )
    assert workflow.services_for(case) == [service]
    due = timezone.localdate() + dt.timedelta(days=10)
    for wrong in (retired, womens):
        with pytest.raises(services.CaseError, match="catálogo vigente"):
            workflow.add_service_line(case, wrong, goal="x", due_date=due, user=worker)
    with pytest.raises(services.CaseError, match="pasado"):
        workflow.add_service_line(
            case, service, goal="x", due_date=timezone.localdate() - dt.timedelta(days=1), user=worker
        )
    line = workflow.add_service_line(case, service, goal="Matrícula 2027", due_date=due, user=worker)
    referrals.record_consent(case, "servicios", True, given_by="Madre", user=worker)
    referrals.record_consent(case, "compartir", True, given_by="Madre", user=worker)
    referrals.refer(case, service_line=line, user=worker)
    with pytest.raises(services.CaseError, match="derivación en curso"):
        workflow.close_line(line, "cancelada", user=worker, reason="La familia se mudó")
    referral = line.transitions.get()
    referrals.move(referral, "revocada", user=worker, reason="La familia se mudó")
    with pytest.raises(services.CaseError, match="motivo"):
        workflow.close_line(line, "cancelada", user=worker)
    workflow.close_line(line, "cancelada", user=worker, reason="La familia se mudó")
    line.refresh_from_db()
    assert line.status == "cancelada"
