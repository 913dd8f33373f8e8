"""Alert pages and API: scope by municipality (404 outside), who may act, the lifecycle through the web and API."""

import json

import pytest
from django.urls import reverse

from atalaya.alerts import services
from atalaya.alerts.models import Alert, AlertSettings, QuietPeriod, Status, Subscription

pytestmark = pytest.mark.django_db


def _login(client, user):
    from atalaya.core.testing import login_as

    return login_as(client, user)


def test_inbox_lists_open_alerts_and_filters(client, alerted, make_user):
    _login(client, make_user("analista", ["15058"], "analyst"))
    page = client.get(reverse("alerts:inbox")).content.decode()
    assert "Robos con violencia en Cuadrante 1" in page and "2026-W43" in page
    assert "Cuadrante 1" not in client.get(reverse("alerts:inbox") + "?q=Sector").content.decode()
    assert "Robos con violencia en Cuadrante 1" in client.get(reverse("alerts:inbox") + "?q=C1").content.decode()
    assert "No hay alertas" in client.get(reverse("alerts:inbox") + "?status=cerrada").content.decode()


def test_the_page_and_the_api_share_one_filter_set(client, alerted, make_user, rf):
    from atalaya.alerts.api.views import AlertList
    from atalaya.alerts.filters import AlertFilter
    from atalaya.alerts.views import AlertListView

    user = make_user("analista", ["15058"], "analyst")
    _login(client, user)
    assert AlertList.filterset_class is AlertFilter and AlertList.query_params == frozenset(AlertFilter.base_filters)
    for query in ("status=abiertas&q=C1", "status=todas&min_severity=1", "status=cerrada", "freq=month"):
        api = {a["id"] for a in client.get(f"/api/alerts/?{query}").json()["results"]}
        request = rf.get(f"/alertas/?{query}")
        request.user = user
        page = AlertListView.as_view()(request).context_data["object_list"]
        assert api == {a.pk for a in page}, query
    bad = client.get("/api/alerts/?status=inexistente")
    assert bad.status_code == 400 and "status" in bad.json()  # the API refuses what the page ignores
    assert client.get(reverse("alerts:inbox") + "?status=inexistente").status_code == 200


def test_other_municipality_sees_nothing_and_gets_404(client, alerted, make_user, penalolen):
    _login(client, make_user("chileno", ["13122"], "admin"))
    assert "No hay alertas" in client.get(reverse("alerts:inbox")).content.decode()
    assert client.get(reverse("alerts:detail", args=[alerted.pk])).status_code == 404
    assert (
        client.post(reverse("alerts:action", args=[alerted.pk, "estado"]), {"to_status": "cerrada"}).status_code == 404
    )
    assert client.get(f"/api/alerts/{alerted.pk}/").status_code == 404
    assert client.get("/api/alerts/").json()["results"] == []


def test_anonymous_is_sent_to_login(client, alerted):
    assert client.get(reverse("alerts:inbox")).status_code == 302
    assert client.get(f"/api/alerts/{alerted.pk}/").status_code in (401, 403)


def test_detail_shows_explanation_chart_band_and_map_link(client, alerted, make_user):
    _login(client, make_user("analista", ["15058"], "analyst"))
    response = client.get(reverse("alerts:detail", args=[alerted.pk]))
    page = response.content.decode()
    assert services.explain(alerted) in page.replace("&#x27;", "'")
    spec = json.loads(page.split('id="spec-alerta" type="application/json">')[1].split("</script>")[0])
    expected, upper = spec["data"][0]["y"], spec["data"][1]["y"]
    assert sum(v is not None for v in upper) >= 20  # the band covers the chart, not just the alarm week
    assert all(u >= e for e, u in zip(expected, upper, strict=True) if e is not None and u is not None)
    map_url = services.map_url(alerted)
    assert map_url in page.replace("&amp;", "&") and "territorio=C1" in map_url and "familia=" in map_url
    assert client.get(map_url).status_code == 200
    assert "worker-src 'self' blob:" in client.get(map_url)["Content-Security-Policy"]


def test_viewer_reads_but_cannot_act(client, alerted, make_user):
    _login(client, make_user("consulta", ["15058"], "viewer"))
    page = client.get(reverse("alerts:detail", args=[alerted.pk])).content.decode()
    assert "form-estado" not in page
    response = client.post(reverse("alerts:action", args=[alerted.pk, "estado"]), {"to_status": "en_revision"})
    assert response.status_code == 403
    assert client.post(f"/api/alerts/{alerted.pk}/transition/", {"status": "en_revision"}).status_code == 403
    alerted.refresh_from_db()
    assert alerted.status == Status.NEW


def test_web_lifecycle_rules_come_back_as_messages(client, alerted, make_user):
    _login(client, make_user("analista", ["15058"], "analyst"))
    url = reverse("alerts:action", args=[alerted.pk, "estado"])
    response = client.post(url, {"to_status": "cerrada"}, follow=True)
    assert "indique el resultado" in response.content.decode()
    alerted.refresh_from_db()
    assert alerted.status == Status.NEW  # nothing changed
    client.post(url, {"to_status": "cerrada", "result": "falsa_alarma", "comment": "<script>x</script>"})
    alerted.refresh_from_db()
    assert alerted.status == Status.CLOSED and alerted.result == "falsa_alarma"
    page = client.get(reverse("alerts:detail", args=[alerted.pk])).content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page  # hostile text is escaped
    client.post(reverse("alerts:action", args=[alerted.pk, "comentario"]), {"text": "Era una feria"})
    assert alerted.events.filter(kind="comentario", text="Era una feria").exists()
    stats = client.get(reverse("alerts:statistics")).content.decode()
    assert "farrington-noufaily" in stats and "0,00" in stats


def test_api_list_detail_transition_and_comment(client, alerted, make_user):
    _login(client, make_user("analista", ["15058"], "analyst"))
    listed = client.get("/api/alerts/?municipality=15058&status=abiertas").json()["results"]
    assert {a["territory"] for a in listed} == {"C1", "S1", None}
    detail = client.get(f"/api/alerts/{alerted.pk}/").json()
    assert (
        detail["explanation"].startswith("Robos con violencia en Cuadrante 1")
        and detail["events"][0]["kind"] == "creada"
    )
    assert len(detail["points"]) == services.POINTS_KEPT
    bad = client.post(f"/api/alerts/{alerted.pk}/transition/", {"status": "derivada"}, content_type="application/json")
    assert bad.status_code == 400 and "a quién" in bad.json()["detail"]
    ok = client.post(
        f"/api/alerts/{alerted.pk}/transition/",
        {"status": "derivada", "referred_to": "Mesa de seguridad del sector 1"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "derivada"
    comment = client.post(f"/api/alerts/{alerted.pk}/comments/", {"text": "Visto"}, content_type="application/json")
    assert comment.status_code == 201 and comment.json()["events"][-1]["text"] == "Visto"
    assert client.get("/api/alerts/?min_severity=x").status_code == 400


def test_inbox_puts_the_most_serious_first_and_names_the_source(client, alerted, make_user):

    _login(client, make_user("analista", ["15058"], "analyst"))
    severities = [a["severity"] for a in client.get("/api/alerts/").json()["results"]]
    assert severities == sorted(severities, reverse=True)
    page = client.get(reverse("alerts:inbox")).content.decode()
    assert f"fuente {Alert.objects.first().source}" in page


def test_assigning_tells_nothing_about_other_municipalities_people(client, alerted, make_user, penalolen):
    _login(client, make_user("analista", ["15058"], "analyst"))
    make_user("pedro", ["13122"], "analyst")  # exists, but in Peñalolén
    colleague = make_user("lucia", ["15058"], "analyst")
    answers = []
    for username in ("pedro", "nadie-con-este-nombre"):
        response = client.post(
            f"/api/alerts/{alerted.pk}/transition/",
            {"status": "derivada", "assigned_to": username},
            content_type="application/json",
        )
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1] and answers[0][0] == 400
    assert answers[0][1]["detail"] == "No hay nadie con ese usuario en este municipio."
    ok = client.post(
        f"/api/alerts/{alerted.pk}/transition/",
        {"status": "derivada", "assigned_to": colleague.username},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["assigned_to"] == "lucia"


def test_subscriptions_page(client, alerted, make_user, penalolen):
    _login(client, make_user("analista", ["15058"], "analyst"))
    client.post(reverse("alerts:subscriptions"), {"municipality": alerted.municipality_id, "mode": "semanal"})
    subscription = Subscription.objects.get()
    assert subscription.mode == "semanal" and subscription.family is None
    again = client.post(reverse("alerts:subscriptions"), {"municipality": alerted.municipality_id, "mode": "semanal"})
    assert "Ya tiene esa suscripción" in again.content.decode()
    foreign = client.post(reverse("alerts:subscriptions"), {"municipality": penalolen.pk, "mode": "inmediato"})
    assert foreign.status_code == 200 and Subscription.objects.count() == 1  # not a municipality of theirs
    client.post(reverse("alerts:subscriptions"), {"delete": subscription.pk})
    assert not Subscription.objects.exists()


def test_settings_page_edits_for_analysts_only(client, alerted, make_user):
    url = reverse("alerts:settings", args=["15058"])
    _login(client, make_user("director", ["15058"], "director"))
    assert "form-configuracion" not in client.get(url).content.decode()
    assert client.post(url, {"method": "ears-c2"}).status_code == 403
    _login(client, make_user("analista", ["15058"], "analyst"))
    page = client.get(url).content.decode()
    assert "Nivel de significación (α)" in page and "JSON" not in page  # one field per parameter, no raw JSON
    form = {"enabled": "on", "method": "ears-c2", "param_alpha": "0.001", "weekly": "on", "min_cases": 3}
    form |= {"lookback_weeks": 8, "lookback_months": 3}
    bad = client.post(url, {**form, "param_b": "3"})
    assert "El método ears-c2 no usa este parámetro" in bad.content.decode()
    bad = client.post(url, {**form, "param_alpha": "dos"})
    assert "Introduzca un número" in bad.content.decode()
    bad = client.post(url, {**form, "param_alpha": "0.9"})
    assert "menor o igual a 0,5" in bad.content.decode() or "menor o igual a 0.5" in bad.content.decode()
    assert 'value="0,01"' in client.get(url).content.decode()  # the stored α, with the Spanish decimal comma
    client.post(url, {**form, "param_alpha": "0,001", "param_baseline": "10"})  # and typed with it
    config = AlertSettings.objects.get(municipality=alerted.municipality)
    assert config.method == "ears-c2" and config.params == {"alpha": 0.001, "baseline": 10} and config.min_cases == 3
    client.post(url, {"add_quiet": "1", "start": "2026-12-01", "end": "2026-11-01", "reason": "x"})
    assert not QuietPeriod.objects.exists()  # end before start is refused
    client.post(url, {"add_quiet": "1", "start": "2026-12-01", "end": "2026-12-31", "reason": "Fiestas"})
    assert QuietPeriod.objects.get().reason == "Fiestas"
    assert client.get(reverse("alerts:settings", args=["99999"])).status_code == 404


def test_map_layers_export_geojson_with_the_filters(client, alerted, make_user):
    _login(client, make_user("analista", ["15058"], "analyst"))
    params = "?desde=2026-10-19&hasta=2026-10-25&territorio=C1"
    doc = client.get(reverse("spatial:layer", args=["15058", "tasa"]) + params).json()
    counts = {f["properties"]["codigo"]: f["properties"]["valor"] for f in doc["features"]}
    assert counts["C1"] >= 25 and counts["C2"] == 0 and doc["metadata"]["desde"] == "2026-10-19"
    assert client.get(reverse("spatial:layer", args=["15058", "nada"])).status_code == 404
    points = client.get(reverse("spatial:layer", args=["15058", "hechos"]) + params).json()
    assert points["features"] == []  # the fixture's incidents have no coordinates, only a cuadrante


def test_detection_runs_again_as_a_background_job_from_the_settings(client, alerted, make_user):
    from atalaya.core.models import Job

    _login(client, make_user("analista", ["15058"], "analyst"))
    response = client.post("/alertas/configuracion/15058/", {"detect": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/trabajos/")
    job = Job.objects.get()
    assert (job.kind, job.status, job.municipality.code) == ("alerts.detect", "terminado", "15058")
    page = client.get(response["Location"]).content.decode()
    assert "Detección terminada" in page and "/alertas/?municipality=15058" in page
    client.logout()
    _login(client, make_user("directora", ["15058"], "director"))
    assert client.post("/alertas/configuracion/15058/", {"detect": "1"}).status_code == 403
