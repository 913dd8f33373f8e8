"""The access and change logs as pages: administrators read their municipalities' rows, others get 403, and
the lists do not grow a query per row."""

from __future__ import annotations

import pytest

from atalaya.core import audit
from atalaya.core.changelog import log_change
from atalaya.core.testing import ListQueryContract, login_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(neza, penalolen):
    """A read and a change in each municipality."""

    def add_rows(n):
        for _ in range(n):
            for municipality in (neza, penalolen):
                audit.write_entries(
                    user=None,
                    action="lectura",
                    object_type="casos.caso",
                    object_ids=[f"caso-{municipality.code}"],
                    municipality=municipality,
                    reason="seguimiento",
                )
                log_change(
                    user=None, action="guardar", obj=municipality, origin="cli", message="x", municipality=municipality
                )

    add_rows(1)
    return add_rows


def test_an_administrator_reads_only_their_municipalities_rows(client, logged, make_user):
    login_as(client, make_user("jefa", ["15058"], "admin"))
    accesses = client.get("/registro/accesos/").content.decode()
    assert "caso-15058" in accesses and "caso-13122" not in accesses and "seguimiento" in accesses
    assert "caso-15058" in client.get("/registro/accesos/?action=lectura&object_type=caso").content.decode()
    assert "caso-15058" not in client.get("/registro/accesos/?username=otra").content.decode()
    changes = client.get("/registro/cambios/").content.decode()
    assert "Nezahualcóyotl" in changes and "Peñalolén" not in changes
    assert 'href="/registro/accesos/"' in client.get("/").content.decode()  # in the navigation


@pytest.mark.parametrize("role", ["analyst", "director", "viewer"])
def test_other_roles_get_403_and_no_link(client, logged, make_user, role):
    login_as(client, make_user(f"sin-{role}", ["15058"], role))
    assert client.get("/registro/accesos/").status_code == 403
    assert client.get("/registro/cambios/").status_code == 403
    assert 'href="/registro/accesos/"' not in client.get("/").content.decode()


def test_anonymous_is_sent_to_login(client, logged):
    assert client.get("/registro/accesos/")["Location"].startswith("/entrar/")


class TestAccessLogList(ListQueryContract):
    reader_role = "admin"

    @pytest.fixture
    def scoped_list(self, logged):
        return "/registro/accesos/", "15058", logged


class TestChangeLogList(ListQueryContract):
    reader_role = "admin"

    @pytest.fixture
    def scoped_list(self, logged):
        return "/registro/cambios/", "15058", logged
