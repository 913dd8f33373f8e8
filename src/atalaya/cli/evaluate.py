"""``atalaya evaluate …`` and ``atalaya programmes …``: the evaluation methods on files (difference-in-differences,
interrupted time series, synthetic control on a SESNSP municipal file) and on a programme of the database (an
evaluation, a benefit-cost sheet, the IATI export). Each prints the plain-Spanish summary and, with ``--json``, the
whole result."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .base import EXIT_OK, EXIT_REJECTED, parse_date, usage_error


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="evalúa un programa sobre archivos: DiD, serie interrumpida, control sintético")
    methods = p.add_subparsers(dest="method", required=True, metavar="MÉTODO")

    a = methods.add_parser("did", help="diferencias en diferencias sobre un CSV de conteos por área y periodo")
    a.add_argument("file", metavar="ARCHIVO")
    a.add_argument("--area", default="area")
    a.add_argument("--period", default="period")
    a.add_argument("--count", default="count")
    a.add_argument("--treated", default="treated", help="columna 1/0: área del programa")
    a.add_argument("--post", default="post", help="columna 1/0: periodo durante o después del programa")
    a.add_argument("--exposure", help="columna de población o días (desplazamiento del modelo)")
    a.add_argument("--family", choices=["poisson", "negbin"], default="poisson")
    a.add_argument("--json", action="store_true", help="imprime el resultado completo en JSON")
    a.set_defaults(func=cmd_did, django=False)

    a = methods.add_parser("its", help="serie de tiempo interrumpida sobre un CSV mensual")
    a.add_argument("file", metavar="ARCHIVO")
    a.add_argument("--start", required=True, metavar="AAAA-MM-DD", help="inicio del programa")
    a.add_argument("--period", default="period", help="columna con el primer día de cada mes")
    a.add_argument("--count", default="count")
    a.add_argument("--exposure", help="columna de población")
    a.add_argument("--no-slope", action="store_true", help="solo cambio de nivel, sin cambio de pendiente")
    a.add_argument("--seed", type=int, default=2017)
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_its, django=False)

    a = methods.add_parser(
        "synth",
        help="control sintético de un municipio contra los otros municipios de un archivo municipal del SESNSP",
    )
    a.add_argument("file", metavar="ARCHIVO_SESNSP")
    a.add_argument("--municipality", required=True, metavar="CÓDIGO", help="municipio del programa (p. ej. 11020)")
    a.add_argument("--start", required=True, metavar="AAAA-MM-DD")
    a.add_argument("--indicator", default="homicidio-doloso", help="indicador del observatorio que se cuenta")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_synth)

    p = sub.add_parser("programmes", help="programas: evaluar, costo-beneficio y exportación IATI")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")
    a = actions.add_parser("evaluate", help="corre una evaluación de un programa con los datos del observatorio")
    a.add_argument("--municipality", required=True, metavar="CÓDIGO")
    a.add_argument("--programme", required=True, metavar="CÓDIGO_DEL_PROGRAMA")
    a.add_argument(
        "--method",
        required=True,
        choices=["diferencias_en_diferencias", "serie_interrumpida", "control_sintetico", "antes_despues_lugar"],
    )
    a.add_argument("--indicator", default="robo-con-violencia", help="indicador del observatorio (resultado)")
    a.add_argument("--source", required=True, help="fuente de datos del observatorio (p. ej. policia-neza)")
    a.add_argument("--start", metavar="AAAA-MM-DD", help="por omisión, el inicio del programa")
    a.add_argument("--control", nargs="*", default=[], metavar="TERRITORIO", help="territorios de comparación")
    a.add_argument("--buffer", nargs="*", default=[], metavar="TERRITORIO", help="territorios vecinos")
    a.add_argument("--donors", metavar="ARCHIVO_SESNSP", help="control sintético: archivo municipal del SESNSP")
    a.set_defaults(func=cmd_programme_evaluate)
    a = actions.add_parser("cost-benefit", help="recalcula una hoja de costo-beneficio y escribe su PDF")
    a.add_argument("--sheet", type=int, required=True, metavar="N")
    a.add_argument("--pdf", type=Path, help="archivo PDF de salida")
    a.set_defaults(func=cmd_cost_benefit)
    a = actions.add_parser("iati", help="escribe los programas de un municipio en formato IATI 2.03 (XML)")
    a.add_argument("--municipality", required=True, metavar="CÓDIGO")
    a.add_argument("--output", type=Path, help="archivo de salida (por omisión, la salida estándar)")
    a.set_defaults(func=cmd_iati)


def _print(effect, as_json: bool) -> int:
    print(effect.summary)
    if as_json:
        print(json.dumps(effect.as_dict(), ensure_ascii=False, indent=2, default=str))
    return EXIT_OK


def _read(path: str):
    from atalaya.analysis.problems import FileRejected
    from atalaya.analysis.tabular import read_table

    try:
        frame, _facts = read_table(path)
    except FileRejected as exc:
        print(exc.message, file=sys.stderr)
        return None
    return frame


def cmd_did(args) -> int:
    import polars as pl

    from atalaya.analysis.evaluation.did import difference_in_differences

    frame = _read(args.file)
    if frame is None:
        return EXIT_REJECTED
    numeric = [c for c in (args.count, args.treated, args.post, args.exposure) if c]
    missing = [c for c in [args.area, args.period, *numeric] if c not in frame.columns]
    if missing:
        return usage_error("faltan columnas: " + ", ".join(missing))
    frame = frame.with_columns(pl.col(c).cast(pl.Float64, strict=False) for c in numeric)
    try:
        effect = difference_in_differences(
            frame,
            count=args.count,
            area=args.area,
            period=args.period,
            treated=args.treated,
            post=args.post,
            exposure=args.exposure,
            family=args.family,
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_REJECTED
    return _print(effect, args.json)


def cmd_its(args) -> int:
    import numpy as np
    import polars as pl

    from atalaya.analysis.evaluation.its import interrupted_time_series
    from atalaya.analysis.parsing import parse_date as parse_dates

    frame = _read(args.file)
    if frame is None:
        return EXIT_REJECTED
    missing = [c for c in (args.period, args.count, args.exposure) if c and c not in frame.columns]
    if missing:
        return usage_error("faltan columnas: " + ", ".join(missing))
    frame = frame.with_columns(
        parse_dates(frame.get_column(args.period)).alias(args.period),
        *[pl.col(c).cast(pl.Float64, strict=False) for c in (args.count, args.exposure) if c],
    )
    try:
        effect = interrupted_time_series(
            frame,
            parse_date(args.start),
            period=args.period,
            count=args.count,
            exposure=args.exposure,
            slope_change=not args.no_slope,
            rng=np.random.default_rng(args.seed),
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_REJECTED
    return _print(effect, args.json)


def cmd_synth(args) -> int:
    from django.core.exceptions import ValidationError

    from atalaya.analysis.evaluation.synth import synthetic_control
    from atalaya.indicators.models import Indicator
    from atalaya.programmes.evaluations import sesnsp_panel

    indicator = Indicator.objects.filter(code=args.indicator).first()
    if indicator is None:
        return usage_error(f"indicador desconocido «{args.indicator}».")
    start = parse_date(args.start)
    try:
        panel, _observed = sesnsp_panel(args.file, args.municipality, indicator, start)
        effect = synthetic_control(panel, treated=args.municipality, start=start, counts="count")
    except (ValidationError, ValueError) as exc:
        print(" ".join(getattr(exc, "messages", [str(exc)])), file=sys.stderr)
        return EXIT_REJECTED
    weights = ", ".join(f"{k}: {v:.3f}" for k, v in effect.details["weights"].items())
    print(f"Pesos del control sintético: {weights}")
    return _print(effect, args.json)


def cmd_programme_evaluate(args) -> int:
    from django.core.exceptions import ValidationError

    from atalaya.indicators.models import Indicator
    from atalaya.programmes.evaluations import run_evaluation
    from atalaya.programmes.models import Programme

    programme = Programme.objects.filter(municipality__code=args.municipality, code=args.programme).first()
    if programme is None:
        return usage_error(f"el municipio {args.municipality} no tiene el programa «{args.programme}».")
    outcome = Indicator.objects.filter(code=args.indicator).first()
    if outcome is None:
        return usage_error(f"indicador desconocido «{args.indicator}».")
    parameters = {"control": args.control, "buffer": args.buffer}
    if args.donors:
        parameters["file"] = str(Path(args.donors).resolve())
    try:
        evaluation = run_evaluation(
            programme,
            method=args.method,
            outcome=outcome,
            source=args.source,
            start=parse_date(args.start) if args.start else programme.start,
            parameters=parameters,
        )
    except (ValidationError, ValueError) as exc:
        print(" ".join(getattr(exc, "messages", [str(exc)])), file=sys.stderr)
        return EXIT_REJECTED
    print(f"Evaluación {evaluation.pk}: {evaluation.summary}")
    return EXIT_OK


def cmd_cost_benefit(args) -> int:
    from django.core.exceptions import ValidationError

    from atalaya.programmes.evaluations import compute_sheet
    from atalaya.programmes.models import CostBenefitSheet
    from atalaya.programmes.summary import sheet_pdf

    sheet = CostBenefitSheet.objects.filter(pk=args.sheet).first()
    if sheet is None:
        return usage_error(f"no hay una hoja número {args.sheet}.")
    try:
        compute_sheet(sheet)
    except (ValidationError, ValueError) as exc:
        print(" ".join(getattr(exc, "messages", [str(exc)])), file=sys.stderr)
        return EXIT_REJECTED
    print(sheet.result["sentence"])
    if args.pdf:
        args.pdf.write_bytes(sheet_pdf(sheet))
        print(f"Resumen de una página: {args.pdf}")
    return EXIT_OK


def cmd_iati(args) -> int:
    from atalaya.programmes.iati import iati_xml
    from atalaya.programmes.models import Programme

    programmes = Programme.objects.filter(municipality__code=args.municipality).select_related("municipality__country")
    document = iati_xml(programmes)
    if args.output:
        args.output.write_bytes(document)
        print(f"{programmes.count()} programa(s) en {args.output}")
    else:
        sys.stdout.write(document.decode("utf-8"))
    return EXIT_OK
