"""``atalaya surveys …``: import a survey (ENSU's CB table, or a generic survey with a saved mapping), list the
estimates of a municipality, and write synthetic ENSU files (the demo's and the guides' examples)."""

from __future__ import annotations

import sys
from pathlib import Path

from .base import EXIT_OK, EXIT_REJECTED, print_problems, usage_error


def add_parser(sub) -> None:
    p = sub.add_parser("surveys", help="encuestas de percepción, confianza y victimización")
    surveys = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")

    a = surveys.add_parser(
        "import",
        help="importa una encuesta: la tabla CB de la ENSU (CSV o ZIP de INEGI) o una encuesta con mapeo guardado",
        description="Si el archivo tiene un problema no se importa nada y se listan fila, columna, valor y motivo.",
    )
    a.add_argument("file", metavar="ARCHIVO")
    a.add_argument("--municipality", required=True, metavar="CÓDIGO")
    a.add_argument("--kind", choices=["ensu", "generica"], default="ensu", help="tipo de encuesta (por omisión ensu)")
    a.add_argument("--mapping", metavar="NOMBRE", help="mapeo guardado del municipio (encuestas genéricas)")
    a.add_argument("--period", metavar="PERIODO", help="periodo, si el archivo no trae la columna (p. ej. 2023)")
    a.set_defaults(func=cmd_import)

    a = surveys.add_parser("estimates", help="escribe en CSV las estimaciones de un municipio (o de un indicador)")
    a.add_argument("--municipality", required=True, metavar="CÓDIGO")
    a.add_argument("--indicator", metavar="CÓDIGO", help="solo este indicador")
    a.add_argument("--domain", choices=["total", "ciudad", "ciudad_sexo"], help="solo este dominio")
    a.set_defaults(func=cmd_estimates)

    a = surveys.add_parser(
        "synthetic", help="escribe archivos CB sintéticos con el formato de la ENSU (un CSV por trimestre)"
    )
    a.add_argument("folder", metavar="CARPETA")
    a.add_argument("--seed", type=int, default=2023)
    a.add_argument("--scale", type=int, default=1, help="multiplica las viviendas por unidad primaria")
    a.set_defaults(func=cmd_synthetic)


def _municipality(code: str):
    from atalaya.geo.models import Municipality

    return Municipality.objects.filter(code=code).first()


def cmd_import(args) -> int:
    from atalaya.surveys.models import SurveyMapping
    from atalaya.surveys.services import SurveyRejected, import_survey

    municipality = _municipality(args.municipality)
    if municipality is None:
        return usage_error(f"municipio desconocido «{args.municipality}».")
    mapping = None
    if args.kind == "generica":
        mapping = SurveyMapping.objects.filter(municipality=municipality, name=args.mapping or "").first()
        if mapping is None:
            return usage_error(f"el municipio no tiene un mapeo llamado «{args.mapping}».")
    try:
        dataset = import_survey(Path(args.file), municipality, kind=args.kind, mapping=mapping, period=args.period)
    except SurveyRejected as exc:
        print(exc.message, file=sys.stderr)
        if exc.problems is not None:
            print_problems(exc.problems)
        return EXIT_REJECTED
    estimates = dataset.estimates.count()
    print(f"{dataset.name}: {dataset.rows} respuestas, ciudad {dataset.city_code}, {estimates} estimaciones.")
    return EXIT_OK


def cmd_estimates(args) -> int:
    from atalaya.analysis.tabular import export_csv
    from atalaya.surveys.services import estimates_frame

    municipality = _municipality(args.municipality)
    if municipality is None:
        return usage_error(f"municipio desconocido «{args.municipality}».")
    frame = estimates_frame(municipality, indicator=args.indicator, domain=args.domain)
    sys.stdout.write(export_csv(frame))
    return EXIT_OK


def cmd_synthetic(args) -> int:
    import numpy as np
    import polars as pl

    from atalaya.analysis.surveys.synthetic import QUARTERS, generate_ensu, write_cb_csv

    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    frame = generate_ensu(np.random.default_rng(args.seed), scale=args.scale)
    for period in QUARTERS:
        month = int(period[:2]) * 3
        target = folder / f"conjunto_de_datos_ensu_cb_{month:02d}{period[2:]}.csv"
        write_cb_csv(frame.filter(pl.col("PER") == period), target)
        print(target)
    return EXIT_OK
