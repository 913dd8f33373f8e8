"""RUT and CURP validation, and rule-based screening from an instrument defined as data."""

from __future__ import annotations

import pytest

from atalaya.analysis.identifiers import (
    InvalidIdentifier,
    curp_check_digit,
    normalise_curp,
    normalise_national_id,
    normalise_rut,
    rut_check_digit,
)
from atalaya.analysis.screening import InstrumentError, parse_instrument, score


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.345.678-5", "12345678-5"),
        ("12345678-5", "12345678-5"),
        ("123456785", "12345678-5"),
        ("7.654.321-6", "7654321-6"),
    ],
)
def test_ruts_in_every_written_form_are_one(text, expected):
    assert normalise_rut(text) == expected


def test_rut_check_digit_by_hand():
    # 8·2 + 7·3 + 6·4 + 5·5 + 4·6 + 3·7 + 2·2 + 1·3 = 138; 138 mod 11 = 6; 11 − 6 = 5
    assert rut_check_digit("12345678") == "5"
    assert rut_check_digit("6") == "K"  # 6·2 = 12, 12 mod 11 = 1, 11 − 1 = 10 → K


@pytest.mark.parametrize("text", ["12.345.678-4", "abc", "", "123.456.789-0", "<script>-1"])
def test_bad_ruts_say_why(text):
    with pytest.raises(InvalidIdentifier) as exc:
        normalise_rut(text)
    assert "RUT" in str(exc.value)


def test_curp_of_the_published_example():
    # The example CURP of RENAPO's description (also in Wikipedia): its check digit is 9.
    assert curp_check_digit("MAHJ280603MSPRRV0") == 9
    assert normalise_curp(" mahj280603msprrv09 ") == "MAHJ280603MSPRRV09"
    assert normalise_national_id("MAHJ280603MSPRRV09", "MX") == "MAHJ280603MSPRRV09"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("MAHJ280603MSPRRV08", "dígito verificador"),
        ("MAHJ281303MSPRRV09", "formato"),  # month 13
        ("MAHJ280603MZZRRV09", "formato"),  # no such state
        ("MAHJ280603", "formato"),
        ("' OR 1=1 --", "formato"),
    ],
)
def test_bad_curps_say_why(text, reason):
    with pytest.raises(InvalidIdentifier, match=reason):
        normalise_curp(text)


INSTRUMENT = {
    "domains": [
        {
            "code": "escuela",
            "label": "Escuela",
            "items": [
                {"code": "inasistencia", "label": "Inasistencia reiterada", "kind": "riesgo", "weight": 3},
                {"code": "vinculo_docente", "label": "Vínculo con un docente", "kind": "protector", "weight": 2},
            ],
        },
        {
            "code": "familia",
            "label": "Familia",
            "items": [
                {"code": "violencia", "label": "Violencia en el hogar", "kind": "riesgo", "weight": 4},
                {
                    "code": "vulneracion_grave",
                    "label": "Vulneración grave",
                    "kind": "riesgo",
                    "weight": 1,
                    "critical": True,
                },
            ],
        },
    ],
    "cutoffs": {"media": 3, "alta": 6},
}


def test_score_by_hand():
    instrument = parse_instrument(INSTRUMENT)
    low = score(instrument, {"inasistencia": True, "vinculo_docente": True})
    assert (low.score, low.level, low.by_domain) == (1.0, "baja", {"escuela": 1.0, "familia": 0.0})
    medium = score(instrument, {"violencia": True})
    assert (medium.score, medium.level) == (4.0, "media")
    high = score(instrument, {"inasistencia": True, "violencia": True})
    assert (high.score, high.level, high.present) == (7.0, "alta", ("inasistencia", "violencia"))
    critical = score(instrument, {"vulneracion_grave": True, "vinculo_docente": True})
    assert (critical.score, critical.level, critical.critical) == (-1.0, "alta", ("vulneracion_grave",))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(cutoffs={"media": 6, "alta": 3}), "mayor"),
        (lambda d: d["domains"][0]["items"][0].update(kind="otro"), "riesgo"),
        (lambda d: d["domains"][0]["items"][0].update(weight="mucho"), "no es un número"),
        (lambda d: d["domains"][1]["items"][0].update(code="inasistencia"), "repetidos"),
        (lambda d: d.update(domains=[]), "al menos un dominio"),
    ],
)
def test_bad_instruments_are_refused_with_the_place(change, message):
    import copy

    definition = copy.deepcopy(INSTRUMENT)
    change(definition)
    with pytest.raises(InstrumentError, match=message):
        parse_instrument(definition)


def test_answers_to_factors_the_instrument_lacks_are_refused():
    with pytest.raises(InstrumentError, match="no tiene: desconocido"):
        score(parse_instrument(INSTRUMENT), {"desconocido": True})
