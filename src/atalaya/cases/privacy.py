"""Privacy duties of the case records: exports without identifiers unless the role allows them, the subject-access
export of everything held about one person, and retention with purge by module.

Retention (``ATALAYA_CASE_RETENTION_YEARS``, years after closure): a closed case older than its module's period is
deleted with everything hanging from it; a person left without cases is deleted with their identity. Only
pseudonymous codes and counts stay, in the append-only change log. A dry run says what would go.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from atalaya.core.changelog import log_change

from .choices import Module
from .models import Case, HouseholdMember, Identity, Person

#: Years a closed case is kept, by module, unless ``ATALAYA_CASE_RETENTION_YEARS`` says otherwise. Children's and
#: women's cases are kept longer: a new intake years later is read against the earlier history.
DEFAULT_RETENTION_YEARS = {Module.CHILDREN: 10, Module.WOMEN: 10, Module.FAMILY: 5, Module.OLDER: 5}
#: Team roles whose exports may carry names and national ids (``ATALAYA_CASE_IDENTIFIED_EXPORT_ROLES``).
DEFAULT_IDENTIFIED_EXPORT_ROLES = ("coordinador",)

EXPORT_COLUMNS = [
    "codigo",
    "modulo",
    "equipo",
    "responsable",
    "riesgo",
    "etapa",
    "abierto",
    "cerrado",
    "resultado_cierre",
    "territorio",
    "anio_nacimiento",
    "sexo",
]
IDENTITY_COLUMNS = ["nombres", "apellidos", "rut_curp", "fecha_nacimiento", "direccion", "telefono"]


def may_export_identified(user, cases) -> bool:
    """Whether ``user`` may put identities in an export of these cases (a superuser, or an allowed team role in
    every team the cases belong to)."""
    from .models import TeamMember

    if user.is_superuser:
        return True
    roles = getattr(settings, "ATALAYA_CASE_IDENTIFIED_EXPORT_ROLES", DEFAULT_IDENTIFIED_EXPORT_ROLES)
    teams = set(cases.order_by().values_list("team_id", flat=True).distinct())
    allowed = set(TeamMember.objects.filter(user=user, role__in=list(roles)).values_list("team_id", flat=True))
    return bool(teams) and teams <= allowed


def may_export_identified_somewhere(user) -> bool:
    """Whether to offer the identified export at all (cheap: the export itself checks every team)."""
    from .models import TeamMember

    roles = getattr(settings, "ATALAYA_CASE_IDENTIFIED_EXPORT_ROLES", DEFAULT_IDENTIFIED_EXPORT_ROLES)
    return user.is_superuser or TeamMember.objects.filter(user=user, role__in=list(roles)).exists()


def export_frame(cases, *, identified: bool) -> pl.DataFrame:
    """The cases as a table for a CSV: codes, never names, unless ``identified`` (decided by the caller)."""
    rows = list(
        cases.select_related("person__territory", "team", "owner")
        .order_by("pk")
        .values_list(
            "person__code",
            "module",
            "team__name",
            "owner__username",
            "risk_level",
            "stage",
            "opened_at",
            "closed_at",
            "closure_outcome",
            "person__territory__code",
            "person__birth_year",
            "person__sex",
            "person_id",
        )
    )
    frame = pl.DataFrame(
        [[*row[:6], _day(row[6]), _day(row[7]), *row[8:12]] for row in rows],
        schema=dict.fromkeys(EXPORT_COLUMNS, pl.String) | {"anio_nacimiento": pl.Int64},
        orient="row",
    )
    if not identified:
        return frame
    identities = {i.person_id: i for i in Identity.objects.filter(person_id__in=[row[12] for row in rows])}
    columns = {name: [] for name in IDENTITY_COLUMNS}
    for row in rows:
        identity = identities.get(row[12])
        values = (
            [
                identity.given_names,
                identity.family_names,
                identity.national_id,
                identity.birth_date,
                identity.address,
                identity.phone,
            ]
            if identity
            else [""] * len(IDENTITY_COLUMNS)
        )
        for name, value in zip(IDENTITY_COLUMNS, values, strict=True):
            columns[name].append(value)
    return frame.with_columns(pl.Series(name, values, dtype=pl.String) for name, values in columns.items())


def _day(moment) -> str | None:
    return timezone.localtime(moment).date().isoformat() if moment else None


def subject_access(person: Person) -> dict:
    """Everything held about one person (for their right of access): identity, households, and for each case its
    intakes, screenings, consents, plan, referrals, follow-ups and approvals — and who read their records."""
    from atalaya.core.models import AccessLogEntry

    identity = Identity.objects.filter(person=person).first()
    cases = []
    for case in person.cases.select_related("team", "owner").order_by("pk"):
        cases.append(
            {
                "modulo": case.get_module_display(),
                "equipo": str(case.team or ""),
                "responsable": case.owner.get_username() if case.owner else "",
                "riesgo": case.get_risk_level_display(),
                "etapa": case.get_stage_display(),
                "abierto": case.opened_at.isoformat(),
                "cerrado": case.closed_at.isoformat() if case.closed_at else None,
                "resultado_cierre": case.get_closure_outcome_display(),
                "ingresos": [
                    {
                        "fecha": i.received_at.isoformat(),
                        "via": i.get_channel_display(),
                        "institucion": i.institution,
                        "relato": i.notes,
                    }
                    for i in case.intakes.all()
                ],
                "tamizajes": [
                    {
                        "fecha": s.screened_at.isoformat(),
                        "instrumento": str(s.instrument),
                        "respuestas": s.answers,
                        "puntaje": s.score,
                        "nivel": s.level,
                        "motivo_cambio": s.override_reason,
                    }
                    for s in case.screenings.select_related("instrument")
                ],
                "consentimientos": [
                    {
                        "fecha": c.recorded_at.isoformat(),
                        "proposito": c.get_purpose_display(),
                        "otorgado": c.given,
                        "por": c.given_by,
                    }
                    for c in case.consents.all()
                ],
                "plan": [
                    {
                        "servicio": line.service.name,
                        "prestador": line.service.provider,
                        "objetivo": line.goal,
                        "plazo": line.due_date.isoformat(),
                        "estado": line.get_status_display(),
                    }
                    for line in case.service_lines.select_related("service")
                ],
                "derivaciones": [
                    {
                        "fecha": t.created_at.isoformat(),
                        "tipo": t.get_kind_display(),
                        "a": t.service,
                        "estado": t.get_status_display(),
                        "sin_consentimiento": t.consent_overridden,
                        "motivo": t.override_reason or t.response_reason,
                    }
                    for t in case.transitions.all()
                ],
                "seguimientos": [
                    {
                        "plazo": f.due_date.isoformat(),
                        "tipo": f.get_kind_display(),
                        "que": f.description,
                        "realizado": f.done_at.isoformat() if f.done_at else None,
                        "resultado": f.result,
                    }
                    for f in case.follow_ups.all()
                ],
                "aprobaciones": [
                    {
                        "pedida": a.requested_at.isoformat(),
                        "que": a.get_kind_display(),
                        "estado": a.get_status_display(),
                        "observaciones": a.comment,
                    }
                    for a in case.approvals.all()
                ],
            }
        )
    case_ids = [str(pk) for pk in person.cases.values_list("pk", flat=True)]
    reads = AccessLogEntry.objects.filter(
        object_type="cases.case", object_id__in=case_ids
    ) | AccessLogEntry.objects.filter(object_type="cases.identity", object_id=str(person.pk))
    return {
        "persona": {
            "codigo": person.code,
            "tipo": person.get_kind_display(),
            "sexo": person.get_sex_display(),
            "anio_nacimiento": person.birth_year,
            "territorio": str(person.territory or ""),
            "registrada": person.created_at.isoformat(),
        },
        "identidad": {
            "nombres": identity.given_names,
            "apellidos": identity.family_names,
            "rut_curp": identity.national_id,
            "fecha_nacimiento": identity.birth_date,
            "direccion": identity.address,
            "telefono": identity.phone,
        }
        if identity
        else None,
        "hogares": [
            {"hogar": m.household.code, "vinculo": m.get_relation_display()}
            for m in HouseholdMember.objects.filter(person=person).select_related("household")
        ],
        "casos": cases,
        "accesos": [
            {"fecha": e.created_at.isoformat(), "usuario": e.username, "accion": e.get_action_display()}
            for e in reads.order_by("created_at", "pk")
        ],
        "generado": timezone.now().isoformat(),
    }


def retention_years() -> dict[str, int]:
    return {**DEFAULT_RETENTION_YEARS, **getattr(settings, "ATALAYA_CASE_RETENTION_YEARS", {})}


def expired_cases(today: dt.date | None = None, municipality=None):
    """Closed cases whose module's retention period ended."""
    today = today or timezone.localdate()
    cases = Case.objects.none()
    for module, years in retention_years().items():
        limit = (
            today.replace(year=today.year - int(years))
            if not (today.month == 2 and today.day == 29)
            else (today.replace(day=28, year=today.year - int(years)))
        )
        cases = cases | Case.objects.filter(module=module, closed_at__date__lt=limit)
    return cases.filter(municipality=municipality) if municipality is not None else cases


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def purge(
    *, dry_run: bool = True, today: dt.date | None = None, municipality=None, user=None, origin: str = "cli"
) -> dict:
    """Delete the expired cases and the persons they leave without cases; returns counts by module (and what a
    dry run would delete)."""
    expired = list(expired_cases(today, municipality).select_related("person", "municipality"))
    by_module = Counter(case.module for case in expired)
    persons = {case.person_id for case in expired}
    remaining = set(
        Case.objects.filter(person_id__in=persons)
        .exclude(pk__in=[c.pk for c in expired])
        .values_list("person_id", flat=True)
    )
    orphans = persons - remaining
    summary = {"casos": dict(by_module), "personas": len(orphans), "simulacion": dry_run}
    if dry_run or not expired:
        return summary
    with transaction.atomic():
        for case in expired:
            log_change(
                user=user,
                action="purgar",
                obj=case,
                municipality=case.municipality,
                origin=origin,
                message=f"{case.person.code} · {case.module} · cerrado {case.closed_at:%Y-%m-%d}: "
                "plazo de conservación cumplido",
            )
        Case.objects.filter(pk__in=[c.pk for c in expired]).delete()
        Person.objects.filter(pk__in=orphans).delete()  # identity and household links go with the person
    return summary
