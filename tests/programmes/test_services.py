"""The programmes' rules: the approval workflow, measurements and their approval, indicators computed from the
observatory, progress lights, evaluations on the observatory's data and a benefit-cost sheet."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from atalaya.core.models import ChangeLogEntry
from atalaya.programmes import services
from atalaya.programmes.choices import Light, Method, ProgrammeStatus
from atalaya.programmes.evaluations import compute_sheet, run_evaluation
from atalaya.programmes.models import CostBenefitSheet, CrimeCost, ResultIndicator

pytestmark = pytest.mark.django_db


def test_the_approval_workflow(programme, make_user):
    analyst = programme.responsible
    director = make_user("directora", ["15058"], "director")
    with pytest.raises(PermissionDenied):
        services.change_status(programme, ProgrammeStatus.AWAITING_APPROVAL, director)
    services.change_status(programme, ProgrammeStatus.AWAITING_APPROVAL, analyst)
    with pytest.raises(PermissionDenied):  # the analyst cannot approve
        services.change_status(programme, ProgrammeStatus.TRACKING, analyst)
    with pytest.raises(ValidationError, match="escriba qué falta"):
        services.change_status(programme, ProgrammeStatus.DRAFT, director)
    services.change_status(programme, ProgrammeStatus.DRAFT, director, "Falta la meta del componente")
    services.change_status(programme, ProgrammeStatus.AWAITING_APPROVAL, analyst)
    services.change_status(programme, ProgrammeStatus.TRACKING, director)
    with pytest.raises(ValidationError, match="No se puede pasar"):
        services.change_status(programme, ProgrammeStatus.CLOSED, director)
    assert [c.to_status for c in programme.status_changes.all()] == [
        "en_aprobacion",
        "borrador",
        "en_aprobacion",
        "en_ejecucion",
    ]
    assert ChangeLogEntry.objects.filter(object_type="Programme", action="estado").count() == 4


def test_measurements_need_evidence_and_another_persons_approval(programme, make_user):
    youth = ResultIndicator.objects.get(code="C1.1")
    analyst = programme.responsible
    with pytest.raises(ValidationError, match="evidencia"):
        services.record_measurement(
            youth, analyst, period_start=dt.date(2023, 1, 1), period_end=dt.date(2023, 6, 30), value=150
        )
    measurement = services.record_measurement(
        youth,
        analyst,
        period_start=dt.date(2023, 1, 1),
        period_end=dt.date(2023, 6, 30),
        value=150,
        comment="Listas de asistencia del taller",
    )
    admin = make_user("admin-neza", ["15058"], "admin")
    admin_measurement = services.record_measurement(
        youth, admin, period_start=dt.date(2023, 1, 1), period_end=dt.date(2023, 6, 30), value=151, comment="Listas"
    )
    with pytest.raises(ValidationError, match="otra persona"):
        services.review_measurement(admin_measurement, admin, approve=True)
    with pytest.raises(PermissionDenied):
        services.review_measurement(measurement, analyst, approve=True)
    director = make_user("directora", ["15058"], "director")
    with pytest.raises(ValidationError, match="motivo"):
        services.review_measurement(measurement, director, approve=False)
    services.review_measurement(measurement, director, approve=True)
    # 150 of the planned 200 (from a baseline of 0): 75 % of the change → amber
    state = services.progress(youth)
    assert state.light == Light.AMBER and state.percent == 75


def test_computed_from_the_observatory_and_the_programme_light(programme):
    robberies = ResultIndicator.objects.get(code="F1")
    assert services.compute_measurements(robberies) == 1
    value = robberies.measurements.get().value
    assert 200 < value < 400  # about 40 × 0.6 × 12 robberies in C1 in 2023
    state = services.progress(robberies)
    # lower is better: (480 − value) / (480 − 380) of the planned fall achieved
    assert state.share == pytest.approx((480 - value) / 100)
    assert state.light == Light.GREEN
    overall = services.programme_progress(programme)
    assert overall["light"] == Light.GREEN  # the component has no approved value yet: no light, ignored


def test_budget_summary(programme):
    budget = services.budget_summary(programme)
    assert budget["planned_total"] == 3_000_000 and budget["execution"] == pytest.approx(2.8 / 3)
    assert services.costs_by_year(programme) == {2023: 2_800_000.0}


@pytest.mark.parametrize("method", [Method.DID, Method.ITS])
def test_evaluations_find_the_known_fall(programme, method):
    from atalaya.indicators.models import Indicator

    outcome = Indicator.objects.get(code="robo-con-violencia")
    evaluation = run_evaluation(
        programme, method=method, outcome=outcome, source="policia-prueba", start=dt.date(2023, 1, 1)
    )
    result = evaluation.result
    assert 0.45 < result["rate_ratio"] < 0.8  # the fixture's C1 fell to 0.6 of its level
    assert result["verdict"] == "reduccion" and result["prevented"] > 0
    assert list(result["observed_by_year"]) == ["2023"]
    assert evaluation.summary.startswith(("Diferencias en diferencias", "Serie de tiempo interrumpida"))


def test_a_benefit_cost_sheet_from_an_evaluation(programme):
    from atalaya.indicators.models import Indicator

    evaluation = run_evaluation(
        programme,
        method=Method.DID,
        outcome=Indicator.objects.get(code="robo-con-violencia"),
        source="policia-prueba",
        start=dt.date(2023, 1, 1),
    )
    sheet = CostBenefitSheet.objects.create(
        programme=programme,
        evaluation=evaluation,
        base_year=2023,
        usd_rate=17.0,
        usd_rate_date=dt.date(2023, 12, 29),
        prison_year_cost=180_000,
        draws=5000,
    )
    with pytest.raises(ValidationError, match="costo unitario"):
        compute_sheet(sheet)
    CrimeCost.objects.create(
        municipality=programme.municipality,
        family="robos-con-violencia",
        currency="MXN",
        victim=35_000,
        justice=12_000,
        prison_years=0.15,
        source="Estimación de prueba",
        year=2023,
    )
    compute_sheet(sheet)
    result = sheet.result
    prevented = evaluation.result["prevented"]
    assert result["prevented_crimes"] == pytest.approx(prevented)
    expected = prevented * (35_000 + 12_000 + 0.15 * 180_000)
    assert result["total_benefits_pv"] == pytest.approx(expected)
    assert result["benefit_cost_ratio"] == pytest.approx(expected / 2_800_000)
    assert result["sentence"].startswith("Cada peso invertido devuelve")


def test_a_synthetic_control_needs_its_donor_file(programme):
    from atalaya.indicators.models import Indicator

    with pytest.raises(ValidationError, match="SESNSP"):
        run_evaluation(
            programme,
            method=Method.SYNTH,
            outcome=Indicator.objects.get(code="robo-con-violencia"),
            source="policia-prueba",
            start=dt.date(2023, 1, 1),
        )
