"""Background jobs (atalaya.core.jobs): all or nothing, a reason on failure, a page only for whoever started it,
and a real queue that waits for ``atalaya worker``."""

from __future__ import annotations

import pytest

from atalaya.cli import main
from atalaya.core import jobs
from atalaya.core.models import Job
from atalaya.core.testing import login_as
from tests.conftest import load_neza
from tests.securityapp.models import CaseNote


@pytest.mark.django_db
def test_a_job_that_works_links_to_what_it_made(client, neza, make_user):
    user = make_user("ana", ["15058"], "analyst")
    job = jobs.start("securityapp.note", user=user, municipality=neza, text="entrevista")
    job.refresh_from_db()
    assert (job.status, job.progress, job.result["mensaje"]) == ("terminado", 100, "Nota guardada.")
    login_as(client, user)
    page = client.get(f"/trabajos/{job.pk}/").content.decode()
    assert "Nota de prueba" in page and "Nota guardada." in page and job.result["url"] in page
    assert 'http-equiv="refresh"' not in page  # finished: the page stops refreshing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fail", "message"),
    [("reason", "motivo de prueba"), ("bug", "Error interno del trabajo")],
)
def test_a_failing_job_leaves_nothing_and_says_why(neza, make_user, fail, message):
    job = jobs.start("securityapp.note", user=make_user("ana", ["15058"]), municipality=neza, text="x", fail=fail)
    job.refresh_from_db()
    assert job.status == "fallido" and message in job.result["mensaje"]
    assert not CaseNote.objects.exists()  # the note written before the failure was rolled back


@pytest.mark.django_db
def test_only_whoever_started_it_sees_the_job(client, neza, make_user):
    job = jobs.start("securityapp.note", user=make_user("ana", ["15058"]), municipality=neza, text="x")
    assert client.get(f"/trabajos/{job.pk}/").status_code == 302  # anonymous: to the login
    login_as(client, make_user("colega", ["15058"], "analyst"))
    assert client.get(f"/trabajos/{job.pk}/").status_code == 404


def test_unknown_kinds_are_refused(neza, make_user):
    with pytest.raises(ValueError, match="unknown job kind"):
        jobs.start("no-existe", user=make_user("ana", ["15058"]))


def test_a_job_waits_in_the_queue_until_the_worker_runs_it(database_queue, client, make_user, tmp_path):

    neza = load_neza(tmp_path)
    user = make_user("ana", ["15058"], "analyst")
    job = jobs.start("securityapp.note", user=user, municipality=neza, text="en cola")
    login_as(client, user)
    waiting = client.get(f"/trabajos/{job.pk}/").content.decode()
    assert Job.objects.get(pk=job.pk).status == "pendiente" and 'http-equiv="refresh"' in waiting
    assert main(["worker", "--batch"]) == 0
    assert Job.objects.get(pk=job.pk).status == "terminado" and CaseNote.objects.get().text == "en cola"
