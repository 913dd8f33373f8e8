"""The case records' foundation: identities encrypted at rest and found only by blind index, one person per
national id, one case per person and module with its intakes, screenings that keep their instrument version."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import FieldError, ValidationError
from django.db import connection

from atalaya.analysis.identifiers import InvalidIdentifier
from atalaya.cases import services
from atalaya.cases.models import Case, Identity, Instrument, Intake, Person, Screening
from atalaya.core.models import ChangeLogEntry
from tests.analysis.test_identifiers_screening import INSTRUMENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def penalolen_person(penalolen):
    person, created = services.register_person(
        penalolen,
        kind="nna",
        national_id="12.345.678-5",
        given_names="Josefa Andrea",
        family_names="Muñoz Rojas",
        birth_date=dt.date(2012, 5, 17),
        address="Pasaje Los Aromos 1234",
        phone="+56 9 8765 4321",
    )
    assert created
    return person


def test_the_raw_database_holds_no_identifying_text(penalolen_person):
    table = connection.ops.quote_name(Identity._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        raw = " ".join(str(value) for value in cursor.fetchone())
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(Person._meta.db_table)}")
        raw_person = " ".join(str(value) for value in cursor.fetchone())
    for secret in ("Josefa", "Muñoz", "12345678", "2012-05-17", "Aromos", "8765"):
        assert secret not in raw and secret not in raw_person, secret
    assert raw.count("enc:") == 6
    identity = Identity.objects.get(person=penalolen_person)  # the application reads the plaintext
    assert (identity.given_names, identity.national_id) == ("Josefa Andrea", "12345678-5")
    assert penalolen_person.code.startswith("P-") and "12345678" not in penalolen_person.national_id_index


def test_the_same_national_id_in_another_form_is_the_same_person(penalolen, penalolen_person):
    again, created = services.register_person(penalolen, kind="nna", national_id="12345678-5", given_names="Josefa")
    assert again == penalolen_person and not created
    assert services.find_person(penalolen, "12.345.678-5") == penalolen_person
    assert services.find_person(penalolen, "7.654.321-6") is None
    with pytest.raises(FieldError):  # encrypted columns cannot be searched by value: only the blind index
        Identity.objects.filter(national_id="12345678-5").exists()


def test_a_wrong_check_digit_writes_nothing(penalolen):
    with pytest.raises(InvalidIdentifier, match="dígito verificador"):
        services.register_person(penalolen, kind="nna", national_id="12.345.678-4")
    assert not Person.objects.exists() and not Identity.objects.exists()


def test_two_intakes_are_one_case_and_a_closed_case_reopens(penalolen_person):
    first = services.take_intake(penalolen_person, "ninez", channel="escuela", institution="Liceo A-90", notes="x")
    second = services.take_intake(penalolen_person, "ninez", channel="policia", institution="Carabineros")
    assert first.case == second.case and Case.objects.count() == 1
    assert list(first.case.intakes.values_list("channel", flat=True)) == ["escuela", "policia"]
    other_module = services.take_intake(penalolen_person, "familia", channel="salud")
    assert other_module.case != first.case
    case = first.case
    Case.objects.filter(pk=case.pk).update(closed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    services.take_intake(penalolen_person, "ninez", channel="comunidad")
    case.refresh_from_db()
    assert case.closed_at is None and case.reopened_at is not None and case.intakes.count() == 3
    logged = " ".join(ChangeLogEntry.objects.values_list("message", flat=True))
    assert "x" not in logged.split() and "Liceo" not in logged  # the narrative never reaches the change log
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT notes FROM {connection.ops.quote_name(Intake._meta.db_table)} WHERE id = %s", [first.pk]
        )
        assert cursor.fetchone()[0].startswith("enc:")


def test_screenings_keep_the_version_they_were_scored_by(penalolen_person):
    case = services.take_intake(penalolen_person, "ninez", channel="escuela").case
    v1 = services.save_instrument("riesgo-nna", "ninez", "Tamizaje de riesgo NNA", INSTRUMENT)
    high = services.screen(case, v1, {"inasistencia": True, "violencia": True})
    assert (high.score, high.computed_level, high.level) == (7.0, "alta", "alta")
    changed = {**INSTRUMENT, "cutoffs": {"media": 5, "alta": 10}}
    v2 = services.save_instrument("riesgo-nna", "ninez", "Tamizaje de riesgo NNA", changed)
    assert (v1.version, v2.version) == (1, 2)
    medium = services.screen(case, v2, {"inasistencia": True, "violencia": True})
    assert medium.level == "media"
    high.refresh_from_db()
    assert high.level == "alta" and high.instrument == v1  # the past result is not rewritten
    v1.definition = changed
    with pytest.raises(ValidationError):
        v1.save()
    case.refresh_from_db()
    assert case.risk_level == "media" and case.version == 3  # created at 1, then one more per screening
    assert Screening.objects.filter(case=case).count() == 2


def test_overriding_the_level_needs_a_reason(penalolen_person):
    case = services.take_intake(penalolen_person, "ninez", channel="escuela").case
    instrument = services.save_instrument("riesgo-nna", "ninez", "Tamizaje", INSTRUMENT)
    with pytest.raises(services.CaseError, match="motivo"):
        services.screen(case, instrument, {"violencia": True}, level="alta")
    kept = services.screen(case, instrument, {"violencia": True}, level="alta", reason="Relato de la profesora.")
    assert (kept.computed_level, kept.level, kept.override_reason) == ("media", "alta", "Relato de la profesora.")
    other = Instrument.objects.create(code="mayores", version=1, module="mayores", name="x", definition=INSTRUMENT)
    with pytest.raises(services.CaseError, match="otro módulo"):
        services.screen(case, other, {})
