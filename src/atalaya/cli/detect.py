"""``atalaya detect``: run an outbreak detector on a count-series file."""

from __future__ import annotations

import sys
from pathlib import Path

from .base import EXIT_OK, EXIT_REJECTED


def add_parser(sub) -> None:
    p = sub.add_parser("detect", help="detecta alzas en series de conteos (CSV date,count o series,date,count)")
    p.add_argument("file", metavar="ARCHIVO", type=Path)
    p.add_argument(
        "--method",
        required=True,
        metavar="MÉTODO",
        help="ears-c1, ears-c2, ears-c3, farrington, farrington-noufaily, cusum o semaforo",
    )
    p.add_argument("--alpha", type=float, default=None, help="nivel unilateral (EARS, Farrington)")
    p.add_argument("--baseline", type=int, default=None, help="EARS: periodos de referencia (7)")
    p.add_argument("--min-sigma", type=float, default=None, help="EARS: piso de la desviación estándar")
    p.add_argument("--years", type=int, default=None, help="Farrington: años de historia b (5)")
    p.add_argument("--window", type=int, default=None, help="Farrington: media ventana w (3)")
    p.add_argument("--shift", type=float, default=None, help="CUSUM: aumento a detectar, razón de medias (2)")
    p.add_argument("--h", type=float, default=None, help="CUSUM: límite de decisión (5)")
    p.add_argument("--freq", choices=["week", "month"], default="week")
    p.add_argument(
        "--r-compat", action="store_true", help="reproduce los resultados de R surveillance (C3, Farrington)"
    )
    p.add_argument("--output", type=Path, default=None, metavar="ARCHIVO")
    p.set_defaults(func=cmd_detect)


def cmd_detect(args) -> int:
    """Run a detector on a count-series file; exit 1 with a clear message for bad input."""
    import numpy as np
    import polars as pl

    from atalaya.analysis.alerts import METHODS, SeriesError, check_methods, detect, read_count_series
    from atalaya.analysis.problems import FileRejected
    from atalaya.analysis.tabular import export_csv, read_table

    try:
        check_methods(args.method)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_REJECTED
    params = {
        "alpha": args.alpha,
        "baseline": args.baseline,
        "min_sigma": args.min_sigma,
        "b": args.years,
        "w": args.window,
        "shift": args.shift,
        "h": args.h,
        "r_compat": args.r_compat or None,
    }
    if args.r_compat and "r_compat" not in METHODS[args.method][1]:
        params["r_compat"] = None  # nothing to reproduce: the method has no R quirk
    try:
        frame, _facts = read_table(args.file)
        ids, dates, matrix = read_count_series(frame, args.freq)
    except (FileRejected, SeriesError) as exc:
        print(f"Archivo rechazado: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return EXIT_REJECTED
    try:
        result = detect(args.method, matrix, dates=dates, freq=args.freq, **params)
    except ValueError as exc:
        print(f"No se puede aplicar {args.method}: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    series_index, time_index = np.nonzero(result.evaluated & ~np.isnan(matrix))
    nullable = lambda a: [None if np.isnan(v) else float(v) for v in a[series_index, time_index]]  # noqa: E731
    out = pl.DataFrame(
        {
            "series": [ids[i] for i in series_index],
            "date": [dates[j] for j in time_index],
            "count": matrix[series_index, time_index].astype(int),
            "expected": nullable(result.expected),
            "upperbound": nullable(result.upperbound),
            "score": nullable(result.score),
            "alarm": result.alarm[series_index, time_index],
            "pvalue": nullable(result.pvalue),
        },
        schema_overrides={
            "date": pl.Date,
            "expected": pl.Float64,
            "upperbound": pl.Float64,
            "score": pl.Float64,
            "pvalue": pl.Float64,
        },
    )
    if out.is_empty():
        print(
            "Ningún periodo tiene historia suficiente para este método; la serie es demasiado corta.", file=sys.stderr
        )
        return EXIT_REJECTED
    if args.output:
        export_csv(out, args.output)
        print(f"{out.height} filas, {int(out['alarm'].sum())} alarmas → {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(export_csv(out))
    return EXIT_OK
