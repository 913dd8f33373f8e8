"""What the pages, the API, the command line and the list import do with cases, the same way: register a person
(found again by national id through the blind index), take an intake into the person's case of that module,
screen a case with an instrument version.

Every function that hands over personal records writes the access log; every change writes the change log.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.analysis import screening as rules
from atalaya.analysis.identifiers import normalise_national_id
from atalaya.core import crypto
from atalaya.core.changelog import log_change

from .choices import RiskLevel
from .models import Case, Identity, Instrument, Intake, Person, Screening
from .stages import compute_stage

#: Purpose of the blind index of national ids (a different purpose gives unrelated hashes).
NATIONAL_ID_PURPOSE = "cases.person.national_id"
#: Pseudonymous codes: no 0/O or 1/I, so that they are read aloud without mistakes.
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class CaseError(ValueError):
    """A request the case records cannot take; the message says why, in Spanish."""


def touch(case: Case, *fields: str) -> None:
    """Save a change to a case: its stage recomputed from the records, its version one higher (so that a page
    opened before the change sees the conflict)."""
    case.stage = compute_stage(case)
    case.version += 1
    case.save(update_fields=[*fields, "stage", "version"])


def assignment_hours(risk_level: str) -> float:
    """Hours a team has to assign a case of this risk (``ATALAYA_CASE_ASSIGN_HOURS``; 1 h if high, else 24 h)."""
    hours = {RiskLevel.HIGH: 1, "": 24, **getattr(settings, "ATALAYA_CASE_ASSIGN_HOURS", {})}
    return float(hours.get(risk_level, hours[""]))


def reopen_case(case: Case, *, user=None, reason: str = "", origin: str = "cli") -> None:
    """A closed case opens a new cycle (its history stays); a reason or a new intake says why."""
    case.closed_at, case.reopened_at, case.closure_outcome = None, timezone.now(), ""
    touch(case, "closed_at", "reopened_at", "closure_outcome")
    log_change(user=user, action="reabrir", obj=case, municipality=case.municipality, origin=origin, message=reason)


def national_id_index(national_id: str, country: str) -> str:
    """The keyed hash that finds a person by RUT or CURP (normalised first: «12.345.678-5» is «12345678-5»)."""
    return crypto.blind_index(normalise_national_id(national_id, country), NATIONAL_ID_PURPOSE)


def _new_code(model, municipality, prefix: str = "P-") -> str:
    """A pseudonymous code not yet used by ``model`` in the municipality (persons ``P-``, households ``H-``)."""
    while True:
        code = prefix + "".join(secrets.choice(_CODE_ALPHABET) for _position in range(6))
        if not model.objects.filter(municipality=municipality, code=code).exists():
            return code


def find_person(municipality, national_id: str) -> Person | None:
    """The person with this RUT or CURP in the municipality, through the blind index only."""
    index = national_id_index(national_id, municipality.country.code)
    return Person.objects.filter(municipality=municipality, national_id_index=index).first()


@transaction.atomic
def register_person(
    municipality,
    *,
    kind: str,
    national_id: str = "",
    given_names: str = "",
    family_names: str = "",
    birth_date: dt.date | None = None,
    sex: str = "",
    address: str = "",
    phone: str = "",
    territory=None,
    user=None,
    origin: str = "cli",
) -> tuple[Person, bool]:
    """The person with this national id if the municipality already has them (``created`` False), otherwise a
    new person with a pseudonymous code and an encrypted identity. An invalid RUT or CURP raises
    :class:`~atalaya.analysis.identifiers.InvalidIdentifier` before anything is written."""
    country = municipality.country.code
    normalised = normalise_national_id(national_id, country) if national_id else ""
    index = crypto.blind_index(normalised, NATIONAL_ID_PURPOSE) if normalised else ""
    if index:
        existing = Person.objects.filter(municipality=municipality, national_id_index=index).first()
        if existing is not None:
            return existing, False
    person = Person.objects.create(
        municipality=municipality,
        code=_new_code(Person, municipality),
        kind=kind,
        sex=sex,
        birth_year=birth_date.year if birth_date else None,
        territory=territory,
        national_id_index=index,
    )
    Identity.objects.create(
        person=person,
        given_names=given_names,
        family_names=family_names,
        national_id=normalised,
        birth_date=birth_date.isoformat() if birth_date else "",
        address=address,
        phone=phone,
    )
    log_change(user=user, action="crear", obj=person, municipality=municipality, origin=origin, message=person.code)
    return person, True


@transaction.atomic
def take_intake(
    person: Person,
    module: str,
    *,
    channel: str,
    institution: str = "",
    notes: str = "",
    team=None,
    owner=None,
    received_at=None,
    source_key: str = "",
    user=None,
    origin: str = "cli",
) -> Intake:
    """Add an intake to the person's case of ``module``: a new case the first time, a reopened one if it was
    closed, the same open case otherwise (one case per person and module).

    A new case without ``owner`` lands in its team's queue, to be assigned within :func:`assignment_hours`."""
    now = timezone.now()
    case, created = Case.objects.get_or_create(
        person=person,
        module=module,
        defaults={
            "municipality": person.municipality,
            "team": team,
            "owner": owner,
            "assigned_at": now if owner else None,
            "assign_due_at": None if owner else now + dt.timedelta(hours=assignment_hours("")),
        },
    )
    if not created and case.closed_at is not None:
        reopen_case(case, user=user, reason="nuevo ingreso", origin=origin)
    intake = Intake.objects.create(
        case=case,
        channel=channel,
        institution=institution,
        notes=notes,
        received_at=received_at or timezone.now(),
        source_key=source_key,
        created_by=user,
    )
    log_change(
        user=user,
        action="ingresar",
        obj=case,
        municipality=case.municipality,
        origin=origin,
        message=f"ingreso {intake.pk} por {channel}",  # the narrative is never copied into the log
    )
    return intake


@transaction.atomic
def screen(
    case: Case,
    instrument: Instrument,
    answers: dict[str, bool],
    *,
    user=None,
    level: str | None = None,
    reason: str = "",
    origin: str = "cli",
) -> Screening:
    """Score the answers with this instrument version and keep the level; a worker may set another ``level``
    only with a ``reason``. The case's risk level follows its latest screening."""
    if instrument.module != case.module:
        raise CaseError(_("El instrumento es de otro módulo que el caso."))
    result = rules.score(rules.parse_instrument(instrument.definition), answers)
    kept = level or result.level
    if kept not in rules.LEVELS:
        raise CaseError(_("Nivel desconocido «%(level)s».") % {"level": kept})
    if kept != result.level and not reason.strip():
        raise CaseError(_("Para cambiar el nivel que da el instrumento hay que escribir el motivo."))
    screening = Screening.objects.create(
        case=case,
        instrument=instrument,
        answers={code: bool(value) for code, value in answers.items()},
        score=result.score,
        computed_level=result.level,
        level=kept,
        override_reason=reason.strip() if kept != result.level else "",
        screened_by=user,
    )
    case.risk_level = kept
    fields = ["risk_level"]
    if case.owner_id is None and case.closed_at is None:  # a queued case: its deadline follows its risk
        due = screening.screened_at + dt.timedelta(hours=assignment_hours(kept))
        if case.assign_due_at is None or due < case.assign_due_at:
            case.assign_due_at, case.escalated_at = due, None
            fields += ["assign_due_at", "escalated_at"]
    touch(case, *fields)
    log_change(
        user=user,
        action="tamizar",
        obj=case,
        municipality=case.municipality,
        origin=origin,
        message=f"{instrument} · puntaje {result.score:g} · nivel {kept}"
        + (f" (calculado {result.level})" if kept != result.level else ""),
    )
    return screening


def save_instrument(code: str, module: str, name: str, definition: dict) -> Instrument:
    """A new version of an instrument (the definition is checked first; earlier versions stay as they were)."""
    rules.parse_instrument(definition)
    last = Instrument.objects.filter(code=code).order_by("-version").first()
    if last is not None and last.definition == definition and last.module == module:
        return last
    return Instrument.objects.create(
        code=code, module=module, name=name, definition=definition, version=(last.version + 1) if last else 1
    )


def current_instruments(module: str) -> list[Instrument]:
    """The latest version of each instrument of a module (what a new screening uses)."""
    latest: dict[str, Instrument] = {}
    for instrument in Instrument.objects.filter(module=module).order_by("code", "version"):
        latest[instrument.code] = instrument
    return list(latest.values())


def load_builtin_instruments() -> int:
    """Save the instruments shipped in ``cases/data`` (a new version only when a definition changed)."""
    import json
    from importlib import resources

    saved = 0
    for entry in sorted(resources.files("atalaya.cases").joinpath("data").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        spec = json.loads(entry.read_text(encoding="utf-8"))
        before = Instrument.objects.filter(code=spec["code"]).count()
        save_instrument(spec["code"], spec["module"], spec["name"], spec["definition"])
        saved += Instrument.objects.filter(code=spec["code"]).count() - before
    return saved


@transaction.atomic
def link_household(person: Person, *, relation: str, other_code: str = "", user=None, origin: str = "cli"):
    """Put ``person`` in a household: the household of the person with code ``other_code`` (a new household
    with that person if they have none), or a new household of their own. Returns the household."""
    from .models import Household, HouseholdMember

    municipality = person.municipality
    household = None
    if other_code.strip():
        other = Person.objects.filter(municipality=municipality, code=other_code.strip().upper()).first()
        if other is None or other.pk == person.pk:
            raise CaseError(
                _("No hay otra persona con el código «%(code)s» en el municipio.") % {"code": other_code.strip()}
            )
        membership = HouseholdMember.objects.filter(person=other).select_related("household").first()
        household = membership.household if membership else None
        if household is None:
            household = Household.objects.create(
                municipality=municipality, code=_new_code(Household, municipality, "H-")
            )
            HouseholdMember.objects.create(household=household, person=other, relation="otro")
    if household is None:
        household = Household.objects.create(municipality=municipality, code=_new_code(Household, municipality, "H-"))
    if HouseholdMember.objects.filter(household=household, person=person).exists():
        raise CaseError(_("La persona ya es parte de ese hogar."))
    HouseholdMember.objects.create(household=household, person=person, relation=relation)
    log_change(
        user=user,
        action="hogar",
        obj=person,
        municipality=municipality,
        origin=origin,
        message=f"{person.code} en el hogar {household.code} ({relation})",
    )
    return household


@transaction.atomic
def update_identity(person: Person, *, user=None, origin: str = "cli", **fields) -> list[str]:
    """Correct who a person is (names, national id, birth date, address, phone, territory). A new national id is
    checked and re-indexed; one that belongs to another person of the municipality is refused (the two records
    would have to be merged by hand). Returns the names of the fields changed (the log names them, never values)."""
    identity, _created = Identity.objects.get_or_create(person=person)
    changed: list[str] = []
    national_id = fields.pop("national_id", None)
    if national_id is not None:
        normalised = normalise_national_id(national_id, person.municipality.country.code) if national_id else ""
        if normalised != identity.national_id:
            index = crypto.blind_index(normalised, NATIONAL_ID_PURPOSE) if normalised else ""
            clash = Person.objects.filter(municipality=person.municipality, national_id_index=index).exclude(
                pk=person.pk
            )
            if index and clash.exists():
                raise CaseError(_("Ese RUT o CURP ya es de otra persona registrada en el municipio."))
            identity.national_id, person.national_id_index = normalised, index
            changed.append("national_id")
    birth_date = fields.pop("birth_date", None)
    if birth_date is not None and (birth_date.isoformat() if birth_date else "") != identity.birth_date:
        identity.birth_date = birth_date.isoformat() if birth_date else ""
        person.birth_year = birth_date.year if birth_date else None
        changed.append("birth_date")
    for name in ("given_names", "family_names", "address", "phone"):
        if name in fields and (fields[name] or "") != getattr(identity, name):
            setattr(identity, name, fields[name] or "")
            changed.append(name)
    for name in ("territory", "sex"):
        if name in fields and fields[name] != getattr(person, name):
            setattr(person, name, fields[name])
            changed.append(name)
    if changed:
        identity.save()
        person.save()
        log_change(
            user=user,
            action="identidad",
            obj=person,
            municipality=person.municipality,
            origin=origin,
            message="campos corregidos: " + ", ".join(changed),
        )
    return changed
