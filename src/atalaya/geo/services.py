"""Registering municipalities and reading their territories as geometry."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import transaction

from atalaya.analysis.territory_assignment import STATUSES, assign_points

from . import official
from .models import Country, Municipality, Population, Territory


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


class PopulationFileRejected(ValueError):
    """A projection file that would write wrong or partial populations; nothing was written. Spanish message."""


@dataclass
class PopulationLoad:
    """What loading a projection file did (or, in a dry run, would do)."""

    shape: str
    source: str
    municipalities: list[str] = field(default_factory=list)
    years: tuple[int, int] | None = None
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    not_registered: int = 0
    missing: list[str] = field(default_factory=list)  # registered municipalities the file does not carry
    problems_elsewhere: int = 0  # bad rows of municipalities not registered: noted, they decide nothing


def load_populations(path, *, country: str | None = None, dry_run: bool = False, user=None) -> PopulationLoad:
    """Store the populations of a CONAPO / INE projection file (or a tidy table) for the registered
    municipalities, all or nothing. The file's rows of unregistered municipalities are counted, not stored; a bad
    row or a truncated municipality (fewer rows for a year than the rest of the file) rejects the file."""
    from pathlib import Path

    import polars as pl

    from atalaya.analysis.readers import populations as reader
    from atalaya.analysis.text import code_key
    from atalaya.core.changelog import log_change

    frame, problems, shape = reader.read(path)
    country = {"conapo": "MX", "ine": "CL"}.get(shape, country)
    registered = Municipality.objects.select_related("country")
    if country:
        registered = registered.filter(country__code=country)
    by_key = {code_key(m.code): m for m in registered}
    ours = frame.filter(pl.col("code").is_in(list(by_key)))
    result = PopulationLoad(shape=shape, source=f"{reader.SHAPES[shape]} ({Path(path).name})")
    result.not_registered = frame.filter(~pl.col("code").is_in(list(by_key))).get_column("code").n_unique()
    if ours.is_empty():
        sample = ", ".join(frame.get_column("code").unique().sort().head(8).to_list())
        raise PopulationFileRejected(
            "El archivo no trae ningún municipio registrado"
            + (f" de {country}" if country else "")
            + f" (códigos en el archivo: {sample or 'ninguno válido'}). Registre antes los municipios "
            "(atalaya municipality add …)."
        )
    outside = problems.filter(~pl.col("code").is_in(list(by_key)) & pl.col("code").is_not_null())
    result.problems_elsewhere = outside.height
    problems = problems.join(outside.select("row"), on="row", how="anti")
    if not problems.is_empty():
        first = problems.row(0, named=True)
        raise PopulationFileRejected(
            f"{problems.height} fila(s) inválidas; no se guardó nada. Primera: fila {first['row']}, columna "
            f"«{first['column']}», valor «{first['value']}»: {first['reason']}"
        )
    gaps = reader.coverage_gaps(ours)
    if not gaps.is_empty():
        first = gaps.row(0, named=True)
        raise PopulationFileRejected(
            f"El archivo parece truncado: {by_key[first['code']].name} ({by_key[first['code']].code}) tiene "
            f"{first['rows']} fila(s) para {first['year']} donde los demás municipios tienen {first['expected_rows']}"
            f" ({gaps.height} caso(s) así). No se guardó nada; descargue de nuevo el archivo completo."
        )
    result.municipalities = sorted(by_key[c].code for c in ours.get_column("code").unique())
    result.missing = sorted(m.code for k, m in by_key.items() if k not in set(ours.get_column("code")))
    result.years = (int(ours.get_column("year").min()), int(ours.get_column("year").max()))
    stored = {
        (p.municipality_id, p.year): p
        for p in Population.objects.filter(territory=None, municipality__in=[by_key[c] for c in result.municipalities])
    }
    with transaction.atomic():
        for code, year, value, _rows in ours.iter_rows():
            municipality = by_key[code]
            old = stored.get((municipality.pk, year))
            if old is None:
                result.added += 1
                if not dry_run:
                    Population.objects.create(municipality=municipality, year=year, value=value, source=result.source)
            elif old.value != value or old.source != result.source:
                result.changed += 1
                if not dry_run:
                    old.value, old.source = value, result.source
                    old.save(update_fields=["value", "source"])
            else:
                result.unchanged += 1
        if not dry_run:
            for code in result.municipalities:
                log_change(
                    user=user,
                    action="poblacion",
                    obj=by_key[code],
                    municipality=by_key[code],
                    message=f"Población {result.years[0]}–{result.years[1]} de {result.source}.",
                )
    return result


def locate_point(municipality: Municipality, lat: float, lon: float) -> tuple[Territory | None, str]:
    """The leaf territory holding one point and its status (``analysis.territory_assignment.STATUSES``: inside a
    territory, outside the municipality, or inside it in no territory): the importer's rule for a single point."""
    leaves = list(Territory.objects.filter(municipality=municipality, children__isnull=True, geometry__isnull=False))
    geoms = shapely.from_wkb(np.array([bytes(t.geometry) for t in leaves], dtype=object)) if leaves else np.array([])
    boundary = shapely.from_wkb(bytes(municipality.boundary)) if municipality.boundary else None
    index, status = assign_points(np.array([lon], dtype=float), np.array([lat], dtype=float), geoms, boundary)
    territory = leaves[int(index[0])] if index[0] >= 0 else None
    return territory, STATUSES[int(status[0])]
