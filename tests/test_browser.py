"""Key pages in a real browser (Debian's Chromium, driven by Playwright): login, municipality page, upload."""

import datetime as dt
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
    from atalaya.datasets.models import ColumnMapping
    from atalaya.web.bootstrap import load_builtin_catalogues
    from tests.conftest import load_neza

    load_builtin_catalogues()
    load_neza(tmp_path)
    outcome = import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    assert outcome.status == "importado"
    ColumnMapping.objects.create(
        name="policia-prueba",
        definition={
            "source": "policia-prueba",
            "catalogue": "sesnsp",
            "columns": {
                "record_id": "id",
                "date": "fecha",
                "time": "hora",
                "category": "delito",
                "lat": "lat",
                "lon": "lon",
                "territory": "cuadrante",
            },
        },
    )
    assert (
        import_file(
            "incidents",
            fixtures_dir / "incidentes_generico.csv",
            municipality_code="15058",
            mapping_name="policia-prueba",
        ).status
        == "importado"
    )
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
    page = browser.new_page()
    _login(page, live_server)
    page.goto(f"{live_server.url}/datos/importar/")
    page.select_option("#id_format", "cead")
    page.select_option("#id_municipality", label="Nezahualcóyotl (15058)")
    page.set_input_files("#id_file", str(fixtures_dir / "cead_tidy.csv"))
    page.click("button.primary")
    page.wait_for_selector("text=Validación de")
    assert "no tiene filas de los municipios" in page.content()


def test_dashboard_draws_chart_map_and_table_and_follows_filters(browser, live_server, seeded):
    page = browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server)
    page.goto(f"{live_server.url}/indicadores/15058/?fuente=policia-prueba&nivel=sector")
    page.wait_for_selector("#grafico-serie[data-rendered=true] .main-svg")
    page.wait_for_selector("#mapa[data-rendered=true] .main-svg")
    assert page.locator("#ranking tbody tr").count() == 3  # S1, S2 and incidents without territory
    assert page.locator(".kpi").count() == 8
    page.select_option("#f-nivel", "cuadrante")
    page.wait_for_url("**nivel=cuadrante**")
    page.wait_for_selector("#mapa[data-rendered=true] .main-svg")
    assert page.locator("#ranking tbody tr").count() == 5
    page.select_option("#f-fuente", "sesnsp")
    page.wait_for_url("**fuente=sesnsp**")
    page.wait_for_selector("#grafico-serie[data-rendered=true] .main-svg")
    assert page.locator("#mapa").count() == 0 and "no hay desagregación territorial" in page.content()
    assert errors == []


def test_network_and_public_portal_pages(browser, live_server, seeded):
    from atalaya.geo.models import Municipality
    from atalaya.indicators.models import Indicator, Publication

    Publication.objects.create(
        municipality=Municipality.objects.get(code="15058"),
        indicator=Indicator.objects.get(code="homicidio-doloso"),
        is_public=True,
    )
    page = browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/publico/15058/")
    assert "Homicidio intencional" in page.content()
    _login(page, live_server)
    page.goto(f"{live_server.url}/indicadores/red/?fuente=sesnsp")
    page.wait_for_selector("#grafico-red[data-rendered=true] .main-svg")
    assert page.locator("#red tbody tr").count() == 1
    page.goto(f"{live_server.url}/api/docs/")  # Swagger UI from the sidecar wheel, under the CSP
    page.wait_for_selector(".swagger-ui .opblock")
    assert "API de Atalaya" in page.locator("h1").first.inner_text()
    assert errors == []


def test_alert_detail_and_map_layers_render(browser, live_server, seeded, tmp_path):
    import datetime as dt

    from atalaya.alerts.models import Alert
    from atalaya.geo.models import Municipality, Territory
    from atalaya.taxonomy.models import Family

    weeks = [dt.date(2025, 1, 6) + dt.timedelta(weeks=k) for k in range(26)]
    points = [
        {"period": d.isoformat(), "count": 3 + (k == 25) * 9, "expected": 3.0, "upperbound": 7.0, "alarm": k == 25}
        for k, d in enumerate(weeks)
    ]
    alert = Alert.objects.create(
        municipality=Municipality.objects.get(code="15058"),
        territory=Territory.objects.get(code="C1"),
        family=Family.objects.get(code="robos-con-violencia"),
        source="policia-prueba",
        freq="week",
        method="farrington-noufaily",
        first_period=weeks[-1],
        last_period=weeks[-1],
        peak_period=weeks[-1],
        count=12,
        expected=3.0,
        upperbound=7.0,
        severity=2,
        points=points,
    )
    page = browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server)
    page.goto(f"{live_server.url}/alertas/")
    page.click(f"a[href='/alertas/{alert.pk}/']")
    page.wait_for_selector("#grafico-alerta[data-rendered=true] .main-svg")
    assert page.locator("#grafico-alerta .scatterlayer .trace").count() == 4  # expected, band, cases, alarms
    ticks = " ".join(t or "" for t in page.locator("#grafico-alerta .xtick text").all_text_contents())
    assert any(month in ticks for month in ("ene", "feb", "mar", "abr", "may", "jun")), ticks  # plotly in Spanish
    assert not any(month in ticks for month in ("Jan", "Feb", "Apr", "May", "Jun")), ticks
    assert page.locator("#grafico-alerta .modebar-btn[data-title='Descargar como PNG']").count() == 1
    page.select_option("#id_to_status", "en_revision")
    page.click("#form-estado button")
    page.wait_for_selector("text=Estado de la alerta: en revisión.")
    assert "en revisión" in page.locator("#estado").inner_text()
    page.goto(f"{live_server.url}/mapa/15058/?desde=2025-01-01&hasta=2025-12-31")
    page.wait_for_selector("#mapa[data-rendered=true] canvas")  # MapLibre drew the map
    page.wait_for_timeout(1500)
    assert "2 hechos con ubicación" in page.locator("#nota-mapa").inner_text()  # A4 lies outside: not drawn
    page.screenshot(path=str(tmp_path / "mapa.png"))


def test_map_layers_render(browser, live_server, seeded, tmp_path):
    """Every layer of the map page on the seeded incidents, switched on from the form as a user would."""
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server)
    page.goto(f"{live_server.url}/mapa/15058/?desde=2025-01-01&hasta=2025-12-31&hex=1000")
    for box in page.locator("fieldset.layers input[type=checkbox]").all():
        box.check()
    page.click("#filtros-mapa button[type=submit]")
    page.wait_for_url("**capas=lisa**")
    page.wait_for_selector("#mapa[data-rendered=true] canvas")
    page.wait_for_timeout(2000)
    legend = page.locator("#mapa .legend").text_content()
    assert "territorios por tasa" in legend and "hechos (agrupados)" in legend
    assert "Densidad: núcleo cuártico" in page.locator("#notas-capas").inner_text()
    with page.expect_download() as download:
        page.click("a[href*='capa/calientes.geojson']")
    assert download.value.suggested_filename == "15058-calientes.geojson"
    page.screenshot(path=str(tmp_path / "capas.png"))
    # No label glyphs are asked for (the map has no text layer): no error at all, not even a 404.
    assert errors == []
    assert "Fuente: policia-prueba, con datos hasta el" in page.locator("#nota-mapa").inner_text()
    colour_bars = page.locator("#mapa .colorbar").count()
    assert colour_bars == 2  # the rate layer's and the density layer's


def test_reconciliation_run_review_and_decide(browser, live_server, seeded, fixtures_dir):
    """The mesa de validación: a second source of the same file, reconciled and reviewed in the browser."""
    from atalaya.datasets.importing import import_file
    from atalaya.datasets.models import ColumnMapping

    mapping = ColumnMapping.objects.get(name="policia-prueba")
    ColumnMapping.objects.create(name="fiscalia-prueba", definition={**mapping.definition, "source": "fiscalia-prueba"})
    outcome = import_file(
        "incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="15058", mapping_name="fiscalia-prueba"
    )
    assert outcome.status == "importado"
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server)
    page.click("nav >> text=Conciliación")
    page.select_option("#id_municipality", index=1)  # the only municipality Ana analyses
    page.select_option("#id_family", value="violencia-familiar")
    page.fill("#id_sources", "policia-prueba, fiscalia-prueba")
    page.fill("#id_start", "2025-01-01")
    page.fill("#id_end", "2025-12-31")
    page.click("#run-form button[type=submit]")
    page.wait_for_selector("#job-message, .errorlist", timeout=10_000)  # it runs as a background job
    assert page.locator(".errorlist").count() == 0, page.locator(".errorlist").all_inner_texts()
    page.click("text=Ver el resultado")
    page.wait_for_selector("#agreed")
    agreed = int(page.locator("#agreed").inner_text())
    first_run = page.url.rstrip("/").split("/")[-1]
    matched = page.locator("#pairs tr.coincide").count()
    assert matched >= 1 and agreed == matched + page.locator("#pairs tr.solo_a, #pairs tr.solo_b").count()
    first = page.locator("#pairs tr.coincide form.decide").first
    first.locator("select").select_option("distinto")
    first.locator("input[name=reason]").fill("Dos hechos distintos en la misma esquina.")
    first.locator("button").click()
    page.wait_for_selector("text=Decisión registrada")
    assert page.locator("#decisions tbody tr").count() == 1
    page.click('button:has-text("Ejecutar de nuevo")')
    page.wait_for_selector("#job-message")
    page.click("text=Ver el resultado")
    page.wait_for_url(lambda url: "/conciliacion/" in url and not url.endswith(f"/conciliacion/{first_run}/"))
    assert int(page.locator("#agreed").inner_text()) == agreed + 1  # one event became two
    assert errors == []


def test_an_administrator_sets_up_the_second_factor(browser, live_server, seeded, tmp_path):
    """Login → the QR page (inline SVG under the CSP) → the code → backup codes → the observatory."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from atalaya.accounts.services import create_user

    create_user("jefa", "clave-de-prueba-123", municipality_codes=["15058"], role="admin")
    page = browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/entrar/")
    page.fill("#id_username", "jefa")
    page.fill("#id_password", "clave-de-prueba-123")
    page.click("button.primary")
    page.wait_for_selector("text=Active el segundo factor de su cuenta")
    qr = page.locator("svg.segno")
    assert qr.is_visible() and qr.bounding_box()["width"] > 100
    page.screenshot(path=str(tmp_path / "doble-factor.png"), full_page=True)
    device = TOTPDevice.objects.get(user__username="jefa")
    page.fill("#id_token", f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    page.click("button.primary")
    page.wait_for_selector("text=Códigos de respaldo")
    assert page.locator("ul.codes li").count() == 10
    page.click("text=Continuar")
    page.wait_for_selector("text=Municipios del observatorio")
    assert errors == []


def _log_in_with_second_factor(page, url: str, username: str, device) -> None:
    """Password, the authenticator's code, and the code of conduct at the first login of a case team member."""
    from django_otp.oath import totp

    page.goto(f"{url}/entrar/")
    page.fill("#id_username", username)
    page.fill("#id_password", "clave-de-prueba-123")
    page.click("button.primary")
    page.fill("#id_token", f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    page.click("button.primary")
    page.wait_for_selector("text=Código de conducta")
    page.locator("form button[type=submit]").last.click()


def _submit_action(page, link_text: str, fields: dict) -> None:
    """Open a change page of the case from its link, fill it and send it; back on the case."""
    page.click(f"text={link_text}")
    for selector, value in fields.items():
        if selector.startswith("select:"):
            page.select_option(selector[7:], **value)
        else:
            page.fill(selector, value)
    page.click("#form-accion button[type=submit]")
    page.wait_for_selector("#etapa")


def test_a_case_goes_from_intake_to_closure_in_the_browser(browser, live_server, seeded, tmp_path):
    """A case worker's first login (authenticator set up by the demo, code of conduct), an intake with a RUT, a
    screening built from the instrument, the assessment approved by the supervisor in her own session, consents,
    a plan line, a referral accepted and done, a follow-up with its result, and the closure approved."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from atalaya.accounts.services import create_user
    from atalaya.cases.models import Service, Team, TeamMember
    from atalaya.geo.services import register_municipality

    register_municipality("13122", "Peñalolén", country="CL", region="Metropolitana")
    devices = {}
    team = None
    for username, role in (("gestora", "gestor"), ("supervisora", "supervisor")):
        user = create_user(username, "clave-de-prueba-123", municipality_codes=["13122"], role="viewer")
        team = team or Team.objects.create(
            municipality=user.memberships.get().municipality, module="ninez", name="OLN norte"
        )
        TeamMember.objects.create(team=team, user=user, role=role)
        devices[username] = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    Service.objects.create(municipality=team.municipality, name="Reinserción escolar", provider="DAEM")
    errors = []
    worker_page, supervisor_page = browser.new_page(), browser.new_context().new_page()
    for page in (worker_page, supervisor_page):
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    page = worker_page
    _log_in_with_second_factor(page, live_server.url, "gestora", devices["gestora"])
    page.click("nav >> text=Casos")
    page.click("text=Registrar un ingreso")
    page.select_option("#id_team", index=1)
    page.fill("#id_national_id", "12.345.678-5")
    page.fill("#id_given_names", "Josefa")
    page.fill("#id_family_names", "Muñoz")
    page.select_option("#id_channel", value="escuela")
    page.click("#form-ingreso button[type=submit]")
    page.wait_for_selector("#nombre")
    assert "Josefa Muñoz" in page.locator("#nombre").inner_text()
    case_url = page.url
    page.click("text=Tamizar con")
    page.check("input[name=f_contacto_policial]")
    page.check("input[name=f_desercion]")
    page.check("input[name=f_violencia_intrafamiliar]")
    page.click("#form-tamizaje button[type=submit]")
    page.wait_for_selector("#tamizajes")
    assert page.locator("#riesgo").inner_text().strip() == "Alta"  # 3 + 3 + 3 = 9 ≥ 8
    assert page.locator("#etapa").inner_text().startswith("Evaluación")
    _submit_action(page, "Pedir aprobación", {"select:#id_kind": {"value": "evaluacion"}, "#id_note": "Tamizaje hecho"})

    _log_in_with_second_factor(supervisor_page, live_server.url, "supervisora", devices["supervisora"])
    supervisor_page.click("nav >> text=Casos")
    supervisor_page.click('#aprobaciones a:text-is("Resolver")')
    supervisor_page.click("#form-accion button[type=submit]")  # «Aprobar» is the first choice
    supervisor_page.wait_for_selector("#etapa")
    assert supervisor_page.locator("#etapa").inner_text().startswith("Plan de intervención")

    page.goto(case_url)
    for purpose in ("servicios", "compartir"):
        _submit_action(
            page,
            "Registrar un consentimiento",
            {"select:#id_purpose": {"value": purpose}, "#id_given_by": "Madre"},
        )
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    _submit_action(
        page,
        "Agregar una línea al plan",
        {"select:#id_service": {"index": 1}, "#id_goal": "Volver a clases", "#id_due_date": due},
    )
    _submit_action(page, "Derivar o transferir", {"select:#id_service_line": {"index": 1}})
    for status in ("aceptada", "realizada"):
        _submit_action(page, "Responder", {"select:#id_to_status": {"value": status}})
    assert "Cumplida" in page.locator("#tabla-plan").inner_text()
    _submit_action(
        page, "Programar un seguimiento o tarea", {"#id_description": "Visita domiciliaria", "#id_due_date": due}
    )
    _submit_action(page, "Registrar resultado", {"#id_result": "Asiste a clases desde el lunes."})
    page.click("text=Pedir aprobación")
    page.select_option("#id_kind", value="plan")
    page.click("#form-accion button[type=submit]")
    page.wait_for_selector("#etapa")

    supervisor_page.goto(case_url)
    supervisor_page.click('#tabla-aprobaciones a:text-is("Resolver")')
    supervisor_page.click("#form-accion button[type=submit]")
    supervisor_page.wait_for_selector("#etapa")
    assert supervisor_page.locator("#etapa").inner_text().startswith("Servicios cumplidos")

    _submit_action(
        page,
        "Pedir aprobación",
        {"select:#id_kind": {"value": "cierre"}, "select:#id_outcome": {"value": "objetivos_cumplidos"}},
    )
    supervisor_page.goto(case_url)
    supervisor_page.click('#tabla-aprobaciones a:text-is("Resolver")')
    supervisor_page.click("#form-accion button[type=submit]")
    supervisor_page.wait_for_selector("#etapa")
    assert supervisor_page.locator("#etapa").inner_text().startswith("Cerrado")
    assert "Objetivos del plan cumplidos" in supervisor_page.locator("#etapa").inner_text()
    page.goto(case_url)
    page.screenshot(path=str(tmp_path / "caso.png"), full_page=True)
    if os.environ.get("ATALAYA_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["ATALAYA_SCREENSHOTS"], "caso.png"), full_page=True)
    assert errors == []


def test_a_neighbour_reports_on_the_map_follows_it_and_a_mesa_agreement_closes_it(
    browser, live_server, seeded, tmp_path, settings
):
    """Issue 13: report a problem by clicking the map, follow it publicly, and close it through a mesa agreement
    that ends on the public accountability page."""
    from atalaya.proximity import services
    from atalaya.proximity.models import Mesa, Problem

    settings.ATTACHMENTS_DIR = tmp_path / "adjuntos"
    neza = Problem._meta.get_field("municipality").related_model.objects.get(code="15058")
    services.load_default_categories(neza)
    Mesa.objects.create(municipality=neza, name="Mesa del sector 1")
    page = browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/publico/15058/problemas/reportar/")
    page.wait_for_selector("#mapa-lugar[data-rendered=true] canvas")
    page.wait_for_timeout(800)
    box = page.locator("#mapa-lugar canvas").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.35)  # inside the municipality
    page.wait_for_function("document.getElementById('id_lat').value !== ''")
    page.select_option("#id_category", label="Luminaria apagada o alumbrado insuficiente")
    page.fill("#id_title", "Pasaje sin luz")
    page.fill("#id_description", "Desde hace un mes")
    page.click("text=Enviar reporte")
    page.wait_for_selector("text=Guárdelo para seguirlo")
    problem = Problem.objects.get()
    assert problem.territory is not None and problem.source == "ciudadano"
    public_url = page.url

    _login(page, live_server)
    page.goto(f"{live_server.url}/proximidad/problemas/{problem.pk}/")
    page.select_option("#id_to", "confirmado")
    page.fill("#id_text", "La ronda lo confirmó")
    page.click("form[action$='/estado/'] button")
    page.wait_for_selector("text=Estado cambiado a «confirmado».")
    mesa = Mesa.objects.get()
    page.goto(f"{live_server.url}/proximidad/mesas/{mesa.pk}/")
    page.fill("#id_starts_at", "2030-01-15T18:00")
    page.select_option("#id_kind", "convocatoria_agil")
    page.fill("#id_problem", problem.reference)
    page.click("form[action$='/convocar/'] button")
    page.wait_for_selector("text=Sesión convocada")
    page.click("a[href^='/proximidad/sesiones/']")
    page.fill("#id_title", "Reponer la luminaria del pasaje")
    page.fill("#id_owner", "Dirección de Operaciones")
    page.fill("#id_institution", "Municipio")
    page.fill("#id_deadline", "2030-01-31")
    page.click("form[action$='/acuerdos/'] button")
    page.wait_for_selector("text=Acuerdo registrado.")
    page.goto(f"{live_server.url}/proximidad/mesas/{mesa.pk}/")
    row = page.locator("tr", has_text="Reponer la luminaria del pasaje")
    row.locator("select[name=status]").select_option("cumplido")
    row.locator("input[name=evidence]").fill("Foto de la luminaria encendida")
    row.locator("button").click()
    page.wait_for_selector("text=Acuerdo actualizado.")
    page.goto(f"{live_server.url}/proximidad/problemas/{problem.pk}/")
    page.select_option("#id_to", "cerrado")
    page.select_option("#id_outcome", "resuelto")
    page.fill("#id_text", "La mesa cumplió el acuerdo: el pasaje tiene luz")
    page.click("form[action$='/estado/'] button")
    page.wait_for_selector("text=Estado cambiado a «cerrado».")

    page.goto(public_url)
    assert "cerrado" in page.inner_text("dl.facts") and "el pasaje tiene luz" in page.content()
    page.goto(f"{live_server.url}/publico/15058/compromisos/")
    page.wait_for_selector("text=1 de 1 acuerdos cumplidos")
    page.click("text=Mesa del sector 1")
    page.wait_for_selector("#acuerdos")
    assert "Reponer la luminaria del pasaje" in page.content()
    page.goto(f"{live_server.url}/publico/15058/problemas/")
    page.wait_for_selector("#mapa-problemas[data-rendered=true] canvas")
    page.screenshot(path=str(tmp_path / "problemas.png"))
    assert not errors, errors


def test_a_survey_is_imported_and_a_programme_planned_in_the_browser(browser, live_server, seeded, settings, tmp_path):
    """ENSU's CB table through the upload form, the survey page's chart and ranking, the dashboard panel beside the
    rates; then a programme created, given a logical framework level, an indicator and a budget, with its chart."""
    from pathlib import Path

    settings.DATA_DIR = tmp_path
    fixtures = Path(__file__).parent / "fixtures" / "surveys"
    page = browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server)
    page.goto(f"{live_server.url}/encuestas/15058/importar/")
    page.set_input_files("#id_file", str(fixtures / "conjunto_de_datos_ensu_cb_0323.csv"))
    page.click("button.primary")
    page.wait_for_selector("text=Encuesta importada")
    page.goto(f"{live_server.url}/encuestas/15058/")
    page.wait_for_selector("#grafico-ciudades[data-rendered=true] .main-svg")
    assert page.locator("#ranking-ciudades tbody tr").count() == 6
    page.select_option("#f-indicador", "confianza_policia_municipal")
    page.wait_for_url("**indicador=confianza_policia_municipal**")
    page.wait_for_selector("#grafico-ciudades[data-rendered=true] .main-svg")
    assert "Ciudad Nezahualcóyotl" in page.locator("#ranking-ciudades").inner_text()
    page.screenshot(path=str(tmp_path / "encuestas.png"), full_page=True)
    page.goto(f"{live_server.url}/indicadores/15058/?fuente=policia-prueba")
    page.wait_for_selector("#grafico-serie[data-rendered=true] .main-svg")
    assert "Percepción y confianza" in page.content()

    page.goto(f"{live_server.url}/programas/15058/nuevo/")
    page.fill("#id_code", "jovenes")
    page.fill("#id_name", "Jóvenes en el barrio")
    page.fill("#id_start", "2024-01-01")
    page.click("button.primary")
    page.wait_for_selector("h1:has-text('Jóvenes en el barrio')")
    page.click("text=Agregar un nivel")
    page.select_option("#id_nivel-kind", "proposito")
    page.fill("#id_nivel-narrative", "Jóvenes con oficio y sin conflictos con la ley")
    page.click("text=Agregar nivel")
    page.wait_for_selector("text=Nivel agregado al marco lógico.")
    page.click("text=Agregar un indicador")
    page.select_option("#id_indicador-level", label="Propósito: Jóvenes con oficio y sin conflictos con la ley")
    page.fill("#id_indicador-code", "P1")
    page.fill("#id_indicador-name", "Jóvenes que terminan el taller")
    page.click("text=Agregar indicador")
    page.wait_for_selector("text=Indicador agregado")
    page.click("text=Agregar una meta")
    page.fill("#id_meta-period_start", "2024-01-01")
    page.fill("#id_meta-period_end", "2024-12-31")
    page.fill("#id_meta-value", "120")
    page.click("text=Guardar meta")
    page.wait_for_selector("text=Meta guardada.")
    page.click("text=Jóvenes en el barrio")
    page.click("text=Agregar o corregir una línea")
    page.fill("#id_presupuesto-year", "2024")
    page.fill("#id_presupuesto-planned", "1500000")
    page.fill("#id_presupuesto-actual", "1350000")
    page.click("#id_presupuesto-actual >> xpath=ancestor::form//button")
    page.wait_for_selector("#grafico-presupuesto[data-rendered=true] .main-svg")
    page.screenshot(path=str(tmp_path / "programa.png"), full_page=True)
    assert errors == []


def test_a_practice_is_contributed_found_and_a_diagnosis_generated(browser, live_server, seeded, settings, tmp_path):
    """Issue 15: an analyst contributes a practice through the form and finds it by searching with other accents
    and plurals; then generates the diagnosis pack and downloads its PDF."""
    page = browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server)
    page.goto(f"{live_server.url}/red/practicas/nueva/")
    if page.is_enabled("#id_municipality"):
        page.select_option("#id_municipality", label="Nezahualcóyotl (15058)")
    page.fill("#id_code", "jovenes-oficios")
    page.fill("#id_title", "Talleres de oficios para jóvenes")
    page.fill("#id_summary", "Talleres nocturnos de oficios en espacios públicos recuperados")
    page.fill("#id_problem", "Riñas de jóvenes los fines de semana")
    page.click("button.primary")
    page.wait_for_selector("h1:has-text('Talleres de oficios para jóvenes')")
    page.goto(f"{live_server.url}/red/practicas/")
    page.fill("input[name=q]", "talleres jovenes espacio publico")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=talleres**")
    assert "Talleres de oficios para jóvenes" in page.content()
    page.fill("input[name=q]", "extorsión telefónica")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=extorsi**")
    assert "Talleres de oficios para jóvenes" not in page.content()

    page.goto(f"{live_server.url}/publicaciones/15058/")
    page.fill("#id_start", "2025-01")
    page.fill("#id_end", "2025-06")
    page.click("text=Generar diagnóstico")
    page.wait_for_selector("text=Diagnóstico listo", timeout=60_000)
    page.goto(f"{live_server.url}/publicaciones/15058/")
    with page.expect_download() as download:
        page.click("#documentos >> text=PDF")
    path = tmp_path / "diagnostico.pdf"
    download.value.save_as(path)
    assert path.read_bytes()[:5] == b"%PDF-"
    assert errors == []
