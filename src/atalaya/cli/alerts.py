"""``atalaya alerts …``: run detection in the observatory, export its series, send digests, backtest methods."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .base import EXIT_OK, EXIT_REJECTED, EXIT_USAGE


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» no es una lista de números separados por comas") from None


def add_parser(sub) -> None:
    p = sub.add_parser("alerts", help="alertas territoriales: detección, series, resúmenes y backtest")
    alerts = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")

    a = alerts.add_parser("run", help="detecta alzas en las series de un municipio y crea o extiende alertas")
    a.add_argument("municipality", metavar="CÓDIGO")
    a.add_argument("--lookback-weeks", type=int, default=None, help="semanas revisadas (por omisión la configuración)")
    a.add_argument("--lookback-months", type=int, default=None, help="meses revisados (por omisión la configuración)")
    a.add_argument("--no-notify", action="store_true", help="no envía correos por las alertas nuevas")
    a.set_defaults(func=cmd_run)

    a = alerts.add_parser(
        "series", help="exporta las series territorio × familia de un municipio (CSV series,date,count)"
    )
    a.add_argument("municipality", metavar="CÓDIGO")
    a.add_argument("--freq", choices=["week", "month"], default="week")
    a.add_argument("--output", type=Path, required=True, metavar="ARCHIVO")
    a.set_defaults(func=cmd_series)

    a = alerts.add_parser("digest", help="envía el resumen semanal a quienes lo pidieron")
    a.set_defaults(func=cmd_digest)

    a = alerts.add_parser(
        "backtest",
        help="inyecta brotes sintéticos y mide sensibilidad, falsas alarmas y demora de cada método",
        description="Inyecta un brote por serie (tamaño ~ Poisson(k·σ)) en la última ventana y compara métodos. "
        "Con --history usa series reales (CSV series,date,count, p. ej. de «atalaya alerts series»); con "
        "--simulate, series binomiales negativas con estacionalidad y tendencia.",
    )
    source = a.add_mutually_exclusive_group(required=True)
    source.add_argument("--history", type=Path, metavar="ARCHIVO", help="CSV date,count o series,date,count")
    source.add_argument("--simulate", action="store_true", help="series simuladas")
    a.add_argument(
        "--method",
        required=True,
        metavar="MÉTODOS",
        help="uno o varios separados por comas (ears-c2,farrington-noufaily,…)",
    )
    a.add_argument("--alpha", type=_floats, default=None, help="uno o varios niveles α separados por comas")
    a.add_argument("--h", type=_floats, default=None, help="CUSUM: uno o varios límites h")
    a.add_argument("--outbreak-size", type=_floats, default=[2, 3, 5, 10], help="k: tamaños en σ (2,3,5,10)")
    a.add_argument("--shape", choices=["lognormal", "pico"], default="lognormal", help="forma del brote")
    a.add_argument("--freq", choices=["week", "month"], default="week")
    a.add_argument("--series", type=int, default=500, help="--simulate: número de series (500)")
    a.add_argument("--years", type=int, default=6, help="--simulate: años de cada serie (6)")
    a.add_argument("--dispersion", type=float, default=1.5, help="--simulate: varianza/media (1.5)")
    a.add_argument("--min-series-mean", type=float, default=0.0, help="--history: descarta series con media menor")
    a.add_argument("--min-cases", type=int, default=5, help="casos mínimos para alertar, como en el observatorio (5)")
    a.add_argument("--seed", type=int, default=2026)
    a.add_argument("--output", type=Path, default=None, metavar="ARCHIVO", help="CSV; sin él, JSON en pantalla")
    a.set_defaults(func=cmd_backtest)


def _municipality(code: str):
    from atalaya.geo.models import Municipality

    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        print(f"atalaya: error: municipio no registrado «{code}».", file=sys.stderr)
    return municipality


def cmd_run(args) -> int:
    from django.db import transaction

    from atalaya.alerts.services import run_detection

    municipality = _municipality(args.municipality)
    if municipality is None:
        return EXIT_USAGE
    lookback = {"week": args.lookback_weeks, "month": args.lookback_months}
    with transaction.atomic():
        summary = run_detection(municipality, lookback=lookback, notify=not args.no_notify)
    print(json.dumps(summary, ensure_ascii=False))
    return EXIT_OK


def cmd_series(args) -> int:
    import polars as pl

    from atalaya.alerts.services import count_series, point_source
    from atalaya.analysis.tabular import export_csv
    from atalaya.geo.models import Territory

    municipality = _municipality(args.municipality)
    if municipality is None:
        return EXIT_USAGE
    source = point_source(municipality)
    if source is None:
        print("Este municipio no tiene incidentes con fecha en el cubo: no hay series.", file=sys.stderr)
        return EXIT_REJECTED
    series = count_series(municipality, source, args.freq)
    codes = dict(Territory.objects.filter(municipality=municipality).values_list("pk", "code"))
    names = [f"{codes.get(t, municipality.code) if t else municipality.code}|{family}" for t, family in series.keys]
    n_time = len(series.dates)
    frame = pl.DataFrame(
        {
            "series": [n for n in names for _ in range(n_time)],
            "date": series.dates * len(names),
            "count": series.matrix.reshape(-1).astype(int),
        }
    )
    export_csv(frame, args.output)
    print(f"{len(names)} series × {n_time} periodos ({source}) → {args.output}")
    return EXIT_OK


def cmd_digest(args) -> int:
    from atalaya.alerts.services import send_weekly_digests

    print(f"{send_weekly_digests()} correo(s) enviados.")
    return EXIT_OK


def cmd_backtest(args) -> int:
    import numpy as np
    import polars as pl

    from atalaya.analysis.alerts import METHODS, SeriesError, check_methods, read_count_series
    from atalaya.analysis.alerts.backtest import backtest, simulate_series
    from atalaya.analysis.problems import FileRejected
    from atalaya.analysis.tabular import export_csv, read_table

    methods = [m.strip() for m in args.method.split(",") if m.strip()]
    try:
        check_methods(*methods)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_REJECTED
    rng = np.random.default_rng(args.seed)
    if args.simulate:
        simulated = simulate_series(args.series, args.years, freq=args.freq, dispersion=args.dispersion, rng=rng)
        counts, dates = simulated.counts, simulated.dates
    else:
        try:
            frame, _facts = read_table(args.history)
            _ids, dates, counts = read_count_series(frame, args.freq)
        except (FileRejected, SeriesError) as exc:
            print(f"Archivo rechazado: {getattr(exc, 'message', exc)}", file=sys.stderr)
            return EXIT_REJECTED
        keep = np.all(np.isfinite(counts), axis=1) & (counts.mean(axis=1) >= args.min_series_mean)
        counts = counts[keep]
        if counts.shape[0] == 0:
            print("Ninguna serie completa cumple --min-series-mean.", file=sys.stderr)
            return EXIT_REJECTED
    grid = []
    for method in methods:
        accepted = METHODS[method][1]
        alphas = args.alpha if (args.alpha and "alpha" in accepted) else [None]
        hs = args.h if (args.h and "h" in accepted) else [None]
        for alpha in alphas:
            for h in hs:
                grid.append((method, {k: v for k, v in (("alpha", alpha), ("h", h)) if v is not None}))
    try:
        rows = backtest(
            counts,
            dates,
            grid,
            sizes=tuple(args.outbreak_size),
            shape=args.shape,
            freq=args.freq,
            min_cases=args.min_cases,
            rng=rng,
        )
    except ValueError as exc:
        print(f"No se puede hacer el backtest: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    table = pl.DataFrame([r.as_dict() for r in rows])
    if args.output:
        export_csv(table, args.output)
        print(f"{table.height} filas → {args.output}")
    else:
        print(json.dumps(table.to_dicts(), ensure_ascii=False, indent=2))
    return EXIT_OK
