"""The real queue: an upload is stored as a task in the database and the worker process runs it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atalaya.cli import main
from atalaya.core.models import ChangeLogEntry
from atalaya.datasets.models import Dataset, ImportJob, Incident

# The worker manages its own connection (it closes and reopens it between tasks), as it does in production, so these
# tests commit for real instead of running inside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def _upload(client, neza, data: bytes, name: str, dry_run: bool):
    return client.post(
        reverse("datasets:upload"),
        {
            "format": "sesnsp",
            "municipality": neza.pk,
            "on_error": "reject",
            "file": SimpleUploadedFile(name, data, content_type="text/csv"),
            **({} if dry_run else {"confirm": "1"}),
        },
    )


def test_an_upload_waits_in_the_queue_until_the_worker_runs_it(client, database_queue, neza, make_user, fixtures_dir):
    from django_tasks_db.models import DBTaskResult

    client.force_login(make_user("ana", ["15058"], role="analyst"))
    response = _upload(client, neza, (fixtures_dir / "sesnsp_delitos_cp1252.csv").read_bytes(), "IDM.csv", True)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "pendiente" and DBTaskResult.objects.filter(status="READY").count() == 1
    assert "Pendiente" in client.get(response["Location"]).content.decode()  # the page says it waits
    assert main(["worker", "--batch"]) == 0
    job.refresh_from_db()
    assert job.status == "terminado" and job.result["estado"] == "simulado"
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_failing_task_leaves_the_database_as_it_was_and_says_why(
    client, database_queue, neza, make_user, fixtures_dir, monkeypatch
):
    client.force_login(make_user("ana", ["15058"], role="analyst"))
    datasets, incidents, log = Dataset.objects.count(), Incident.objects.count(), ChangeLogEntry.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("disco lleno")

    job_response = _upload(client, neza, (fixtures_dir / "sesnsp_delitos_cp1252.csv").read_bytes(), "IDM.csv", True)
    assert job_response.status_code == 302 and main(["worker", "--batch"]) == 0  # the check runs first
    monkeypatch.setattr("atalaya.indicators.services.refresh_values", broken)  # then the import fails inside
    confirm = client.post(reverse("datasets:job_confirm", args=[ImportJob.objects.get().pk]))
    assert confirm.status_code == 302
    assert main(["worker", "--batch"]) == 0
    final = ImportJob.objects.order_by("-pk").first()
    assert final.status == "fallido" and "Error interno" in final.result["mensaje"]
    assert (Dataset.objects.count(), Incident.objects.count()) == (datasets, incidents)
    assert ChangeLogEntry.objects.count() == log
