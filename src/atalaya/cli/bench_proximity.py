"""``atalaya bench --suite proximity``: the public side of proximity policing at the size of a large municipality,
in a throw-away database — N community problems (with their public copies) and M mesa agreements (with the
accountability tree rebuilt by the real code) — then the server time of the public map and list, the
accountability page, its open data and Open311's request list. Printed as JSON; never asserted in tests.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np

BATCH = 5000
MESAS = 50


def build(problems: int, agreements: int, seed: int, workdir: Path) -> dict:
    """Bulk-write the problems and agreements (the services would log and publish each one: hours at this size),
    then rebuild the public tree with ``accountability.rebuild`` (timed)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from atalaya.analysis import synthetic
    from atalaya.geo.models import Territory
    from atalaya.proximity import accountability, services
    from atalaya.proximity.choices import Outcome, Source, Status
    from atalaya.proximity.models import Agreement, Mesa, Problem, ProblemCategory, PublicProblem

    from .bench import load_territories

    rng = np.random.default_rng(seed)
    neza = synthetic.nezahualcoyotl(rng)
    load_territories(neza, workdir)
    from atalaya.geo.models import Municipality

    municipality = Municipality.objects.get(code=neza.code)
    services.load_default_categories(municipality)
    categories = list(ProblemCategory.objects.filter(municipality=municipality))
    leaves = list(Territory.objects.filter(municipality=municipality, children__isnull=True))
    minx, miny, maxx, maxy = neza.outline.bounds
    statuses = list(Status)
    now = timezone.now()
    started = time.perf_counter()
    for first in range(0, problems, BATCH):
        n = min(BATCH, problems - first)
        with transaction.atomic():
            rows = []
            for i in range(n):
                status = statuses[int(rng.integers(len(statuses)))]
                reported = now - dt.timedelta(days=float(rng.uniform(0, 900)))
                rows.append(
                    Problem(
                        municipality=municipality,
                        reference=f"{municipality.code}-{first + i + 1:06d}",
                        category=categories[int(rng.integers(len(categories)))],
                        title=f"Problema {first + i}",
                        description="Se repite cada semana.",
                        lat=float(rng.uniform(miny, maxy)),
                        lon=float(rng.uniform(minx, maxx)),
                        territory=leaves[int(rng.integers(len(leaves)))],
                        source=Source.CITIZEN,
                        status=status,
                        outcome=Outcome.SOLVED if status == Status.CLOSED else "",
                        reported_at=reported,
                        updated_at=reported + dt.timedelta(days=3),
                    )
                )
            created = Problem.objects.bulk_create(rows)
            PublicProblem.objects.bulk_create(
                [
                    PublicProblem(
                        problem=p,
                        municipality=municipality,
                        reference=p.reference,
                        category=p.category,
                        title=p.title,
                        description=p.description,
                        lat=round(p.lat, 3),
                        lon=round(p.lon, 3),
                        territory_name=p.territory.name,
                        status=p.status,
                        outcome=p.outcome,
                        reported_at=p.reported_at,
                        updated_at=p.updated_at,
                    )
                    for p in created
                ]
            )
    seconds_problems = time.perf_counter() - started
    started = time.perf_counter()
    mesas = [
        Mesa.objects.create(municipality=municipality, name=f"Mesa {k}", territory=leaves[k % len(leaves)])
        for k in range(MESAS)
    ]
    linked = list(Problem.objects.filter(municipality=municipality).values_list("pk", flat=True)[:agreements])
    Agreement.objects.bulk_create(
        [
            Agreement(
                mesa=mesas[i % MESAS],
                problem_id=linked[i] if i < len(linked) else None,
                title=f"Acuerdo {i}",
                owner="Responsable",
                institution="Municipio",
                deadline=(now + dt.timedelta(days=int(rng.integers(-60, 90)))).date(),
                status=str(rng.choice(["pendiente", "en_curso", "cumplido", "incumplido"])),
                progress=int(rng.integers(0, 101)),
            )
            for i in range(agreements)
        ],
        batch_size=BATCH,
    )
    seconds_agreements = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        nodes = accountability.rebuild(municipality)
    seconds_rebuild = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "municipality": municipality,
        "seconds_build_problems": round(seconds_problems, 1),
        "seconds_build_agreements": round(seconds_agreements, 1),
        "seconds_accountability_rebuild": round(seconds_rebuild, 1),
        "accountability_nodes": nodes,
    }


def time_public_pages(municipality, requests: int) -> dict:
    """Server time of the public pages, anonymous (Django test client, in process)."""
    from django.test import Client

    from .bench_cases import _p

    code = municipality.code
    plans = {
        "mapa_y_lista_publica": (
            f"/publico/{code}/problemas/",
            [{}, {"estado": "abiertos"}, {"categoria": "rinas"}, {"page": "40"}],
        ),
        "rendicion_de_cuentas": (f"/publico/{code}/compromisos/", [{}]),
        "compromisos_csv": (f"/publico/{code}/compromisos.csv", [{}]),
        "open311_solicitudes": (
            "/open311/v2/requests.json",
            [{"jurisdiction_id": code}, {"jurisdiction_id": code, "status": "open"}],
        ),
    }
    result = {}
    client = Client(HTTP_HOST="127.0.0.1")
    for name, (url, variants) in plans.items():
        for variant in variants:  # warm-up
            client.get(url, variant, HTTP_HOST="127.0.0.1")
        times = []
        for i in range(requests):
            started = time.perf_counter()
            response = client.get(url, variants[i % len(variants)], HTTP_HOST="127.0.0.1")
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        result[name] = _p(times)
        result[name]["kb"] = round(len(response.content) / 1024, 1)
        if len(variants) > 1:  # which filter is the slow one, if any
            result[name]["max_ms_by_query"] = {
                "&".join(f"{k}={v}" for k, v in variant.items()): round(
                    max(times[i] for i in range(len(times)) if i % len(variants) == j) * 1000, 1
                )
                for j, variant in enumerate(variants)
            }
    return result


def run_proximity_benchmark(*, problems: int, agreements: int, requests: int, seed: int, workdir: Path) -> dict:
    import os
    import platform

    from django.db import connection

    world = build(problems, agreements, seed, workdir)
    return {
        "database": connection.vendor,
        "problems": problems,
        "agreements": agreements,
        **{k: v for k, v in world.items() if k != "municipality"},
        "pages": time_public_pages(world["municipality"], requests),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
