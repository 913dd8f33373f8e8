"""Production defaults (issue 10): DEBUG off unless asked for, and error pages in Spanish that reveal nothing."""

from __future__ import annotations

import os
import subprocess
import sys

from django.template.loader import render_to_string
from django.test import Client

from atalaya import cli
from atalaya.cli import base as cli_base


def test_the_default_settings_and_wsgi_module_run_without_debug():
    assert cli_base.DEFAULT_SETTINGS == "atalaya.web.settings.local"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    probe = "import atalaya.web.wsgi; from django.conf import settings; print(settings.DEBUG, settings.SETTINGS_MODULE)"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "atalaya.web.settings.local"]
    assert cli.build_parser().parse_args(["serve", "--debug"]).debug is True


def test_404_is_spanish_and_lists_no_url_patterns(client, db):
    response = client.get("/no-existe/")
    page = response.content.decode()
    assert response.status_code == 404 and "No encontrado" in page
    assert "URLconf" not in page and "datos/" not in page.split("<main>")[1]


def test_csrf_failure_is_spanish(db):
    response = Client(enforce_csrf_checks=True).post("/entrar/", {"username": "x", "password": "y"})
    page = response.content.decode()
    assert (
        response.status_code == 403 and "No se pudo verificar el formulario" in page and "CSRF verification" not in page
    )


def test_bad_host_is_a_spanish_400(client, db):
    response = client.get("/", HTTP_HOST="atacante.example")
    assert response.status_code == 400 and "Solicitud inválida" in response.content.decode()


def test_500_page_needs_no_request_and_is_spanish():
    page = render_to_string("500.html")
    assert "Algo falló en el servidor" in page and 'lang="es"' in page
