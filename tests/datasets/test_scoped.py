"""The access contract (atalaya.core.testing) over a dataset's page."""

import pytest

from atalaya.core.testing import ScopedPageContract
from atalaya.datasets.importing import import_file

pytestmark = pytest.mark.django_db


class TestDatasetPage(ScopedPageContract):
    max_queries = 25

    @pytest.fixture
    def scoped_page(self, neza, fixtures_dir):
        dataset = import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv").dataset
        return f"/datos/conjuntos/{dataset.pk}/", "15058"
