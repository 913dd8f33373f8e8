"""The ``atalaya`` command: the parser, assembled from one module per command group, and the entry point.
Exit codes and shared helpers are in :mod:`atalaya.cli.base`."""

from __future__ import annotations

import argparse
import sys

from . import (
    alerts,
    bench,
    cases,
    data,
    detect,
    evaluate,
    keys,
    municipality,
    portal,
    problems,
    publish,
    reconcile,
    server,
    spatial,
    surveys,
)
from .base import EXIT_OK, setup_django

#: Every command group, in the order ``atalaya --help`` lists them; each module has ``add_parser(sub)``.
GROUPS = (
    data,
    municipality,
    portal,
    detect,
    alerts,
    spatial,
    reconcile,
    cases,
    problems,
    surveys,
    evaluate,
    publish,
    server,
    keys,
    bench,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atalaya",
        description="Atalaya: plataforma abierta para observatorios municipales del delito y la violencia.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMANDO")
    for group in GROUPS:
        group.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "django", True):
        setup_django(debug=getattr(args, "debug", False))
    try:
        return args.func(args) or EXIT_OK
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
