"""The demo's early-warning records: synthetic persons with valid-looking (invented) RUTs and CURPs, teams, a
case worker whose second factor the demo sets up, intakes from every channel and screenings with the built-in
example instrument. Everything is marked synthetic, like the rest of the demo."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.utils import timezone

from atalaya.analysis.identifiers import curp_check_digit, rut_check_digit
from atalaya.cases import services
from atalaya.cases.choices import Channel
from atalaya.cases.models import Team, TeamMember
from atalaya.geo.models import Municipality, Territory

GIVEN = ["Josefa", "Martina", "Agustín", "Benjamín", "Florencia", "Tomás", "Valentina", "Matías", "Isidora", "Vicente"]
FAMILY = ["González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva", "Martínez", "Hernández"]
#: The demo's case teams: (municipality, module, team name, worker, role).
TEAMS = [
    ("13122", "ninez", "OLN Peñalolén (demostración)", "gestora.penalolen", "gestor"),
    ("13122", "mujer", "Centro de la Mujer (demostración)", None, None),
    ("15058", "ninez", "DIF Nezahualcóyotl (demostración)", "gestor.neza", "gestor"),
]


def synthetic_rut(rng: np.random.Generator) -> str:
    body = str(int(rng.integers(20_000_000, 26_000_000)))
    return f"{body}-{rut_check_digit(body)}"


def synthetic_curp(rng: np.random.Generator, birth: dt.date, sex: str) -> str:
    letters = "".join(rng.choice(list("BCDFGHJKLMNPRSTVZ"), 4))
    head = f"{letters[0]}A{letters[1:3]}{birth:%y%m%d}{'M' if sex == 'F' else 'H'}MC{letters[1:4]}0"
    return head + str(curp_check_digit(head))


def load_demo_cases(rng: np.random.Generator, users: dict, password: str, say) -> dict[str, int]:
    """Teams, workers (a printed TOTP key each) and about forty cases per municipality with intakes and
    screenings spread over the last year; returns counts."""
    from atalaya.accounts.services import create_user

    instrument = services.current_instruments("ninez")[0]
    counts = {"personas": 0, "casos": 0, "tamizajes": 0}
    for code, module, name, username, role in TEAMS:
        municipality = Municipality.objects.get(code=code)
        team, _ = Team.objects.get_or_create(municipality=municipality, name=name, defaults={"module": module})
        if username:
            worker = users.get(username) or create_user(username, password, municipality_codes=[code], role="viewer")
            users[username] = worker
            TeamMember.objects.get_or_create(team=team, user=worker, defaults={"role": role})
        if module != "ninez":
            continue
        leaves = list(Territory.objects.filter(municipality=municipality, children__isnull=True))
        items = [item["code"] for domain in instrument.definition["domains"] for item in domain["items"]]
        for _ in range(40):
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
            intake = services.take_intake(
                person,
                "ninez",
                channel=str(rng.choice(Channel.values)),
                institution="Institución de demostración",
                notes="Relato SINTÉTICO de demostración.",
                team=team,
                owner=users.get(username),
                received_at=received,
                origin="demo",
            )
            counts["casos"] += 1
            if rng.random() < 0.8:  # some cases still wait for their first screening
                answers = {item: bool(rng.random() < 0.25) for item in items}
                services.screen(intake.case, instrument, answers, user=users.get(username), origin="demo")
                counts["tamizajes"] += 1
    say(
        f"  alerta temprana: {counts['personas']} personas y {counts['casos']} ingresos SINTÉTICOS, "
        f"{counts['tamizajes']} tamizajes"
    )
    return counts
