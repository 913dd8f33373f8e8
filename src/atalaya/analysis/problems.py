"""Problems found while reading a data file, in the shape every importer reports them.

A *problem* names the file row (line 1 is the header, so the first data row is 2, as a spreadsheet shows it),
the column, the offending value and the reason, in Spanish. ``error`` problems make a row invalid; ``aviso``
(warning) problems keep the row but tell the analyst something is off (an unmapped category, a point outside
the municipality). A :class:`FileRejected` is raised when the file as a whole cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

ERROR = "error"
WARNING = "aviso"

PROBLEM_SCHEMA = {
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
    "severity": pl.String,
}

#: Values longer than this are cut in reports so that a hostile 10 MB field cannot bloat the report.
MAX_VALUE_IN_REPORT = 200


class FileRejected(Exception):
    """The whole file is unusable (wrong format, encoding, missing columns...). The message is in Spanish."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None, value: str = ""):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column
        self.value = value

    def as_problems(self) -> pl.DataFrame:
        return problem_frame([(self.row, self.column, self.value, self.message, ERROR)])


def problem_frame(rows: list[tuple] | None = None) -> pl.DataFrame:
    """Build a problems frame from ``(row, column, value, reason, severity)`` tuples."""
    return pl.DataFrame(rows or [], schema=PROBLEM_SCHEMA, orient="row")


def problems_where(
    frame: pl.DataFrame,
    mask: pl.Expr,
    column: str,
    value: pl.Expr,
    reason: str | pl.Expr,
    severity: str = ERROR,
) -> pl.DataFrame:
    """Vectorised: one problem per row of ``frame`` where ``mask`` holds (frame must carry ``_row``).

    ``reason`` is a fixed sentence or an expression that builds one per row (for counts inside the message).
    """
    hits = frame.filter(mask)
    if hits.is_empty():
        return problem_frame()
    reason_expr = reason if isinstance(reason, pl.Expr) else pl.lit(reason, dtype=pl.String)
    return hits.select(
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(column, dtype=pl.String).alias("column"),
        value.cast(pl.String).fill_null("").str.slice(0, MAX_VALUE_IN_REPORT).alias("value"),
        reason_expr.cast(pl.String).alias("reason"),
        pl.lit(severity, dtype=pl.String).alias("severity"),
    )


def concat_problems(parts: list[pl.DataFrame]) -> pl.DataFrame:
    parts = [p for p in parts if not p.is_empty()]
    if not parts:
        return problem_frame()
    return pl.concat(parts, how="vertical").sort(["row", "column"], nulls_last=False)


@dataclass
class ReadResult:
    """What a reader gives back: a normalised frame, its problems and facts about the file.

    ``kind`` is ``incidents`` (point-level records), ``aggregates`` (published counts) or ``territories``.
    ``frame`` carries ``_row`` so that problems can be traced to the file; rows with an ``error`` problem are
    dropped by :meth:`valid_rows`.
    """

    kind: str
    frame: pl.DataFrame
    problems: pl.DataFrame
    rows_read: int
    meta: dict = field(default_factory=dict)

    def error_rows(self) -> pl.Series:
        errs = self.problems.filter(pl.col("severity") == ERROR)
        return errs.get_column("row").drop_nulls().unique()

    def valid_rows(self) -> pl.DataFrame:
        bad = self.error_rows()
        if bad.is_empty():
            return self.frame
        return self.frame.filter(~pl.col("_row").is_in(bad.implode()))

    @property
    def has_errors(self) -> bool:
        return not self.problems.filter(pl.col("severity") == ERROR).is_empty()


def repeated_rows(frame: pl.DataFrame, key: list[str], column: str, value: pl.Expr, reason: str) -> pl.DataFrame:
    """One error per row that repeats an earlier row's ``key`` (the first occurrence is kept): a file that lists
    the same cell twice would count it twice."""
    later = pl.struct(key).is_duplicated() & (pl.int_range(pl.len()).over(key) > 0)
    return problems_where(frame.with_columns(later.alias("_repeated")), pl.col("_repeated"), column, value, reason)
