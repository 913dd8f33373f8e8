"""Pages, uploads and the API, with tenancy: nobody sees another municipality's data."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atalaya.datasets.importing import import_file
from atalaya.datasets.models import Dataset, ImportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(neza, penalolen, fixtures_dir):
    import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    import_file("cead", fixtures_dir / "cead_tidy.csv")
    return neza, penalolen


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(reverse("api:counts")).status_code in (401, 403)


def test_login_page_is_spanish_and_has_csp(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Entrar al observatorio" in response.content.decode()
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_english_is_available(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"))
    assert "Sign in to the observatory" in response.content.decode()


def test_user_sees_only_their_municipality(client, loaded, make_user):
    _neza, penalolen = loaded
    client.force_login(make_user("ana", ["15058"]))
    home = client.get(reverse("home")).content.decode()
    assert "Nezahualcóyotl" in home and "Peñalolén" not in home
    assert client.get(reverse("datasets:municipality", args=["15058"])).status_code == 200
    assert client.get(reverse("datasets:municipality", args=["13122"])).status_code == 404
    other = Dataset.objects.filter(municipalities=penalolen).first()
    assert client.get(reverse("datasets:dataset", args=[other.pk])).status_code == 404
    assert client.get(reverse("datasets:dataset_report", args=[other.pk])).status_code == 404
    listing = client.get(reverse("datasets:dataset_list")).content.decode()
    assert "cead_tidy.csv" not in listing and "sesnsp_delitos_cp1252.csv" in listing


def test_api_is_scoped_too(client, loaded, make_user):
    client.force_login(make_user("ana", ["15058"]))
    municipalities = client.get(reverse("api:municipalities")).json()["results"]
    assert [m["code"] for m in municipalities] == ["15058"]
    datasets = client.get(reverse("api:datasets")).json()["results"]
    assert {d["format"] for d in datasets} == {"sesnsp", "boundaries"}
    counts = client.get(reverse("api:counts"), {"level": "family"}).json()["results"]
    assert counts and {row["municipality_code"] for row in counts} == {"15058"}
    refused = client.get(reverse("api:counts"), {"municipality": "13122"})
    assert refused.status_code == 400


def test_api_token_authentication(client, loaded, make_user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=make_user("robot", ["13122"], role="viewer"))
    response = client.get(reverse("api:counts"), {"level": "iccs"}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert {row["municipality_code"] for row in response.json()["results"]} == {"13122"}


def test_api_pages_are_bounded_and_parameters_checked(client, loaded, make_user):
    """A huge limit used to answer 500 with the debug page; unknown parameters were silently ignored."""
    client.force_login(make_user("ana", ["15058"]))
    for name in ("api:datasets", "api:municipalities", "api:alerts", "api:counts"):
        for bad in ({"limit": "99999999999999999999999"}, {"limit": "-1"}, {"limit": "abc"}, {"offset": "1e9"},
                    {"offset": "99999999999999999999"}, {"galaxia": "1"}):  # fmt: skip
            response = client.get(reverse(name), bad)
            assert response.status_code == 400, (name, bad, response.status_code)
            assert "entero entre" in response.content.decode() or "Parámetro desconocido" in response.content.decode()
    page = client.get(reverse("api:counts"), {"by": "month", "limit": "3", "offset": "2"}).json()
    assert len(page["results"]) == 3 and page["count"] > 3 and "offset=5" in page["next"]
    assert client.get(reverse("api:counts"), {"limit": "1000"}).status_code == 200
    assert client.get(reverse("api:counts"), {"limit": "1001"}).status_code == 400
    assert client.get(reverse("api:alerts"), {"status": "inventado"}).status_code == 400
    assert client.get(reverse("api:alerts"), {"freq": "day"}).status_code == 400


def test_municipality_page_shows_quality_and_counts(client, loaded, make_user):
    client.force_login(make_user("ana", ["15058"]))
    page = client.get(reverse("datasets:municipality", args=["15058"])).content.decode()
    assert "Frescura de los datos" in page and "sesnsp" in page
    assert "Robos con violencia" in page  # the family table


def test_upload_dry_run_then_confirm(client, neza, make_user, fixtures_dir):
    client.force_login(make_user("ana", ["15058"], role="analyst"))
    data = (fixtures_dir / "sesnsp_delitos_cp1252.csv").read_bytes()
    datasets_before = Dataset.objects.count()
    response = client.post(
        reverse("datasets:upload"),
        {
            "format": "sesnsp",
            "municipality": neza.pk,
            "on_error": "reject",
            "file": SimpleUploadedFile("IDM_NM_jun26.csv", data, content_type="text/csv"),
        },
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.dry_run and job.result["estado"] == "simulado"
    assert Dataset.objects.count() == datasets_before
    page = client.get(response["Location"]).content.decode()
    assert "Confirmar la importación" in page
    confirm = client.post(reverse("datasets:job_confirm", args=[job.pk]))
    assert confirm.status_code == 302
    final = ImportJob.objects.exclude(pk=job.pk).get()
    assert final.result["estado"] == "importado" and final.dataset.file_name == "IDM_NM_jun26.csv"
    assert final.dataset.created_by.username == "ana"


def test_viewers_cannot_upload(client, neza, make_user, fixtures_dir):
    client.force_login(make_user("vera", ["15058"], role="viewer"))
    response = client.post(
        reverse("datasets:upload"),
        {
            "format": "sesnsp",
            "municipality": neza.pk,
            "on_error": "reject",
            "file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n"),
        },
    )
    assert response.status_code == 403  # a viewer imports nowhere: the page itself is refused
    assert not ImportJob.objects.exists()


def test_upload_of_garbage_shows_a_clear_message(client, neza, make_user):
    client.force_login(make_user("ana", ["15058"], role="analyst"))
    client.post(
        reverse("datasets:upload"),
        {
            "format": "sesnsp",
            "municipality": neza.pk,
            "on_error": "reject",
            "file": SimpleUploadedFile("binario.csv", bytes(range(256)) * 20),
        },
    )
    job = ImportJob.objects.get()
    assert job.result["estado"] == "rechazado" and "no es texto" in job.result["mensaje"]


def test_hostile_labels_are_escaped(client, neza, make_user, tmp_path, generic_mapping):
    path = tmp_path / "hostil.csv"
    path.write_text(
        'id,fecha,hora,delito,lat,lon,cuadrante\nX1,2025-01-01,,"<script>alert(1)</script>",,,\n', encoding="utf-8"
    )
    outcome = import_file("incidents", path, municipality_code="15058", mapping_name="policia-prueba")
    assert outcome.status == "importado", outcome.message
    client.force_login(make_user("ana", ["15058"]))
    page = client.get(reverse("datasets:municipality", args=["15058"])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_admin_pages_load_for_a_superuser(verified_admin_client, loaded):
    admin_client = verified_admin_client
    for name in (
        "admin:taxonomy_crosswalkentry_changelist",
        "admin:taxonomy_sourcecategory_changelist",
        "admin:datasets_dataset_changelist",
        "admin:geo_territory_changelist",
    ):
        assert admin_client.get(reverse(name)).status_code == 200


def test_openapi_schema_is_served(client, make_user, db):
    client.force_login(make_user("ana", []))
    response = client.get(reverse("api-schema"))
    assert response.status_code == 200 and b"/api/counts/" in response.content


def test_favicon_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


def test_mapping_form_builds_the_definition(client, neza, make_user):
    from atalaya.datasets.models import ColumnMapping

    client.force_login(make_user("ana", ["15058"], role="analyst"))
    response = client.post(
        reverse("datasets:mapping_create"),
        {
            "name": "policia-utm",
            "description": "UTM",
            "source": "policia-municipal",
            "catalogue": "sesnsp",
            "record_id": "folio",
            "date": "fecha",
            "time": "",
            "category": "tipo, subtipo, modalidad",
            "category_parent": "",
            "lat": "norte",
            "lon": "este",
            "crs": "EPSG:32614",
            "territory": "",
            "attributes": "colonia, calle",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    mapping = ColumnMapping.objects.get(name="policia-utm")
    assert mapping.municipality == neza  # an analyst's mapping is their municipality's
    assert mapping.definition == {
        "source": "policia-municipal",
        "catalogue": "sesnsp",
        "crs": "EPSG:32614",
        "columns": {
            "record_id": "folio",
            "date": "fecha",
            "category": ["tipo", "subtipo", "modalidad"],
            "y": "norte",
            "x": "este",
        },
        "attributes": ["colonia", "calle"],
    }
    page = client.get(reverse("datasets:mapping_update", args=["policia-utm"])).content.decode()
    assert 'value="tipo, subtipo, modalidad"' in page and 'value="norte"' in page
    bad = client.post(reverse("datasets:mapping_create"), {"name": "malo", "source": "x", "date": "f", "category": ""})
    assert bad.status_code == 200 and not ColumnMapping.objects.filter(name="malo").exists()


def test_mappings_belong_to_a_municipality(client, neza, penalolen, make_user, tmp_path):
    """An analyst of Peñalolén used to open and save Nezahualcóyotl's mappings and see them in the upload form."""
    from atalaya.core.models import ChangeLogEntry
    from atalaya.datasets.models import ColumnMapping

    definition = {"source": "x", "columns": {"date": "fecha", "category": "delito"}}
    ours = ColumnMapping.objects.create(name="neza-policia", municipality=neza, definition=definition)
    shared = ColumnMapping.objects.create(name="compartido", municipality=None, definition=definition)
    client.force_login(make_user("pedro", ["13122"], role="analyst"))
    listing = client.get(reverse("datasets:mapping_list")).content.decode()
    assert "neza-policia" not in listing and "compartido" in listing
    assert client.get(reverse("datasets:mapping_update", args=[ours.name])).status_code == 404
    assert client.post(reverse("datasets:mapping_update", args=[ours.name]), {"name": "robado"}).status_code == 404
    assert client.get(reverse("datasets:mapping_update", args=[shared.name])).status_code == 404  # admins only
    upload = client.get(reverse("datasets:upload")).content.decode()
    assert "neza-policia" not in upload and "compartido" in upload
    path = tmp_path / "x.csv"
    path.write_text("fecha,delito\n2025-01-01,Robo\n", encoding="utf-8")
    with path.open("rb") as fh:
        form = {"format": "incidents", "municipality": penalolen.pk, "mapping": ours.pk, "file": fh}
        refused = client.post(reverse("datasets:upload"), form)
    assert refused.status_code == 200 and "Escoja una opción válida" in refused.content.decode()
    # Creating one: it is Peñalolén's, and the change log says so.
    created = client.post(reverse("datasets:mapping_create"), {"name": "pena-carabineros", "source": "carabineros",
                          "date": "fecha", "category": "delito"})  # fmt: skip
    assert created.status_code == 302
    assert ColumnMapping.objects.get(name="pena-carabineros").municipality == penalolen
    assert ChangeLogEntry.objects.filter(municipality=penalolen, message__contains="pena-carabineros").exists()


def test_formats_are_shown_by_name_and_none_is_preselected(client, loaded, make_user):
    client.force_login(make_user("ana", ["15058"]))
    upload = client.get(reverse("datasets:upload")).content.decode()
    options = upload.split('name="format"')[1].split("</select>")[0]
    assert '<option value="" selected>— elija el formato —</option>' in options
    assert "boundaries —" not in options and "Límites de territorios" in options
    assert options.index("SESNSP incidencia") < options.index("Límites de territorios")  # data first
    listing = client.get(reverse("datasets:dataset_list")).content.decode()
    assert (
        "<td>sesnsp</td><td>SESNSP incidencia delictiva municipal (delitos, mensual)</td>" in listing
    )  # source, format
    client.cookies["django_language"] = "en"
    assert "SESNSP municipal crime incidence" in client.get(reverse("datasets:dataset_list")).content.decode()


def test_navigation_offers_only_what_the_role_can_open(client, neza, make_user):
    """A director saw «Importar», «Mapeos» and «Indicadores» and got 403 on each (issue 10)."""
    client.force_login(make_user("dora", ["15058"], role="director"))
    nav = client.get("/").content.decode().split("<nav>")[1].split("</nav>")[0]
    for hidden in ("/datos/importar/", "/datos/mapeos/", "/indicadores/catalogo/"):
        assert hidden not in nav
        assert client.get(hidden).status_code == 403
    assert "/alertas/" in nav and "/conciliacion/" in nav
    client.force_login(make_user("ana", ["15058"], role="analyst"))
    nav = client.get("/").content.decode().split("<nav>")[1].split("</nav>")[0]
    assert all(link in nav for link in ("/datos/importar/", "/datos/mapeos/", "/indicadores/catalogo/"))


def test_viewers_cannot_manage_mappings(client, neza, make_user):
    client.force_login(make_user("vera", ["15058"], role="viewer"))
    assert client.get(reverse("datasets:mapping_list")).status_code == 403


def test_boundaries_upload_carries_level_and_columns(client, neza, make_user, tmp_path):
    from shapely.geometry import box

    from atalaya.geo.models import Territory
    from tests.conftest import write_geojson

    client.force_login(make_user("ana", ["15058"], role="analyst"))
    path = write_geojson(
        tmp_path / "colonias.geojson",
        [({"CVE": "COL1", "NOM": "Colonia Uno", "PADRE": "C1"}, box(-99.03, 19.41, -99.02, 19.42))],
    )
    response = client.post(
        reverse("datasets:upload"),
        {
            "format": "boundaries",
            "municipality": neza.pk,
            "on_error": "reject",
            "level": "colonia",
            "code_column": "CVE",
            "name_column": "NOM",
            "parent_column": "PADRE",
            "file": SimpleUploadedFile("colonias.geojson", path.read_bytes()),
        },
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.result["estado"] == "simulado", job.result
    client.post(reverse("datasets:job_confirm", args=[job.pk]))
    colonia = Territory.objects.get(code="COL1")
    assert colonia.level == "colonia" and colonia.name == "Colonia Uno" and colonia.parent.code == "C1"


def test_not_found_and_forbidden_pages_are_spanish(client, neza, make_user, settings):
    settings.DEBUG = False
    client.force_login(make_user("vera", ["15058"], role="viewer"))
    missing = client.get(reverse("datasets:municipality", args=["99999"]))
    assert missing.status_code == 404 and "No encontrado" in missing.content.decode()
    forbidden = client.get(reverse("datasets:mapping_list"))
    assert forbidden.status_code == 403 and "Sin permiso" in forbidden.content.decode()


def test_export_errors_are_translated(client, loaded, make_user):
    client.force_login(make_user("ana", ["15058"]))
    spanish = client.get(reverse("api:counts"), {"level": "galaxia"}).json()["detail"]
    assert spanish == "--level debe ser source, iccs o family."
    client.cookies["django_language"] = "en"
    english = client.get(reverse("api:counts"), {"level": "galaxia"}).json()["detail"]
    assert english == "--level must be source, iccs or family."
