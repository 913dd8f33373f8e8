"""Alerts in the observatory: detection after each import, episodes, lifecycle, permissions and e-mail."""

import datetime as dt

import numpy as np
import pytest
from django.core import mail

from atalaya.alerts import services
from atalaya.alerts.models import Alert, AlertEvent, AlertSettings, QuietPeriod, Status, Subscription
from atalaya.datasets.importing import import_file

pytestmark = pytest.mark.django_db

LAST_DAY = dt.date(2026, 10, 31)  # a Saturday: the week of 26 October is still open


def _write_incidents(path, spike_weeks=(), extra=25, seed=1):
    """Six years of robberies in cuadrante C1 (about 6 a week) with extra cases in the given weeks back."""
    rng = np.random.default_rng(seed)
    first = dt.date(2020, 10, 5)
    lines = ["id,fecha,hora,delito,lat,lon,cuadrante"]
    n = 0
    last_monday = LAST_DAY - dt.timedelta(days=LAST_DAY.weekday()) - dt.timedelta(weeks=1)
    spikes = {last_monday - dt.timedelta(weeks=w) for w in spike_weeks}
    day = first
    while day <= LAST_DAY:
        monday = day - dt.timedelta(days=day.weekday())
        cases = rng.poisson(6 / 7) + (extra // 7 + (1 if day.weekday() < extra % 7 else 0) if monday in spikes else 0)
        for _k in range(cases):
            n += 1
            lines.append(f"R{n},{day.isoformat()},12:00,Robos con violencia o intimidación,,,C1")
        day += dt.timedelta(days=1)
    lines.append(f"R{n + 1},{LAST_DAY.isoformat()},12:00,Robos con violencia o intimidación,,,C1")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def watched(neza, police_mapping, tmp_path, make_user, django_capture_on_commit_callbacks):
    AlertSettings.objects.create(municipality=neza, monthly=False, params={"alpha": 0.01})
    analyst = make_user("analista", ["15058"], "analyst")
    analyst.email = "analista@example.org"
    analyst.save()
    Subscription.objects.create(user=analyst, municipality=neza)
    path = _write_incidents(tmp_path / "incidentes.csv", spike_weeks=(0,))
    with django_capture_on_commit_callbacks(execute=True):  # the e-mails leave once the import commits
        outcome = import_file("incidents", path, municipality_code="15058", mapping_name="policia-prueba")
    assert outcome.status == "importado", outcome.message
    return neza


def test_import_runs_detection_and_creates_one_alert_per_level(watched):
    alerts = Alert.objects.filter(municipality=watched, freq="week")
    places = sorted(a.place for a in alerts)
    assert places == ["Cuadrante 1", "Nezahualcóyotl", "Sector 1"]  # the spike is seen at every level
    alert = alerts.get(territory__code="C1")
    assert alert.first_period == alert.last_period == dt.date(2026, 10, 19)  # last complete week
    assert alert.count >= 25 and alert.expected < 10 and alert.status == Status.NEW
    text = services.explain(alert)
    assert text.startswith("Robos con violencia en Cuadrante 1: ") and "2026-W43" in text and "umbral" in text
    assert alert.points[-1]["alarm"] and len(alert.points) == services.POINTS_KEPT
    assert AlertEvent.objects.filter(alert=alert, kind="creada").count() == 1


def test_immediate_email_lists_the_new_alerts(watched):
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["analista@example.org"] and "3 alerta(s)" in message.subject
    assert "Cuadrante 1" in message.body and "/alertas/" in message.body


def test_rerun_is_idempotent_and_a_continuing_spike_extends_the_episode(watched, tmp_path):
    assert services.run_detection(watched)["created"] == 0  # nothing new on a re-run
    before = Alert.objects.count()
    path = _write_incidents(tmp_path / "mas.csv", spike_weeks=(0,))
    # one more week of data with the spike going on: extends, does not duplicate
    lines = path.read_text(encoding="utf-8").splitlines()
    lines += [
        f"X{k},{(LAST_DAY - dt.timedelta(days=d)).isoformat()},12:00,Robos con violencia o intimidación,,,C1"
        for k, d in enumerate([0, 1, 2, 3, 4, 5] * 5)
    ]  # the spike goes on in the week of 26 October, which the next day completes
    lines.append(f"X999,{(LAST_DAY + dt.timedelta(days=1)).isoformat()},12:00,Robos con violencia o intimidación,,,C1")
    path.write_text("\n".join(lines), encoding="utf-8")
    import_file("incidents", path, municipality_code="15058", mapping_name="policia-prueba")
    alert = Alert.objects.get(territory__code="C1")
    assert Alert.objects.count() == before
    assert alert.last_period == dt.date(2026, 10, 26) and alert.first_period == dt.date(2026, 10, 19)
    assert AlertEvent.objects.filter(alert=alert, kind="extendida").exists()


def test_quiet_periods_and_minimum_cases_silence_alarms(neza, police_mapping, tmp_path):
    AlertSettings.objects.create(municipality=neza, monthly=False, min_cases=100, params={"alpha": 0.01})
    import_file(
        "incidents",
        _write_incidents(tmp_path / "a.csv", (0,)),
        municipality_code="15058",
        mapping_name="policia-prueba",
    )
    assert not Alert.objects.exists()
    AlertSettings.objects.filter(municipality=neza).update(min_cases=5)
    QuietPeriod.objects.create(
        municipality=neza, start=dt.date(2026, 10, 20), end=dt.date(2026, 10, 21), reason="Feria"
    )
    assert services.run_detection(neza)["created"] == 0


def test_lifecycle_and_permissions(watched, make_user, penalolen):
    alert = Alert.objects.get(territory__code="C1")
    analyst = alert.municipality.memberships.get(role="analyst").user
    viewer = make_user("consulta", ["15058"], "viewer")
    other = make_user("otro", ["13122"], "analyst")
    with pytest.raises(services.TransitionError, match="permiso"):
        services.change_status(alert, viewer, Status.REVIEW)
    with pytest.raises(services.TransitionError, match="permiso"):
        services.change_status(alert, other, Status.REVIEW)
    services.change_status(alert, analyst, Status.REVIEW, comment="Revisando con el cuadrante")
    with pytest.raises(services.TransitionError, match="a quién"):
        services.change_status(alert, analyst, Status.REFERRED)
    with pytest.raises(services.TransitionError, match="No hay nadie con ese usuario en este municipio"):
        services.change_status(alert, analyst, Status.REFERRED, assigned_to=other)
    coordinator = make_user("coordinador", ["15058"], "viewer")
    services.change_status(alert, analyst, Status.REFERRED, assigned_to=coordinator, referred_to="Mesa de seguridad")
    services.add_comment(alert, coordinator, "Patrullaje reforzado en la zona")  # the person it went to may act
    with pytest.raises(services.TransitionError, match="resultado"):
        services.change_status(alert, coordinator, Status.CLOSED)
    services.change_status(alert, coordinator, Status.CLOSED, result="confirmado")
    alert.refresh_from_db()
    assert alert.status == Status.CLOSED and alert.closed_at and alert.result == "confirmado"
    with pytest.raises(services.TransitionError, match="no puede pasar"):
        services.change_status(alert, analyst, Status.REFERRED, referred_to="x")
    history = list(alert.events.values_list("kind", "to_status"))
    assert history == [
        ("creada", "nueva"),
        ("estado", "en_revision"),
        ("estado", "derivada"),
        ("comentario", ""),
        ("estado", "cerrada"),
    ]
    stats = services.closure_statistics(Alert.objects.all())
    assert stats == [
        {
            "method": "farrington-noufaily",
            "family__name": alert.family.name,
            "closed": 1,
            "confirmed": 1,
            "false_alarms": 0,
            "artefacts": 0,
            "precision": 1.0,
        }
    ]
    assert services.run_detection(alert.municipality)["created"] == 0  # a closed episode is not re-created


def test_weekly_digest(watched):
    Subscription.objects.update(mode=Subscription.Mode.WEEKLY)
    mail.outbox.clear()
    assert services.send_weekly_digests() == 1
    assert "resumen semanal" in mail.outbox[0].subject
    assert services.send_weekly_digests() == 0  # nothing new since the last digest


def test_farrington_uses_the_whole_years_a_young_observatory_has():
    assert services.history_years("farrington-noufaily", {}, 52 * 6, "week") == {"b": 5}
    assert services.history_years("farrington-noufaily", {}, 52 * 3 + 10, "week") == {"b": 3}
    assert services.history_years("farrington", {}, 30, "month") == {"b": 2}
    assert services.history_years("farrington", {}, 10, "month") == {"b": 2}  # too short: detect says so
    assert services.history_years("farrington", {"b": 4}, 300, "week") == {}  # the settings win
    assert services.history_years("ears-c2", {}, 300, "week") == {}


def test_severity_needs_a_real_excess_to_be_high():
    assert services.severity(30, 6, 10, 1) == 3  # r = 6 and 24 cases above expected
    assert services.severity(5, 0.1, 1, 1) == 2  # r ≈ 5 but only 5 cases: medium at most
    assert services.severity(5, 0.1, 1, 3) == 3  # three periods in a row
    assert services.severity(11, 6, 10, 1) == 1
    assert services.severity(30, 10, None, 1) == 3  # semáforo: count/expected


def test_the_watched_source_is_the_one_that_records_most_not_the_first_by_name(neza):
    """The demo's prosecutors' homicide file ends the same day as the police file; the inbox used to watch it
    (it sorts first) and saw homicides only."""
    import datetime as dt

    from atalaya.alerts.services import point_source
    from atalaya.cube.models import DailyCount
    from atalaya.taxonomy.models import SourceCategory

    category = SourceCategory.objects.first()
    day = dt.date(2026, 10, 31)
    DailyCount.objects.create(municipality=neza, category=category, source="fiscalia", day=day, count=2)
    DailyCount.objects.create(municipality=neza, category=category, source="policia", day=day, count=40)
    DailyCount.objects.create(
        municipality=neza, category=category, source="archivo-viejo", day=day - dt.timedelta(days=800), count=900
    )
    assert point_source(neza) == "policia"  # the old file's volume lies outside the last year
