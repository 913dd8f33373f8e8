"""Key pages in a real browser (Debian's Chromium, driven by Playwright): login, municipality page, upload."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium no está instalado (make browser-deps lo instala)"),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def seeded(transactional_db, fixtures_dir, tmp_path):
    """Transactional tests start from an empty database: load the taxonomy and one municipality here."""
    from atalaya.accounts.services import create_user
    from atalaya.datasets.importing import import_file
    from atalaya.geo.services import register_municipality
    from atalaya.taxonomy.services import sync_builtin_taxonomy
    from atalaya.web.bootstrap import ensure_reference_data

    ensure_reference_data()
    sync_builtin_taxonomy()
    register_municipality("15058", "Nezahualcóyotl", country="MX", populations={2020: 1_077_208})
    outcome = import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    assert outcome.status == "importado"
    create_user("ana", "clave-de-prueba-123", municipality_codes=["15058"], role="analyst")


def _login(page, live_server):
    page.goto(f"{live_server.url}/entrar/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", "clave-de-prueba-123")
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")


def test_login_and_municipality_page_without_console_errors(browser, live_server, seeded, tmp_path):
    page = browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server)
    assert page.locator("h1").inner_text() == "Municipios del observatorio"
    page.click("text=Nezahualcóyotl")
    page.wait_for_selector("text=Frescura de los datos")
    table = page.locator("table").nth(2)
    assert "Robos con violencia" in page.content()
    assert table.is_visible()
    page.screenshot(path=str(tmp_path / "municipio.png"), full_page=True)
    assert errors == []


def test_upload_check_shows_the_report(browser, live_server, seeded, fixtures_dir, settings):
    settings.ATALAYA_JOB_RUNNER = "sync"
    page = browser.new_page()
    _login(page, live_server)
    page.goto(f"{live_server.url}/datos/importar/")
    page.select_option("#id_format", "cead")
    page.select_option("#id_municipality", label="Nezahualcóyotl (15058)")
    page.set_input_files("#id_file", str(fixtures_dir / "cead_tidy.csv"))
    page.click("button.primary")
    page.wait_for_selector("text=Validación de")
    assert "no tiene filas de los municipios" in page.content()
