"""Generate ``docs/reference/cli.md`` from the real ``--help`` of every command (``python -m atalaya.cli.docgen``).

A test regenerates it and fails when the committed file differs, so the reference never drifts from the code.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HEADER = """# Referencia de la línea de comandos · Command-line reference

Generado desde el `--help` real de cada comando con `python -m atalaya.cli.docgen`; no lo edite a mano.
Generated from each command's real `--help` with `python -m atalaya.cli.docgen`; do not edit by hand.

Estado de salida · exit status: `0` correcto · `1` archivo rechazado (datos inválidos) · `2` error de uso.
"""


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def cli_reference() -> str:
    os.environ["COLUMNS"] = "100"
    from atalaya.cli import build_parser

    parser = build_parser()
    parts = [HEADER, "## atalaya\n", "```text\n" + parser.format_help().rstrip() + "\n```\n"]

    def walk(prefix: str, current: argparse.ArgumentParser) -> None:
        for name, sub in _subparsers(current):
            parts.append(f"## {prefix} {name}\n")
            parts.append("```text\n" + sub.format_help().rstrip() + "\n```\n")
            walk(f"{prefix} {name}", sub)

    walk("atalaya", parser)
    return "\n".join(parts)


def command_names() -> list[str]:
    from atalaya.cli import build_parser

    names = []

    def walk(prefix: str, current: argparse.ArgumentParser) -> None:
        for name, sub in _subparsers(current):
            names.append(f"{prefix} {name}".strip())
            walk(f"{prefix} {name}", sub)

    walk("atalaya", build_parser())
    return names


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/reference/cli.md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(cli_reference(), encoding="utf-8")
    print(f"escrito {target}")


if __name__ == "__main__":
    main()
