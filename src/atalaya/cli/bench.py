"""``atalaya bench``: time every stage of a point-level import at a chosen size, in a throw-away database.

The benchmark builds a fresh SQLite database (or uses ``--database-url``), loads the synthetic Nezahualcóyotl
territories (100 cuadrantes), writes an N-row incidents CSV and imports it through the real pipeline. It prints
stage timings, rows per second and the peak resident memory of the process as JSON. Timings are never asserted
in tests; this command is how performance is measured (see ``benchmarks/``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .base import EXIT_OK


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def prepare_environment(workdir: Path, database_url: str | None) -> None:
    """Point Atalaya at a scratch data folder and database before Django starts."""
    os.environ["ATALAYA_DATA_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atalaya.web.settings.local")
    _in_child_process(_migrate)
    import django

    django.setup()


def _migrate() -> None:
    """Create the schema and the built-in catalogues, as a deployment does before any import runs."""
    import django

    django.setup()
    from django.core.management import call_command

    from atalaya.web.bootstrap import ensure_data_dirs, load_builtin_catalogues

    ensure_data_dirs()
    call_command("migrate", interactive=False, verbosity=0)
    load_builtin_catalogues()


def _in_child_process(function, *args):
    """Run ``function`` in a fresh process: what it allocates is not counted as the import's peak memory
    (``ru_maxrss`` never goes down), as a deployment migrates and generates data in other processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def write_incidents_file(path: Path, size: int, seed: int):
    """Synthetic Nezahualcóyotl incidents, about ``size`` rows, in the demo's police CSV layout.

    Generated in a child process; the municipality is drawn again here from the same seed."""
    import numpy as np

    from atalaya.analysis import synthetic

    rows = _in_child_process(_generate_incidents, str(path), size, seed)
    return synthetic.nezahualcoyotl(np.random.default_rng(seed)), rows


def _generate_incidents(path: str, size: int, seed: int) -> int:
    import django
    import numpy as np

    django.setup()
    from atalaya.analysis import synthetic
    from atalaya.cli.demo import NEZA_MAPPING, police_file_frame

    rng = np.random.default_rng(seed)
    neza = synthetic.nezahualcoyotl(rng)
    end = dt.date(2026, 10, 31)
    start = dt.date(2021, 11, 1)
    years = ((end - start).days + 1) / 365.25
    frame = synthetic.generate_incidents(
        neza, synthetic.NEZA_CATEGORIES, annual_total=1.05 * size / years, start=start, end=end, rng=rng, spikes=0
    )
    frame = frame.head(size)
    data = police_file_frame(synthetic.degrade(frame, rng), NEZA_MAPPING)
    data.write_csv(path)
    return data.height


def _load_territories(seed: int, workdir: str) -> None:
    """The synthetic municipality's boundaries, imported in a child process like the schema (reading GeoJSON
    loads GDAL, 80 MB that an incidents import does not use)."""
    import django
    import numpy as np

    django.setup()
    from atalaya.analysis import synthetic

    load_territories(synthetic.nezahualcoyotl(np.random.default_rng(seed)), Path(workdir))


def load_territories(neza, workdir: Path) -> None:
    from atalaya.cli.demo import NEZA_MAPPING, _write_geojson
    from atalaya.datasets.importing import import_file
    from atalaya.datasets.models import ColumnMapping
    from atalaya.geo.services import register_municipality

    register_municipality(neza.code, neza.name, country="MX", populations=neza.populations, is_synthetic=True)
    _write_geojson(workdir / "municipio.geojson", [{"codigo": neza.code}], [neza.outline])
    import_file(
        "boundaries",
        workdir / "municipio.geojson",
        municipality_code=neza.code,
        level="municipio",
        reader_options={"code_column": "codigo"},
        origin="bench",
    )
    for level in ("zona", "sector", "cuadrante"):
        part = neza.territories.filter(neza.territories["level"] == level)
        props = [
            {"codigo": r["code"], "nombre": r["name"], "padre": r["parent_code"]}
            for r in part.select("code", "name", "parent_code").iter_rows(named=True)
        ]
        path = workdir / f"{level}.geojson"
        _write_geojson(path, props, part.get_column("geometry").to_list())
        import_file(
            "boundaries",
            path,
            municipality_code=neza.code,
            level=level,
            origin="bench",
            reader_options={"code_column": "codigo", "parent_column": "padre" if level != "zona" else None},
        )
    ColumnMapping.objects.update_or_create(name="bench", defaults={"definition": NEZA_MAPPING})


def time_dashboard(municipality_code: str, requests: int) -> dict:
    """Server time of the dashboard endpoint (Django test client, in process: no network in the measure)."""
    import numpy as np
    from django.test import Client

    from atalaya.accounts.services import create_user

    # An analyst of the municipality: what the dashboard's users are (administrators would need a second factor).
    user = create_user("bench", "bench-no-se-usa", municipality_codes=[municipality_code], role="analyst")
    client = Client()
    client.force_login(user)
    url = f"/indicadores/{municipality_code}/"
    variants = [{}, {"nivel": "sector"}, {"nivel": "cuadrante"}, {"indicador": "robo-con-violencia"}]
    client.get(url, HTTP_HOST="127.0.0.1")  # warm-up: imports, first query plans
    times = []
    for i in range(requests):
        started = time.perf_counter()
        response = client.get(url, variants[i % len(variants)], HTTP_HOST="127.0.0.1")
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"dashboard answered {response.status_code}")
    ms = np.array(times) * 1000
    return {
        "requests": requests,
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
    }


def run_benchmark(
    *, size: int, seed: int = 7, keep: bool = False, database_url: str | None = None, dashboard_requests: int = 40
) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="atalaya-bench-"))
    try:
        prepare_environment(workdir, database_url)
        from django.db import connection

        from atalaya.datasets.importing import import_file

        started = time.perf_counter()
        csv_path = workdir / "incidentes.csv"
        neza, rows = write_incidents_file(csv_path, size, seed)
        _in_child_process(_load_territories, seed, str(workdir))
        generation = time.perf_counter() - started
        rss_before = peak_rss_mb()

        started = time.perf_counter()
        outcome = import_file(
            "incidents", csv_path, municipality_code=neza.code, mapping_name="bench", on_error="skip", origin="bench"
        )
        total = time.perf_counter() - started
        timings = dict(outcome.timings)
        read = timings.pop("lectura_y_validacion", 0.0)
        parse = outcome.summary.get("segundos_lectura", 0.0) if outcome.summary else 0.0
        stages = {
            "parse": round(parse, 3),
            "validate": round(read - parse, 3),
            "harmonise": round(timings.get("armonizacion", 0.0), 3),
            "assign_territory": round(timings.get("asignacion_territorial", 0.0), 3),
            "write": round(timings.get("escritura", 0.0), 3),
            "cube_refresh": round(timings.get("cubo", 0.0), 3),
        }
        derived = round(timings.get("derivados", 0.0), 3)
        after = {
            k.split(":", 1)[1].removeprefix("atalaya."): v for k, v in timings.items() if k.startswith("posterior:")
        }
        after_total = round(sum(after.values()), 3)
        stages["other"] = round(total - sum(stages.values()) - derived - after_total, 3)
        return {
            "rows": rows,
            "rows_accepted": outcome.rows_accepted,
            "rows_rejected": outcome.rows_rejected,
            "status": outcome.status,
            "database": connection.vendor,
            "file_mb": round(csv_path.stat().st_size / 1e6, 1),
            "seconds_import": round(total - derived - after_total, 3),
            "rows_per_second": round(rows / (total - derived - after_total)) if total else None,
            "stages_seconds": stages,
            "derived_indicator_values_seconds": derived,
            "derived_seconds_by_step": {
                key.split(":", 1)[1].removeprefix("atalaya."): round(value, 3)
                for key, value in timings.items()
                if key.startswith("derivados:")
            },
            # Ready for dashboards: data, cubes and indicator values committed; the alerts come after.
            "seconds_ready_for_dashboards": round(total - after_total, 3),
            "after_commit_seconds_by_step": {k: round(v, 3) for k, v in after.items()},
            "seconds_total_with_alerts": round(total, 3),
            "dashboard": time_dashboard(neza.code, dashboard_requests) if dashboard_requests else None,
            "peak_rss_mb_before_import": rss_before,
            "peak_rss_mb": peak_rss_mb(),
            "data_generation_seconds": round(generation, 3),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        }
    finally:
        if keep:
            print(f"Carpeta conservada: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "bench",
        help="mide la importación (etapas, filas/s, memoria) o las páginas de casos, con datos sintéticos (JSON)",
    )
    p.add_argument(
        "--suite",
        choices=["import", "cases", "proximity", "surveys", "network", "publication"],
        default="import",
        help="import: importación de N incidentes y tablero; cases: bandeja, lista de casos y búsqueda por RUT; "
        "proximity: mapa público de problemas y rendición de cuentas; surveys: estimaciones de encuestas y "
        "simulación de costo-beneficio; network: búsqueda de prácticas; publication: boletín de 20 páginas en PDF",
    )
    p.add_argument("--size", type=int, default=100_000, help="import: incidentes del archivo")
    p.add_argument("--cases", type=int, default=100_000, help="cases: casos sintéticos")
    p.add_argument("--audit-rows", type=int, default=1_000_000, help="cases: filas del registro de accesos")
    p.add_argument("--requests", type=int, default=40, help="cases, proximity: peticiones por página medida")
    p.add_argument("--problems", type=int, default=100_000, help="proximity: problemas comunitarios sintéticos")
    p.add_argument("--agreements", type=int, default=10_000, help="proximity: acuerdos de mesa sintéticos")
    p.add_argument("--respondents", type=int, default=500_000, help="surveys: respuestas sintéticas")
    p.add_argument("--practices", type=int, default=50_000, help="network: prácticas sintéticas")
    p.add_argument("--indicators", type=int, default=10, help="publication: secciones de indicadores del boletín")
    p.add_argument("--territories", type=int, default=300, help="publication: territorios de cada mapa")
    p.add_argument("--draws", type=int, default=100_000, help="surveys: extracciones de Monte Carlo")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--keep", action="store_true", help="conserva la base de datos temporal")
    p.add_argument(
        "--database-url", default=None, help="base de datos vacía para medir (predeterminado: SQLite temporal)"
    )
    p.add_argument(
        "--dashboard-requests",
        type=int,
        default=40,
        help="peticiones al tablero tras la importación para medir p50/p95 (0: no medir)",
    )
    p.set_defaults(func=cmd_bench, django=False)  # it starts Django itself, on a scratch database


def cmd_bench(args) -> int:
    if args.suite == "surveys":
        from .bench_surveys import run_surveys_benchmark

        result = run_surveys_benchmark(
            respondents=args.respondents, indicators=30, domains=100, draws=args.draws, seed=args.seed
        )
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return EXIT_OK
    if args.suite == "publication":
        workdir = Path(tempfile.mkdtemp(prefix="atalaya-bench-"))
        try:
            prepare_environment(workdir, None)
            from .bench_publication import run_publication_benchmark

            result = run_publication_benchmark(indicators=args.indicators, territories=args.territories, seed=args.seed)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return EXIT_OK
    if args.suite in ("cases", "proximity", "network"):
        workdir = Path(tempfile.mkdtemp(prefix="atalaya-bench-"))
        try:
            prepare_environment(workdir, args.database_url)
            if args.suite == "network":
                from .bench_network import run_network_benchmark

                result = run_network_benchmark(practices=args.practices, requests=args.requests, seed=args.seed)
            elif args.suite == "cases":
                from .bench_cases import run_cases_benchmark

                result = run_cases_benchmark(
                    cases=args.cases, audit_rows=args.audit_rows, requests=args.requests, seed=args.seed
                )
            else:
                from .bench_proximity import run_proximity_benchmark

                result = run_proximity_benchmark(
                    problems=args.problems,
                    agreements=args.agreements,
                    requests=args.requests,
                    seed=args.seed,
                    workdir=workdir,
                )
        finally:
            if args.keep:
                print(f"Carpeta conservada: {workdir}", file=sys.stderr)
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return EXIT_OK
    result = run_benchmark(
        size=args.size,
        seed=args.seed,
        keep=args.keep,
        database_url=args.database_url,
        dashboard_requests=args.dashboard_requests,
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return EXIT_OK
