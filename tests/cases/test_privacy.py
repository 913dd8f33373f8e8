"""Privacy duties: exports carry codes, never names, unless the role allows identities and a reason is given (and
formulas are neutralised); the subject-access export holds everything about one person; retention purges closed
cases past their module's period (a dry run first) and the persons they leave without cases."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from atalaya.cases import privacy, services
from atalaya.cases.models import Case, Identity, Person, Team, TeamMember
from atalaya.core.models import AccessLogEntry, ChangeLogEntry
from atalaya.core.testing import accept_code_of_conduct, login_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(penalolen):
    return Team.objects.create(municipality=penalolen, module="ninez", name="OLN norte")


@pytest.fixture
def people(team, make_user):
    made = {}
    for name, role in (("gestora", "gestor"), ("coordinadora", "coordinador")):
        made[name] = make_user(name, ["13122"], "viewer")
        TeamMember.objects.create(team=team, user=made[name], role=role)
        accept_code_of_conduct(made[name])
    return made


def register(team, name="Josefa", national_id="12.345.678-5"):
    person, _ = services.register_person(
        team.municipality, kind="nna", national_id=national_id, given_names=name, family_names="=1+1"
    )
    return services.take_intake(person, "ninez", channel="escuela", team=team, notes="Relato reservado").case


def test_exports_carry_codes_unless_the_role_allows_identities_with_a_reason(client, team, people):
    case = register(team)
    login_as(client, people["gestora"])
    plain = client.get("/casos/exportar/").content.decode("utf-8-sig")
    assert case.person.code in plain and "Josefa" not in plain and "12345678" not in plain
    assert client.get("/casos/exportar/?identificado=1&motivo=Informe+al+tribunal+de+familia").status_code == 403
    assert AccessLogEntry.objects.filter(action="exportacion", object_id=str(case.pk)).count() == 1
    client.logout()
    login_as(client, people["coordinadora"])
    assert client.get("/casos/exportar/?identificado=1").status_code == 403  # a reason is required
    full = client.get("/casos/exportar/?identificado=1&motivo=Informe+al+tribunal+de+familia").content.decode(
        "utf-8-sig"
    )
    assert "Josefa" in full and "12345678-5" in full and "'=1+1" in full  # formulas neutralised
    entry = AccessLogEntry.objects.filter(action="exportacion", reason__contains="tribunal").get()
    assert "con identidades" in entry.detail


def test_the_subject_access_export_holds_everything_about_one_person(client, team, people):
    case = register(team)
    login_as(client, people["gestora"])
    client.get(f"/casos/{case.pk}/")
    assert client.get(f"/casos/{case.pk}/persona/").status_code == 403
    client.logout()
    login_as(client, people["coordinadora"])
    response = client.get(f"/casos/{case.pk}/persona/")
    document = json.loads(response.content)
    assert document["identidad"]["nombres"] == "Josefa" and document["persona"]["codigo"] == case.person.code
    assert document["casos"][0]["ingresos"][0]["relato"] == "Relato reservado"
    assert any(entry["usuario"] == "gestora" for entry in document["accesos"])  # who read their records
    assert AccessLogEntry.objects.filter(action="exportacion", object_type="cases.identity").exists()


def test_retention_purges_expired_cases_and_orphaned_persons_after_a_dry_run(team, settings, capsys):
    old, recent, still_open = (
        register(team, "Ana", "7.654.321-6"),
        register(team, "Bea", "11.111.111-1"),
        register(team),
    )
    womens = Team.objects.create(municipality=team.municipality, module="mujer", name="Centro de la mujer")
    other_module = services.take_intake(old.person, "mujer", channel="fono", team=womens).case
    now = timezone.now()
    Case.objects.filter(pk=old.pk).update(closed_at=now - dt.timedelta(days=365 * 11))
    Case.objects.filter(pk=recent.pk).update(closed_at=now - dt.timedelta(days=365 * 2))
    Case.objects.filter(pk=other_module.pk).update(closed_at=now - dt.timedelta(days=365 * 11))
    preview = privacy.purge(dry_run=True)
    assert preview == {"casos": {"ninez": 1, "mujer": 1}, "personas": 1, "simulacion": True}
    assert Case.objects.count() == 4
    settings.ATALAYA_CASE_RETENTION_YEARS = {"ninez": 1}
    assert privacy.purge(dry_run=True)["casos"] == {"ninez": 2, "mujer": 1}
    from atalaya.cli.main import main

    assert main(["cases", "purge"]) == 0 and "simulación" in capsys.readouterr().out
    assert main(["cases", "purge", "--apply"]) == 0
    assert list(Case.objects.values_list("pk", flat=True)) == [still_open.pk]
    assert Person.objects.count() == 1 and Identity.objects.count() == 1  # Ana and Bea are gone with their identity
    assert ChangeLogEntry.objects.filter(action="purgar").count() == 3


def test_the_subject_access_command_writes_the_file(tmp_path, team):
    case = register(team)
    from atalaya.cli.main import main

    target = tmp_path / "persona.json"
    assert main(["cases", "subject-export", case.person.code, "--municipality", "13122", "--output", str(target)]) == 0
    assert json.loads(target.read_text())["identidad"]["rut_curp"] == "12345678-5"
    assert main(["cases", "subject-export", "P-NOEXIS", "--municipality", "13122", "--output", str(target)]) == 2
