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
def _by_key() -> dict[str, list[OfficialMunicipality]]:
    """Code key → its entries (one per country where the code exists: 14101 is Tonalá and Valdivia)."""
    index: dict[str, list[OfficialMunicipality]] = {}
    for country in FILES:
        for m in official_municipalities(country):
            index.setdefault(code_key(m.code), []).append(m)
    return index


def lookup(code: object, country: str | None = None) -> OfficialMunicipality | None:
    """The official entry of a code; a code valid in both countries needs ``country`` to decide."""
    found = [m for m in _by_key().get(code_key(code), []) if country is None or m.country == country]
    return found[0] if len(found) == 1 else None


def in_region(country: str, region_code: object) -> list[OfficialMunicipality]:
    """Every municipality of a state (MX) or region (CL): ``11`` → the 46 of Guanajuato."""
    key = code_key(region_code)
    return [m for m in official_municipalities(country) if code_key(m.region_code) == key]


def same_name(written: str, official: str) -> bool:
    """Names match when they are equal after removing accents, case and punctuation."""
    return normalise(written) == normalise(official)
