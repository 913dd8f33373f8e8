"""What the network shares beyond the review: the public edition of a published practice (and only it), documents,
links and the EUCPN checklist, adoptions with their measured results, practices offered to a SARA file's response,
the coordination's benchmarks and activities with their registration lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from atalaya.core.models import AccessLogEntry
from atalaya.core.testing import login_as
from atalaya.network import search, services
from atalaya.network.models import (
    Activity,
    Adoption,
    Practice,
    PracticeDocument,
    PracticeOutcome,
    PublishedPractice,
    Registration,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def coordinator(make_user, penalolen):
    user = make_user("coordinadora", ["13122"], "viewer")
    user.groups.add(Group.objects.get_or_create(name="coordinacion-red")[0])
    return user


@pytest.fixture
def published(neza, penalolen, make_user, coordinator):
    """A Neza practice taken through the review to publication, with its problem type and crime family."""
    author = make_user("autora", ["15058"], "analyst")
    practice = Practice.objects.create(
        municipality=neza,
        code="mediacion",
        title="Mediación vecinal",
        summary="Centros de mediación comunitaria",
        problem="Riñas entre vecinos",
        mechanism="Mediadores formados resuelven conflictos antes de que escalen.",
        contacts="Juana Pérez, 55 5555 5555",
        problem_types=["rinas"],
        crime_families=["lesiones"],
        eucpn_criteria={"problema": True, "replicable": True},  # the second is not backed: no context written
        created_by=author,
    )
    outcome = PracticeOutcome.objects.create(practice=practice, outcome="Lesiones", design="cuasi", studies=2)
    search.reindex(practice)
    services.submit(practice, author)
    one, two = make_user("r1", ["13122"], "analyst"), make_user("r2", ["13122"], "analyst")
    services.assign_reviewers(practice, [one, two], coordinator)
    for reviewer in (one, two):
        services.review(practice, reviewer, ratings={str(outcome.pk): "efectiva"}, recommendation="publicar")
    practice.refresh_from_db()
    assert practice.status == "publicada"
    practice.author = author
    return practice


def test_the_public_sees_the_reviewed_edition_only(client, published, neza):
    edition = PublishedPractice.objects.get(practice=published)
    assert edition.outcomes == [{"outcome": "Lesiones", "rating": "efectiva", "design": "cuasi", "studies": 2}]
    page = client.get("/publico/red/practicas/").content.decode()
    assert "Mediación vecinal" in page and "Efectiva" in page
    detail = client.get("/publico/red/practicas/mediacion/").content.decode()
    assert "Mediadores formados" in detail
    assert "Juana Pérez" not in detail  # contacts stay inside the network
    assert "Describe con claridad el problema delictivo" in detail  # declared and backed
    assert "Informa lo suficiente" not in detail  # declared, but the record does not back it
    # accents and plurals as the internal search
    assert "Mediación vecinal" in client.get("/publico/red/practicas/?q=mediaciones+VECINALES").content.decode()
    assert "Mediación vecinal" not in client.get("/publico/red/practicas/?q=alumbrado").content.decode()
    assert "Mediación vecinal" not in client.get("/publico/red/practicas/?calificacion=negativa").content.decode()

    published.summary = "Texto nuevo sin revisar"
    published.save()
    services.edited(published, published.author)
    published.refresh_from_db()
    assert published.status == "revisada"
    assert "Texto nuevo sin revisar" not in client.get("/publico/red/practicas/mediacion/").content.decode()

    draft = Practice.objects.create(municipality=neza, code="borrador", title="Borrador", summary="x", problem="y")
    assert client.get(f"/publico/red/practicas/{draft.code}/").status_code == 404


def test_documents_are_checked_and_only_public_ones_reach_the_public(client, published, make_user):
    login_as(client, published.author)
    client.post(
        f"/red/p/{published.pk}/documento/",
        {
            "documento-title": "Manual de mediación",
            "documento-file": SimpleUploadedFile("manual.pdf", PDF),
            "documento-is_public": "on",
        },
    )
    client.post(
        f"/red/p/{published.pk}/documento/",
        {"documento-title": "Directorio interno", "documento-file": SimpleUploadedFile("dir.pdf", PDF)},
    )
    hostile = client.post(
        f"/red/p/{published.pk}/documento/",
        {
            "documento-title": "Falso",
            "documento-file": SimpleUploadedFile("x.pdf", b"<html><script>alert(1)</script></html>"),
        },
        follow=True,
    )
    assert "no es una imagen válida" in hostile.content.decode()
    assert PracticeDocument.objects.count() == 2
    public, internal = PracticeDocument.objects.order_by("pk")
    client.logout()
    response = client.get(f"/publico/red/practicas/mediacion/documentos/{public.pk}/")
    assert response.status_code == 200 and response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(response.streaming_content) == PDF
    assert client.get(f"/publico/red/practicas/mediacion/documentos/{internal.pk}/").status_code == 404
    assert "Directorio interno" not in client.get("/publico/red/practicas/mediacion/").content.decode()
    login_as(client, make_user("otra", ["13122"], "viewer"))  # a network member sees a published practice's files
    assert client.get(f"/red/documentos/{internal.pk}/").status_code == 200


def test_links_and_the_eucpn_checklist(client, neza, penalolen, make_user):
    from atalaya.programmes.models import Programme
    from atalaya.proximity.models import ProblemCategory

    ProblemCategory.objects.create(municipality=neza, code="rinas", name="Riñas frecuentes")
    other = Programme.objects.create(
        municipality=penalolen, code="ajeno", name="Programa ajeno", problem="x", start=dt.date(2022, 1, 1)
    )
    own = Programme.objects.create(
        municipality=neza, code="propio", name="Programa propio", problem="x", start=dt.date(2022, 1, 1)
    )
    login_as(client, make_user("analista", ["15058"], "analyst"))
    form = {
        "municipality": neza.pk,
        "code": "talleres",
        "title": "Talleres",
        "summary": "s",
        "problem": "Riñas",
        "effect_quality": 0,
        "mechanism_quality": 0,
        "moderators_quality": 0,
        "implementation_quality": 0,
        "economic_quality": 0,
        "problem_types": ["rinas"],
        "eucpn_problema": "on",
        "eucpn_evaluacion": "on",
    }
    refused = client.post("/red/practicas/nueva/", {**form, "programmes": [other.pk]})
    assert refused.status_code == 200 and not Practice.objects.filter(code="talleres").exists()
    assert client.post("/red/practicas/nueva/", {**form, "programmes": [own.pk]}).status_code == 302
    practice = Practice.objects.get(code="talleres")
    assert practice.problem_types == ["rinas"] and list(practice.programmes.all()) == [own]
    assert practice.eucpn_criteria == {"problema": True, "mecanismo": False, "evaluacion": True, "replicable": False}
    checks = {c["key"]: (c["declared"], c["backed"]) for c in services.eucpn_check(practice)}
    assert checks["problema"] == (True, True)
    assert checks["evaluacion"] == (True, False)  # declared, but no outcome evaluated beyond a description
    page = client.get("/red/practicas/talleres/").content.decode()
    assert "Riñas frecuentes" in page and "Programa propio" in page and "falta" in page


def test_an_adoption_shows_what_its_programme_measured(client, published, penalolen, make_user):
    from atalaya.indicators.models import Indicator
    from atalaya.programmes.models import Evaluation, Programme

    programme = Programme.objects.create(
        municipality=penalolen,
        code="mediacion-pena",
        name="Mediación Peñalolén",
        problem="x",
        start=dt.date(2023, 1, 1),
    )
    indicator = Indicator.objects.create(code="lesiones-x", name="Lesiones", numerator={})
    Evaluation.objects.create(
        programme=programme,
        method="its",
        outcome=indicator,
        source="cead",
        start=dt.date(2023, 1, 1),
        summary="Caída de 18 % (IC 95 %: 5 % a 29 %)",
    )
    viewer = make_user("lector", ["13122"], "viewer")
    with pytest.raises(PermissionDenied):  # a viewer does not record adoptions
        services.record_adoption(published, viewer, municipality=penalolen, started=dt.date(2023, 1, 1))
    analyst = make_user("analista.pena", ["13122"], "analyst")
    login_as(client, analyst)
    client.post(
        f"/red/p/{published.pk}/adoptar/",
        {
            "adopcion-municipality": penalolen.pk,
            "adopcion-programme": programme.pk,
            "adopcion-started": "2023-01-01",
            "adopcion-results": "Menos riñas en dos villas",
        },
    )
    adoption = Adoption.objects.get()
    assert adoption.programme == programme
    page = client.get("/red/practicas/mediacion/").content.decode()
    assert "Caída de 18 %" in page and "Menos riñas en dos villas" in page
    edition = PublishedPractice.objects.get(practice=published)
    assert edition.adoptions == [
        {"municipality": penalolen.name, "started": "2023-01-01", "results": "Menos riñas en dos villas"}
    ]
    client.logout()
    login_as(client, published.author)  # the contributing municipality does not adopt its own practice
    with pytest.raises(ValidationError, match="ya es suya"):
        services.record_adoption(
            published, published.author, municipality=published.municipality, started=dt.date(2023, 1, 1)
        )


def test_a_sara_file_offers_the_practices_for_its_problem(client, published, neza, make_user):
    from atalaya.proximity import services as proximity
    from atalaya.proximity.models import ProblemCategory

    rinas = ProblemCategory.objects.create(municipality=neza, code="rinas", name="Riñas frecuentes")
    luz = ProblemCategory.objects.create(municipality=neza, code="luminaria", name="Luminaria apagada")
    problem = proximity.report_problem(municipality=neza, category=rinas, title="Riñas en la plaza", address="Plaza")
    other = proximity.report_problem(municipality=neza, category=luz, title="Sin luz", address="Calle 3")
    login_as(client, make_user("analista", ["15058"], "analyst"))
    page = client.get(f"/proximidad/problemas/{problem.pk}/sara/").content.decode()
    assert "Prácticas de la red para este problema" in page and "Mediación vecinal" in page
    assert "Mediación vecinal" not in client.get(f"/proximidad/problemas/{other.pk}/sara/").content.decode()


def test_benchmarks_are_for_the_coordination(client, published, coordinator, make_user):
    login_as(client, make_user("analista", ["15058"], "analyst"))
    assert client.get("/red/referencias/").status_code == 403
    client.logout()
    login_as(client, coordinator)
    response = client.get("/red/referencias/")
    assert response.status_code == 200
    rows = {r["municipality"].code: r for r in response.context["participation"]}
    assert rows["15058"]["contributed"] == 1 and rows["15058"]["published"] == 1
    assert rows["15058"]["strong_outcomes"] == 1 and rows["13122"]["contributed"] == 0


def test_activities_and_their_registration_lists(client, neza, coordinator, make_user):
    login_as(client, coordinator)
    response = client.post(
        "/red/actividades/nueva/",
        {
            "organiser": neza.pk,
            "kind": "webinario",
            "title": "Webinario de proximidad",
            "start": "2022-05-10",
            "end": "2022-05-10",
            "online": "on",
        },
    )
    activity = Activity.objects.get()
    assert response["Location"] == f"/red/actividades/{activity.pk}/"
    good = (
        "nombre,correo,codigo_municipio,pais,modalidad,asistio\n"
        "Ana Ruiz,ana@example.org,15033,MX,en_linea,sí\n"
        "Luis Soto,,13122,CL,presencial,no\n"
        "María Díaz,,15058,MX,en línea,si\n"
    )
    client.post(
        f"/red/a/{activity.pk}/inscripciones/",
        {"lista-file": SimpleUploadedFile("lista.csv", good.encode("latin-1"))},  # as an old spreadsheet saves it
    )
    assert Registration.objects.count() == 3
    names = {r.municipality_name for r in Registration.objects.all()}
    assert "Peñalolén" in names and "Ecatepec de Morelos" in names
    bad = good + "Pedro,,99999,MX,en_linea,sí\n"
    answer = client.post(
        f"/red/a/{activity.pk}/inscripciones/",
        {"lista-file": SimpleUploadedFile("lista.csv", bad.encode()), "lista-replace": "on"},
        follow=True,
    ).content.decode()
    assert "Fila 5, columna «codigo_municipio», valor «99999»" in answer
    assert Registration.objects.count() == 3  # nothing replaced, nothing added
    hostile = 'nombre,codigo_municipio,pais,modalidad,asistio\n=HYPERLINK("x"),15033,MX,zoom,sí\n'
    answer = client.post(
        f"/red/a/{activity.pk}/inscripciones/",
        {"lista-file": SimpleUploadedFile("l.csv", hostile.encode())},
        follow=True,
    ).content.decode()
    assert "columna «modalidad»" in answer and Registration.objects.count() == 3
    before = AccessLogEntry.objects.filter(object_type="network.registration").count()
    page = client.get(f"/red/actividades/{activity.pk}/")
    assert page.context["figures"]["attending"] == 2 and page.context["figures"]["municipalities"] == 2
    assert "Ana Ruiz" in page.content.decode()
    assert AccessLogEntry.objects.filter(object_type="network.registration").count() == before + 3
    client.post(
        f"/red/a/{activity.pk}/material/",
        {"material-title": "Presentación", "material-file": SimpleUploadedFile("p.pdf", PDF)},
    )
    material = activity.material_files.get()
    client.logout()
    member = make_user("miembro", ["15058"], "viewer")
    login_as(client, member)
    page = client.get(f"/red/actividades/{activity.pk}/").content.decode()
    assert "Ana Ruiz" not in page and "Presentación" in page  # names only for the coordination
    assert client.get(f"/red/materiales/{material.pk}/").status_code == 200
    assert client.post(f"/red/a/{activity.pk}/inscripciones/", {}).status_code == 403


def test_a_transfer_is_recorded_by_either_end_with_its_timeline_and_documents(client, neza, penalolen, make_user):
    from atalaya.network.models import Transfer, TransferDocument

    login_as(client, make_user("lectora", ["15058"], "viewer"))
    assert client.get("/red/transferencias/nueva/").status_code == 403  # viewers do not record transfers
    assert "Registrar una transferencia" not in client.get("/red/").content.decode()
    client.logout()
    login_as(client, make_user("analista", ["13122"], "analyst"))
    form = {
        "origin": neza.pk,
        "destination": penalolen.pk,
        "model_name": "Proximidad social",
        "start": "2022-03-01",
        "end": "2022-01-01",
        "funding": "Fondo Chile–México",
    }
    refused = client.post("/red/transferencias/nueva/", form)
    assert refused.status_code == 200 and "termina antes de empezar" in refused.content.decode()
    same = client.post("/red/transferencias/nueva/", {**form, "destination": neza.pk, "end": ""})
    assert "El destino debe ser otro municipio" in same.content.decode()
    response = client.post("/red/transferencias/nueva/", {**form, "end": ""})
    transfer = Transfer.objects.get()
    assert response["Location"] == f"/red/transferencias/{transfer.pk}/"
    Activity.objects.create(
        organiser=neza, kind="pasantia", title="Pasantía de marzo", start=dt.date(2022, 3, 7), end=dt.date(2022, 3, 11)
    ).transfers.add(transfer)
    client.post(
        f"/red/transferencias/{transfer.pk}/editar/", {**form, "end": "2023-12-31", "results": "Mesas funcionando"}
    )
    client.post(
        f"/red/t/{transfer.pk}/documento/",
        {"documento-title": "Convenio", "documento-file": SimpleUploadedFile("c.pdf", PDF)},
    )
    page = client.get(f"/red/transferencias/{transfer.pk}/").content.decode()
    assert page.index("01-03-2022") < page.index("Pasantía de marzo") < page.index("31-12-2023")
    assert "Mesas funcionando" in page and "Convenio" in page
    document = TransferDocument.objects.get()
    client.logout()
    outsider = make_user("otra", ["15058"], "viewer")
    login_as(client, outsider)
    assert client.get(f"/red/documentos-transferencia/{document.pk}/").status_code == 200  # the network reads it
    assert client.post(f"/red/t/{transfer.pk}/documento/", {}).status_code == 403
    assert client.get(f"/red/transferencias/{transfer.pk}/editar/").status_code == 403


def test_an_empty_registration_list_is_refused_and_a_practice_keeps_its_address(client, published, coordinator, neza):
    activity = Activity.objects.create(
        organiser=neza, kind="webinario", title="W", start=dt.date(2022, 5, 1), end=dt.date(2022, 5, 1)
    )
    login_as(client, coordinator)
    answer = client.post(
        f"/red/a/{activity.pk}/inscripciones/", {"lista-file": SimpleUploadedFile("l.csv", b"")}, follow=True
    ).content.decode()
    assert "Lista de inscripción" in answer and Registration.objects.count() == 0
    client.logout()
    login_as(client, published.author)
    page = client.get("/red/practicas/mediacion/editar/")
    assert page.context["form"].fields["code"].disabled
