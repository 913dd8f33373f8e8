"""The access contract (atalaya.core.testing) over a reconciliation's page and its decisions."""

import pytest
from django.test import Client

from atalaya.core.testing import ScopedActionContract, ScopedPageContract
from tests.reconciliation.test_views import run_from_the_form

pytestmark = pytest.mark.django_db


class TestReconciliationPage(ScopedPageContract, ScopedActionContract):
    max_queries = 40

    @pytest.fixture
    def run(self, two_sources, make_user):
        client = Client()
        client.force_login(make_user("preparadora", ["15058"], "analyst"))
        return run_from_the_form(client, two_sources)

    @pytest.fixture
    def scoped_page(self, run):
        return f"/conciliacion/{run.pk}/", "15058"

    @pytest.fixture
    def scoped_action(self, run):
        return f"/conciliacion/{run.pk}/ejecutar/", {}, ("admin", "analyst")
