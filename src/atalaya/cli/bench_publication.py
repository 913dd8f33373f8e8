"""``atalaya bench --suite publication``: a bulletin of at least 20 pages — one section per indicator, each with
its monthly chart, a choropleth of ``territories`` synthetic territories and a 30-row table — drawn and printed
to PDF by the real code (matplotlib, the template, WeasyPrint). Times are the best of ``repeats`` runs, with the
page count and peak memory. Printed as JSON; never asserted in tests."""

from __future__ import annotations

import datetime as dt
import resource
import time

import numpy as np


def run_publication_benchmark(*, indicators: int, territories: int, seed: int, repeats: int = 3) -> dict:
    from shapely.geometry import box

    from atalaya.analysis.parsing import month_range
    from atalaya.geo.models import Municipality
    from atalaya.publication import figures, render
    from atalaya.publication.content import Document, Section, Table

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(territories)))
    cells = [box(i, j, i + 1, j + 1) for i in range(side) for j in range(side)][:territories]
    months = month_range(dt.date(2024, 1, 1), dt.date(2025, 12, 1))
    municipality = Municipality(code="15058", name="Nezahualcóyotl")

    def build() -> Document:
        document = Document(
            "boletin-publico",
            "Boletín de prueba",
            "diciembre 2025",
            municipality,
            months[0],
            months[-1],
            "Boletín público de prueba",
        )
        for k in range(indicators):
            counts = rng.poisson(40, len(months)).astype(float).tolist()
            values = rng.gamma(4, 30, territories)
            values[rng.random(territories) < 0.1] = np.nan  # withheld
            section = Section(f"Indicador {k + 1}", ["Texto de la sección. " * 12])
            section.figures.append(
                figures.monthly_series(
                    months,
                    counts,
                    title=f"Indicador {k + 1}",
                    caption="Serie",
                    ylabel="hechos",
                    withheld_label="reservado",
                )
            )
            section.figures.append(
                figures.choropleth(
                    [
                        (c, f"T{i}", None if np.isnan(v) else float(v))
                        for i, (c, v) in enumerate(zip(cells, values, strict=True))
                    ],
                    title="Mapa",
                    caption="Tasa",
                    legend_title="tasa",
                    withheld_label="reservado",
                )
            )
            section.tables.append(
                Table(
                    ["Territorio", "Hechos", "Tasa"],
                    [
                        [f"T{i}", str(int(v)) if not np.isnan(v) else "reservado", f"{v:.1f}"]
                        for i, v in enumerate(values[:30])
                    ],
                )
            )
            document.sections.append(section)
        return document

    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        document = build()
        drawn = time.perf_counter()
        rendered = render.render(document)
        runs.append(
            {
                "figures_s": drawn - started,
                "pdf_s": time.perf_counter() - drawn,
                "total_s": time.perf_counter() - started,
                "pages": rendered.pages,
                "pdf_kb": round(len(rendered.pdf) / 1024),
            }
        )
    best = min(runs, key=lambda r: r["total_s"])
    return {
        "suite": "publication",
        "indicators": indicators,
        "territories": territories,
        "pages": best["pages"],
        "pdf_kb": best["pdf_kb"],
        "figures_s": round(best["figures_s"], 2),
        "pdf_s": round(best["pdf_s"], 2),
        "total_s": round(best["total_s"], 2),
        "runs_total_s": [round(r["total_s"], 2) for r in runs],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
