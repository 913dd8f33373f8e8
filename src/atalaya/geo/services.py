"""Registering municipalities and reading their territories as geometry."""

from __future__ import annotations

from django.db import transaction

from . import official
from .models import Country, Municipality, Population


@transaction.atomic
def register_municipality(
    code: str,
    name: str,
    *,
    country: str,
    region: str = "",
    populations: dict[int, int] | None = None,
    is_synthetic: bool = False,
) -> Municipality:
    country_obj, _ = Country.objects.get_or_create(
        code=country, defaults={"name": {"MX": "México", "CL": "Chile"}.get(country, country)}
    )
    municipality, _ = Municipality.objects.update_or_create(
        code=code,
        defaults={"name": name, "country": country_obj, "region": region, "is_synthetic": is_synthetic},
    )
    for year, value in (populations or {}).items():
        Population.objects.update_or_create(
            municipality=municipality,
            territory=None,
            year=year,
            defaults={"value": value, "source": "registro manual"},
        )
    return municipality


class UnknownMunicipality(ValueError):
    """A code that is in no official list and came without the name and country needed to register it."""


def register_official(
    code: str,
    *,
    name: str | None = None,
    country: str | None = None,
    region: str = "",
    populations: dict[int, int] | None = None,
) -> tuple[Municipality, list[str]]:
    """Register a municipality by its official code; the name, state or region and country come from the
    INEGI / SUBDERE lists. Returns the municipality and notes for the user (a name that differs from the official
    one, a code in no list). A code in no list needs ``name`` and ``country`` (a new or test municipality)."""
    notes = []
    entry = official.lookup(code, country)
    if entry is None:
        if not name or not country:
            candidates = [found for c in official.FILES if (found := official.lookup(code, c))]
            if len(candidates) > 1:
                listed = "; ".join(f"{m.country}: {m.name} ({m.region})" for m in candidates)
                raise UnknownMunicipality(f"El código {code} existe en los dos países ({listed}): indique --country.")
            raise UnknownMunicipality(
                f"El código {code} no está en los catálogos oficiales (INEGI, SUBDERE): indique su nombre y --country."
            )
        notes.append(f"El código {code} no está en el catálogo oficial de {country}; se registra con el nombre dado.")
        return register_municipality(code, name, country=country, region=region, populations=populations), notes
    if name and not official.same_name(name, entry.name):
        notes.append(f"El nombre oficial de {entry.code} es «{entry.name}» (se usa ese, no «{name}»).")
    municipality = register_municipality(
        entry.code, entry.name, country=entry.country, region=entry.region, populations=populations
    )
    return municipality, notes


@transaction.atomic
def register_region(country: str, region_code: str) -> list[Municipality]:
    """Every municipality of a Mexican state or Chilean region, for a network observatory."""
    entries = official.in_region(country, region_code)
    if not entries:
        raise UnknownMunicipality(f"No hay municipios con la clave de región «{region_code}» en {country}.")
    return [register_municipality(e.code, e.name, country=e.country, region=e.region) for e in entries]
