"""Login hardening: lockout after repeated failures (per user name), idle sessions, password rules."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db


def _login(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post("/entrar/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_user_name_is_locked_after_five_failures_in_spanish(client, settings):
    get_user_model().objects.create_user("luz", password="clave-correcta-123")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "luz", "mal").status_code == 200  # the form again, with its error
    locked = _login(client, "luz", "mal")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Cuenta bloqueada por un momento" in text and f"Espere {settings.ATALAYA_LOCKOUT_MINUTES} minutos" in text
    # Even the right password is refused while the lock lasts, from any address; another user elsewhere is not
    # affected, and neither is a colleague behind the same address with another browser.
    assert _login(client, "luz", "clave-correcta-123").status_code == 429
    assert _login(client, "luz", "clave-correcta-123", address="10.0.0.9").status_code == 429
    get_user_model().objects.create_user("sol", password="otra-clave-456")
    assert _login(client, "sol", "otra-clave-456", address="10.0.0.2").status_code == 302


def test_one_client_trying_many_names_is_locked(client, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        response = _login(client, f"nombre{i}", "mal", address="203.0.113.7")
    assert response.status_code == 429
    get_user_model().objects.create_user("sol", password="otra-clave-456")
    assert _login(client, "sol", "otra-clave-456", address="203.0.113.7").status_code == 429
    assert _login(client, "sol", "otra-clave-456", address="198.51.100.4").status_code == 302


def test_a_success_resets_the_count(client, settings):
    get_user_model().objects.create_user("mar", password="clave-correcta-123")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "mar", "mal")
    assert _login(client, "mar", "clave-correcta-123").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "mar", "mal").status_code == 200


def test_sessions_end_when_idle_and_with_the_browser(settings, client):
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    get_user_model().objects.create_user("rio", password="clave-correcta-123")
    response = _login(client, "rio", "clave-correcta-123")
    assert response.status_code == 302 and response.cookies["sessionid"]["expires"] == ""  # a browser-session cookie


def test_short_and_common_passwords_are_refused():
    with pytest.raises(ValidationError):
        validate_password("corta123")
    with pytest.raises(ValidationError):
        validate_password("password123")
    validate_password("una frase larga y rara 42")
