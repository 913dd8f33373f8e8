"""The SARA file's numbers from stored incidents: the place, the ring and the control counted exactly, the
evaluation equal to the shared analysis function, the monthly baseline, and the file's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from atalaya.analysis.evaluation import PlaceCounts, evaluate_place
from atalaya.proximity import sara

pytestmark = pytest.mark.django_db

BEFORE = (dt.date(2026, 1, 1), dt.date(2026, 4, 30))
AFTER = (dt.date(2026, 5, 1), dt.date(2026, 8, 28))
#: (where, before, after): incidents about 55 m from the problem, 450 m away (the ring), and 2 km away (control).
LAYOUT = [("place", 20, 8), ("ring", 10, 12), ("control", 30, 30)]


@pytest.fixture
def with_incidents(neza, generic_mapping, points, tmp_path):
    from atalaya.datasets.importing import import_file

    lat, lon = points["C1"]
    offsets = {
        "place": (0.0004, 0.0003),
        "ring": (0.004, 0.0),
        "control": (points["C4"][0] - lat, points["C4"][1] - lon),
    }
    rows = ["id,fecha,hora,delito,lat,lon,cuadrante"]
    n = 0
    for where, before, after in LAYOUT:
        for period, count in ((BEFORE, before), (AFTER, after)):
            for i in range(count):
                n += 1
                day = period[0] + dt.timedelta(days=(i * 7) % ((period[1] - period[0]).days + 1))
                dlat, dlon = offsets[where]
                rows.append(f"X{n},{day},2{i % 4}:15,Robo en la plaza,{lat + dlat:.6f},{lon + dlon:.6f},")
    path = tmp_path / "hechos.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    outcome = import_file("incidents", path, municipality_code="15058", mapping_name="policia-prueba")
    assert outcome.status == "importado", outcome.message
    return n


def test_place_ring_and_control_are_counted_and_evaluated(with_incidents, report, admin_user):
    problem = report(category="rinas")
    file = sara.sara_file(problem)
    file.families = []  # the test catalogue maps to no family: every incident counts
    file.save()
    assessment = sara.assess(file, user=admin_user, before=BEFORE, after=AFTER, buffer_m=400)
    counts = {k: v for k, v in assessment.counts.items() if not k.endswith("_length")}
    assert counts == {
        "response_before": 20,
        "response_after": 8,
        "buffer_before": 10,
        "buffer_after": 12,
        "control_before": 30,
        "control_after": 30,
    }
    expected = evaluate_place(PlaceCounts(**counts, before_length=120, after_length=120))
    assert assessment.results == expected.as_dict()
    assert assessment.results["wdq"] == pytest.approx((12 / 30 - 10 / 30) / (8 / 30 - 20 / 30))
    assert assessment.control == "resto del municipio" and assessment.source == "policia-prueba"


def test_a_control_territory_is_used_without_the_place_and_ring(with_incidents, report, admin_user, neza):
    from atalaya.geo.models import Territory

    problem = report()
    file = sara.sara_file(problem)
    file.families = []
    file.save()
    c4 = Territory.objects.get(municipality=neza, code="C4")
    assessment = sara.assess(file, user=admin_user, before=BEFORE, after=AFTER, buffer_m=400, control=c4)
    assert assessment.counts["control_before"] == 30 and assessment.control == str(c4)
    c1 = Territory.objects.get(municipality=neza, code="C1")
    whole = sara.assess(file, user=admin_user, before=BEFORE, after=AFTER, buffer_m=400, control=c1)
    assert whole.counts["control_before"] == 0  # C1 without the place and its ring holds none of them


def test_scanning_gives_the_monthly_baseline_and_the_hours(with_incidents, report):
    problem = report()
    file = sara.sara_file(problem)
    file.families = []
    file.save()
    found = sara.scanning(file, months=12, today=dt.date(2026, 9, 15))
    by_month = {row["month"]: row["count"] for row in found["monthly"]}
    assert sum(by_month.values()) == 28 and found["total"] == 28  # only the place: 20 before and 8 after
    assert by_month[dt.date(2026, 1, 1)] > 0 and found["baseline"] == pytest.approx(28 / 12)
    assert {row["hour"] for row in found["profile"]} <= {20, 21, 22, 23} and found["profile"]


def test_periods_must_not_overlap(report, admin_user, with_incidents):
    file = sara.sara_file(report())
    with pytest.raises(ValidationError, match="antes"):
        sara.assess(file, user=admin_user, before=AFTER, after=BEFORE)


class TestSaraPage:
    """The file's page: readers see it, workers change it, another municipality gets 404."""

    def test_read_plan_assess_and_save(self, with_incidents, report, make_user, client):
        from atalaya.core.testing import login_as
        from atalaya.proximity.models import Assessment, ResponseAction, SaraFile

        problem = report()
        login_as(client, make_user("directora", ["15058"], "director"))
        page = client.get(f"/proximidad/problemas/{problem.pk}/sara/")
        assert page.status_code == 200 and "Ficha SARA" in page.content.decode()
        assert 'id="spec-lugar-sara"' in page.content.decode()  # the place's map with its incidents
        assert client.post(f"/proximidad/problemas/{problem.pk}/sara/evaluar/", {}).status_code == 403
        client.logout()
        login_as(client, make_user("analista", ["15058"], "analyst"))
        SaraFile.objects.filter(problem=problem).update(families=[])
        client.post(
            f"/proximidad/problemas/{problem.pk}/sara/acciones/",
            {
                "description": "Rondas a las 21 h",
                "owner": "Cabo Pérez",
                "institution": "Policía",
                "deadline": "2026-12-31",
            },
        )
        action = ResponseAction.objects.get()
        client.post(
            f"/proximidad/problemas/{problem.pk}/sara/acciones/{action.pk}/",
            {"status": "hecha", "evidence": "Bitácora"},
        )
        action.refresh_from_db()
        assert action.status == "hecha" and action.done_at is not None and action.evidence == "Bitácora"
        response = client.post(
            f"/proximidad/problemas/{problem.pk}/sara/evaluar/",
            {
                "before_start": "2026-01-01",
                "before_end": "2026-04-30",
                "after_start": "2026-05-01",
                "after_end": "2026-08-28",
                "buffer_m": 400,
            },
            follow=True,
        )
        assert "En el área de la respuesta los hechos pasaron de 20 a 8" in response.content.decode()
        assert Assessment.objects.count() == 1
        file = SaraFile.objects.get(problem=problem)
        saved = client.post(
            f"/proximidad/problemas/{problem.pk}/sara/guardar/",
            {
                "radius_m": 250,
                "offender": "Jóvenes del pasaje",
                "hypotheses": "La oscuridad facilita los robos",
                "version": file.version,
            },
            follow=True,
        )
        assert "Ficha SARA guardada" in saved.content.decode()
        stale = client.post(
            f"/proximidad/problemas/{problem.pk}/sara/guardar/", {"radius_m": 300, "version": file.version}, follow=True
        )
        assert "Otra persona guardó" in stale.content.decode()
        file.refresh_from_db()
        assert file.offender == "Jóvenes del pasaje" and file.radius_m == 250

    def test_another_municipality_gets_404(self, report, make_user, client, penalolen):
        from atalaya.core.testing import login_as

        problem = report()
        login_as(client, make_user("ajena", ["13122"], "admin"))
        assert client.get(f"/proximidad/problemas/{problem.pk}/sara/").status_code == 404
        assert client.post(f"/proximidad/problemas/{problem.pk}/sara/evaluar/", {}).status_code == 404
