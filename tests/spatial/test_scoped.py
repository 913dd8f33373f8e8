"""The access contract (atalaya.core.testing) over the map page."""

import pytest

from atalaya.core.testing import ScopedPageContract

pytestmark = pytest.mark.django_db


class TestMapPage(ScopedPageContract):
    max_queries = 40

    @pytest.fixture
    def scoped_page(self, located):
        return "/mapa/15058/?desde=2026-07-01&hasta=2026-09-30&hex=500", "15058"
