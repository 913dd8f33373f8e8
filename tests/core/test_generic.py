"""The generic views, through a case-note app built only from them (tests/securityapp): scope, audit, change
log, who may save, one FilterSet for page and API, and a query count that does not grow with the rows."""

from __future__ import annotations

import pytest

from atalaya.core.models import AccessLogEntry, ChangeLogEntry
from atalaya.core.testing import ListQueryContract, ScopedActionContract, ScopedPageContract, login_as
from tests.securityapp.models import CaseNote

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.securityapp.urls")]


@pytest.fixture
def note(neza):
    return CaseNote.objects.create(municipality=neza, text="visita domiciliaria")


class TestNoteDetail(ScopedPageContract, ScopedActionContract):
    max_queries = 20

    @pytest.fixture
    def scoped_page(self, note):
        return f"/notas/{note.pk}/", "15058"

    @pytest.fixture
    def scoped_action(self, note):
        return f"/notas/{note.pk}/editar/", {"text": "cambiada"}, ("admin", "analyst")


@pytest.fixture
def add_notes(neza, penalolen, make_user):
    """Notes of Nezahualcóyotl by an author (a related row each list shows) and as many of another municipality."""
    author = make_user("autora", ["15058"], "analyst")

    def add_rows(n):
        for i in range(n):
            CaseNote.objects.create(municipality=neza, created_by=author, text=f"nota {i}")
            CaseNote.objects.create(municipality=penalolen, text=f"ajena {i}")

    return add_rows


class TestNoteListPage(ListQueryContract):
    @pytest.fixture
    def scoped_list(self, add_notes):
        return "/notas/", "15058", add_notes


class TestNoteListAPI(ListQueryContract):
    @pytest.fixture
    def scoped_list(self, add_notes):
        return "/api/notas/", "15058", add_notes


def test_reading_a_personal_record_is_in_the_access_log(client, note, make_user):
    user = make_user("lectora", ["15058"], "viewer")
    login_as(client, user)
    client.get(f"/notas/{note.pk}/", HTTP_X_REQUEST_ID="req-123")
    row = AccessLogEntry.objects.get(action="lectura")
    assert (row.username, row.object_type, row.object_id, row.municipality_id, row.path) == (
        "lectora",
        "securityapp.casenote",
        str(note.pk),
        note.municipality_id,
        f"/notas/{note.pk}/",
    )
    assert row.request_id  # the request that read it
    client.get(f"/api/notas/{note.pk}/")
    assert AccessLogEntry.objects.filter(action="lectura", path=f"/api/notas/{note.pk}/").count() == 1


def test_a_list_logs_the_rows_it_showed_and_the_search(client, note, neza, penalolen, make_user):
    other = CaseNote.objects.create(municipality=penalolen, text="ajena")
    login_as(client, make_user("lectora", ["15058"], "viewer"))
    page = client.get("/notas/?text=visita").content.decode()
    assert "visita domiciliaria" in page and "ajena" not in page
    rows = AccessLogEntry.objects.filter(action="busqueda", path="/notas/")
    assert [r.object_id for r in rows] == [str(note.pk)] and rows[0].detail == "text=visita"
    api = client.get("/api/notas/").json()["results"]
    assert [n["id"] for n in api] == [note.pk] and other.pk not in {n["id"] for n in api}
    assert AccessLogEntry.objects.filter(action="busqueda", path="/api/notas/").count() == 1


def test_page_ignores_a_bad_filter_the_api_refuses_an_unknown_one(client, note, make_user):
    login_as(client, make_user("lectora", ["15058"], "viewer"))
    assert client.get("/notas/?municipality=99999&page=1").status_code == 200
    refused = client.get("/api/notas/?texto=visita")
    assert refused.status_code == 400 and "text" in refused.json()["detail"]
    assert client.get("/api/notas/?text=visita").json()["count"] == 1


def test_saving_writes_the_change_log_and_the_author(client, note, neza, penalolen, make_user):
    analyst = make_user("analista", ["15058"], "analyst")
    login_as(client, analyst)
    form = client.get("/notas/nueva/").content.decode()
    assert "Nezahualcóyotl" in form and "Peñalolén" not in form  # only the municipalities the user sees
    response = client.post("/notas/nueva/", {"municipality": neza.pk, "text": "primera entrevista"})
    assert response.status_code == 302
    created = CaseNote.objects.get(text="primera entrevista")
    assert created.created_by == analyst
    assert client.post("/notas/nueva/", {"municipality": penalolen.pk, "text": "x"}).status_code == 200  # not a choice
    assert not CaseNote.objects.filter(municipality=penalolen).exists()
    client.post(f"/notas/{note.pk}/editar/", {"text": "visita (corregida)"})
    logged = ChangeLogEntry.objects.filter(username="analista").order_by("pk")
    assert [(e.object_id, e.municipality_id) for e in logged] == [(str(created.pk), neza.pk), (str(note.pk), neza.pk)]
    assert all(e.request_id for e in logged)


def test_a_reading_role_may_not_create(client, neza, make_user):
    login_as(client, make_user("lectora", ["15058"], "viewer"))
    assert client.get("/notas/nueva/").status_code == 403
    assert client.post("/notas/nueva/", {"municipality": neza.pk, "text": "x"}).status_code == 403
    assert not CaseNote.objects.exists()
