"""``atalaya bench --suite network``: full-text search over N synthetic practices (built from a vocabulary of
prevention terms, indexed by the real code) in a throw-away database, then the p50/p95 of searches of one to three
words. Printed as JSON; never asserted in tests."""

from __future__ import annotations

import time

import numpy as np

WORDS = (
    "mediación vecinal jóvenes talleres oficios deporte escuelas seguras iluminación pasajes espacios públicos "
    "policía proximidad cuadrantes mesas barriales violencia familiar mujeres personas mayores defensoría robos "
    "transporte comercio alarmas comunitarias huertos murales recuperación plazas consumo alcohol riñas acoso "
    "pandillas armas prevención situacional social comunitaria evaluación cuasi experimental derivación protección"
).split()


def run_network_benchmark(*, practices: int, requests: int, seed: int) -> dict:
    from django.db import connection, transaction

    from atalaya.analysis.search import document, stems
    from atalaya.geo.services import register_municipality
    from atalaya.network import search
    from atalaya.network.models import Practice

    rng = np.random.default_rng(seed)
    municipality = register_municipality("15058", "Nezahualcóyotl", country="MX", region="Estado de México")
    started = time.perf_counter()
    rows = []
    for i in range(practices):
        words = rng.choice(WORDS, size=40)
        text = " ".join(words)
        rows.append(
            Practice(
                municipality=municipality,
                code=f"p{i}",
                title=" ".join(words[:5]),
                summary=text,
                problem=text,
                status="publicada",
                search_document=document(text),
                search_stems=" ".join(stems(text)),
            )
        )
    with transaction.atomic():
        Practice.objects.bulk_create(rows, batch_size=2000)
        search.refresh_vectors(Practice.objects.values_list("pk", flat=True))
    build = time.perf_counter() - started
    queryset = Practice.objects.all()
    times, hits = [], []
    for _ in range(requests):
        query = " ".join(rng.choice(WORDS, size=int(rng.integers(1, 4))))
        t0 = time.perf_counter()
        found = search.search(queryset, query, limit=50)
        times.append(time.perf_counter() - t0)
        hits.append(len(found))
    ms = np.array(times) * 1000
    return {
        "suite": "network",
        "database": connection.vendor,
        "practices": practices,
        "build_seconds": round(build, 1),
        "searches": requests,
        "search_p50_ms": round(float(np.percentile(ms, 50)), 1),
        "search_p95_ms": round(float(np.percentile(ms, 95)), 1),
        "mean_results": round(float(np.mean(hits)), 1),
    }
