"""``atalaya bench --suite cases``: the early-warning pages at the size of a large municipality, in a throw-away
database — N synthetic cases (with persons, encrypted identities, intakes, screenings, follow-ups) and M rows of
access log — then the server time of the worker's inbox, the case list (worker and coordinator, with filters)
and the lookup by RUT through the blind index. Printed as JSON; never asserted in tests.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np

#: Teams of the benchmark municipality: (module, number of teams); each has 10 workers and a supervisor.
TEAMS = (("ninez", 4), ("mujer", 2), ("familia", 2), ("mayores", 2))
BATCH = 5000


def build(cases: int, audit_rows: int, seed: int) -> dict:
    """Write the synthetic records in bulk (the services would log and check each one: hours at this size)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from atalaya.accounts.models import Membership
    from atalaya.analysis.identifiers import rut_check_digit
    from atalaya.cases.models import Case, FollowUp, Identity, Intake, Person, Screening, Team, TeamMember
    from atalaya.cases.services import NATIONAL_ID_PURPOSE, load_builtin_instruments
    from atalaya.core import crypto
    from atalaya.core.models import AccessLogEntry
    from atalaya.core.testing import accept_code_of_conduct
    from atalaya.geo.services import register_municipality

    def create_user(username, _password, *, municipality_codes, role):
        """A user without a usable password (hashing one per user would take most of the set-up)."""
        user = get_user_model().objects.create(username=username)
        Membership.objects.create(user=user, municipality=municipality, role=role)
        return user

    rng = np.random.default_rng(seed)
    municipality = register_municipality("13122", "Peñalolén", country="CL", populations={2020: 266_798})
    load_builtin_instruments()
    from atalaya.cases.models import Instrument

    instrument = Instrument.objects.get(code="riesgo-nna-ejemplo")
    people = {"workers": [], "supervisors": [], "coordinator": None}
    teams = []
    for module, count in TEAMS:
        for t in range(count):
            team = Team.objects.create(municipality=municipality, module=module, name=f"{module}-{t}")
            teams.append(team)
            for w in range(10):
                user = create_user(
                    f"gestor-{module}-{t}-{w}", "bench-no-se-usa", municipality_codes=["13122"], role="viewer"
                )
                TeamMember.objects.create(team=team, user=user, role="gestor")
                people["workers"].append((team, user))
            boss = create_user(
                f"supervisor-{module}-{t}", "bench-no-se-usa", municipality_codes=["13122"], role="viewer"
            )
            TeamMember.objects.create(team=team, user=boss, role="supervisor")
            people["supervisors"].append((team, boss))
    coordinator = create_user("coordinadora", "bench-no-se-usa", municipality_codes=["13122"], role="viewer")
    TeamMember.objects.create(team=teams[0], user=coordinator, role="coordinador")
    people["coordinator"] = coordinator
    for user in [u for _, u in people["workers"]] + [u for _, u in people["supervisors"]] + [coordinator]:
        accept_code_of_conduct(user)
    now = timezone.now()
    ruts = []
    started = time.perf_counter()
    for first in range(0, cases, BATCH):
        n = min(BATCH, cases - first)
        worker_pick = rng.integers(0, len(people["workers"]), n)
        with transaction.atomic():
            persons = []
            for i in range(n):
                body = str(5_000_000 + first + i)  # unique, valid RUTs
                rut = f"{body}-{rut_check_digit(body)}"
                ruts.append(rut)
                persons.append(
                    Person(
                        municipality=municipality,
                        code=f"B-{first + i:07d}",
                        kind="nna",
                        birth_year=int(rng.integers(2008, 2020)),
                        national_id_index=crypto.blind_index(rut, NATIONAL_ID_PURPOSE),
                    )
                )
            persons = Person.objects.bulk_create(persons)
            Identity.objects.bulk_create(
                [
                    Identity(person=p, given_names="Nombre", family_names="Apellido", national_id=ruts[first + k])
                    for k, p in enumerate(persons)
                ]
            )
            rows = []
            for k, person in enumerate(persons):
                team, owner = people["workers"][worker_pick[k]]
                queued = rng.random() < 0.05
                closed = rng.random() < 0.4
                opened = now - dt.timedelta(days=int(rng.integers(1, 900)))
                rows.append(
                    Case(
                        municipality=municipality,
                        person=person,
                        module=team.module,
                        team=team,
                        owner=None if queued else owner,
                        risk_level=str(rng.choice(["alta", "media", "baja", ""])),
                        stage=str(rng.choice(["nuevo", "evaluacion", "plan", "servicios"]))
                        if not closed
                        else "cerrado",
                        opened_at=opened,
                        closed_at=opened + dt.timedelta(days=60) if closed and not queued else None,
                        assign_due_at=now + dt.timedelta(hours=float(rng.uniform(-5, 24))) if queued else None,
                    )
                )
            created = Case.objects.bulk_create(rows)
            Intake.objects.bulk_create([Intake(case=c, channel="escuela", received_at=c.opened_at) for c in created])
            Screening.objects.bulk_create(
                [
                    Screening(
                        case=c,
                        instrument=instrument,
                        answers={},
                        score=0,
                        computed_level=c.risk_level or "baja",
                        level=c.risk_level or "baja",
                        screened_at=c.opened_at,
                    )
                    for c in created
                    if c.risk_level
                ]
            )
            FollowUp.objects.bulk_create(
                [
                    FollowUp(
                        case=c,
                        description="Visita",
                        due_date=(now + dt.timedelta(days=int(rng.integers(-30, 30)))).date(),
                        assigned_to=c.owner,
                    )
                    for c in created
                    if c.owner_id and c.closed_at is None and rng.random() < 0.5
                ]
            )
    seconds_cases = time.perf_counter() - started
    started = time.perf_counter()
    users = [u for _, u in people["workers"]]
    for first in range(0, audit_rows, BATCH * 4):
        n = min(BATCH * 4, audit_rows - first)
        picks = rng.integers(0, len(users), n)
        objects = rng.integers(1, cases + 1, n)
        AccessLogEntry.objects.bulk_create(
            [
                AccessLogEntry(
                    user_id=users[picks[i]].pk,
                    username=users[picks[i]].username,
                    municipality_id=municipality.pk,
                    action="lectura",
                    object_type="cases.case",
                    object_id=str(int(objects[i])),
                )
                for i in range(n)
            ],
            batch_size=BATCH,
        )
    from django.db import connection

    if connection.vendor == "postgresql":  # what autovacuum does minutes after a bulk load in production
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "municipality": municipality,
        "people": people,
        "ruts": ruts,
        "seconds_build_cases": round(seconds_cases, 1),
        "seconds_build_audit": round(time.perf_counter() - started, 1),
    }


def _p(times: list[float]) -> dict:
    ms = np.array(times) * 1000
    return {
        "requests": len(times),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
    }


def time_pages(world: dict, requests: int) -> dict:
    """Server time of the inbox and the case list (Django test client, in process, second factor verified)."""
    from django.test import Client

    from atalaya.cases.models import Case
    from atalaya.core.testing import login_as

    worker = world["people"]["workers"][0][1]
    supervisor = world["people"]["supervisors"][0][1]
    coordinator = world["people"]["coordinator"]
    rut = world["ruts"][len(world["ruts"]) // 2]
    some_case = Case.objects.filter(owner=worker).order_by("pk").first()
    plans = {
        "bandeja_gestor": (worker, "/casos/bandeja/", [{}]),
        "bandeja_supervisora": (supervisor, "/casos/bandeja/", [{}]),
        "lista_gestor": (worker, "/casos/", [{}, {"state": "abiertos"}, {"risk": "alta"}, {"page": "3"}]),
        "lista_coordinadora": (
            coordinator,
            "/casos/",
            [{}, {"state": "abiertos", "risk": "alta"}, {"stage": "plan"}, {"rut_curp": rut}, {"page": "15"}],
        ),
        "ficha_caso": (worker, f"/casos/{some_case.pk}/", [{}]),
    }
    result = {}
    for name, (user, url, variants) in plans.items():
        client = login_as(Client(HTTP_HOST="127.0.0.1"), user)
        for variant in variants:  # warm-up: each query's first run reads its index pages from disk
            client.get(url, variant, HTTP_HOST="127.0.0.1")
        times, by_variant = [], [[] for _ in variants]
        for i in range(requests):
            started = time.perf_counter()
            response = client.get(url, variants[i % len(variants)], HTTP_HOST="127.0.0.1")
            times.append(time.perf_counter() - started)
            by_variant[i % len(variants)].append(times[-1])
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        result[name] = _p(times)
        if len(variants) > 1:  # which filter is the slow one, if any
            result[name]["max_ms_by_query"] = {
                "&".join(f"{k}={v}" for k, v in variant.items()) or "(sin filtros)": round(max(spent) * 1000, 1)
                for variant, spent in zip(variants, by_variant, strict=True)
            }
    return result


def time_lookup(world: dict, requests: int) -> dict:
    """The person behind a RUT through the blind index (what the intake form and the list import do)."""
    from atalaya.cases.services import find_person

    municipality, ruts = world["municipality"], world["ruts"]
    picks = np.random.default_rng(1).integers(0, len(ruts), requests)
    times = []
    for i in picks:
        started = time.perf_counter()
        person = find_person(municipality, ruts[int(i)])
        times.append(time.perf_counter() - started)
        if person is None:
            raise RuntimeError("a RUT of the benchmark was not found")
    return _p(times)


def run_cases_benchmark(*, cases: int, audit_rows: int, requests: int, seed: int = 7) -> dict:
    import os
    import platform

    from django.db import connection

    from atalaya.cases.models import Case
    from atalaya.core.models import AccessLogEntry

    from .bench import peak_rss_mb

    world = build(cases, audit_rows, seed)
    return {
        "suite": "cases",
        "database": connection.vendor,
        "cases": Case.objects.count(),
        "audit_rows": AccessLogEntry.objects.count(),
        "seconds_build_cases": world["seconds_build_cases"],
        "seconds_build_audit": world["seconds_build_audit"],
        "pages": time_pages(world, requests),
        "lookup_by_rut": time_lookup(world, requests * 5),
        "peak_rss_mb": peak_rss_mb(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
