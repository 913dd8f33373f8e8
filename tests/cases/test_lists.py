"""Police lists ("24 Horas"-style) into intakes: one person per RUT (within a list and across lists), two intakes
for a child who appears twice, new cases in the team's queue, row errors in Spanish with nothing written (bad
check digit, other comuna, adult, future date, truncated file, wrong encoding, hostile text), a dry run that writes
nothing, a second load of the same list that duplicates nothing; CSV and XLSX; encryption at rest."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import connection

from atalaya.cases import lists
from atalaya.cases.models import Case, Identity, Intake, Person, Team

pytestmark = pytest.mark.django_db

HEADER = (
    "RUT;Nombres;Apellido paterno;Apellido materno;Fecha de nacimiento;Sexo;Domicilio;Comuna;Fecha procedimiento;"
    "Unidad;Motivo;Detalle"
)
UNIT = "43ª Comisaría Peñalolén"
ROWS = [
    f"12.345.678-5;Josefa;Muñoz;Rojas;17-05-2012;F;Pasaje Los Aromos 123;Peñalolén;03-11-2026;{UNIT};"
    "Vulneración de derechos;Abandono",
    f"7.654.321-6;Benjamín;Soto;Díaz;2010-02-01;M;Av. Grecia 8000;PEÑALOLÉN;2026-11-04;{UNIT};Infracción de ley;Hurto",
    f"12345678-5;Josefa;Muñoz;Rojas;2012-05-17;F;Pasaje Los Aromos 123;Peñalolén;2026-11-20;{UNIT};Infracción;Daños",
]


def write(tmp_path, rows, name="lista.csv", header=HEADER, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


@pytest.fixture
def team(penalolen):
    return Team.objects.create(municipality=penalolen, module="ninez", name="OLN norte")


def test_a_list_becomes_intakes_one_person_per_rut_and_new_cases_wait_in_the_queue(tmp_path, team, admin_user):
    outcome = lists.import_police_list(write(tmp_path, ROWS), team, user=admin_user)
    assert outcome.written and outcome.errors == 0, outcome.problems
    assert (outcome.rows, outcome.new_persons, outcome.intakes, outcome.new_cases) == (3, 2, 3, 2)
    assert Person.objects.count() == 2 and Intake.objects.count() == 3
    josefa = Case.objects.get(person__birth_year=2012)
    assert josefa.intakes.count() == 2 and josefa.owner is None and josefa.assign_due_at is not None
    assert josefa.intakes.first().channel == "policia" and josefa.intakes.first().received_at.date() == dt.date(
        2026, 11, 3
    )
    identity = Identity.objects.get(person=josefa.person)
    assert identity.national_id == "12345678-5" and identity.family_names == "Muñoz Rojas"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT given_names, national_id FROM {Identity._meta.db_table}")
        raw = " ".join(" ".join(row) for row in cursor.fetchall())
    assert "Josefa" not in raw and "12345678" not in raw
    again = lists.import_police_list(write(tmp_path, ROWS), team, user=admin_user)  # the same list twice
    assert again.skipped == 3 and again.intakes == 0 and Intake.objects.count() == 3
    later = lists.import_police_list(
        write(tmp_path, [ROWS[1].replace("2026-11-04", "2026-12-01")], name="diciembre.csv"), team, user=admin_user
    )
    assert later.known_persons == 1 and later.new_persons == 0 and Person.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (ROWS[0].replace("12.345.678-5", "12.345.678-4"), "rut", "dígito verificador"),
        (ROWS[0].replace("12.345.678-5", ""), "rut", "Falta el RUT"),
        (ROWS[0].replace(";Peñalolén;", ";La Florida;"), "comuna", "otra comuna"),
        (ROWS[0].replace("17-05-2012", "17-05-1990"), "fecha_nacimiento", "menores de 18"),
        (ROWS[0].replace("03-11-2026", "03-11-2027"), "fecha_procedimiento", "futuro"),
        (ROWS[0].replace("03-11-2026", "31-02-2026"), "fecha_procedimiento", "no válida"),
        (ROWS[0].replace("Josefa", "J" * 500), "nombres", "más de 120"),
    ],
)
def test_a_row_error_is_reported_in_spanish_and_nothing_is_written(tmp_path, team, row, column, reason):
    outcome = lists.import_police_list(write(tmp_path, [ROWS[1], row]), team)
    errors = outcome.problems.filter(pl.col("severity") == "error").to_dicts()
    assert not outcome.written and len(errors) == 1
    assert errors[0]["row"] == 3 and errors[0]["column"] == column and reason in errors[0]["reason"]
    assert not Person.objects.exists() and not Intake.objects.exists()


def test_files_that_look_valid_but_are_not(tmp_path, team):
    truncated = write(tmp_path, [ROWS[0], ROWS[1][:40]])
    outcome = lists.import_police_list(truncated, team)
    assert not outcome.written and outcome.errors >= 1
    assert "fila 3" in outcome.problems["reason"][0] or outcome.problems["row"][0] == 3
    missing = lists.import_police_list(write(tmp_path, ["x;y"], header="Nombre;Domicilio"), team)
    assert "Faltan columnas obligatorias: fecha_procedimiento, rut" in missing.problems["reason"][0]
    latin1 = lists.import_police_list(write(tmp_path, ROWS[:1], encoding="cp1252"), team)
    assert latin1.written and Identity.objects.get().family_names == "Muñoz Rojas"  # read as Windows-1252
    binary = tmp_path / "lista.csv"
    binary.write_bytes(b"\x00\x01\x02PK garbage")
    assert "no es texto" in lists.import_police_list(binary, team).problems["reason"][0]
    assert Person.objects.count() == 1


def test_a_dry_run_reports_without_writing_and_xlsx_lists_load(tmp_path, team):
    rows = [dict(zip(HEADER.split(";"), r.split(";"), strict=True)) for r in ROWS]
    path = tmp_path / "lista.xlsx"
    pl.DataFrame(rows).write_excel(path)
    preview = lists.import_police_list(path, team, dry_run=True)
    assert not preview.written and preview.intakes == 3 and preview.new_persons == 2
    assert not Person.objects.exists() and not Intake.objects.exists()
    assert lists.import_police_list(path, team).written and Intake.objects.count() == 3


def test_hostile_text_is_kept_as_text(tmp_path, team):
    hostile = (
        ROWS[0]
        .replace("Abandono", '"<script>alert(1)</script> \'; DROP TABLE cases_person; --"')
        .replace("Josefa", '"=HYPERLINK(""http://x"")"')
    )
    outcome = lists.import_police_list(write(tmp_path, [hostile]), team)
    assert outcome.written
    intake = Intake.objects.get()
    assert "<script>" in intake.notes and Person.objects.count() == 1  # stored as text, escaped when shown


def test_the_list_page_checks_first_then_loads_and_only_supervisors_reach_it(client, tmp_path, team, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from atalaya.cases.models import TeamMember
    from atalaya.core.testing import accept_code_of_conduct, login_as

    supervisor, worker = make_user("supervisora", ["13122"], "viewer"), make_user("gestora", ["13122"], "viewer")
    TeamMember.objects.create(team=team, user=supervisor, role="supervisor")
    TeamMember.objects.create(team=team, user=worker, role="gestor")
    for user in (supervisor, worker):
        accept_code_of_conduct(user)
    data = ("\n".join([HEADER, *ROWS]) + "\n").encode()
    login_as(client, worker)
    assert client.get("/casos/listas/").status_code == 403
    client.logout()
    login_as(client, supervisor)
    check = client.post(
        "/casos/listas/", {"team": team.pk, "dry_run": "on", "file": SimpleUploadedFile("lista.csv", data)}
    )
    assert check.status_code == 200 and "se importarían 3 ingresos" in check.content.decode()
    assert not Intake.objects.exists()
    bad = ROWS[0].replace("12.345.678-5", "12.345.678-4")
    refused = client.post(
        "/casos/listas/", {"team": team.pk, "file": SimpleUploadedFile("lista.csv", f"{HEADER}\n{bad}\n".encode())}
    )
    assert refused.status_code == 422 and "dígito verificador" in refused.content.decode()
    loaded = client.post("/casos/listas/", {"team": team.pk, "file": SimpleUploadedFile("lista.csv", data)})
    assert loaded.status_code == 200 and "se importaron 3 ingresos" in loaded.content.decode()
    assert Intake.objects.count() == 3
    exe = client.post("/casos/listas/", {"team": team.pk, "file": SimpleUploadedFile("lista.exe", b"MZ")})
    assert "CSV o XLSX" in exe.content.decode()


def test_the_command_loads_a_list_and_refuses_a_bad_one(tmp_path, team, capsys):
    from atalaya.cli.main import main

    bad = write(tmp_path, [ROWS[0].replace("Peñalolén;03", "La Florida;03")], name="mala.csv")
    assert main(["cases", "import-list", str(bad), "--team", team.name]) == 1
    assert "otra comuna" in capsys.readouterr().out and not Intake.objects.exists()
    good = write(tmp_path, ROWS)
    assert main(["cases", "import-list", str(good), "--team", str(team.pk), "--dry-run"]) == 0
    assert not Intake.objects.exists()
    assert main(["cases", "import-list", str(good), "--team", str(team.pk)]) == 0
    assert Intake.objects.count() == 3
    assert main(["cases", "import-list", str(good), "--team", "no existe"]) == 2
