"""Referrals: the consent gate of each module, the supervisor's authorised override (with a reason, logged), and
the states a referral may move through."""

from __future__ import annotations

import datetime as dt

import pytest

from atalaya.cases import referrals, services
from atalaya.cases.models import Team, TeamMember, Transition
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


def test_no_referral_leaves_without_the_module_consents(setting):
    case, worker, _ = setting
    with pytest.raises(services.CaseError, match="recibir servicios, compartir datos"):
        referrals.refer(case, service="Programa de parentalidad positiva", user=worker)
    referrals.record_consent(case, "servicios", True, given_by="Madre", user=worker)
    referrals.record_consent(case, "compartir", False, given_by="Madre", user=worker)
    with pytest.raises(services.CaseError, match="compartir datos"):
        referrals.refer(case, service="Programa de parentalidad positiva", user=worker)
    referrals.record_consent(case, "compartir", True, given_by="Madre, en la segunda visita", user=worker)
    referral = referrals.refer(
        case, service="Programa de parentalidad positiva", user=worker, due_date=dt.date(2026, 12, 20)
    )
    assert referral.status == "en_curso" and not referral.consent_overridden
    assert not Transition.objects.filter(consent_overridden=True).exists()


def test_only_a_supervisor_authorises_a_referral_without_consent_and_it_is_logged(setting):
    case, worker, supervisor = setting
    with pytest.raises(services.CaseError, match="Solo una supervisora"):
        referrals.refer(case, service="OPD", user=worker, override_reason="Riesgo vital: no hay adulto que consienta.")
    with pytest.raises(services.CaseError, match="Falta el consentimiento"):
        referrals.refer(case, service="OPD", user=supervisor)  # no reason given
    referral = referrals.refer(
        case, service="OPD", user=supervisor, override_reason="Riesgo vital: no hay adulto que consienta."
    )
    assert referral.consent_overridden and "Riesgo vital" in referral.override_reason
    assert ChangeLogEntry.objects.filter(message__contains="SIN CONSENTIMIENTO").exists()


def test_a_referral_moves_only_along_its_states(setting):
    case, worker, _supervisor = setting
    referrals.record_consent(case, "servicios", True, given_by="Madre", user=worker)
    referrals.record_consent(case, "compartir", True, given_by="Madre", user=worker)
    referral = referrals.refer(case, service="Reinserción escolar", user=worker, due_date=dt.date(2026, 1, 10))
    with pytest.raises(services.CaseError, match="no pasa a «Realizada»"):
        referrals.move(referral, "realizada", user=worker)
    with pytest.raises(services.CaseError, match="motivo"):
        referrals.move(referral, "rechazada", user=worker)
    assert list(referrals.overdue([case], today=dt.date(2026, 2, 1))) == [referral]
    referrals.move(referral, "aceptada", user=worker)
    referrals.move(referral, "realizada", user=worker)
    assert not list(referrals.overdue([case], today=dt.date(2026, 2, 1)))
    with pytest.raises(services.CaseError, match="no pasa a «Revocada»"):
        referrals.move(referral, "revocada", user=worker, reason="tarde")


def test_an_accepted_transfer_changes_the_owner(setting):
    case, worker, supervisor = setting
    referrals.record_consent(case, "servicios", True, given_by="Madre", user=worker)
    referrals.record_consent(case, "compartir", True, given_by="Madre", user=worker)
    transfer = referrals.refer(case, service="OLN sur", kind="transferencia", to_user=supervisor, user=worker)
    version = case.version
    referrals.move(transfer, "aceptada", user=supervisor)
    case.refresh_from_db()
    assert case.owner == supervisor and case.version == version + 1
