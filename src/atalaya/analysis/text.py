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
