"""The staff pages under the access contract, the public pages, and the public report form end to end."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from atalaya.core.testing import ListQueryContract, ScopedActionContract, ScopedPageContract, login_as
from atalaya.proximity import services
from atalaya.proximity.choices import Status
from atalaya.proximity.models import Problem, ProximityOfficer

pytestmark = pytest.mark.django_db


@pytest.fixture
def problem(report):
    return report(reporter=services.ReporterContact(name="Vecina Reservada", email="reservada@example.org"))


class TestProblemPage(ScopedPageContract, ScopedActionContract):
    max_queries = 40

    @pytest.fixture
    def scoped_page(self, problem):
        return f"/proximidad/problemas/{problem.pk}/", "15058"

    @pytest.fixture
    def scoped_action(self, problem):
        return f"/proximidad/problemas/{problem.pk}/nota/", {"nota-text": "Ronda hecha"}, ("admin", "analyst")


class TestProblemList(ScopedPageContract, ListQueryContract):
    @pytest.fixture
    def scoped_page(self, problem):
        return "/proximidad/15058/problemas/", "15058"

    @pytest.fixture
    def scoped_list(self, report, categories, penalolen, points):
        from atalaya.proximity.models import ProblemCategory

        other = ProblemCategory.objects.create(municipality=penalolen, code="x", name="X")

        def add_rows(n):
            for i in range(n):
                report(title=f"Problema {i}")
                services.report_problem(municipality=penalolen, category=other, title="Ajeno", address="Calle 1")

        return "/proximidad/15058/problemas/", "15058", add_rows


def test_reads_of_the_reporter_are_logged(problem, make_user, client):
    from atalaya.core.models import AccessLogEntry

    login_as(client, make_user("analista", ["15058"], "analyst"))
    page = client.get(f"/proximidad/problemas/{problem.pk}/").content.decode()
    assert "Vecina Reservada" in page
    entry = AccessLogEntry.objects.get(object_type="proximity.reporter")
    assert entry.municipality_id == problem.municipality_id and entry.username == "analista"


def test_an_officer_works_the_cuadrantes_of_their_sector_only(report, make_user, client, neza):
    from atalaya.geo.models import Territory

    user = make_user("cabo", ["15058"], "viewer")
    officer = ProximityOfficer.objects.create(user=user, municipality=neza)
    officer.territories.add(Territory.objects.get(municipality=neza, code="S1"))  # C1 and C3
    mine, theirs = report(where="C1"), report(where="C4", title="Otro")
    login_as(client, user)
    assert client.post(f"/proximidad/problemas/{mine.pk}/nota/", {"nota-text": "Ronda"}).status_code == 302
    assert client.post(f"/proximidad/problemas/{theirs.pk}/nota/", {"nota-text": "Ronda"}).status_code == 403
    closing = {"to": Status.CLOSED, "outcome": "resuelto", "version": mine.version, "is_public": "on"}
    assert client.post(f"/proximidad/problemas/{mine.pk}/estado/", closing).status_code == 403  # coordinators close
    officer.is_coordinator = True
    officer.save()
    assert client.post(f"/proximidad/problemas/{mine.pk}/estado/", closing).status_code == 302
    mine.refresh_from_db()
    assert mine.status == Status.CLOSED


def test_a_stale_form_is_told_not_applied(problem, make_user, client, admin_user):
    login_as(client, make_user("analista", ["15058"], "analyst"))
    stale = problem.version
    services.change_status(problem, to=Status.CONFIRMED, user=admin_user)
    response = client.post(
        f"/proximidad/problemas/{problem.pk}/estado/", {"to": Status.ANALYSIS, "version": stale}, follow=True
    )
    assert "Otra persona cambió" in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == Status.CONFIRMED


def photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 10)).save(out, format="PNG")
    return SimpleUploadedFile("plaza.png", out.getvalue(), content_type="image/png")


def test_a_neighbour_reports_follows_and_sees_it_closed(client, categories, points, admin_user, settings, tmp_path):
    settings.ATTACHMENTS_DIR = tmp_path / "adjuntos"
    cache.clear()
    form = client.get("/publico/15058/problemas/reportar/")
    assert form.status_code == 200 and "Luminaria apagada" in form.content.decode()
    lat, lon = points["C1"]
    response = client.post(
        "/publico/15058/problemas/reportar/",
        {
            "category": categories["rinas"].pk,
            "title": "Riñas los viernes <script>alert(1)</script>",
            "description": "Cada viernes en la noche",
            "lat": lat,
            "lon": lon,
            "email": "vecino@example.org",
            "name": "Pedro",
            "photos": photo(),
        },
        follow=True,
    )
    page = response.content.decode()
    problem = Problem.objects.get()
    assert problem.reference in page and "Guárdelo" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Pedro" not in page and "vecino@example.org" not in page
    photo_response = client.get(f"/publico/15058/problemas/{problem.reference}/foto/")
    assert photo_response.status_code == 200 and photo_response["Content-Type"] == "image/jpeg"
    services.change_status(problem, to=Status.CONFIRMED, user=admin_user, text="La ronda lo confirmó")
    services.change_status(problem, to=Status.ANALYSIS, user=admin_user, text="Nota interna", is_public=False)
    detail = client.get(f"/publico/15058/problemas/{problem.reference}/").content.decode()
    assert "La ronda lo confirmó" in detail and "Nota interna" not in detail
    listing = client.get("/publico/15058/problemas/?estado=abiertos").content.decode()
    assert problem.reference in listing
    cache.clear()


def test_robots_and_floods_are_stopped(client, categories, points):
    cache.clear()
    lat, lon = points["C1"]
    data = {"category": categories["luminaria"].pk, "title": "Sin luz", "lat": lat, "lon": lon}
    client.post("/publico/15058/problemas/reportar/", {**data, "website": "http://spam.example"})
    assert not Problem.objects.exists()  # the hidden field was filled: kept nothing
    for _ in range(10):
        client.post("/publico/15058/problemas/reportar/", data)
    response = client.post("/publico/15058/problemas/reportar/", data)
    assert "muchos reportes" in response.content.decode()
    assert Problem.objects.count() == 10
    cache.clear()


def test_a_municipality_without_categories_has_no_public_problem_pages(client, penalolen):
    assert client.get("/publico/13122/problemas/").status_code == 404
    assert client.get("/publico/13122/problemas/reportar/").status_code == 404


def test_no_public_response_carries_private_content(client, report, admin_user, make_user):
    """Every public page and Open311 document of the municipality, scanned for what must stay inside."""
    secret = report(category="microtrafico", title="Casa del vendedor Fulano", is_private=True)
    shown = report(
        reporter=services.ReporterContact(name="Rosa Interna", email="rosa@example.org", phone="+56911112222")
    )
    services.add_note(shown, user=admin_user, text="Patente del auto ABCD12", is_public=False)
    import datetime as dt

    from atalaya.proximity import mesas, participation
    from atalaya.proximity.models import Mesa

    mesa = Mesa.objects.create(municipality=shown.municipality, name="Mesa centro")
    mesas.add_agreement(
        mesa,
        title="Vigilar a Mengano",
        owner="Cabo",
        institution="Policía",
        deadline=dt.date(2030, 1, 1),
        user=admin_user,
        is_public=False,
    )
    mesas.add_agreement(
        mesa,
        title="Luminarias",
        owner="Aseo",
        institution="Municipio",
        deadline=dt.date(2030, 1, 1),
        user=admin_user,
        problem=secret,
    )
    participation.comment(shown.municipality, f"problema:{shown.reference}", "Comentario sin revisar de Zutano")
    participation.follow(shown.municipality, f"problema:{shown.reference}", "seguidora@example.org")
    secret_words = [
        "Fulano",
        "Rosa Interna",
        "rosa@example.org",
        "+56911112222",
        "ABCD12",
        secret.reference,
        "Mengano",
        "Zutano",
        "seguidora@example.org",
    ]
    urls = [
        "/publico/15058/compromisos/",
        f"/publico/15058/compromisos/?mesa=mesa:{mesa.pk}",
        "/publico/15058/compromisos.csv",
        "/publico/15058/compromisos.json",
        "/publico/15058/problemas/",
        "/publico/15058/problemas/?estado=abiertos",
        f"/publico/15058/problemas/{shown.reference}/",
        "/open311/v2/requests.xml?jurisdiction_id=15058",
        "/open311/v2/requests.json?jurisdiction_id=15058",
        f"/open311/v2/requests/{shown.reference}.json?jurisdiction_id=15058",
        "/open311/v2/services.json?jurisdiction_id=15058",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for word in secret_words:
            assert word not in body, (url, word)
    assert client.get(f"/publico/15058/problemas/{secret.reference}/").status_code == 404


def test_merge_through_the_page_and_no_page_repeats_an_id(report, make_user, client, admin_user):
    import collections
    import datetime as dt
    import re

    from django.utils import timezone

    from atalaya.proximity import mesas
    from atalaya.proximity.models import Mesa

    first, second = report(), report(title="Otra vez sin luz")
    login_as(client, make_user("analista", ["15058"], "analyst"))
    client.post(
        f"/proximidad/problemas/{second.pk}/unir/", {"unir-into": first.reference, "unir-version": second.version}
    )
    second.refresh_from_db()
    assert second.duplicate_of == first and second.outcome == "duplicado"
    mesa = Mesa.objects.create(municipality=first.municipality, name="Mesa", chair=admin_user)
    session = mesas.call_session(mesa, starts_at=timezone.now() + dt.timedelta(hours=2), user=admin_user, notify=False)
    for url in (
        f"/proximidad/problemas/{first.pk}/",
        f"/proximidad/problemas/{first.pk}/sara/",
        f"/proximidad/mesas/{mesa.pk}/",
        f"/proximidad/sesiones/{session.pk}/",
        "/proximidad/15058/mesas/",
        f"/publico/15058/problemas/{first.reference}/",
        "/publico/15058/problemas/reportar/",
    ):
        ids = re.findall(r'\sid="([^"]+)"', client.get(url).content.decode())
        repeated = [i for i, n in collections.Counter(ids).items() if n > 1]
        assert not repeated, (url, repeated)
