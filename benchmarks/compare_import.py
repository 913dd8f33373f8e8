"""Atalaya's import pipeline against the straightforward Django approach, in one process, on the same file.

The straightforward approach is what a Django developer writes first: pandas ``read_csv``, a Python loop that
validates each row, looks up its category and finds its territory with shapely, ``Incident`` objects saved
with ``bulk_create``, then the cube rebuilt with the ORM (``values().annotate(Count)`` + ``bulk_create``).

Run (about a minute at the default size):

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/compare_import.py --size 100000

It prints JSON with both timings, the ratio and a check that both produced the same cube.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import tempfile
import time
from pathlib import Path


def straightforward_import(csv_path: Path, municipality_code: str, source: str) -> dict:
    import pandas as pd
    import shapely
    from django.db import transaction
    from django.db.models import Count

    from atalaya.analysis.crosswalk import category_key
    from atalaya.cube.models import DailyCount
    from atalaya.datasets.models import Dataset, Incident
    from atalaya.geo.models import Municipality, Territory
    from atalaya.taxonomy.models import Catalogue, SourceCategory

    timings = {}
    started = time.perf_counter()
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    timings["parse"] = time.perf_counter() - started

    started = time.perf_counter()
    municipality = Municipality.objects.get(code=municipality_code)
    catalogue = Catalogue.objects.get(source="sesnsp", version="CNSP/38/15")
    categories = {c.key: c for c in SourceCategory.objects.filter(catalogue=catalogue)}
    leaves = list(Territory.objects.filter(municipality=municipality, children__isnull=True))
    polygons = [(t, shapely.from_wkb(bytes(t.geometry))) for t in leaves]
    for _, polygon in polygons:
        shapely.prepare(polygon)
    with transaction.atomic():
        dataset = Dataset.objects.create(
            format="incidents",
            source=source,
            file_name=csv_path.name,
            file_sha256="x",
            file_size=0,
            status="importado",
        )
        objects, rejected = [], 0
        for row in df.itertuples(index=False):
            try:
                occurred = dt.date.fromisoformat(row.fecha_hecho)
            except ValueError:
                rejected += 1
                continue
            label = f"{row.tipo_delito} / {row.subtipo_delito} / {row.modalidad}"
            category = categories.get(category_key(label))
            if category is None:
                category = SourceCategory.objects.create(
                    catalogue=catalogue,
                    key=category_key(label),
                    code=category_key(label),
                    path=label,
                    label=row.modalidad,
                    discovered=True,
                )
                categories[category.key] = category
            lat = float(row.latitud) if row.latitud else None
            lon = float(row.longitud) if row.longitud else None
            if lat is not None and abs(lat) > 90:
                rejected += 1
                continue
            territory, status = None, "sin_coordenadas"
            if lat is not None and lon is not None:
                status = "fuera_del_municipio"
                point = shapely.Point(lon, lat)
                for candidate, polygon in polygons:
                    if polygon.intersects(point):
                        territory, status = candidate, "ok"
                        break
            hour, minute = (int(x) for x in row.hora_hecho.split(":"))
            objects.append(
                Incident(
                    dataset=dataset,
                    municipality=municipality,
                    territory=territory,
                    category=category,
                    source=source,
                    record_id=row.folio,
                    occurred_on=occurred,
                    occurred_time=dt.time(hour, minute),
                    time_precision="minuto",
                    lat=lat,
                    lon=lon,
                    location_status=status,
                )
            )
        timings["validate_harmonise_assign"] = time.perf_counter() - started
        started = time.perf_counter()
        Incident.objects.bulk_create(objects, batch_size=5000)
        timings["write"] = time.perf_counter() - started
        started = time.perf_counter()
        cells = (
            Incident.objects.filter(municipality=municipality, source=source)
            .values("territory_id", "category_id", "occurred_on")
            .annotate(n=Count("id"))
        )
        DailyCount.objects.bulk_create(
            [
                DailyCount(
                    municipality=municipality,
                    territory_id=c["territory_id"],
                    category_id=c["category_id"],
                    source=source,
                    day=c["occurred_on"],
                    count=c["n"],
                )
                for c in cells
            ],
            batch_size=5000,
        )
        timings["cube_refresh"] = time.perf_counter() - started
    return {"timings": timings, "rows": len(objects), "rejected": rejected}


def cube_signature(source: str) -> list[tuple]:
    from atalaya.cube.models import DailyCount

    rows = DailyCount.objects.filter(source=source).values_list("territory__code", "category__key", "day", "count")
    return sorted((t or "", c, d, n) for t, c, d, n in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from atalaya.bench import load_territories, peak_rss_mb, prepare_environment, write_incidents_file

    workdir = Path(tempfile.mkdtemp(prefix="atalaya-compare-"))
    try:
        prepare_environment(workdir, None)
        from atalaya.cli.demo import NEZA_MAPPING
        from atalaya.datasets.importing import import_file
        from atalaya.datasets.models import ColumnMapping

        csv_path = workdir / "incidentes.csv"
        neza, rows = write_incidents_file(csv_path, args.size, args.seed)
        load_territories(neza, workdir)

        started = time.perf_counter()
        baseline = straightforward_import(csv_path, neza.code, "ingenuo")
        baseline_seconds = time.perf_counter() - started

        ColumnMapping.objects.update_or_create(
            name="atalaya", defaults={"definition": {**NEZA_MAPPING, "source": "atalaya"}}
        )
        started = time.perf_counter()
        outcome = import_file(
            "incidents", csv_path, municipality_code=neza.code, mapping_name="atalaya", on_error="skip", origin="bench"
        )
        atalaya_seconds = time.perf_counter() - started

        same_cube = cube_signature("ingenuo") == cube_signature("atalaya")
        print(
            json.dumps(
                {
                    "rows": rows,
                    "straightforward": {
                        "seconds": round(baseline_seconds, 2),
                        "stages": {k: round(v, 2) for k, v in baseline["timings"].items()},
                        "rows_per_second": round(rows / baseline_seconds),
                    },
                    "atalaya": {
                        "seconds": round(atalaya_seconds, 2),
                        "stages": {k: round(v, 2) for k, v in outcome.timings.items()},
                        "rows_per_second": round(rows / atalaya_seconds),
                    },
                    "speedup": round(baseline_seconds / atalaya_seconds, 1),
                    "same_cube": same_cube,
                    "peak_rss_mb": peak_rss_mb(),
                },
                indent=2,
            )
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
