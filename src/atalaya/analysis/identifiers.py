"""National identifiers of people: Chile's RUT/RUN and Mexico's CURP, normalised and checked.

Pure functions (no Django): the case module validates intakes and imported lists with them before a blind
index is computed, so that "12.345.678-5" and "12345678-5" are the same person and a mistyped digit is caught at
the row where it happens.
"""

from __future__ import annotations

import re

#: CURP (RENAPO): four letters, birth date, sex (H, M; X since 2022), state, three internal consonants, a
#: homonym character and a check digit.
CURP_PATTERN = re.compile(
    r"^[A-Z][AEIOUX][A-Z]{2}\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[HMX]"
    r"(AS|BC|BS|CC|CL|CM|CS|CH|DF|DG|GT|GR|HG|JC|MC|MN|MS|NT|NL|OC|PL|QT|QR|SP|SL|SR|TC|TS|TL|VZ|YN|ZS|NE)"
    r"[B-DF-HJ-NP-TV-Z]{3}[A-Z\d]\d$"
)
_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"


class InvalidIdentifier(ValueError):
    """Why an identifier is not valid, in Spanish (for the row and column of a file, or a form field)."""


def rut_check_digit(body: str) -> str:
    """The RUT's verifier: digits weighted 2, 3, … 7 from the right, modulo 11 (10 is «K», 11 is «0»)."""
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(body)))
    rest = 11 - total % 11
    return {10: "K", 11: "0"}.get(rest, str(rest))


def normalise_rut(text: str) -> str:
    """``12.345.678-5`` → ``12345678-5``; raises :class:`InvalidIdentifier` with the reason."""
    cleaned = re.sub(r"[.\s]", "", str(text or "")).upper().replace("‐", "-")
    if "-" not in cleaned and len(cleaned) >= 2:
        cleaned = f"{cleaned[:-1]}-{cleaned[-1]}"
    match = re.fullmatch(r"(\d{1,8})-([\dK])", cleaned)
    if not match:
        raise InvalidIdentifier(f"«{text}» no es un RUT (se espera 12.345.678-5).")
    body, verifier = match.groups()
    body = body.lstrip("0") or "0"
    if rut_check_digit(body) != verifier:
        raise InvalidIdentifier(
            f"El dígito verificador del RUT «{text}» no corresponde (debería ser {rut_check_digit(body)})."
        )
    return f"{body}-{verifier}"


def curp_check_digit(first17: str) -> int:
    """RENAPO's check digit: each character's value (0–9, A=10 … Z=36 with Ñ) times 18 − position, mod 10."""
    total = sum(_CURP_ALPHABET.index(ch) * (18 - i) for i, ch in enumerate(first17))
    return (10 - total % 10) % 10


def normalise_curp(text: str) -> str:
    """Upper case without spaces; raises :class:`InvalidIdentifier` when the format or the check digit fails."""
    cleaned = re.sub(r"\s", "", str(text or "")).upper()
    if not CURP_PATTERN.fullmatch(cleaned):
        raise InvalidIdentifier(f"«{text}» no tiene el formato de una CURP (18 caracteres, p. ej. MAHJ280603MSPRRV09).")
    if curp_check_digit(cleaned[:17]) != int(cleaned[17]):
        raise InvalidIdentifier(f"El dígito verificador de la CURP «{text}» no corresponde.")
    return cleaned


def normalise_national_id(text: str, country: str) -> str:
    """The country's identifier normalised: RUT/RUN in Chile (``CL``), CURP in Mexico (``MX``)."""
    if country == "CL":
        return normalise_rut(text)
    if country == "MX":
        return normalise_curp(text)
    raise InvalidIdentifier(f"No se conoce el identificador nacional de «{country}».")
