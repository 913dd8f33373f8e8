"""The official lists of municipalities shipped with Atalaya (``geo/catalogues/*.csv``, sources in ``sources.csv``).

Every Mexican municipality (INEGI AGEEML: CVEGEO, name, state) and every Chilean comuna (SUBDERE CUT, name,
region) is known by code, so a municipality is registered with its code alone, a network registers a whole state
or region at once, and names written in imported files are checked against the official one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from atalaya.analysis.text import code_key, normalise

FILES = {"MX": "mx_municipios_inegi.csv", "CL": "cl_comunas_cut.csv"}
CODE_LENGTH = 5  # CVEGEO and CUT are both written with five digits (CUT zero-padded: 01101 = Iquique)


@dataclass(frozen=True)
class OfficialMunicipality:
    code: str
    name: str
    region_code: str
    region: str
    country: str


@cache
def official_municipalities(country: str) -> tuple[OfficialMunicipality, ...]:
    with resources.files("atalaya.geo.catalogues").joinpath(FILES[country]).open(encoding="utf-8") as fh:
        return tuple(
            OfficialMunicipality(r["codigo"], r["nombre"], r["codigo_region"], r["region"], country)
            for r in csv.DictReader(fh)
        )


@cache
def _by_key() -> dict[tuple[str, str], OfficialMunicipality]:
    return {(m.country, code_key(m.code)): m for country in FILES for m in official_municipalities(country)}


def standard_code(code: object) -> str:
    """``13122.0`` → ``13122``; ``1101`` → ``01101``; ``9002`` → ``09002`` (non-numeric codes unchanged)."""
    key = code_key(code) or ""
    return key.zfill(CODE_LENGTH) if key.isdigit() else str(code).strip()


def lookup(code: object, country: str | None = None) -> OfficialMunicipality | None:
    """The official entry of a code; a code valid in both countries needs ``country`` to decide."""
    key = code_key(code)
    found = [m for (c, k), m in _by_key().items() if k == key and (country is None or c == country)]
    return found[0] if len(found) == 1 else None


def in_region(country: str, region_code: object) -> list[OfficialMunicipality]:
    """Every municipality of a state (MX) or region (CL): ``11`` → the 46 of Guanajuato."""
    key = code_key(region_code)
    return [m for m in official_municipalities(country) if code_key(m.region_code) == key]


def same_name(written: str, official: str) -> bool:
    """Names match when they are equal after removing accents, case and punctuation."""
    return normalise(written) == normalise(official)
