"""``atalaya publish``: the diagnosis pack, the monthly bulletin and the open-data catalogue from the command line
(the same documents the pages generate, archived the same way)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from django.core.exceptions import ValidationError

from .base import EXIT_OK, EXIT_REJECTED, usage_error


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise ValueError(f"mes no válido: «{text}» (se espera AAAA-MM)") from exc


def add_parser(sub) -> None:
    p = sub.add_parser("publish", help="diagnósticos para postulación de proyectos, boletines y datos abiertos")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")

    d = actions.add_parser(
        "diagnosis",
        help="diagnóstico de un municipio y periodo en PDF y DOCX",
        description="Indicadores y tendencias, mapa, alertas, encuesta, problemas y programas con sus evaluaciones: "
        "la evidencia que pide una postulación de proyectos. Queda en el archivo del municipio.",
    )
    d.add_argument("--municipality", required=True, metavar="CÓDIGO")
    d.add_argument("--from", dest="start", required=True, metavar="AAAA-MM")
    d.add_argument("--to", dest="end", required=True, metavar="AAAA-MM")
    d.add_argument("--pdf", type=Path, metavar="ARCHIVO", help="escribe el PDF aquí")
    d.add_argument("--docx", type=Path, metavar="ARCHIVO", help="escribe el documento Word aquí")
    d.set_defaults(func=cmd_diagnosis)

    b = actions.add_parser(
        "bulletin",
        help="boletín de un mes (ediciones pública e institucional)",
        description="Genera las dos ediciones del boletín del mes; con --send envía la pública a los suscriptores "
        "confirmados (una sola vez).",
    )
    b.add_argument("--municipality", required=True, metavar="CÓDIGO")
    b.add_argument("--month", required=True, metavar="AAAA-MM")
    b.add_argument("--pdf", type=Path, metavar="ARCHIVO", help="escribe el PDF de la edición pública aquí")
    b.add_argument("--send", action="store_true", help="envía la edición pública a los suscriptores")
    b.set_defaults(func=cmd_bulletin)

    r = actions.add_parser(
        "due", help="genera y envía los boletines pendientes (lo que el proceso de trabajos hace cada mañana)"
    )
    r.set_defaults(func=cmd_due)

    c = actions.add_parser("catalogue", help="catálogo de datos abiertos en DCAT-AP (JSON-LD)")
    c.add_argument(
        "--municipality", metavar="CÓDIGO", help="solo este municipio (predeterminado: todos los que publican)"
    )
    c.add_argument("--output", type=Path, metavar="ARCHIVO", help="escribe aquí (predeterminado: la salida estándar)")
    c.set_defaults(func=cmd_catalogue)


def _municipality(code: str):
    from atalaya.geo.models import Municipality

    return Municipality.objects.filter(code=code).first()


def cmd_diagnosis(args) -> int:
    import time

    from atalaya.publication.services import make_diagnosis

    municipality = _municipality(args.municipality)
    if municipality is None:
        return usage_error(f"No existe el municipio {args.municipality}.")
    try:
        start, end = _month(args.start), _month(args.end)
    except ValueError as exc:
        return usage_error(str(exc))
    started = time.perf_counter()
    try:
        report = make_diagnosis(municipality, start, end)
    except ValidationError as exc:
        print(" ".join(exc.messages), file=sys.stderr)
        return EXIT_REJECTED
    if args.pdf:
        args.pdf.write_bytes(bytes(report.pdf))
    if args.docx:
        args.docx.write_bytes(bytes(report.docx))
    print(
        f"{report.title} ({report.subtitle}): {report.pages} página(s), PDF {len(report.pdf) / 1024:.0f} KB, "
        f"DOCX {len(report.docx) / 1024:.0f} KB, en {time.perf_counter() - started:.1f} s (documento {report.pk})."
    )
    return EXIT_OK


def cmd_bulletin(args) -> int:
    from atalaya.publication.services import make_bulletin, send_bulletin

    municipality = _municipality(args.municipality)
    if municipality is None:
        return usage_error(f"No existe el municipio {args.municipality}.")
    try:
        month = _month(args.month)
    except ValueError as exc:
        return usage_error(str(exc))
    try:
        public, report = make_bulletin(municipality, month)
    except ValidationError as exc:
        print(" ".join(exc.messages), file=sys.stderr)
        return EXIT_REJECTED
    print(f"Edición institucional: {report.pages} página(s) (documento {report.pk}).")
    if public is None:
        print("Sin edición pública: el municipio no publica indicadores en el portal.")
        return EXIT_REJECTED if args.send or args.pdf else EXIT_OK
    print(f"Edición pública: {public.pages} página(s).")
    if args.pdf:
        args.pdf.write_bytes(bytes(public.pdf))
    if args.send:
        print(f"Enviado a {send_bulletin(public)} suscriptor(es).")
    return EXIT_OK


def cmd_due(args) -> int:
    from atalaya.publication.services import due_bulletins

    done = due_bulletins()
    for bulletin in done:
        print(f"{bulletin.municipality.name} {bulletin.month:%Y-%m}: enviado a {bulletin.recipients} suscriptor(es).")
    print(f"{len(done)} boletín(es) generados y enviados.")
    return EXIT_OK


def cmd_catalogue(args) -> int:
    import json

    from atalaya.publication.catalogue import catalogue

    municipalities = None
    if args.municipality:
        municipality = _municipality(args.municipality)
        if municipality is None:
            return usage_error(f"No existe el municipio {args.municipality}.")
        municipalities = [municipality]
    text = json.dumps(catalogue(municipalities), ensure_ascii=False, indent=1)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        print(text)
    return EXIT_OK
