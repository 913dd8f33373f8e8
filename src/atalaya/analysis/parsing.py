"""Vectorised parsing of dates, times, integers and coordinates, producing problems instead of exceptions."""

from __future__ import annotations

import datetime as dt

import polars as pl

from .problems import ERROR, problems_where

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y", "%Y%m%d")
TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H:%M:%S%.f")
EARLIEST_DATE = dt.date(1990, 1, 1)

MONTH_NAMES = {
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
}


def parse_date(series: pl.Series) -> pl.Series:
    """Text → Date, trying the formats seen in official files; also accepts ISO date-times.

    The formats are tried in the order that fits a sample of the column best, and later formats only on the
    rows still unparsed, so a million ISO dates are parsed once, not five times.
    """
    return _parse_with_formats(series.str.strip_chars().str.slice(0, 10), DATE_FORMATS, pl.Date)


def parse_time(series: pl.Series) -> pl.Series:
    """Text → Time (``HH:MM:SS``, ``HH:MM`` or with fractions of a second)."""
    return _parse_with_formats(series.str.strip_chars(), TIME_FORMATS, pl.Time)


def _parse_with_formats(text: pl.Series, formats: tuple[str, ...], dtype) -> pl.Series:
    def attempt(values: pl.Series, fmt: str) -> pl.Series:
        if dtype == pl.Date:
            return values.str.to_date(fmt, strict=False)
        return values.str.to_time(fmt, strict=False)

    sample = text.drop_nulls().head(2000)
    ranked = sorted(formats, key=lambda fmt: -attempt(sample, fmt).is_not_null().sum())
    parsed = attempt(text, ranked[0])
    for fmt in ranked[1:]:
        pending = (parsed.is_null() & text.is_not_null()).arg_true()
        if pending.is_empty():
            break
        parsed = parsed.scatter(pending, attempt(text.gather(pending), fmt))
    return parsed.alias(text.name)


def parse_int(col: str) -> pl.Expr:
    """Integers, tolerating thousands separators (``1,234``) and a trailing ``.0`` from spreadsheets."""
    text = pl.col(col).str.strip_chars()
    text = pl.when(text.str.contains(r"^\d{1,3}(,\d{3})+$")).then(text.str.replace_all(",", "")).otherwise(text)
    text = text.str.replace(r"\.0+$", "")
    return text.cast(pl.Int64, strict=False)


def parse_float(col: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars().str.replace(",", ".", literal=True)
    return text.cast(pl.Float64, strict=False)


def is_missing(col: str) -> pl.Expr:
    """Empty cells and the literal NA / N/A / null markers found in open-data exports."""
    text = pl.col(col).str.strip_chars().str.to_uppercase()
    return pl.col(col).is_null() | text.is_in(["", "NA", "N/A", "NULL", "NAN", "NONE", "-"])


def check_parsed(frame: pl.DataFrame, raw: str, parsed: str, reason: str, severity: str = ERROR) -> pl.DataFrame:
    """Problems for rows where the raw text was present but did not parse."""
    mask = ~is_missing(raw) & pl.col(parsed).is_null()
    return problems_where(frame, mask, raw, pl.col(raw), reason, severity)


def add_months(day: dt.date, months: int) -> dt.date:
    """First day of the month ``months`` after (or before, if negative) the month of ``day``.

    >>> add_months(dt.date(2026, 1, 31), -2), add_months(dt.date(2025, 11, 5), 3)
    (datetime.date(2025, 11, 1), datetime.date(2026, 2, 1))
    """
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def trailing_window(last: dt.date, months: int = 12) -> tuple[dt.date, dt.date]:
    """First and last day of the ``months`` calendar months that end with ``last``'s month ("últimos 12 meses").

    Month arithmetic, never a count of days (``last − 335 days`` spans 13 months for most end months).

    >>> trailing_window(dt.date(2024, 2, 1))
    (datetime.date(2023, 3, 1), datetime.date(2024, 2, 29))
    >>> trailing_window(dt.date(2026, 10, 31), 3)
    (datetime.date(2026, 8, 1), datetime.date(2026, 10, 31))
    """
    return add_months(last, 1 - months), month_end(last.replace(day=1))


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of every month from ``first``'s month to ``last``'s, inclusive."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, k) for k in range(max(count, 0))]


def month_end(month_start: dt.date) -> dt.date:
    """Last day of the month that ``month_start`` falls in."""
    return add_months(month_start, 1) - dt.timedelta(days=1)


def month_number(col: str) -> pl.Expr:
    """Month given as a number (``3``/``03``) or a Spanish name (``Marzo``)."""
    text = pl.col(col).str.strip_chars().str.to_lowercase()
    by_name = text.replace_strict(MONTH_NAMES, default=None, return_dtype=pl.Int64)
    by_number = text.cast(pl.Int64, strict=False)
    value = pl.coalesce([by_number, by_name])
    return pl.when(value.is_between(1, 12)).then(value).otherwise(None)
