"""``atalaya cases …``: load police lists into intakes and escalate late assignments (for cron)."""

from __future__ import annotations

import sys
from pathlib import Path

from .base import EXIT_OK, EXIT_REJECTED, print_problems, usage_error


def add_parser(sub) -> None:
    p = sub.add_parser("cases", help="alerta temprana: listas policiales y plazos de asignación")
    cases = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")

    a = cases.add_parser(
        "import-list",
        help="carga una lista policial (tipo «24 Horas», CSV o XLSX) como ingresos de un equipo",
        description="Cada fila válida es un ingreso del caso de la persona en el módulo del equipo; la persona se "
        "reconoce por RUT o CURP (índice ciego). Con un error en cualquier fila no se escribe nada.",
    )
    a.add_argument("file", type=Path, metavar="ARCHIVO")
    a.add_argument("--team", required=True, metavar="EQUIPO", help="número o nombre exacto del equipo que recibe")
    a.add_argument("--dry-run", action="store_true", help="informa qué se haría, sin escribir")
    a.set_defaults(func=cmd_import_list)

    a = cases.add_parser(
        "escalate", help="marca los casos sin asignar fuera de plazo y avisa a la supervisión (para cron)"
    )
    a.set_defaults(func=cmd_escalate)


def cmd_import_list(args) -> int:
    from atalaya.cases.lists import import_police_list
    from atalaya.cases.models import Team

    team = Team.objects.select_related("municipality__country").filter(
        **({"pk": int(args.team)} if args.team.isdigit() else {"name": args.team})
    )
    if team.count() != 1:
        return usage_error(f"equipo desconocido o ambiguo «{args.team}».")
    outcome = import_police_list(args.file, team.get(), dry_run=args.dry_run, origin="cli")
    print(("[simulación] " if args.dry_run else "") + outcome.summary())
    print_problems(outcome.problems)
    if outcome.errors:
        print("No se escribió nada: corrija las filas con error y vuelva a cargar la lista.", file=sys.stderr)
        return EXIT_REJECTED
    return EXIT_OK


def cmd_escalate(args) -> int:
    from atalaya.cases.workflow import escalate_overdue

    print(f"{escalate_overdue()} caso(s) escalado(s) a supervisión.")
    return EXIT_OK
