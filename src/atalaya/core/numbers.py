"""Numbers in the user's format. Django's ``number_format`` cuts decimals instead of rounding (0.082 with one
decimal gives «0,0»), so every number shown goes through :func:`decimal`, which rounds first."""

from __future__ import annotations

from django.utils.formats import number_format


def decimal(value: float, places: int) -> str:
    """``value`` rounded to ``places`` decimals, localised (decimal comma in Spanish).

    >>> from django.utils import translation
    >>> with translation.override("es"):
    ...     decimal(0.082, 1), decimal(2.676, 2), decimal(7.5, 0)
    ('0,1', '2,68', '8')
    """
    return number_format(round(float(value), places), places, use_l10n=True)
