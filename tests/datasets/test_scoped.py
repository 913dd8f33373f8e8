"""The access contract (atalaya.core.testing) over a dataset's page."""

import pytest

from atalaya.core.testing import ListQueryContract, ScopedPageContract
from atalaya.datasets.importing import import_file

pytestmark = pytest.mark.django_db


class TestDatasetPage(ScopedPageContract):
    max_queries = 25

    @pytest.fixture
    def scoped_page(self, neza, fixtures_dir):
        dataset = import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv").dataset
        return f"/datos/conjuntos/{dataset.pk}/", "15058"


@pytest.fixture
def more_datasets(neza, penalolen):
    """Imports recorded for Nezahualcóyotl and as many for another municipality."""
    from atalaya.datasets.models import Dataset

    def add_rows(n):
        for municipality in (neza, penalolen):
            for i in range(n):
                dataset = Dataset.objects.create(
                    format="sesnsp",
                    source="sesnsp",
                    file_name=f"archivo-{municipality.code}-{i}.csv",
                    file_sha256=f"{i:064d}",
                    file_size=100,
                    status="importado",
                )
                dataset.municipalities.add(municipality)

    return add_rows


class TestDatasetList(ListQueryContract):
    @pytest.fixture
    def scoped_list(self, more_datasets):
        return "/datos/conjuntos/", "15058", more_datasets


class TestDatasetAPI(ListQueryContract):
    @pytest.fixture
    def scoped_list(self, more_datasets):
        return "/api/datasets/", "15058", more_datasets


@pytest.fixture
def more_mappings(neza, penalolen, generic_mapping):
    from atalaya.datasets.models import ColumnMapping

    def add_rows(n):
        start = ColumnMapping.objects.count()
        for i in range(start, start + n):
            for municipality in (neza, penalolen):
                ColumnMapping.objects.create(
                    name=f"mapeo-{municipality.code}-{i}",
                    municipality=municipality,
                    definition=generic_mapping.definition,
                )

    return add_rows


class TestMappingList(ListQueryContract):
    @pytest.fixture
    def scoped_list(self, more_mappings):
        return "/datos/mapeos/", "15058", more_mappings


class TestMunicipalityAPI(ListQueryContract):
    @pytest.fixture
    def scoped_list(self, neza, make_user):
        from atalaya.accounts.models import Membership
        from atalaya.geo.services import register_municipality

        def add_rows(n):
            for _ in range(n):
                code = f"{15100 + Membership.objects.count()}"
                other = register_municipality(code, f"Municipio {code}", country="MX", region="México")
                Membership.objects.create(
                    user=Membership.objects.filter(municipality=neza).first().user, municipality=other, role="analyst"
                )

        return "/api/municipalities/", "15058", add_rows
