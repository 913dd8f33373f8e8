"""The demo's early-warning records: synthetic persons with valid-looking (invented) RUTs and CURPs, teams with
workers and supervisors (whose second factor the demo sets up), a services catalogue, intakes from every channel,
screenings with the built-in example instrument, and every step after them — the team queue (some late and
escalated), approvals pending, given and returned, plans, consents, referrals in every state (one authorised
without consent), transfers, follow-ups done and overdue, closures with their outcome and a reopening — so that
every page shows something real-looking. Everything is marked synthetic, like the rest of the demo."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.utils import timezone

from atalaya.analysis.identifiers import curp_check_digit, rut_check_digit
from atalaya.cases import referrals, services, workflow
from atalaya.cases.choices import Channel, ClosureOutcome
from atalaya.cases.models import Case, Service, Team, TeamMember
from atalaya.geo.models import Municipality, Territory

GIVEN = ["Josefa", "Martina", "Agustín", "Benjamín", "Florencia", "Tomás", "Valentina", "Matías", "Isidora", "Vicente"]
FAMILY = ["González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva", "Martínez", "Hernández"]
#: The demo's case teams: (municipality, module, team name, [(user, team role)]); the first user owns the cases.
TEAMS = [
    (
        "13122",
        "ninez",
        "OLN Peñalolén (demostración)",
        [
            ("gestora.penalolen", "gestor"),
            ("gestor2.penalolen", "gestor"),
            ("supervisora.penalolen", "supervisor"),
            ("coordinadora.penalolen", "coordinador"),
        ],
    ),
    ("13122", "mujer", "Centro de la Mujer (demostración)", []),
    (
        "15058",
        "ninez",
        "DIF Nezahualcóyotl (demostración)",
        [("gestor.neza", "gestor"), ("supervisor.neza", "supervisor")],
    ),
]
#: Users whose TOTP key the demo prints.
CASE_USERS = ["gestora.penalolen", "supervisora.penalolen", "coordinadora.penalolen", "gestor.neza", "supervisor.neza"]
#: The services catalogue of each municipality: (name, provider, kind).
SERVICES = {
    "13122": [
        ("Taller de parentalidad positiva", "OLN Peñalolén", "municipal"),
        ("Reinserción escolar", "DAEM Peñalolén", "municipal"),
        ("Atención psicosocial", "CESFAM Carol Urzúa", "externo"),
        ("Programa de prevención focalizada (PPF)", "Mejor Niñez", "externo"),
        ("Deporte y cultura en el barrio", "Corporación de Deportes", "municipal"),
    ],
    "15058": [
        ("Escuela para madres y padres", "DIF Nezahualcóyotl", "municipal"),
        ("Reincorporación escolar", "SEP Estado de México", "externo"),
        ("Atención psicológica", "Centro de Salud Mental Comunitario", "externo"),
        ("Prevención social de la violencia juvenil", "Dirección de Seguridad Ciudadana", "municipal"),
    ],
}


def synthetic_rut(rng: np.random.Generator) -> str:
    body = str(int(rng.integers(20_000_000, 26_000_000)))
    return f"{body}-{rut_check_digit(body)}"


def synthetic_curp(rng: np.random.Generator, birth: dt.date, sex: str) -> str:
    letters = "".join(rng.choice(list("BCDFGHJKLMNPRSTVZ"), 4))
    head = f"{letters[0]}A{letters[1:3]}{birth:%y%m%d}{'M' if sex == 'F' else 'H'}MC{letters[1:4]}0"
    return head + str(curp_check_digit(head))


def load_demo_cases(rng: np.random.Generator, users: dict, password: str, say) -> dict[str, int]:
    """Teams, workers and supervisors, the catalogue, and about forty cases per municipality taken along the
    workflow (see the module docstring); returns counts."""
    from atalaya.accounts.services import create_user

    instrument = services.current_instruments("ninez")[0]
    counts = {"personas": 0, "casos": 0, "tamizajes": 0}
    for code, module, name, members in TEAMS:
        municipality = Municipality.objects.get(code=code)
        team, _ = Team.objects.get_or_create(municipality=municipality, name=name, defaults={"module": module})
        for username, role in members:
            user = users.get(username) or create_user(username, password, municipality_codes=[code], role="viewer")
            users[username] = user
            TeamMember.objects.get_or_create(team=team, user=user, defaults={"role": role})
        if module != "ninez":
            continue
        catalogue = [
            Service.objects.get_or_create(
                municipality=municipality, name=service, defaults={"provider": provider, "provider_kind": kind}
            )[0]
            for service, provider, kind in SERVICES[code]
        ]
        owner, supervisor = users[members[0][0]], users[next(u for u, r in members if r == "supervisor")]
        leaves = list(Territory.objects.filter(municipality=municipality, children__isnull=True))
        items = [item["code"] for domain in instrument.definition["domains"] for item in domain["items"]]
        for number in range(40):
            sex = str(rng.choice(["F", "M"]))
            birth = dt.date(int(rng.integers(2008, 2020)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
            national_id = synthetic_rut(rng) if code == "13122" else synthetic_curp(rng, birth, sex)
            person, created = services.register_person(
                municipality,
                kind="nna",
                national_id=national_id,
                given_names=str(rng.choice(GIVEN)),
                family_names=f"{rng.choice(FAMILY)} {rng.choice(FAMILY)}",
                birth_date=birth,
                sex=sex,
                territory=leaves[int(rng.integers(len(leaves)))] if leaves else None,
                origin="demo",
            )
            counts["personas"] += int(created)
            received = timezone.now() - dt.timedelta(days=int(rng.integers(1, 365)))
            queued = number % 8 == 0  # one in eight waits in the team's queue
            intake = services.take_intake(
                person,
                "ninez",
                channel=str(rng.choice(Channel.values)),
                institution="Institución de demostración",
                notes="Relato SINTÉTICO de demostración.",
                team=team,
                owner=None if queued else owner,
                received_at=received,
                origin="demo",
            )
            case = intake.case
            Case.objects.filter(pk=case.pk).update(opened_at=received)  # the demo's history spreads over a year
            case.refresh_from_db()
            counts["casos"] += 1
            if rng.random() < 0.8:  # some cases still wait for their first screening
                answers = {item: bool(rng.random() < 0.25) for item in items}
                services.screen(case, instrument, answers, user=owner, origin="demo")
                counts["tamizajes"] += 1
            if queued:
                if number % 16 == 0:  # late: the deadline passed and supervision was told
                    Case.objects.filter(pk=case.pk).update(assign_due_at=timezone.now() - dt.timedelta(hours=3))
                continue
            hours = float(rng.gamma(2.0, 6.0))
            Case.objects.filter(pk=case.pk).update(assigned_at=received + dt.timedelta(hours=hours))
            case.refresh_from_db()
            _walk(case, number, rng, catalogue, owner, supervisor, users, received)
    workflow.escalate_overdue()
    say(
        f"  alerta temprana: {counts['personas']} personas y {counts['casos']} ingresos SINTÉTICOS, "
        f"{counts['tamizajes']} tamizajes, con derivaciones, seguimientos, aprobaciones y cierres"
    )
    return counts


def _walk(case, number: int, rng, catalogue, owner, supervisor, users, received) -> None:
    """Take a screened case as far along the workflow as ``number`` says, so that every state appears."""
    today = timezone.localdate()
    if not case.screenings.exists():
        return
    assessment = workflow.request_approval(case, "evaluacion", user=owner, note="Evaluación de demostración")
    if number % 10 == 1:
        return  # assessment waiting for supervision
    if number % 10 == 2:
        workflow.decide(assessment, False, user=supervisor, comment="Falta la visita domiciliaria.")
        return
    workflow.decide(assessment, True, user=supervisor)
    given = number % 10 != 3
    referrals.record_consent(case, "servicios", given, given_by="Madre (sintético)", user=owner, origin="demo")
    referrals.record_consent(case, "compartir", given, given_by="Madre (sintético)", user=owner, origin="demo")
    picks = rng.choice(len(catalogue), size=int(rng.integers(1, 3)), replace=False)
    lines = [
        workflow.add_service_line(
            case,
            catalogue[int(i)],
            goal="Objetivo SINTÉTICO",
            due_date=today + dt.timedelta(days=int(rng.integers(10, 90))),
            user=owner,
            origin="demo",
        )
        for i in picks
    ]
    if number % 10 == 4:
        return  # plan being written
    workflow.decide(workflow.request_approval(case, "plan", user=owner), True, user=supervisor)
    for k, line in enumerate(lines):
        if not given:  # no consent: supervision authorises the referral, with its reason
            referrals.refer(
                case,
                service_line=line,
                user=supervisor,
                origin="demo",
                override_reason="Riesgo grave y ningún adulto responsable ubicable (sintético).",
            )
            break
        referral = referrals.refer(case, service_line=line, user=owner, origin="demo")
        state = (number * 3 + k) % 5
        if state == 1:
            referrals.move(referral, "rechazada", user=owner, reason="Sin cupos (sintético)", origin="demo")
        elif state == 2:
            referrals.move(referral, "revocada", user=owner, reason="La familia se cambió de comuna", origin="demo")
        elif state >= 3:
            referrals.move(referral, "aceptada", user=owner, origin="demo")
            if state == 4:
                referrals.move(referral, "realizada", user=owner, origin="demo")
    late = workflow.add_follow_up(case, description="Visita domiciliaria", due_date=today, user=owner, origin="demo")
    type(late).objects.filter(pk=late.pk).update(due_date=today - dt.timedelta(days=int(rng.integers(1, 20))))
    if number % 10 == 5:
        return  # an overdue follow-up
    workflow.complete_follow_up(late, result="Contacto realizado (sintético).", user=owner, origin="demo")
    workflow.add_follow_up(
        case, description="Llamar al colegio", due_date=today + dt.timedelta(days=7), user=owner, origin="demo"
    )
    if number % 10 == 6 and "gestor2.penalolen" in users and case.municipality.code == "13122":
        referrals.refer(case, kind="transferencia", to_user=users["gestor2.penalolen"], user=owner, origin="demo")
        return
    if number % 10 not in (7, 8):
        return
    for follow_up in case.follow_ups.filter(done_at__isnull=True):
        workflow.complete_follow_up(follow_up, result="Realizado (sintético).", user=owner, origin="demo")
    for transition in case.transitions.filter(status__in=["en_curso", "aceptada"]).exclude(kind="asignacion"):
        if transition.status == "en_curso":
            referrals.move(transition, "aceptada", user=owner, origin="demo")
        referrals.move(transition, "realizada", user=owner, origin="demo")
    for line in case.service_lines.filter(status__in=["planificada", "en_curso"]):
        workflow.close_line(line, "cumplida", user=owner, origin="demo")
    outcome = str(rng.choice([ClosureOutcome.GOALS_MET, ClosureOutcome.REFERRED, ClosureOutcome.NO_CONTACT]))
    workflow.decide(workflow.request_approval(case, "cierre", user=owner, outcome=outcome), True, user=supervisor)
    closed = received + dt.timedelta(days=int(rng.integers(30, 200)))
    Case.objects.filter(pk=case.pk).update(closed_at=min(closed, timezone.now()))
    if number % 20 == 8:
        case.refresh_from_db()
        workflow.reopen(case, user=owner, reason="Nuevo aviso del colegio (sintético)", origin="demo")
