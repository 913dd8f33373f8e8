"""Polars frames to and from the database, fast and inside the caller's transaction.

The ORM builds one Python object per row; at a million incidents that dominates an import or a read. Here rows
go straight between a frame and the database: ``COPY`` on PostgreSQL and multi-row ``INSERT`` on SQLite for
writes; chunked cursors with dates read as text (parsed at once) for reads. A failure part-way through a write
leaves nothing behind, because the caller's transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import chain

import polars as pl
from django.db import connection

BATCH_ROWS = 50_000
#: Rows fetched at a time: a million rows as Python tuples weighed several hundred MB at once.
FETCH_ROWS = 100_000
#: Rows per multi-row INSERT on SQLite: one statement carrying many rows binds ~40 % faster than one per row.
SQLITE_ROWS_PER_STATEMENT = 200
#: SQLite's default: fold the write-ahead log into the database file once it passes this many pages.
SQLITE_AUTOCHECKPOINT_PAGES = 1000


def bulk_insert(table: str, columns: Sequence[str], frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` (columns in ``columns`` order) into ``table``; returns the row count."""
    if frame.is_empty():
        return 0
    frame = frame.select(columns)
    if connection.vendor == "postgresql":
        _copy_postgresql(table, columns, frame)
    else:
        _insert_sqlite(table, columns, frame)
    return frame.height


def _copy_postgresql(table: str, columns: Sequence[str], frame: pl.DataFrame) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN") as copy:
            for batch in frame.iter_slices(BATCH_ROWS):
                for row in batch.iter_rows():
                    copy.write_row(row)


def _insert_sqlite(table: str, columns: Sequence[str], frame: pl.DataFrame) -> None:
    # sqlite3 has no adapter for time (and the date one is deprecated): send ISO text, as Django does; cast
    # batch by batch, so that a million rows never hold a text copy of their dates at once.
    as_text = [
        pl.col(c).cast(pl.String)
        for c, dtype in frame.schema.items()
        if dtype in (pl.Date, pl.Time) or isinstance(dtype, pl.Datetime)
    ]
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    k = SQLITE_ROWS_PER_STATEMENT
    many_sql = head + ", ".join([one] * k)
    with connection.cursor() as cursor:
        for batch in frame.iter_slices(BATCH_ROWS):
            rows = batch.with_columns(as_text).rows()
            full = len(rows) // k * k
            if full:
                cursor.executemany(many_sql, [tuple(chain.from_iterable(rows[i : i + k])) for i in range(0, full, k)])
            if len(rows) > full:
                tail = rows[full:]
                cursor.execute(head + ", ".join([one] * len(tail)), tuple(chain.from_iterable(tail)))


@contextmanager
def checkpoint_deferred() -> Iterator[None]:
    """On SQLite, keep a large commit from folding the write-ahead log into the database file.

    The commit is what makes data readable (readers see the log); the automatic checkpoint that follows a large
    commit copies every page again and syncs, about 0.15 s per 100,000 incidents. It runs once, after the steps
    that follow an import, instead of inside the commit that dashboards wait for.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_AUTOCHECKPOINT_PAGES}")
            if not connection.in_atomic_block:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def date_as_text(column: str) -> str:
    """A date column as ISO text on SQLite, whose per-row date converter is the slow part of a large read."""
    return f"CAST({column} AS TEXT)" if connection.vendor == "sqlite" else column


def fetch_frame(sql: str, params: Sequence, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Run a query and build its frame chunk by chunk; date columns that arrive as ISO text (SQLite, see
    :func:`date_as_text`) are parsed at once per chunk."""
    frames = []
    dates = [name for name, dtype in schema.items() if dtype == pl.Date]
    positions = [list(schema).index(name) for name in dates]
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        while rows := cursor.fetchmany(FETCH_ROWS):
            text = [
                name
                for name, i in zip(dates, positions, strict=True)
                if isinstance(next((row[i] for row in rows if row[i] is not None), None), str)
            ]
            frame = pl.DataFrame(rows, schema={**schema, **dict.fromkeys(text, pl.String)}, orient="row")
            frames.append(frame.with_columns(pl.col(name).str.slice(0, 10).str.to_date("%Y-%m-%d") for name in text))
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)
