"""What every command group shares: exit codes, Django set-up, argument types and the usage-error message.

Exit status: 0 success, 1 a file was rejected (bad data), 2 a usage error (wrong options, unknown format,
municipality or mapping). Bad input never produces a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2

#: The settings a command runs with unless DJANGO_SETTINGS_MODULE says otherwise: one machine, DEBUG off.
DEFAULT_SETTINGS = "atalaya.web.settings.local"


def setup_django(debug: bool = False) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atalaya.web.settings.dev" if debug else DEFAULT_SETTINGS)
    import django

    django.setup()


def parse_date(value: str) -> dt.date:
    """An argparse type: ``AAAA-MM-DD`` or a clear Spanish error."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"fecha inválida «{value}»: use AAAA-MM-DD") from None


def usage_error(message: str) -> int:
    """Say what is wrong with the command line (stderr) and give the usage exit status."""
    print(f"atalaya: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def print_problems(problems, limit: int = 20) -> None:
    """The first problems of a file (row, column, value, reason) and how many more there are."""
    shown = problems.head(limit)
    for row in shown.iter_rows(named=True):
        where = f"fila {row['row']}" if row["row"] is not None else "archivo"
        print(
            f"  [{row['severity']}] {where}, columna «{row['column'] or '—'}», valor «{row['value'] or ''}»: "
            f"{row['reason']}"
        )
    if problems.height > shown.height:
        print(f"  … y {problems.height - shown.height} problema(s) más.")
