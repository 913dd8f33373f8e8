"""The access contract (atalaya.core.testing) over the municipality-scoped pages: dashboard, municipality page,
alert settings (read by every role, saved by analysts and administrators)."""

import pytest

from atalaya.core.testing import ListQueryContract, ScopedActionContract, ScopedPageContract
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


class TestIndicatorCatalogue(ListQueryContract):
    @pytest.fixture
    def scoped_list(self, neza, penalolen):
        from atalaya.indicators.models import Indicator

        def add_rows(n):
            for municipality in (neza, penalolen):
                for _ in range(n):
                    code = f"propio-{Indicator.objects.count()}"
                    Indicator.objects.create(
                        code=code,
                        name=code,
                        municipality=municipality,
                        numerator={"families": ["robo_vehiculo"], "iccs": ["0502"]},
                    )

        return "/indicadores/catalogo/", "15058", add_rows
