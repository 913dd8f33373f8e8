"""``atalaya reconcile …``: the mesa de validación from the command line — run, review pairs, decide, revert,
publish the agreed figure."""

from __future__ import annotations

import sys
from pathlib import Path

from .base import EXIT_OK, parse_date, usage_error


def add_parser(sub) -> None:
    p = sub.add_parser("reconcile", help="concilia dos o más fuentes de registros (mesa de validación)")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")

    r = actions.add_parser("run", help="empareja los registros de dos o más fuentes y muestra la tabla mensual")
    r.add_argument("--municipality", metavar="CÓDIGO", required=True)
    r.add_argument("--family", required=True, help="familia delictiva (p. ej. homicidios)")
    r.add_argument(
        "--source",
        action="append",
        required=True,
        metavar="FUENTE",
        help="una vez por fuente, en el orden en que se concilian: --source a --source b [--source c]",
    )
    r.add_argument("--from", dest="start", type=parse_date, required=True, metavar="AAAA-MM-DD")
    r.add_argument("--to", dest="end", type=parse_date, required=True, metavar="AAAA-MM-DD")
    r.add_argument("--days", type=int, default=1, help="tolerancia de fecha en días (predeterminado 1)")
    r.add_argument("--metres", type=int, default=500, help="tolerancia de lugar en metros (predeterminado 500)")
    r.set_defaults(func=cmd_run)

    r = actions.add_parser("pairs", help="exporta los pares de una conciliación (CSV) para revisarlos")
    r.add_argument("reconciliation", type=int, metavar="CONCILIACIÓN")
    r.add_argument("--status", choices=["coincide", "conflicto", "solo_a", "solo_b"])
    r.add_argument("--output", type=Path, metavar="ARCHIVO", help="CSV (predeterminado: salida estándar)")
    r.set_defaults(func=cmd_pairs)

    r = actions.add_parser("decide", help="registra una decisión sobre dos registros, con su motivo")
    r.add_argument("--municipality", metavar="CÓDIGO", required=True)
    r.add_argument("--pair", nargs=2, metavar=("REGISTRO_A", "REGISTRO_B"), required=True)
    r.add_argument("--verdict", choices=["mismo", "distinto", "duplicado"], required=True)
    r.add_argument("--reason", required=True)
    r.set_defaults(func=cmd_decide)

    r = actions.add_parser("revert", help="revierte una decisión (queda en el registro)")
    r.add_argument("decision", type=int, metavar="DECISIÓN")
    r.set_defaults(func=cmd_revert)

    r = actions.add_parser(
        "publish", help="publica la cifra conciliada como la fuente «conciliada» (una versión, reversible)"
    )
    r.add_argument("reconciliation", type=int, metavar="CONCILIACIÓN")
    r.set_defaults(func=cmd_publish)


def _municipality(code: str):
    from atalaya.geo.models import Municipality

    return Municipality.objects.filter(code=code).first()


def cmd_run(args) -> int:
    from atalaya.reconciliation.services import ReconciliationError, monthly_table, run_reconciliation

    municipality = _municipality(args.municipality)
    if municipality is None:
        return usage_error(f"El municipio «{args.municipality}» no está registrado.")
    try:
        rec = run_reconciliation(
            municipality, args.family, args.source, args.start, args.end, days=args.days, metres=args.metres
        )
    except ReconciliationError as exc:
        return usage_error(str(exc))
    s = rec.summary
    print(f"Conciliación {rec.pk}: {rec} ({rec.seconds} s)")
    print("  registros: " + " · ".join(f"{source}: {count}" for source, count in s["registros"].items()))
    for stage in s["etapas"]:
        print(
            f"  {stage['fuentes']}: mismo hecho {stage['coinciden']} · en conflicto {stage['conflictos']} · "
            f"solo la primera parte {stage['solo_a']} · solo la segunda {stage['solo_b']}"
        )
    print(f"  cifra conciliada: {s['cifra_conciliada']} hechos · decisiones aplicadas: {s['decisiones_aplicadas']}")
    table = monthly_table(rec)
    print("  mes     " + "".join(f"{source:>12}" for source in rec.sources) + "  conciliada")
    for row in table.iter_rows():
        print(f"  {str(row[0])[:7]} " + "".join(f"{count:>12}" for count in row[1:-1]) + f"  {row[-1]:>10}")
    print(f"  Para publicarla: atalaya reconcile publish {rec.pk}")
    return EXIT_OK


def cmd_pairs(args) -> int:
    from atalaya.analysis.tabular import export_csv
    from atalaya.reconciliation.models import Reconciliation
    from atalaya.reconciliation.services import pairs_frame

    rec = Reconciliation.objects.filter(pk=args.reconciliation).first()
    if rec is None:
        return usage_error(f"La conciliación {args.reconciliation} no existe.")
    frame = pairs_frame(rec, args.status)
    if args.output:
        if not args.output.parent.exists():
            return usage_error(f"La carpeta «{args.output.parent}» no existe.")
        export_csv(frame, args.output)
        print(f"{frame.height} par(es) escritos en {args.output}")
    else:
        sys.stdout.write(export_csv(frame))
    return EXIT_OK


def cmd_decide(args) -> int:
    from atalaya.reconciliation.services import ReconciliationError, decide

    municipality = _municipality(args.municipality)
    if municipality is None:
        return usage_error(f"El municipio «{args.municipality}» no está registrado.")
    try:
        decision = decide(municipality, *args.pair, args.verdict, args.reason)
    except ReconciliationError as exc:
        return usage_error(str(exc))
    print(f"Decisión {decision.pk}: {decision}. Se aplica en la próxima conciliación.")
    return EXIT_OK


def cmd_revert(args) -> int:
    from atalaya.reconciliation.models import PairDecision
    from atalaya.reconciliation.services import revert

    decision = PairDecision.objects.filter(pk=args.decision).first()
    if decision is None:
        return usage_error(f"La decisión {args.decision} no existe.")
    revert(decision)
    print(f"Decisión {decision.pk} revertida ({decision}); queda en el registro.")
    return EXIT_OK


def cmd_publish(args) -> int:
    from atalaya.reconciliation.models import Reconciliation
    from atalaya.reconciliation.services import AGREED_SOURCE, ReconciliationError, publish

    rec = Reconciliation.objects.filter(pk=args.reconciliation).first()
    if rec is None:
        return usage_error(f"La conciliación {args.reconciliation} no existe.")
    try:
        dataset = publish(rec)
    except ReconciliationError as exc:
        return usage_error(str(exc))
    print(
        f"Conjunto {dataset.pk}: {dataset.summary['hechos']} hechos publicados como «{AGREED_SOURCE}» "
        f"({dataset.summary['reemplazados']} de una publicación anterior quedan como versión previa). "
        f"Para deshacerlo: atalaya datasets rollback {dataset.pk}"
    )
    return EXIT_OK
