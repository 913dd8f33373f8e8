"""``atalaya problems …``: the starter catalogue of kinds of problem, and API keys for Open311 clients."""

from __future__ import annotations

from .base import EXIT_OK, usage_error


def add_parser(sub) -> None:
    p = sub.add_parser("problems", help="problemas comunitarios: categorías y claves Open311")
    problems = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")

    a = problems.add_parser(
        "categories",
        help="crea el catálogo inicial de tipos de problema de un municipio (no cambia los que ya existen)",
    )
    a.add_argument("--municipality", required=True, metavar="CÓDIGO")
    a.set_defaults(func=cmd_categories)

    a = problems.add_parser(
        "api-key",
        help="crea una clave para que una aplicación reporte por Open311 (se muestra una sola vez)",
        description="Guarde la clave al crearla: Atalaya guarda solo su huella. Se revoca en la administración.",
    )
    a.add_argument("--municipality", required=True, metavar="CÓDIGO")
    a.add_argument("--name", required=True, metavar="NOMBRE", help="la aplicación o institución que la usará")
    a.set_defaults(func=cmd_api_key)

    a = problems.add_parser(
        "remind",
        help="recuerda los acuerdos que vencen en 3 días y escala los vencidos a la coordinación (para cron)",
    )
    a.set_defaults(func=cmd_remind)

    a = problems.add_parser(
        "weekly-review",
        help="escribe la revisión semanal por territorio en HTML y PDF (para cron, los lunes)",
        description="Problemas resueltos y acuerdos cumplidos primero; los delitos al lado. Por omisión, la semana "
        "que terminó el domingo pasado y los territorios principales.",
    )
    a.add_argument("--municipality", required=True, metavar="CÓDIGO")
    a.add_argument("--week-end", metavar="AAAA-MM-DD", help="último día de la semana")
    a.add_argument("--level", metavar="NIVEL", help="nivel territorial (p. ej. cuadrante)")
    a.set_defaults(func=cmd_weekly_review)

    a = problems.add_parser(
        "accountability", help="reconstruye el árbol público de compromisos y resultados de un municipio"
    )
    a.add_argument("--municipality", required=True, metavar="CÓDIGO")
    a.set_defaults(func=cmd_accountability)


def _municipality(code: str):
    from atalaya.geo.models import Municipality

    return Municipality.objects.filter(code=code).first()


def cmd_categories(args) -> int:
    from atalaya.proximity.services import load_default_categories

    municipality = _municipality(args.municipality)
    if municipality is None:
        return usage_error(f"municipio desconocido «{args.municipality}».")
    created = load_default_categories(municipality)
    print(f"{municipality.name}: {created} categoría(s) nueva(s).")
    return EXIT_OK


def cmd_api_key(args) -> int:
    from atalaya.core.changelog import log_change
    from atalaya.proximity.open311 import new_api_key

    municipality = _municipality(args.municipality)
    if municipality is None:
        return usage_error(f"municipio desconocido «{args.municipality}».")
    client, key = new_api_key(municipality, args.name.strip()[:120])
    log_change(
        user=None,
        action="crear",
        obj=client,
        municipality=municipality,
        origin="cli",
        message=f"Clave Open311 {client.key_prefix} para {client.name}",
    )
    print(f"Clave de «{client.name}» para {municipality.name} (guárdela; no se vuelve a mostrar):")
    print(key)
    return EXIT_OK


def cmd_remind(args) -> int:
    from atalaya.proximity.mesas import remind_and_escalate

    counts = remind_and_escalate()
    reminded, escalated, sent = counts["recordados"], counts["escalados"], counts["correos"]
    print(f"{reminded} acuerdo(s) recordado(s), {escalated} escalado(s), {sent} correo(s).")
    return EXIT_OK


def cmd_accountability(args) -> int:
    from atalaya.proximity.accountability import rebuild

    municipality = _municipality(args.municipality)
    if municipality is None:
        return usage_error(f"municipio desconocido «{args.municipality}».")
    print(f"{municipality.name}: {rebuild(municipality)} compromiso(s) publicados.")
    return EXIT_OK


def cmd_weekly_review(args) -> int:
    import datetime as dt

    from atalaya.proximity import review

    municipality = _municipality(args.municipality)
    if municipality is None:
        return usage_error(f"municipio desconocido «{args.municipality}».")
    try:
        week_end = dt.date.fromisoformat(args.week_end) if args.week_end else review.last_week_end()
    except ValueError:
        return usage_error(f"fecha inválida «{args.week_end}» (se espera AAAA-MM-DD).")
    html, pdf = review.write_files(review.weekly_review(municipality, week_end, args.level))
    print(f"Revisión de la semana al {week_end:%d-%m-%Y}: {html} y {pdf}")
    return EXIT_OK
