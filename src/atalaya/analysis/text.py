"""Text normalisation used to match column names and category labels across releases."""

from __future__ import annotations

import re
import unicodedata

import polars as pl

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Strip accents, casefold, turn punctuation into spaces and collapse them.

    ``'Cve. Municipio'`` → ``'cve municipio'``.
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _SPACES.sub(" ", _NON_WORD.sub(" ", ascii_text)).strip()


def slug(text: str) -> str:
    """A stable identifier for a label: ``'Robo a negocio / Con violencia'`` → ``'robo-a-negocio-con-violencia'``."""
    return normalise(text).replace(" ", "-")


def normalise_series(series: pl.Series) -> pl.Series:
    """Vectorised :func:`normalise`: each distinct value is normalised once, then mapped back."""
    uniques = series.drop_nulls().unique()
    mapping = {value: normalise(value) for value in uniques.to_list()}
    return series.replace_strict(mapping, default=None, return_dtype=pl.String)


_TRAILING_ZERO_DECIMAL = re.compile(r"\.0+$")


def code_key(value: object) -> str | None:
    """A comparable form of an official code (CVEGEO, CUT) as files write it.

    Spreadsheets and pandas turn ``"09002"`` into ``9002`` or ``"13122.0"``; all three forms must find the same
    municipality. Numeric codes compare without leading zeros; other codes compare case-insensitively.

    >>> code_key("09002") == code_key(9002) == code_key("9002.0")
    True
    >>> code_key(" 13122 "), code_key("S-3"), code_key(None)
    ('13122', 's-3', None)
    """
    if value is None:
        return None
    text = _TRAILING_ZERO_DECIMAL.sub("", str(value).strip())
    if not text:
        return None
    return str(int(text)) if text.isdigit() else text.casefold()


def code_keys(series: pl.Series) -> pl.Series:
    """Vectorised :func:`code_key` over a text column."""
    return series.map_elements(code_key, return_dtype=pl.String, skip_nulls=True)
