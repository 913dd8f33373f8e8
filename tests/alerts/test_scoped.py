"""The access contract (atalaya.core.testing) over the alert page and its actions."""

import pytest

from atalaya.core.testing import ScopedActionContract, ScopedPageContract

pytestmark = pytest.mark.django_db


class TestAlertPage(ScopedPageContract, ScopedActionContract):
    max_queries = 30

    @pytest.fixture
    def scoped_page(self, alerted):
        return f"/alertas/{alerted.pk}/", "15058"

    @pytest.fixture
    def scoped_action(self, alerted):
        return f"/alertas/{alerted.pk}/comentario/", {"text": "revisado"}, ("admin", "analyst", "director")
