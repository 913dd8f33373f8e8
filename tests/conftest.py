"""Shared fixtures: the built-in taxonomy (loaded once), small municipalities with real boundary files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import box, mapping

FIXTURES = Path(__file__).parent / "fixtures"

# Nezahualcóyotl-like test area: two sectors (west/east), four cuadrantes (quadrants).
NEZA_BOX = (-99.03, 19.38, -98.99, 19.42)


def write_geojson(path: Path, features: list[tuple[dict, object]]) -> Path:
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": p, "geometry": mapping(g)} for p, g in features],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def flush_inside_log_maintenance():
    """Transactional tests end with a flush: the append-only logs allow it only inside a maintenance window."""
    from django.core.management.commands import flush

    from atalaya.core.appendonly import maintenance

    original = flush.Command.handle

    def handle(self, *args, **options):
        with maintenance():
            return original(self, *args, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from atalaya.web.bootstrap import ensure_data_dirs, load_builtin_catalogues

    with django_db_blocker.unblock():
        ensure_data_dirs()
        load_builtin_catalogues()


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def neza(db, tmp_path):
    """Municipality 15058 with boundary, 2 sectors and 4 cuadrantes, loaded through the boundaries importer."""
    return load_neza(tmp_path)


def load_neza(tmp_path):
    from atalaya.datasets.importing import import_file
    from atalaya.geo.services import register_municipality

    municipality = register_municipality(
        "15058", "Nezahualcóyotl", country="MX", region="Estado de México", populations={2020: 1_077_208}
    )
    minx, miny, maxx, maxy = NEZA_BOX
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    outline = write_geojson(tmp_path / "municipio.geojson", [({"codigo": "15058", "nombre": "Neza"}, box(*NEZA_BOX))])
    sectors = write_geojson(
        tmp_path / "sectores.geojson",
        [
            ({"codigo": "S1", "nombre": "Sector 1", "poblacion": 500000}, box(minx, miny, midx, maxy)),
            ({"codigo": "S2", "nombre": "Sector 2", "poblacion": 577208}, box(midx, miny, maxx, maxy)),
        ],
    )
    cuadrantes = write_geojson(
        tmp_path / "cuadrantes.geojson",
        [
            ({"codigo": "C1", "nombre": "Cuadrante 1", "padre": "S1"}, box(minx, midy, midx, maxy)),
            ({"codigo": "C2", "nombre": "Cuadrante 2", "padre": "S2"}, box(midx, midy, maxx, maxy)),
            ({"codigo": "C3", "nombre": "Cuadrante 3", "padre": "S1"}, box(minx, miny, midx, midy)),
            ({"codigo": "C4", "nombre": "Cuadrante 4", "padre": "S2"}, box(midx, miny, maxx, midy)),
        ],
    )
    for level, path, options in (
        ("municipio", outline, {"code_column": "codigo"}),
        ("sector", sectors, {"code_column": "codigo", "population_column": "poblacion"}),
        ("cuadrante", cuadrantes, {"code_column": "codigo", "parent_column": "padre"}),
    ):
        outcome = import_file(
            "boundaries",
            path,
            municipality_code="15058",
            level=level,
            reader_options=options,
            population_year=2020,
        )
        assert outcome.status == "importado", outcome.message
    return municipality


@pytest.fixture
def database_queue(settings, transactional_db):
    """The production backend (django-tasks resets its backends when the setting changes), on a database that
    starts empty: the built-in taxonomy is loaded again."""
    from django_tasks import task_backends

    from atalaya.web.bootstrap import load_builtin_catalogues

    load_builtin_catalogues()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"


@pytest.fixture
def penalolen(db):
    from atalaya.geo.services import register_municipality

    return register_municipality(
        "13122", "Peñalolén", country="CL", region="Metropolitana", populations={2020: 266_798}
    )


@pytest.fixture
def generic_mapping(db):
    from atalaya.datasets.models import ColumnMapping

    return ColumnMapping.objects.create(
        name="policia-prueba",
        definition={
            "source": "policia-prueba",
            "catalogue": "policia-prueba",
            "columns": {
                "record_id": "id",
                "date": "fecha",
                "time": "hora",
                "category": "delito",
                "lat": "lat",
                "lon": "lon",
                "territory": "cuadrante",
            },
        },
    )


@pytest.fixture
def make_user(db):
    from atalaya.accounts.services import create_user

    def make(username: str, codes: list[str], role: str = "analyst"):
        return create_user(username, "clave-de-prueba-123", municipality_codes=codes, role=role)

    return make


@pytest.fixture
def verified_admin_client(client, admin_user):
    from atalaya.core.testing import verify_second_factor

    verify_second_factor(client, admin_user)
    return client


@pytest.fixture(autouse=True)
def _spanish_after_each_test():
    """A test that switches to English (a user's choice, an Accept-Language) must not leak it into the next."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
