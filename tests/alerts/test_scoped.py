"""The access contract (atalaya.core.testing) over the alert page and its actions."""

import pytest

from atalaya.core.testing import ListQueryContract, ScopedActionContract, ScopedPageContract

pytestmark = pytest.mark.django_db


class TestAlertPage(ScopedPageContract, ScopedActionContract):
    max_queries = 30

    @pytest.fixture
    def scoped_page(self, alerted):
        return f"/alertas/{alerted.pk}/", "15058"

    @pytest.fixture
    def scoped_action(self, alerted):
        return f"/alertas/{alerted.pk}/comentario/", {"text": "revisado"}, ("admin", "analyst", "director")


@pytest.fixture
def more_alerts(alerted, penalolen):
    """Copies of the alert (another territory and family each time) here and in another municipality."""
    from atalaya.alerts.models import Alert

    def add_rows(n):
        for _ in range(n):
            for municipality in (alerted.municipality, penalolen):
                copy = Alert.objects.get(pk=alerted.pk)
                copy.pk = None
                copy.municipality = municipality
                copy.save()

    return add_rows


class TestInbox(ListQueryContract):
    @pytest.fixture
    def scoped_list(self, more_alerts):
        return "/alertas/", "15058", more_alerts


class TestAlertsAPI(ListQueryContract):
    @pytest.fixture
    def scoped_list(self, more_alerts):
        return "/api/alerts/", "15058", more_alerts
