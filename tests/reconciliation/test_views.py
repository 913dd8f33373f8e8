"""The mesa de validación on the web: scoping (404 out of scope), analysts only for actions, CSRF, the whole cycle."""

from __future__ import annotations

import pytest
from django.test import Client

from atalaya.core.models import Job
from atalaya.datasets.models import Dataset
from atalaya.reconciliation.models import PairDecision, Reconciliation

RUN = {
    "family": "homicidios",
    "sources": "policia, fiscalia",
    "start": "2025-01-01",
    "end": "2025-03-31",
    "days": "1",
    "metres": "300",
}


@pytest.fixture
def analyst(two_sources, make_user):
    client = Client()
    client.force_login(make_user("ana", ["15058"], role="analyst"))
    return client


def finished_job(client, response) -> str:
    """The page a background job's redirect leads to (the test queue runs it at once): where its result is."""
    assert response.status_code == 302 and response["Location"].startswith("/trabajos/"), response
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'id="job-message"' in page.content.decode()
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.status == "terminado", job.result
    return job.result["url"]


def run_from_the_form(client, neza) -> Reconciliation:
    url = finished_job(client, client.post("/conciliacion/", {**RUN, "municipality": neza.pk}))
    return Reconciliation.objects.get(pk=int(url.rstrip("/").split("/")[-1]))


def test_an_analyst_runs_reviews_decides_reruns_and_publishes(analyst, two_sources):
    neza = two_sources
    run = run_from_the_form(analyst, neza)
    page = analyst.get(f"/conciliacion/{run.pk}/").content.decode()
    assert 'id="agreed">6<' in page and "policia / fiscalia" in page and "2025-02" in page
    conflicts = analyst.get(f"/conciliacion/{run.pk}/?resultado=conflicto").content.decode()
    assert "policia:P2" in conflicts and "policia:P1" not in conflicts
    csv = analyst.get(f"/conciliacion/{run.pk}/pares.csv")
    assert csv["Content-Type"].startswith("text/csv") and b"fiscalia:F2" in csv.content

    assert analyst.post(f"/conciliacion/{run.pk}/decidir/", {"key_a": "policia:P2", "key_b": "fiscalia:F2",
                        "verdict": "mismo", "reason": "El acta corrige el sexo."}).status_code == 302  # fmt: skip
    decision = PairDecision.objects.get()
    assert decision.decided_by.username == "ana"
    # Publishing the run made before the decision is refused with the reason, on the page.
    response = analyst.post(f"/conciliacion/{run.pk}/publicar/", follow=True)
    assert "después de esta conciliación" in response.content.decode()
    rerun = finished_job(analyst, analyst.post(f"/conciliacion/{run.pk}/ejecutar/"))
    newer = Reconciliation.objects.get(pk=int(rerun.rstrip("/").split("/")[-1]))
    assert newer.summary["cifra_conciliada"] == 5 and newer.summary["decisiones_aplicadas"] == 1
    published = finished_job(analyst, analyst.post(f"/conciliacion/{newer.pk}/publicar/"))
    dataset = Dataset.objects.get(source="conciliada")
    assert published == f"/datos/conjuntos/{dataset.pk}/"
    detail = analyst.get(published).content.decode()
    assert "Procedencia de la cifra conciliada" in detail and f"/conciliacion/{newer.pk}/" in detail

    assert analyst.post(f"/conciliacion/{newer.pk}/decisiones/{decision.pk}/revertir/").status_code == 302
    decision.refresh_from_db()
    assert decision.reverted_at is not None and decision.reverted_by.username == "ana"


def test_out_of_scope_is_404_and_viewers_cannot_act(analyst, two_sources, penalolen, make_user):
    neza = two_sources
    run = run_from_the_form(analyst, neza)
    outsider = Client()
    outsider.force_login(make_user("pedro", ["13122"], role="analyst"))
    for url in (f"/conciliacion/{run.pk}/", f"/conciliacion/{run.pk}/pares.csv"):
        assert outsider.get(url).status_code == 404
    for url in (f"/conciliacion/{run.pk}/publicar/", f"/conciliacion/{run.pk}/ejecutar/"):
        assert outsider.post(url).status_code == 404
    assert str(run.pk) not in outsider.get("/conciliacion/").content.decode().split("<h2>")[-1]
    # Pedro cannot run one for Nezahualcóyotl either: the municipality is not among his choices.
    response = outsider.post("/conciliacion/", {**RUN, "municipality": neza.pk})
    assert response.status_code == 200 and "Escoja una opción válida" in response.content.decode()

    viewer = Client()
    viewer.force_login(make_user("vera", ["15058"], role="viewer"))
    page = viewer.get(f"/conciliacion/{run.pk}/").content.decode()
    assert 'id="agreed">6<' in page and "publish-form" not in page and "run-form" not in page
    assert viewer.post(f"/conciliacion/{run.pk}/publicar/").status_code == 403  # sees it, may not act
    assert viewer.post(f"/conciliacion/{run.pk}/decidir/", {"key_a": "policia:P1", "key_b": "fiscalia:F1",
                       "verdict": "distinto", "reason": "x"}).status_code == 403  # fmt: skip
    assert not PairDecision.objects.exists() and not Dataset.objects.filter(source="conciliada").exists()


def test_decisions_need_csrf_a_reason_and_records_the_run_saw(analyst, two_sources, make_user):
    neza = two_sources
    run = run_from_the_form(analyst, neza)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user("eva", ["15058"], role="analyst"))
    assert strict.post(f"/conciliacion/{run.pk}/publicar/").status_code == 403
    blank = analyst.post(f"/conciliacion/{run.pk}/decidir/", {"key_a": "policia:P2", "key_b": "fiscalia:F2",
                         "verdict": "mismo", "reason": ""}, follow=True)  # fmt: skip
    assert "necesita un veredicto y un motivo" in blank.content.decode()
    foreign = analyst.post(f"/conciliacion/{run.pk}/decidir/", {"key_a": "otra:1", "key_b": "otra:2",
                           "verdict": "mismo", "reason": "inventado"})  # fmt: skip
    assert foreign.status_code == 404 and not PairDecision.objects.exists()
    hostile = "<script>alert(1)</script>"
    analyst.post(f"/conciliacion/{run.pk}/decidir/", {"key_a": "policia:P1", "key_b": "fiscalia:F1",
                 "verdict": "distinto", "reason": hostile})  # fmt: skip
    page = analyst.get(f"/conciliacion/{run.pk}/").content.decode()
    assert hostile not in page and "&lt;script&gt;" in page


def test_the_pages_speak_english_when_asked(analyst, two_sources):
    run = run_from_the_form(analyst, two_sources)
    analyst.cookies["django_language"] = "en"  # Spanish first: English is the user's choice, not the browser's
    page = analyst.get(f"/conciliacion/{run.pk}/").content.decode()
    assert "Monthly table" in page and "Agreed figure" in page
