"""What the observatory gets of the cases: de-identified counts by territory, module, risk and factor, small cells
and their complements withheld so that the linear-programming audit finds nothing derivable, on a page that shows no
person and that only observatory roles and supervision open; and supervision's dashboard."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from django.utils import timezone

from atalaya.analysis.disclosure import primary, unprotected
from atalaya.cases import services, workflow
from atalaya.cases.aggregates import ALL, aggregate
from atalaya.cases.models import Team, TeamMember
from atalaya.core.testing import accept_code_of_conduct, login_as
from atalaya.geo.models import Territory
from tests.analysis.test_identifiers_screening import INSTRUMENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(penalolen):
    instrument = services.save_instrument("riesgo-nna", "ninez", "Tamizaje de riesgo NNA", INSTRUMENT)
    north = Territory.objects.create(municipality=penalolen, level="unidad vecinal", code="UV-01", name="Lo Hermida")
    south = Territory.objects.create(municipality=penalolen, level="unidad vecinal", code="UV-02", name="La Faena")
    Territory.objects.create(municipality=penalolen, level="unidad vecinal", code="UV-03", name="San Luis")
    children = Team.objects.create(municipality=penalolen, module="ninez", name="OLN")
    families = Team.objects.create(municipality=penalolen, module="familia", name="Familias")
    plan = [(north, children, 20, {"violencia": True}), (north, children, 10, {"inasistencia": True})]
    plan += [(south, children, 12, {"violencia": True}), (south, children, 2, {"inasistencia": True})]
    plan += [(south, families, 6, None), (None, children, 1, None)]
    made = []
    for territory, team, n, answers in plan:
        for _ in range(n):
            person, _created = services.register_person(penalolen, kind="nna", territory=territory)
            case = services.take_intake(person, team.module, channel="escuela", team=team).case
            if answers:
                services.screen(case, instrument, answers)
            made.append(case)
    return penalolen, made


def window():
    today = timezone.localdate()
    return today - dt.timedelta(days=30), today


def test_small_cells_and_what_would_reveal_them_are_withheld_and_the_audit_passes(cases):
    municipality, _made = cases
    table = aggregate(municipality, *window(), level="unidad vecinal")
    counts = {(t, m, r): n for t, m, r, n in table.cases.iter_rows()}
    assert counts[(ALL, ALL, ALL)] == 51 and counts[("UV-01", "ninez", ALL)] == 30
    assert counts[("UV-02", "familia", ALL)] == 6 and counts[("UV-01", "familia", ALL)] == 0  # zeros name nobody
    assert counts[("SIN_TERRITORIO", "ninez", ALL)] is None  # one child without territory: withheld…
    values, hidden, relations = table.protection
    assert hidden.sum() > primary(values).sum()  # …with complements
    assert not unprotected(values, hidden, relations, primary(values) & np.ones(len(values), dtype=bool))
    factors = {(t, f): n for t, f, n in table.factors.iter_rows()}
    assert factors[("UV-01", "violencia")] == 20 and factors[(ALL, "violencia")] == 32
    assert factors[("UV-02", "inasistencia")] is None  # 2: withheld
    assert table.factor_labels["violencia"]


def test_the_page_shows_no_person_and_opens_only_to_the_observatory_and_supervision(client, cases, make_user, neza):
    _municipality, made = cases
    analyst = make_user("analista", ["13122"], "analyst")
    login_as(client, analyst)
    page = client.get("/casos/agregados/13122/?nivel=unidad+vecinal").content.decode()
    assert "Lo Hermida" in page and "•" in page
    codes = {case.person.code for case in made}
    assert not codes & set(re.findall(r"P-[2-9A-HJ-NP-Z]{6}", page))  # not one pseudonymous code
    assert client.get("/casos/").status_code == 403  # and never the cases themselves
    client.logout()
    worker = make_user("gestora", ["13122"], "viewer")
    TeamMember.objects.create(team=Team.objects.get(name="OLN"), user=worker, role="gestor")
    accept_code_of_conduct(worker)
    login_as(client, worker)
    assert client.get("/casos/agregados/13122/").status_code == 403
    client.logout()
    login_as(client, make_user("analista.neza", ["15058"], "analyst"))
    assert client.get("/casos/agregados/13122/").status_code == 404


def test_supervision_sees_caseload_queue_and_times(client, cases, make_user):
    _municipality, made = cases
    team = Team.objects.get(name="OLN")
    supervisor, worker = make_user("supervisora", ["13122"], "viewer"), make_user("gestora", ["13122"], "viewer")
    TeamMember.objects.create(team=team, user=supervisor, role="supervisor")
    TeamMember.objects.create(team=team, user=worker, role="gestor")
    for user in (supervisor, worker):
        accept_code_of_conduct(user)
    children = [c for c in made if c.team_id == team.pk]
    for case in children[:4]:
        workflow.assign(case, worker, user=supervisor)
    workflow.add_follow_up(
        children[0], description="Visita", due_date=timezone.localdate() - dt.timedelta(days=1), user=worker
    )
    login_as(client, worker)
    assert client.get("/casos/tablero/").status_code == 403
    client.logout()
    login_as(client, supervisor)
    page = client.get("/casos/tablero/").content.decode()
    assert re.search(
        r"<td>gestora</td><td class=\"num\">4</td><td class=\"num\">\d+</td>"
        r"<td class=\"num\"><strong class=\"late\">1</strong>",
        page,
    )
    assert "mediana" in page
