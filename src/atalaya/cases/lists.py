"""Police lists ("24 Horas"-style) into intakes: each valid row becomes an intake of its person's case in the
team's module, the person found again by national id through the blind index (the same child twice in a list,
or in two lists, is one person with two intakes), new cases landing in the team's queue.

All or nothing: a list with any error writes nothing and reports every problem (row, column, value, reason), as
the data core does; ``dry_run`` reports what would happen without writing. A row already imported (same person,
date, unit and reason) is skipped with a warning, so loading a list twice does not duplicate intakes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.db import transaction
from django.utils import timezone

from atalaya.analysis.police_lists import read_police_list
from atalaya.analysis.problems import ERROR, WARNING, FileRejected, concat_problems, problem_frame
from atalaya.analysis.text import normalise
from atalaya.core.changelog import log_change
from atalaya.geo.models import Territory

from . import services
from .choices import Channel, Module, PersonKind
from .models import Case, Intake, Person

#: The kind of person a list row is, by the module of the team that receives it.
PERSON_KIND = {
    Module.CHILDREN: PersonKind.CHILD,
    Module.WOMEN: PersonKind.WOMAN,
    Module.FAMILY: PersonKind.ADULT,
    Module.OLDER: PersonKind.OLDER,
}


@dataclass
class ListOutcome:
    """What a list import did (or, on a dry run or with errors, would have done)."""

    rows: int = 0
    new_persons: int = 0
    known_persons: int = 0
    new_cases: int = 0
    reopened_cases: int = 0
    intakes: int = 0
    skipped: int = 0
    written: bool = False
    dry_run: bool = False
    problems: pl.DataFrame = field(default_factory=problem_frame)

    @property
    def errors(self) -> int:
        return self.problems.filter(pl.col("severity") == ERROR).height

    def summary(self) -> str:
        verb = "se importarían" if not self.written else "se importaron"
        return (
            f"{self.rows} filas: {verb} {self.intakes} ingresos ({self.new_persons} personas nuevas, "
            f"{self.known_persons} ya registradas; {self.new_cases} casos nuevos, {self.reopened_cases} reabiertos); "
            f"{self.skipped} filas ya importadas antes; {self.errors} errores."
        )


class _Rollback(Exception):
    pass


def row_key(index: str, day: dt.date, unit: str | None, reason: str | None) -> str:
    """The fingerprint of a list row (from the blind index, never the identifier itself)."""
    text = "|".join([index, day.isoformat(), normalise(unit or ""), normalise(reason or "")])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def import_police_list(path: str | Path, team, *, user=None, dry_run: bool = False, origin: str = "cli") -> ListOutcome:
    """Check the list, then write every row in one transaction (or none: see the module docstring)."""
    municipality = team.municipality
    outcome = ListOutcome(dry_run=dry_run)
    try:
        frame, problems = read_police_list(
            path,
            country=municipality.country.code,
            comunas={municipality.name, municipality.code},
            today=timezone.localdate(),
            minors_only=team.module == Module.CHILDREN,
        )
    except FileRejected as exc:
        outcome.problems = exc.as_problems()
        return outcome
    outcome.rows = frame.height
    territories = _territories(frame, municipality)
    outcome.problems = concat_problems([problems, territories[1]])
    if outcome.errors:
        return outcome
    try:
        with transaction.atomic():
            _write(frame, team, territories[0], outcome, user=user, origin=origin)
            if dry_run:
                raise _Rollback
    except _Rollback:
        return outcome
    outcome.written = True
    log_change(
        user=user,
        action="importar_lista",
        obj=team,
        municipality=municipality,
        origin=origin,
        message=outcome.summary(),
    )
    return outcome


def _territories(frame: pl.DataFrame, municipality) -> tuple[dict[str, Territory], pl.DataFrame]:
    """Territory column values matched to the municipality's territories by code or name (a warning otherwise)."""
    known: dict[str, Territory] = {}
    for territory in Territory.objects.filter(municipality=municipality):
        known.setdefault(normalise(territory.code), territory)
        known.setdefault(normalise(territory.name), territory)
    matched, problems = {}, []
    for row in frame.filter(pl.col("territory").is_not_null()).select("_row", "territory").iter_rows():
        territory = known.get(normalise(row[1]))
        if territory is None:
            problems.append(
                (
                    row[0],
                    "unidad_vecinal",
                    row[1][:200],
                    "Territorio desconocido en el municipio; se deja sin dato.",
                    WARNING,
                )
            )
        else:
            matched[row[1]] = territory
    return matched, problem_frame(problems)


def _write(frame: pl.DataFrame, team, territories: dict, outcome: ListOutcome, *, user, origin: str) -> None:
    municipality, module = team.municipality, team.module
    seen_persons: set[int] = set()
    for row in frame.iter_rows(named=True):
        index = services.national_id_index(row["national_id_normalised"], municipality.country.code)
        known = Person.objects.filter(municipality=municipality, national_id_index=index).first()
        key = row_key(index, row["procedure_day"], row["unit"], row["reason"])
        if (
            known is not None
            and Intake.objects.filter(case__person=known, case__module=module, source_key=key).exists()
        ):
            outcome.skipped += 1
            outcome.problems = concat_problems(
                [
                    outcome.problems,
                    problem_frame(
                        [
                            (
                                row["_row"],
                                "rut",
                                "",
                                "Fila ya importada en una lista anterior o repetida; se omite.",
                                WARNING,
                            )
                        ]
                    ),
                ]
            )
            continue
        if known is None:
            person, _created = services.register_person(
                municipality,
                kind=PERSON_KIND[module],
                national_id=row["national_id_normalised"],
                given_names=row["given_names"] or "",
                family_names=" ".join(filter(None, [row["family_name_1"], row["family_name_2"]])),
                birth_date=row["birth_day"],
                sex=row["sex_code"],
                address=row["address"] or "",
                territory=territories.get(row["territory"]),
                user=user,
                origin=origin,
            )
            outcome.new_persons += 1
        else:
            person = known
            if person.pk not in seen_persons:
                outcome.known_persons += 1
        seen_persons.add(person.pk)
        case = Case.objects.filter(person=person, module=module).first()
        if case is None:
            outcome.new_cases += 1
        elif case.closed_at is not None:
            outcome.reopened_cases += 1
        received = timezone.make_aware(dt.datetime.combine(row["procedure_day"], dt.time(12)))
        services.take_intake(
            person,
            module,
            channel=Channel.POLICE,
            institution=(row["unit"] or "Carabineros (lista 24 Horas)")[:200],
            notes="\n".join(filter(None, [row["reason"], row["detail"]])),
            team=team,
            received_at=received,
            source_key=key,
            user=user,
            origin=origin,
        )
        outcome.intakes += 1
