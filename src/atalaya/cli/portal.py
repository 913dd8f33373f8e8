"""``atalaya portal audit``: prove by linear programming that no suppressed value of the public portal can be
derived from what it publishes.
"""

from __future__ import annotations

from .base import EXIT_OK, EXIT_REJECTED


def add_parser(sub) -> None:
    p = sub.add_parser("portal", help="portal público: auditoría de confidencialidad de lo que publica")
    portal_sub = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")
    m = portal_sub.add_parser(
        "audit",
        help="comprueba por programación lineal que ningún valor suprimido pueda deducirse de lo publicado",
        description="Para cada celda pequeña suprimida de la tabla que el portal sirve, minimiza y maximiza su valor "
        "sujeto a todo lo que el portal publica (meses, trimestres, años y 12 meses del municipio; años y 12 meses "
        "de cada territorio; indicadores contenidos en otros); el intervalo debe cubrir 0 a 5. "
        "Sale con 1 si alguna celda queda expuesta.",
    )
    m.add_argument("--municipality", metavar="CÓDIGO")
    m.add_argument(
        "--primary-only",
        action="store_true",
        help="audita la supresión primaria sola (la regla anterior), para ver qué revelaba",
    )
    m.set_defaults(func=cmd_portal_audit)


def cmd_portal_audit(args) -> int:
    import time

    from atalaya.indicators.disclosure import audit_portal

    started = time.perf_counter()
    results = audit_portal(primary_only=args.primary_only, municipality_code=args.municipality)
    exposed = 0
    for r in results:
        exposed += len(r.leaks)
        state = f"{len(r.leaks)} EXPUESTA(S)" if r.leaks else "protegido"
        print(
            f"{r.municipality} [{r.source}]: {r.indicators} indicador(es), {r.cells} celdas publicadas, "
            f"{r.primary} pequeñas, {r.suppressed} reservadas — {state}"
        )
        for cell, (low, high) in list(r.leaks.items())[:5]:
            print(f"    {r.described.get(cell, cell)}: se deduce entre {low:g} y {high:g}")
    seconds = time.perf_counter() - started
    print(f"{len(results)} municipio(s) × fuente auditados en {seconds:.1f} s; celdas expuestas: {exposed}.")
    return EXIT_REJECTED if exposed else EXIT_OK
