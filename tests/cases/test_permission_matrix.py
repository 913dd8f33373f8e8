"""The permission matrix of the case pages: every role × action × whose case it is (own, team, another team of the
municipality, the closed women's module, another municipality). Out of scope answers 404 (nothing says the case
exists), in scope but not allowed answers 403, allowed answers 200 (or a redirect after a change)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from atalaya.cases import services, workflow
from atalaya.cases.models import Team, TeamMember
from atalaya.core.testing import accept_code_of_conduct, login_as
from tests.analysis.test_identifiers_screening import INSTRUMENT

pytestmark = pytest.mark.django_db

OK, DENIED, HIDDEN = 200, 403, 404
#: Action → (method, path after /casos/<pk>/, data for a POST).
ACTIONS = {
    "leer": ("get", "", None),
    "cambiar": ("post", "consentimiento/", {"purpose": "servicios", "given": "1", "given_by": "Madre"}),
    "resolver": ("get", "aprobaciones/{approval}/", None),
    "asignar": ("get", "asignar/", None),
    "registro": ("get", "registro/", None),
    "titular": ("get", "persona/", None),
}
#: Role → whose case → expected status of each action, in the order of ACTIONS.
MATRIX = {
    "gestor": {
        "propio": [OK, OK, DENIED, DENIED, DENIED, DENIED],
        "equipo": [OK, OK, DENIED, DENIED, DENIED, DENIED],
        "otro_equipo": [HIDDEN] * 6,
        "mujer": [HIDDEN] * 6,
        "otro_municipio": [HIDDEN] * 6,
    },
    "supervisor": {
        "equipo": [OK, OK, OK, OK, OK, DENIED],
        "otro_equipo": [HIDDEN] * 6,
        "mujer": [HIDDEN] * 6,
        "otro_municipio": [HIDDEN] * 6,
    },
    "coordinador": {
        "equipo": [OK, OK, OK, OK, OK, OK],
        "otro_equipo": [OK, DENIED, DENIED, DENIED, DENIED, DENIED],  # reads the municipality, acts on its team
        "mujer": [HIDDEN] * 6,
        "otro_municipio": [HIDDEN] * 6,
    },
    # The observatory and a municipality's administrator work with no case: every case page refuses them.
    "analyst": {"equipo": [DENIED] * 6, "otro_municipio": [DENIED] * 6},
    "admin": {"equipo": [DENIED] * 6, "otro_municipio": [DENIED] * 6},
}


@pytest.fixture
def world(penalolen, neza, make_user):
    instrument = services.save_instrument("riesgo-nna", "ninez", "Tamizaje de riesgo NNA", INSTRUMENT)
    teams = {
        "equipo": Team.objects.create(municipality=penalolen, module="ninez", name="OLN norte"),
        "otro_equipo": Team.objects.create(municipality=penalolen, module="ninez", name="OLN sur"),
        "mujer": Team.objects.create(municipality=penalolen, module="mujer", name="Centro de la mujer"),
        "otro_municipio": Team.objects.create(municipality=neza, module="ninez", name="DIF"),
    }
    colleague = make_user("colega", ["13122"], "viewer")
    TeamMember.objects.create(team=teams["equipo"], user=colleague, role="gestor")
    outsiders = {}
    for key in ("otro_equipo", "mujer", "otro_municipio"):
        outsiders[key] = make_user(f"gestor.{key}", [teams[key].municipality.code], "viewer")
        TeamMember.objects.create(team=teams[key], user=outsiders[key], role="gestor")
    supervisor = make_user("supervisora", ["13122"], "viewer")
    TeamMember.objects.create(team=teams["equipo"], user=supervisor, role="supervisor")

    def case_of(key, owner, national_id=""):
        team = teams[key]
        person, _ = services.register_person(team.municipality, kind="nna", national_id=national_id)
        case = services.take_intake(person, team.module, channel="escuela", team=team, owner=owner).case
        if team.module == "ninez":
            services.screen(case, instrument, {"violencia": True}, user=owner)
        else:
            services.screen(
                case, services.save_instrument("riesgo-mujer", "mujer", "Riesgo", INSTRUMENT), {}, user=owner
            )
        approval = workflow.request_approval(case, "evaluacion", user=owner)
        return case, approval

    return teams, case_of, {"colega": colleague, "supervisora": supervisor, **outsiders}


@pytest.mark.parametrize(("role", "whose"), [(role, whose) for role, row in MATRIX.items() for whose in row])
def test_every_role_action_and_scope(client, world, make_user, role, whose):
    teams, case_of, people = world
    if role in ("analyst", "admin"):
        user = make_user(f"usuario.{role}", ["13122"], role)
    else:
        user = make_user(f"usuario.{role}", ["13122"], "viewer")
        TeamMember.objects.create(team=teams["equipo"], user=user, role=role)
        accept_code_of_conduct(user)
    owner = user if whose == "propio" else people["colega"] if whose == "equipo" else people[whose]
    case, approval = case_of("equipo" if whose in ("propio", "equipo") else whose, owner)
    login_as(client, user)
    observed = []
    for method, path, data in ACTIONS.values():
        url = f"/casos/{case.pk}/{path.format(approval=approval.pk)}"
        if method == "get":
            status = client.get(url).status_code
        else:
            case.refresh_from_db()
            status = client.post(
                url, {"version": case.version, "loaded": timezone.now().isoformat(), **data}
            ).status_code
            status = OK if status == 302 else status
        observed.append(status)
    assert observed == MATRIX[role][whose], dict(zip(ACTIONS, observed, strict=True))
