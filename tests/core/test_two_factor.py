"""Second factor: who must use it, setting up an authenticator, backup codes, verifying, the API."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from atalaya.core.access import requires_two_factor

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_who_must_use_it(make_user, neza, settings):
    assert requires_two_factor(get_user_model().objects.create(username="root", is_superuser=True))
    assert requires_two_factor(make_user("jefa", ["15058"], "admin"))
    assert not requires_two_factor(make_user("ana", ["15058"], "analyst"))
    settings.ATALAYA_TWO_FACTOR_ROLES = ["admin", "analyst"]  # a module with sensitive records adds its roles
    assert requires_two_factor(get_user_model().objects.get(username="ana"))


def test_setting_up_an_authenticator_and_the_backup_codes(client, make_user, neza):
    user = make_user("jefa", ["15058"], "admin")
    client.force_login(user)
    response = client.get("/indicadores/15058/")
    assert response.status_code == 302 and response["Location"].startswith("/doble-factor/configurar/?next=")
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and "<svg" in text and "Active el segundo factor" in text
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post("/doble-factor/configurar/", {"token": "000000" if _code(device) != "000000" else "111111"})
    assert "El código no coincide" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above delayed the next try; the user waits, the test does not
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post("/doble-factor/configurar/", {"token": _code(device), "next": "/indicadores/15058/"})
    assert done.status_code == 302 and done["Location"].startswith("/doble-factor/codigos/")
    codes_page = client.get(done["Location"]).content.decode()
    codes = [line.split("<code>")[1].split("</code>")[0] for line in codes_page.split("<li>")[1:]]
    assert len(codes) == 10
    assert "ya se mostraron" in client.get("/doble-factor/codigos/").content.decode()  # shown once
    assert client.get("/indicadores/15058/").status_code == 200  # this session is verified
    # A new session: verify with a backup code, which then no longer works.
    client.logout()
    client.force_login(user)
    assert client.get("/indicadores/15058/")["Location"].startswith("/doble-factor/verificar/")
    assert client.post("/doble-factor/verificar/", {"token": codes[0], "next": "/"})["Location"] == "/"
    client.logout()
    client.force_login(user)
    again = client.post("/doble-factor/verificar/", {"token": codes[0], "next": "/"})
    assert again.status_code == 200 and "Código incorrecto o ya usado" in again.content.decode()


def test_the_next_address_stays_on_this_site(client, make_user, neza):
    from atalaya.core.testing import verify_second_factor

    user = make_user("jefa", ["15058"], "admin")
    verify_second_factor(client, user)
    client.logout()
    client.force_login(user)
    token = user.staticdevice_set.get().token_set.create(token="otro1234").token
    response = client.post("/doble-factor/verificar/", {"token": token, "next": "https://malicioso.example/"})
    assert response["Location"] == "/"


def test_analysts_are_not_asked_and_the_api_refuses_an_unverified_admin(client, make_user, neza):
    client.force_login(make_user("ana", ["15058"], "analyst"))
    assert client.get("/indicadores/15058/").status_code == 200
    client.force_login(make_user("jefa", ["15058"], "admin"))
    response = client.get("/api/municipalities/")
    assert response.status_code == 403 and "segundo factor" in response.json()["detail"]
    assert client.get("/publico/").status_code == 200  # the public portal needs nothing


def test_a_role_that_must_accept_the_code_of_conduct_sees_only_it_until_it_does(client, make_user, neza, settings):
    from atalaya.core.models import ConductAcceptance

    settings.ATALAYA_CODE_OF_CONDUCT_ROLES = ["analyst"]
    user = make_user("ana", ["15058"], "analyst")
    client.force_login(user)
    response = client.get("/indicadores/15058/")
    assert response.status_code == 302 and response["Location"].startswith("/codigo-de-conducta/?next=")
    page = client.get(response["Location"]).content.decode()
    assert "Código de conducta" in page and "Versión 2026-12" in page
    accepted = client.post("/codigo-de-conducta/", {"acepto": "1", "next": "/indicadores/15058/"})
    assert accepted["Location"] == "/indicadores/15058/"
    assert client.get("/indicadores/15058/").status_code == 200
    assert ConductAcceptance.objects.get(user=user).username == "ana"
    settings.ATALAYA_CODE_OF_CONDUCT_VERSION = "2027-01"  # a new version is asked again
    assert client.get("/indicadores/15058/").status_code == 302
    client.force_login(make_user("dir", ["15058"], "director"))  # roles not listed are not asked
    assert client.get("/indicadores/15058/").status_code == 200


def test_the_navigation_is_hidden_until_the_second_factor(client, make_user, neza):
    client.force_login(make_user("jefa", ["15058"], "admin"))
    page = client.get("/doble-factor/configurar/").content.decode()
    assert 'href="/alertas/"' not in page and "Salir" in page  # the header's logout form stays
