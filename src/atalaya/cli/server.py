"""``atalaya serve`` and ``atalaya worker``: the web server on one machine and the background task worker."""

from __future__ import annotations

import sys

from .base import EXIT_OK, usage_error


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="inicia la aplicación web en esta máquina (DEBUG apagado)")
    p.add_argument("--addr", default="127.0.0.1:8000")
    p.add_argument(
        "--debug",
        action="store_true",
        help="solo para desarrollar: páginas de error con el detalle del código (nunca para usuarios)",
    )
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="no iniciar el proceso de trabajos en segundo plano (cuando «atalaya worker» corre como servicio aparte)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "worker",
        help="ejecuta los trabajos en segundo plano de la cola (importaciones, conciliaciones y detecciones "
        "pedidas en la web)",
    )
    p.add_argument("--batch", action="store_true", help="ejecuta los trabajos pendientes y termina")
    p.add_argument("--interval", type=float, default=1.0, help="segundos entre consultas a la cola (predeterminado: 1)")
    p.set_defaults(func=cmd_worker)


def cmd_serve(args) -> int:
    """The web server on this machine, with a worker process beside it (what ``make demo`` runs)."""
    import subprocess

    from django.core.management import call_command

    worker = None
    if not args.no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "atalaya.cli", "worker"])
        print(f"Proceso de trabajos en segundo plano iniciado (pid {worker.pid}).")
    try:
        call_command("runserver", args.addr, use_reloader=False)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    return EXIT_OK


def cmd_worker(args) -> int:
    """Run queued tasks (django-tasks' database worker): until stopped, or the pending ones with ``--batch``."""
    from django.core.management import call_command

    if args.interval <= 0:
        return usage_error("--interval debe ser mayor que 0.")
    if not args.batch:
        from atalaya.core.schedule import ensure_scheduled

        for path in ensure_scheduled():
            print(f"Tarea diaria programada: {path}")
    call_command("db_worker", batch=args.batch, interval=args.interval, reload=False, startup_delay=not args.batch)
    return EXIT_OK
