"""Test contracts that an app's tests inherit: they declare their data, the contract runs the access checks.

A scoped page (a record of one municipality) answers: anonymous → the login page; every role of its municipality
that may read → 200, within a query budget (a baseline that catches N+1 queries without timing anything); a user
of another municipality → 404 (its existence is not revealed); a role that may not act → 403 on the action, and a
user of another municipality → 404 there too. Import it in ``tests/``; it is never collected on its own.
"""

from __future__ import annotations

import pytest


def verify_second_factor(client, user) -> None:
    """Log ``user`` in and verify the session through the real two-factor page, with a backup code."""
    from django_otp.plugins.otp_static.models import StaticDevice

    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="prueba")
    token = device.token_set.create(token=f"c{user.pk:07d}").token
    response = client.post("/doble-factor/verificar/", {"token": token, "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/", response


def login_as(client, user):
    """Log ``user`` in as a person would end up: with the second factor verified when the role needs one."""
    from atalaya.core.access import requires_two_factor

    if requires_two_factor(user):
        verify_second_factor(client, user)
    else:
        client.force_login(user)
    return client


def accept_code_of_conduct(user) -> None:
    """Record that ``user`` accepted the current code of conduct (what the page does), for tests past the gate."""
    from django.conf import settings

    from atalaya.core.models import ConductAcceptance

    ConductAcceptance.objects.get_or_create(
        user=user, version=settings.ATALAYA_CODE_OF_CONDUCT_VERSION, defaults={"username": user.get_username()}
    )


class ScopedPageContract:
    """Inherit in a ``Test…`` class and provide the ``scoped_page`` fixture: ``(url, municipality_code)``.

    ``reading_roles``: roles of the municipality that see the page. ``max_queries``: the query budget of one
    request. Pages with actions add :class:`ScopedActionContract`.
    """

    reading_roles: tuple[str, ...] = ("admin", "analyst", "director", "viewer")
    max_queries: int = 30
    other_municipality = "13122"

    @pytest.fixture
    def login(self, client):
        return lambda user: login_as(client, user)

    def test_anonymous_is_sent_to_login(self, client, scoped_page):
        url, _code = scoped_page
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/entrar/")

    def test_every_reading_role_of_its_municipality_sees_it(
        self, scoped_page, make_user, login, django_assert_max_num_queries
    ):
        url, code = scoped_page
        for role in self.reading_roles:
            client = login(make_user(f"lector-{role}", [code], role))
            with django_assert_max_num_queries(self.max_queries):
                response = client.get(url)
            assert response.status_code == 200, (role, response.status_code)
            client.logout()

    def test_another_municipality_gets_404(self, scoped_page, make_user, login, penalolen):
        url, _code = scoped_page
        client = login(make_user("de-otro-municipio", [self.other_municipality], "admin"))
        assert client.get(url).status_code == 404


class ScopedActionContract:
    """Inherit beside :class:`ScopedPageContract` for a page with actions; provide ``scoped_action``:
    ``(url, data, roles_that_may_act)``. Roles that read but may not act get 403; another municipality 404."""

    def test_only_acting_roles_act_and_others_get_404(self, scoped_page, scoped_action, make_user, login, penalolen):
        url, data, acting_roles = scoped_action
        _page, code = scoped_page
        for role in ("admin", "analyst", "director", "viewer"):
            if role in acting_roles:
                continue
            client = login(make_user(f"sin-permiso-{role}", [code], role))
            assert client.post(url, data).status_code == 403, role
            client.logout()
        client = login(make_user("ajeno", [ScopedPageContract.other_municipality], "admin"))
        assert client.post(url, data).status_code == 404


class ListQueryContract:
    """Inherit for a list page or API list; provide ``scoped_list``: ``(url, municipality_code, add_rows)`` where
    ``add_rows(n)`` creates ``n`` more rows the list shows. The number of queries of one request must not grow
    with the rows (no query per row: the N+1 baseline), and the rows of another municipality never appear."""

    reader_role = "analyst"

    def prepare_reader(self, user) -> None:
        """What the reader needs besides a role (a case team, say); called before logging in."""

    def _queries(self, client, url) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        return len(captured)

    def test_queries_do_not_grow_with_the_rows(self, client, scoped_list, make_user):
        url, code, add_rows = scoped_list
        reader = make_user("lector-de-lista", [code], self.reader_role)
        self.prepare_reader(reader)
        login_as(client, reader)
        add_rows(1)
        self._queries(client, url)  # the first request also warms per-session caches
        few = self._queries(client, url)
        add_rows(5)
        many = self._queries(client, url)
        assert many == few, f"{url}: {few} consultas con pocas filas, {many} con más (¿una consulta por fila?)"
