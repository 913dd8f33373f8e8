"""The weekly review scores problems solved and agreements kept per territory, beside crime counts; the worker
writes it as HTML and PDF; a coordinator's one screen shows their territory."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from atalaya.core.testing import ScopedPageContract, login_as
from atalaya.proximity import mesas, review, services
from atalaya.proximity.choices import Outcome, Status
from atalaya.proximity.models import Mesa, ProximityOfficer

pytestmark = pytest.mark.django_db

WEEK_END = dt.date(2026, 11, 29)  # a Sunday


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def week(report, admin_user, neza):
    """In sector S1 (C1): one problem solved this week, one open for 40 days; an agreement kept this week and one
    overdue. In S2 (C4): one reported this week."""
    from atalaya.geo.models import Territory

    solved = report(now=at(WEEK_END - dt.timedelta(days=20)))
    services.change_status(
        solved, to=Status.CLOSED, outcome=Outcome.SOLVED, user=admin_user, now=at(WEEK_END - dt.timedelta(days=2))
    )
    report(title="Viejo", now=at(WEEK_END - dt.timedelta(days=40)))
    report(where="C4", title="Nuevo", now=at(WEEK_END - dt.timedelta(days=1)))
    mesa = Mesa.objects.create(
        municipality=neza, name="Mesa S1", territory=Territory.objects.get(municipality=neza, code="S1")
    )
    kept = mesas.add_agreement(
        mesa, title="Luz", owner="A", institution="Municipio", deadline=WEEK_END, user=admin_user
    )
    mesas.update_agreement(
        kept, status="cumplido", evidence="Fotos", user=admin_user, now=at(WEEK_END - dt.timedelta(days=1))
    )
    mesas.add_agreement(
        mesa,
        title="Rondas",
        owner="B",
        institution="Policía",
        deadline=WEEK_END - dt.timedelta(days=10),
        user=admin_user,
    )
    return neza


def test_problem_solving_comes_first(week):
    result = review.weekly_review(week, WEEK_END, level="sector")
    rows = {r["territory"].code: r for r in result["rows"]}
    s1, s2 = rows["S1"], rows["S2"]
    assert (s1["solved"], s1["open"], s1["stale"], s1["kept"], s1["overdue"]) == (1, 1, 1, 1, 1)
    assert s1["score"] == 50  # (1 solved + 1 kept) / (2 + 1 overdue + 1 stale)
    assert (s2["reported"], s2["open"], s2["score"]) == (1, 1, None)
    assert [r["territory"].code for r in result["rows"]] == ["S1", "S2"]
    assert result["totals"]["kept"] == 1 and result["week_start"] == dt.date(2026, 11, 23)


def test_the_files_and_the_command(week, settings, tmp_path, capsys):
    settings.REPORTS_DIR = tmp_path
    html, pdf = review.write_files(review.weekly_review(week, WEEK_END))
    assert "Revisión semanal de Nezahualcóyotl" in html.read_text(encoding="utf-8")
    assert pdf.read_bytes().startswith(b"%PDF")
    from atalaya.cli.main import main

    assert main(["problems", "weekly-review", "--municipality", "15058", "--week-end", "2026-11-29"]) == 0
    assert "revision-15058-2026-11-29.pdf" in capsys.readouterr().out
    assert main(["problems", "weekly-review", "--municipality", "15058", "--week-end", "ayer"]) != 0


def test_last_week_end_is_the_sunday_before():
    assert review.last_week_end(dt.date(2026, 12, 7)) == dt.date(2026, 12, 6)  # Monday
    assert review.last_week_end(dt.date(2026, 12, 6)) == dt.date(2026, 11, 29)  # Sunday: the week before


def test_the_page_starts_the_job_and_serves_only_this_municipalitys_files(week, make_user, client, settings, tmp_path):
    settings.REPORTS_DIR = tmp_path
    login_as(client, make_user("analista", ["15058"], "analyst"))
    page = client.get("/proximidad/15058/revision-semanal/?semana=2026-11-29&nivel=sector").content.decode()
    assert "Sector 1" in page and "50 %" in page
    response = client.post("/proximidad/15058/revision-semanal/?semana=2026-11-29")
    assert response.status_code == 302 and response["Location"].startswith("/trabajos/")
    from atalaya.core.models import Job

    job = Job.objects.get()  # the test settings run jobs at once
    assert job.status == "terminado", job.result
    assert job.result["url"].endswith("/revision-semanal/archivos/revision-15058-2026-11-29.pdf")
    assert client.get("/proximidad/15058/revision-semanal/archivos/revision-15058-2026-11-29.pdf").status_code == 200
    assert client.get("/proximidad/15058/revision-semanal/archivos/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/proximidad/15058/revision-semanal/archivos/revision-13122-2026-11-29.pdf").status_code == 404


class TestWeeklyReviewPage(ScopedPageContract):
    max_queries = 60

    @pytest.fixture
    def scoped_page(self, week):
        return "/proximidad/15058/revision-semanal/?semana=2026-11-29", "15058"


def test_a_coordinator_sees_their_sector_on_one_screen(week, make_user, client, neza):
    from atalaya.geo.models import Territory

    user = make_user("cabo", ["15058"], "viewer")
    officer = ProximityOfficer.objects.create(user=user, municipality=neza)
    officer.territories.add(Territory.objects.get(municipality=neza, code="S1"))
    login_as(client, user)
    page = client.get("/proximidad/15058/mi-territorio/").content.decode()
    assert "Viejo" in page and "Nuevo" not in page and "Rondas" in page
    other = client.get("/proximidad/15058/mi-territorio/?territorio=S2").content.decode()
    assert "Nuevo" in other and "Viejo" not in other
