"""The access contract (atalaya.core.testing) over the municipality-scoped pages: dashboard, municipality page,
alert settings (read by every role, saved by analysts and administrators)."""

import pytest

from atalaya.core.testing import ScopedActionContract, ScopedPageContract
from atalaya.datasets.importing import import_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(neza, fixtures_dir, generic_mapping):
    import_file(
        "incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="15058", mapping_name="policia-prueba"
    )
    return neza


class TestDashboard(ScopedPageContract):
    max_queries = 40

    @pytest.fixture
    def scoped_page(self, loaded):
        return "/indicadores/15058/", "15058"


class TestMunicipalityPage(ScopedPageContract):
    max_queries = 40

    @pytest.fixture
    def scoped_page(self, loaded):
        return "/datos/municipios/15058/", "15058"


class TestAlertSettings(ScopedPageContract, ScopedActionContract):
    max_queries = 30

    @pytest.fixture
    def scoped_page(self, loaded):
        return "/alertas/configuracion/15058/", "15058"

    @pytest.fixture
    def scoped_action(self, loaded):
        return "/alertas/configuracion/15058/", {"weekly": "on"}, ("admin", "analyst")
