"""Referrals: the consent gate of each module, the supervisor's authorised override (with a reason, logged), the
states a referral may move through and what they do to its plan line, and transfers to another worker."""

from __future__ import annotations

import datetime as dt

import pytest

from atalaya.cases import referrals, services, workflow
from atalaya.cases.models import Service, Team, TeamMember, Transition
from atalaya.core.models import ChangeLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(penalolen, make_user):
    team = Team.objects.create(municipality=penalolen, module="ninez", name="OLN norte")
    worker = make_user("gestora", ["13122"], "viewer")
    supervisor = make_user("supervisora", ["13122"], "viewer")
    TeamMember.objects.create(team=team, user=worker, role="gestor")
    TeamMember.objects.create(team=team, user=supervisor, role="supervisor")
    person, _ = services.register_person(penalolen, kind="nna")
    case = services.take_intake(person, "ninez", channel="escuela", team=team, owner=worker).case
    return case, worker, supervisor


def plan_line(case, user, name="Programa de parentalidad positiva", days=30):
    service, _ = Service.objects.get_or_create(
        municipality=case.municipality, name=name, defaults={"provider": "OLN Peñalolén"}
    )
    return workflow.add_service_line(
        case,
        service,
        goal="Fortalecer las competencias parentales",
        due_date=dt.date.today() + dt.timedelta(days),
        user=user,
    )


def test_no_referral_leaves_without_the_module_consents(setting):
    case, worker, _ = setting
    with pytest.raises(services.CaseError, match="desde una línea del plan"):
        referrals.refer(case, user=worker)
    line = plan_line(case, worker)
    with pytest.raises(services.CaseError, match="recibir servicios, compartir datos"):
        referrals.refer(case, service_line=line, user=worker)
    referrals.record_consent(case, "servicios", True, given_by="Madre", user=worker)
    referrals.record_consent(case, "compartir", False, given_by="Madre", user=worker)
    with pytest.raises(services.CaseError, match="compartir datos"):
        referrals.refer(case, service_line=line, user=worker)
    referrals.record_consent(case, "compartir", True, given_by="Madre, en la segunda visita", user=worker)
    referral = referrals.refer(case, service_line=line, user=worker)
    assert referral.status == "en_curso" and not referral.consent_overridden
    assert referral.due_date == line.due_date and "parentalidad" in referral.service
    with pytest.raises(services.CaseError, match="ya tiene una derivación en curso"):
        referrals.refer(case, service_line=line, user=worker)
    assert not Transition.objects.filter(consent_overridden=True).exists()


def test_only_a_supervisor_authorises_a_referral_without_consent_and_it_is_logged(setting):
    case, worker, supervisor = setting
    line = plan_line(case, worker, name="OPD")
    with pytest.raises(services.CaseError, match="Solo una supervisora"):
        referrals.refer(
            case, service_line=line, user=worker, override_reason="Riesgo vital: no hay adulto que consienta."
        )
    with pytest.raises(services.CaseError, match="Falta el consentimiento"):
        referrals.refer(case, service_line=line, user=supervisor)  # no reason given
    referral = referrals.refer(
        case, service_line=line, user=supervisor, override_reason="Riesgo vital: no hay adulto que consienta."
    )
    assert referral.consent_overridden and "Riesgo vital" in referral.override_reason
    assert ChangeLogEntry.objects.filter(message__contains="SIN CONSENTIMIENTO").exists()


def test_a_referral_moves_only_along_its_states(setting):
    case, worker, _supervisor = setting
    referrals.record_consent(case, "servicios", True, given_by="Madre", user=worker)
    referrals.record_consent(case, "compartir", True, given_by="Madre", user=worker)
    line = plan_line(case, worker, name="Reinserción escolar")
    referral = referrals.refer(case, service_line=line, user=worker)
    later = line.due_date + dt.timedelta(days=1)
    with pytest.raises(services.CaseError, match="no pasa a «Realizada»"):
        referrals.move(referral, "realizada", user=worker)
    with pytest.raises(services.CaseError, match="motivo"):
        referrals.move(referral, "rechazada", user=worker)
    assert list(referrals.overdue(today=later).filter(case=case)) == [referral]
    referrals.move(referral, "aceptada", user=worker)
    line.refresh_from_db()
    assert line.status == "en_curso"
    referrals.move(referral, "realizada", user=worker)
    line.refresh_from_db()
    assert line.status == "cumplida" and line.closed_at is not None
    assert not list(referrals.overdue(today=later).filter(case=case))
    with pytest.raises(services.CaseError, match="no pasa a «Revocada»"):
        referrals.move(referral, "revocada", user=worker, reason="tarde")


def test_a_rejected_referral_puts_its_line_back_to_planned(setting):
    case, worker, _supervisor = setting
    referrals.record_consent(case, "servicios", True, given_by="Madre", user=worker)
    referrals.record_consent(case, "compartir", True, given_by="Madre", user=worker)
    line = plan_line(case, worker)
    referral = referrals.refer(case, service_line=line, user=worker)
    referrals.move(referral, "rechazada", user=worker, reason="Sin cupos hasta marzo")
    line.refresh_from_db()
    assert line.status == "planificada" and referral.response_reason == "Sin cupos hasta marzo"
    assert referrals.refer(case, service_line=line, user=worker).status == "en_curso"  # may be sent again


def test_an_accepted_transfer_hands_the_case_to_its_receiver_and_their_team(setting, penalolen, make_user):
    case, worker, _supervisor = setting
    other_team = Team.objects.create(municipality=penalolen, module="ninez", name="OLN sur")
    receiver = make_user("gestor.sur", ["13122"], "viewer")
    TeamMember.objects.create(team=other_team, user=receiver, role="gestor")
    stranger = make_user("gestor.mujer", ["13122"], "viewer")
    TeamMember.objects.create(
        team=Team.objects.create(municipality=penalolen, module="mujer", name="Centro de la mujer"), user=stranger
    )
    referrals.record_consent(case, "servicios", True, given_by="Madre", user=worker)
    referrals.record_consent(case, "compartir", True, given_by="Madre", user=worker)
    with pytest.raises(services.CaseError, match="mismo módulo"):
        referrals.refer(case, kind="transferencia", to_user=stranger, user=worker)
    transfer = referrals.refer(case, kind="transferencia", to_user=receiver, user=worker)
    assert referrals.may_answer(receiver, transfer) and not referrals.may_answer(stranger, transfer)
    version = case.version
    referrals.move(transfer, "aceptada", user=receiver)
    case.refresh_from_db()
    transfer.refresh_from_db()
    assert case.owner == receiver and case.team == other_team and case.version == version + 1
    assert transfer.status == "realizada"
