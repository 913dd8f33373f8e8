"""The case permission matrix: every team role × own / team / other team / other municipality / the closed
women's module, the observatory's roles (no cases), emergency access (never into a closed module), and the
login gates that team membership brings."""

from __future__ import annotations

import pytest

from atalaya.accounts.models import Membership
from atalaya.cases import access, services
from atalaya.cases.models import Team, TeamMember
from atalaya.core.access import must_accept_code_of_conduct, requires_two_factor
from atalaya.core.services import grant_emergency_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(neza, penalolen, make_user):
    teams = {
        "A": Team.objects.create(municipality=penalolen, module="ninez", name="OLN norte"),
        "B": Team.objects.create(municipality=penalolen, module="ninez", name="OLN sur"),
        "W": Team.objects.create(municipality=penalolen, module="mujer", name="Centro de la mujer"),
        "N": Team.objects.create(municipality=neza, module="ninez", name="DIF Neza"),
    }
    users = {}
    for name, team, role in (
        ("gestora_a", "A", "gestor"),
        ("gestor_a2", "A", "gestor"),
        ("supervisora_a", "A", "supervisor"),
        ("coordinadora", "A", "coordinador"),
        ("gestor_b", "B", "gestor"),
        ("gestora_w", "W", "gestor"),
        ("gestor_neza", "N", "gestor"),
    ):
        code = "15058" if team == "N" else "13122"
        users[name] = make_user(name, [code], "viewer")
        TeamMember.objects.create(team=teams[team], user=users[name], role=role)
    users["analista"] = make_user("analista", ["13122"], "analyst")

    def case(municipality, team, module, owner=None):
        person, _ = services.register_person(municipality, kind="nna")
        intake = services.take_intake(person, module, channel="escuela", team=teams[team])
        intake.case.owner = owner
        intake.case.save()
        return intake.case

    cases = {
        "own": case(penalolen, "A", "ninez", users["gestora_a"]),
        "team_b": case(penalolen, "B", "ninez"),
        "women": case(penalolen, "W", "mujer", users["gestora_w"]),
        "neza": case(neza, "N", "ninez"),
    }
    return users, cases


EXPECTED = {  # user → the cases they read
    "gestora_a": {"own"},
    "gestor_a2": {"own"},
    "supervisora_a": {"own"},
    "coordinadora": {"own", "team_b"},
    "gestor_b": {"team_b"},
    "gestora_w": {"women"},
    "gestor_neza": {"neza"},
    "analista": set(),
}


@pytest.mark.parametrize("user", sorted(EXPECTED))
def test_each_role_reads_its_scope_and_nothing_else(world, user):
    users, cases = world
    seen = set(access.visible_cases(users[user]).values_list("pk", flat=True))
    assert seen == {cases[name].pk for name in EXPECTED[user]}


def test_who_may_change_a_case(world):
    users, cases = world
    assert access.can_edit(users["gestora_a"], cases["own"]) and access.can_edit(users["gestor_a2"], cases["own"])
    assert access.can_edit(users["supervisora_a"], cases["own"])
    assert not access.can_edit(users["coordinadora"], cases["team_b"])  # reads the municipality, changes its team
    assert not access.can_edit(users["analista"], cases["own"])


def test_the_scope_of_a_role_is_a_setting(world, settings):
    users, cases = world
    settings.ATALAYA_CASE_SCOPES = {"gestor": "propios"}
    assert set(access.visible_cases(users["gestor_a2"])) == set()  # owns none
    assert set(access.visible_cases(users["gestora_a"])) == {cases["own"]}


def test_emergency_access_opens_one_case_for_a_while_but_never_a_closed_module(world, penalolen):
    users, cases = world
    outsider = users["gestor_b"]
    grant_emergency_access(
        user=outsider,
        municipality=penalolen,
        object_type=access.CASE_TYPE,
        object_id=cases["own"].pk,
        reason="Derivación urgente de fin de semana",
    )
    grant_emergency_access(
        user=outsider,
        municipality=penalolen,
        object_type=access.CASE_TYPE,
        object_id=cases["women"].pk,
        reason="Intento de abrir un módulo cerrado",
    )
    assert set(access.visible_cases(outsider)) == {cases["team_b"], cases["own"]}
    assert not access.can_edit(outsider, cases["own"])


def test_team_members_log_in_with_a_second_factor_and_the_code_of_conduct(world):
    users, _cases = world
    assert requires_two_factor(users["gestora_a"]) and must_accept_code_of_conduct(users["gestora_a"])
    viewer = users["analista"]
    Membership.objects.filter(user=viewer).update(role="viewer")
    assert not requires_two_factor(viewer) and not must_accept_code_of_conduct(viewer)
