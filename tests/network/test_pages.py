"""The repository's pages: who sees what, the contribution form, search with filters and the review workflow
clicked through."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from atalaya.core.testing import login_as
from atalaya.network import search
from atalaya.network.models import Practice, PracticeOutcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(neza):
    practice = Practice.objects.create(
        municipality=neza,
        code="mediacion",
        title="Mediación vecinal",
        summary="Centros de mediación",
        problem="Conflictos entre vecinos",
    )
    PracticeOutcome.objects.create(practice=practice, outcome="Lesiones", design="pre_post")
    search.reindex(practice)
    return practice


def test_a_draft_is_seen_by_its_municipality_only(client, draft, penalolen, make_user):
    login_as(client, make_user("ajena", ["13122"], "analyst"))
    assert client.get("/red/practicas/mediacion/").status_code == 404
    assert "Mediación vecinal" not in client.get("/red/practicas/").content.decode()
    client.logout()
    login_as(client, make_user("propia", ["15058"], "viewer"))
    assert client.get("/red/practicas/mediacion/").status_code == 200
    draft.status = "publicada"
    draft.save()
    client.logout()
    login_as(client, make_user("ajena2", ["13122"], "viewer"))
    page = client.get("/red/practicas/?q=mediacion&calificacion=sin_calificar").content.decode()
    assert "Mediación vecinal" in page


def test_contributing_searching_and_reviewing_through_the_pages(client, neza, penalolen, make_user):
    analyst = make_user("analista", ["15058"], "analyst")
    login_as(client, analyst)
    response = client.post(
        "/red/practicas/nueva/",
        {
            "municipality": neza.pk,
            "code": "jovenes",
            "title": "Jóvenes en talleres",
            "summary": "Talleres de oficios",
            "problem": "Robos cometidos por jóvenes",
            "effect_quality": 2,
            "mechanism_quality": 1,
            "moderators_quality": 0,
            "implementation_quality": 1,
            "economic_quality": 0,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/red/practicas/jovenes/"
    practice = Practice.objects.get(code="jovenes")
    client.post(f"/red/p/{practice.pk}/enviar/")  # refused: no outcome yet
    practice.refresh_from_db()
    assert practice.status == "borrador"
    client.post(
        f"/red/p/{practice.pk}/resultado/",
        {"resultado-outcome": "Robos", "resultado-design": "cuasi", "resultado-studies": 1},
    )
    client.post(f"/red/p/{practice.pk}/enviar/")
    practice.refresh_from_db()
    assert practice.status == "enviada"
    assert [p.code for p in search.search(Practice.objects.all(), "JOVENES")] == ["jovenes"]

    coordinator = make_user("coordinadora", ["13122"], "viewer")
    coordinator.groups.add(Group.objects.get_or_create(name="coordinacion-red")[0])
    one, two = make_user("r1", ["13122"], "analyst"), make_user("r2", ["13122"], "analyst")
    client.logout()
    login_as(client, coordinator)
    client.post(f"/red/p/{practice.pk}/asignar/", {"asignar-reviewers": [one.pk, two.pk]})
    practice.refresh_from_db()
    assert practice.status == "en_revision"
    outcome = practice.outcomes.get()
    for reviewer in (one, two):
        client.logout()
        login_as(client, reviewer)
        assert "Enviar mi revisión" in client.get("/red/practicas/jovenes/").content.decode()
        client.post(
            f"/red/p/{practice.pk}/revisar/", {f"calificacion-{outcome.pk}": "prometedora", "recomendacion": "publicar"}
        )
    practice.refresh_from_db()
    outcome.refresh_from_db()
    assert practice.status == "publicada" and outcome.rating == "prometedora"
    client.logout()
    login_as(client, make_user("lectora", ["15058"], "viewer"))
    assert client.post(f"/red/p/{practice.pk}/apelar/", {"motivo": "x"}).status_code == 403


def test_the_overview_counts_reach_from_registrations(client, neza, penalolen, make_user):
    import datetime as dt

    from atalaya.network.models import Activity, Registration, Transfer

    Transfer.objects.create(
        origin=neza, destination=penalolen, model_name="Proximidad social", start=dt.date(2022, 3, 1)
    )
    activity = Activity.objects.create(
        organiser=neza,
        kind="webinario",
        title="Webinario",
        start=dt.date(2022, 5, 1),
        end=dt.date(2022, 5, 1),
        online=True,
    )
    for i, (code, country, mode, attended) in enumerate(
        [
            ("15058", "MX", "en_linea", True),
            ("15033", "MX", "en_linea", True),
            ("13122", "CL", "presencial", True),
            ("13101", "CL", "en_linea", False),
        ]
    ):
        Registration.objects.create(
            activity=activity,
            name=f"Persona {i}",
            municipality_code=code,
            municipality_name=code,
            country=country,
            mode=mode,
            attended=attended,
        )
    login_as(client, make_user("lectora", ["13122"], "viewer"))
    page = client.get("/red/").content.decode()
    assert "Proximidad social" in page and "Persona" not in page  # names of registrants never shown
    from atalaya.network.services import activity_figures

    figures = activity_figures(Activity.objects.all())
    assert (figures["municipalities"], figures["online"], figures["in_person"], figures["registered"]) == (3, 2, 1, 4)
    assert figures["municipalities_by_country"] == {"MX": 2, "CL": 1}
