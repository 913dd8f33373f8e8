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
        "purge",
        help="borra los casos cerrados cuyo plazo de conservación venció (por omisión solo informa)",
        description="Plazos por módulo en ATALAYA_CASE_RETENTION_YEARS (años desde el cierre). Sin --apply solo "
        "dice cuántos casos y personas se borrarían.",
    )
    a.add_argument("--apply", action="store_true", help="borra de verdad (sin esta opción, simulación)")
    a.add_argument("--municipality", metavar="CÓDIGO", help="solo este municipio")
    a.set_defaults(func=cmd_purge)

    a = cases.add_parser("subject-export", help="todo lo registrado sobre una persona (derecho de acceso), en JSON")
    a.add_argument("code", metavar="CÓDIGO_PERSONA", help="código seudónimo, p. ej. P-7K3M9Q")
    a.add_argument("--municipality", required=True, metavar="CÓDIGO")
    a.add_argument("--output", type=Path, required=True, metavar="ARCHIVO")
    a.set_defaults(func=cmd_subject_export)

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


def cmd_purge(args) -> int:
    from atalaya.cases.privacy import purge
    from atalaya.geo.models import Municipality

    municipality = None
    if args.municipality:
        municipality = Municipality.objects.filter(code=args.municipality).first()
        if municipality is None:
            return usage_error(f"municipio no registrado «{args.municipality}».")
    summary = purge(dry_run=not args.apply, municipality=municipality, origin="cli")
    by_module = ", ".join(f"{module}: {n}" for module, n in sorted(summary["casos"].items())) or "ninguno"
    verb = "Se borraron" if args.apply else "Se borrarían (simulación; use --apply)"
    print(f"{verb}: casos por módulo {by_module}; personas sin otros casos: {summary['personas']}.")
    return EXIT_OK


def cmd_subject_export(args) -> int:
    import json

    from atalaya.cases.models import Person
    from atalaya.cases.privacy import subject_access
    from atalaya.core import audit
    from atalaya.core.changelog import log_change

    person = Person.objects.filter(municipality__code=args.municipality, code=args.code.strip().upper()).first()
    if person is None:
        return usage_error(f"no hay una persona «{args.code}» en el municipio {args.municipality}.")
    args.output.write_text(json.dumps(subject_access(person), ensure_ascii=False, indent=2), encoding="utf-8")
    audit.record_export(None, Person, [person.pk], detail="solicitud de acceso de la persona (línea de comandos)")
    log_change(user=None, action="acceso_titular", obj=person, municipality=person.municipality, origin="cli",
               message=f"exportado a {args.output.name}")  # fmt: skip
    print(f"Todo lo registrado sobre {person.code} → {args.output}")
    return EXIT_OK
