"""The life of a community problem through its services: states, reasons, outcomes, duplicates, privacy, the
public copy and the reporter's e-mails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from atalaya.core.models import ChangeLogEntry
from atalaya.proximity import services
from atalaya.proximity.choices import Outcome, Source, Status
from atalaya.proximity.models import Problem, PublicProblem, PublicUpdate, Reporter

pytestmark = pytest.mark.django_db


def test_a_report_finds_its_territory_gets_a_number_and_a_public_copy(report, neza):
    problem = report(description="Desde hace un mes", reporter=services.ReporterContact(name="Ana", email="a@b.cl"))
    assert problem.reference == f"15058-{problem.pk:06d}"
    assert problem.territory.code == "C1" and problem.status == Status.REPORTED
    public = PublicProblem.objects.get(problem=problem)
    assert public.territory_name == "Cuadrante 1"
    assert public.lat == round(problem.lat, 3) and public.lon == round(problem.lon, 3)  # about 110 m, not the door
    assert [u.status for u in public.updates.all()] == [Status.REPORTED]
    assert Reporter.objects.get(problem=problem).email == "a@b.cl"
    assert ChangeLogEntry.objects.filter(object_type="Problem", object_id=str(problem.pk), action="crear").exists()


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(where="outside"), "fuera de Nezahualcóyotl"),
        (dict(title="   "), "título"),
        (dict(description="x" * 5001), "5000"),
    ],
)
def test_bad_reports_are_refused_in_spanish_and_leave_nothing(report, change, message):
    with pytest.raises(ValidationError, match=message):
        report(**change)
    assert not Problem.objects.exists() and not PublicProblem.objects.exists()


def test_a_category_of_another_municipality_is_refused(categories, neza, penalolen, points):
    from atalaya.proximity.models import ProblemCategory

    other = ProblemCategory.objects.create(municipality=penalolen, code="luminaria", name="Luminaria")
    with pytest.raises(ValidationError, match="categoría"):
        services.report_problem(municipality=neza, category=other, title="x", lat=points["C1"][0], lon=points["C1"][1])


def test_a_report_without_point_needs_an_address(categories, neza):
    with pytest.raises(ValidationError, match="dirección"):
        services.report_problem(municipality=neza, category=categories["luminaria"], title="Sin luz")
    problem = services.report_problem(
        municipality=neza, category=categories["luminaria"], title="Sin luz", address="Av. Chimalhuacán y Calle 7"
    )
    assert problem.territory is None and problem.public.address == "Av. Chimalhuacán y Calle 7"


def test_the_way_forward_back_with_a_reason_and_closing_with_an_outcome(report, admin_user):
    problem = report()
    for target in (Status.CONFIRMED, Status.ANALYSIS, Status.PLANNED, Status.IN_PROGRESS):
        services.change_status(problem, to=target, user=admin_user)
        problem.refresh_from_db()
    with pytest.raises(ValidationError, match="No se puede pasar"):
        services.change_status(problem, to=Status.REPORTED, user=admin_user, text="x")
    with pytest.raises(ValidationError, match="motivo"):
        services.change_status(problem, to=Status.ANALYSIS, user=admin_user)
    services.change_status(problem, to=Status.ANALYSIS, user=admin_user, text="El plan no alcanzaba a la plaza")
    problem.refresh_from_db()
    with pytest.raises(ValidationError, match="resultado"):
        services.change_status(problem, to=Status.CLOSED, user=admin_user)
    services.change_status(problem, to=Status.CLOSED, user=admin_user, outcome=Outcome.SOLVED, text="Se instaló luz")
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED and problem.outcome == Outcome.SOLVED
    assert problem.public.status == Status.CLOSED and problem.public.status_notes == "Se instaló luz"
    statuses = [u.status_after for u in problem.updates.all()]
    assert statuses[-2:] == [Status.ANALYSIS, Status.CLOSED]
    services.change_status(problem, to=Status.CONFIRMED, user=admin_user, text="Volvió a apagarse")
    problem.refresh_from_db()
    assert problem.outcome == "" and problem.is_open


def test_a_stale_version_is_refused(report, admin_user):
    problem = report()
    seen = problem.version
    services.change_status(problem, to=Status.CONFIRMED, user=admin_user)
    with pytest.raises(ValidationError, match="Otra persona"):
        services.change_status(problem, to=Status.CLOSED, user=admin_user, outcome=Outcome.NOT_OURS, version=seen)


def test_private_notes_and_private_problems_never_reach_the_public_tables(report, admin_user):
    problem = report()
    services.add_note(problem, user=admin_user, text="Nombre del vendedor: Fulano", is_public=False)
    services.change_status(problem, to=Status.CONFIRMED, user=admin_user, text="Dato interno", is_public=False)
    texts = list(PublicUpdate.objects.values_list("text", flat=True))
    assert not any("Fulano" in t or "interno" in t for t in texts)
    assert "interno" not in PublicProblem.objects.get(problem=problem).status_notes
    services.set_private(problem, user=admin_user, private=True, reason="Punto de venta: riesgo para quien reportó")
    assert not PublicProblem.objects.exists() and not PublicUpdate.objects.exists()
    services.set_private(problem, user=admin_user, private=False, reason="Ya no hay riesgo")
    assert PublicProblem.objects.filter(problem=problem).exists()
    secret = report(title="Casa de venta", category="microtrafico", is_private=True, source=Source.POLICE)
    assert not PublicProblem.objects.filter(problem=secret).exists()


def test_duplicates_are_offered_by_place_category_and_time_and_merged(report, admin_user, points, settings):
    first = report()
    near = report(title="Calle oscura")  # the same point
    other_kind = report(category="rinas")
    far = report(where="C4")
    found = [p for p, _metres in services.similar_open_problems(near)]
    assert first in found and other_kind not in found and far not in found
    services.merge(near, into=first, user=admin_user)
    near.refresh_from_db()
    assert near.status == Status.CLOSED and near.outcome == Outcome.DUPLICATE and near.duplicate_of == first
    assert near.public.duplicate_of_reference == first.reference
    assert first.updates.filter(text__contains=near.reference).exists()
    with pytest.raises(ValidationError, match="ya es duplicado"):
        services.merge(far, into=near, user=admin_user)


def test_the_reporter_is_told_of_public_changes_only(report, admin_user, django_capture_on_commit_callbacks):
    problem = report(reporter=services.ReporterContact(email="vecina@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(problem, to=Status.CONFIRMED, user=admin_user, text="Lo vimos", is_public=True)
        services.change_status(problem, to=Status.ANALYSIS, user=admin_user, text="interno", is_public=False)
    assert len(mail.outbox) == 1
    assert "confirmado" in mail.outbox[0].subject and "Lo vimos" in mail.outbox[0].body
    assert "interno" not in mail.outbox[0].body
    quiet = report(reporter=services.ReporterContact(email="no@example.org", wants_updates=False))
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(quiet, to=Status.CONFIRMED, user=admin_user)
    assert len(mail.outbox) == 1


def test_an_alert_becomes_a_problem_of_its_territory(neza, categories, admin_user):
    from atalaya.alerts.models import Alert
    from atalaya.geo.models import Territory
    from atalaya.taxonomy.models import Family

    territory = Territory.objects.get(municipality=neza, code="C3")
    alert = Alert.objects.create(
        municipality=neza,
        territory=territory,
        family=Family.objects.first(),
        source="policia",
        freq="week",
        method="farrington-noufaily",
        first_period=dt.date(2026, 11, 2),
        last_period=dt.date(2026, 11, 2),
        count=9,
        expected=2.0,
        upperbound=5.0,
        peak_period=dt.date(2026, 11, 2),
        severity=3,
    )
    problem = services.report_problem(
        municipality=neza,
        category=categories["rinas"],
        title="Alza de lesiones",
        source=Source.ALERT,
        alert=alert,
        user=admin_user,
    )
    assert problem.territory == territory and problem.alert == alert and problem.source == Source.ALERT
