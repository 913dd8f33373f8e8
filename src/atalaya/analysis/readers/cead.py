"""Chile CEAD "casos policiales" in the tidy layout built by public scrapers.

Columns ``comuna, cut_comuna, fecha, delito, delito_n`` (plus optional region columns). CEAD shows **0**, not
blank, for months it has not loaded yet, so every import has a data cut-off: months after it are dropped
(absent, not zero). Without an explicit cut-off the last month with any non-zero count is taken and the
trailing all-zero months are reported. See ``shared/reference/formats.md`` §3.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from ..parsing import is_missing, month_end, parse_date, parse_int
from ..problems import (
    WARNING,
    FileRejected,
    ReadResult,
    concat_problems,
    problem_frame,
    problems_where,
    repeated_rows,
)
from ..tabular import read_table, resolve_columns, with_row_numbers

_WANTED = {
    "comuna": ("nombre comuna",),
    "cut_comuna": ("cut", "codigo comuna", "cod_comuna"),
    "fecha": ("mes", "periodo"),
    "delito": ("delito", "subgrupo", "grupo"),
    "delito_n": ("casos", "frecuencia", "n"),
    "familia": ("familia", "familia delito"),
}


def read(path: str | Path, *, cutoff: dt.date | None = None) -> ReadResult:
    """Read CEAD monthly cases (comuna × month × delito) into published counts with measure ``casos``.

    Months after ``cutoff`` (or, without it, after the last month with any non-zero count) are dropped as not yet
    loaded, and the report says so. Raises :class:`FileRejected` when a required column is missing.
    """
    raw, facts = read_table(path)
    frame = with_row_numbers(resolve_columns(raw, _WANTED, required={"cut_comuna", "fecha", "delito", "delito_n"}))
    if frame.height == 0:
        raise FileRejected("El archivo solo tiene encabezados; no hay filas de datos.")
    if "comuna" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("comuna"))
    frame = frame.with_columns(
        parse_date(frame.get_column("fecha")).alias("date"),
        parse_int("cut_comuna").alias("cut_int"),
        parse_int("delito_n").alias("count"),
    )
    problems = [problems_where(frame, mask, column, pl.col(column), reason) for mask, column, reason in _row_rules()]
    frame = frame.with_columns(
        pl.col("cut_int").cast(pl.String).str.zfill(5).alias("municipality_code"),
        pl.col("date").dt.truncate("1mo").alias("period_start"),
        pl.col("delito").str.strip_chars().alias("category_path"),
    )
    problems.append(
        repeated_rows(
            frame,
            ["municipality_code", "period_start", "category_path"],
            "delito",
            pl.col("delito"),
            "Fila duplicada: la misma comuna, mes y delito aparecen antes en el archivo.",
        )
    )
    cutoff, cutoff_source = _cutoff(frame, cutoff)
    problems.append(_after_cutoff_problem(frame, cutoff))
    long = frame.filter(pl.col("period_start") <= pl.lit(cutoff)).select(
        "_row",
        "municipality_code",
        pl.col("comuna").alias("municipality_name"),
        "period_start",
        "category_path",
        pl.lit("casos").alias("measure"),
        pl.lit(None, pl.String).alias("sex"),
        pl.lit(None, pl.String).alias("age_group"),
        pl.col("count").cast(pl.Int64),
    )
    return ReadResult(
        kind="aggregates",
        frame=long,
        problems=concat_problems(problems),
        rows_read=frame.height,
        meta={
            **facts,
            "source": "cead",
            "measure": "casos",
            "cutoff": cutoff.isoformat(),
            "cutoff_source": cutoff_source,
            "path_levels": ["delito"],
        },
    )


def _row_rules() -> list[tuple[pl.Expr, str, str]]:
    """Each check of a parsed row: ``(where it fails, column, reason)``; all are errors."""
    date, count, cut = pl.col("date"), pl.col("count"), pl.col("cut_int")
    return [
        (date.is_null(), "fecha", "Fecha imposible o con formato desconocido (se espera AAAA-MM-DD)."),
        ((date > pl.lit(dt.date.today())) & (count > 0), "fecha", "Hay casos en un mes futuro."),
        (
            cut.is_null() | ~cut.is_between(1101, 16999),
            "cut_comuna",
            "Código Único Territorial de comuna inválido (4 o 5 dígitos, p. ej. 13122).",
        ),
        (is_missing("delito"), "delito", "Falta el nombre del delito."),
        (count.is_null(), "delito_n", "El número de casos no es un número entero."),
        (count < 0, "delito_n", "El número de casos no puede ser negativo."),
        (count > 1_000_000, "delito_n", "Número de casos absurdo para una comuna en un mes."),
    ]


def _cutoff(frame: pl.DataFrame, cutoff: dt.date | None) -> tuple[dt.date, str]:
    """The data cut-off as given, or inferred as the end of the last month with any case (CEAD shows 0 for the
    months it has not loaded yet)."""
    if cutoff is not None:
        return cutoff, "explícita"
    usable = frame.filter(pl.col("period_start").is_not_null() & pl.col("count").is_not_null())
    nonzero = usable.filter(pl.col("count") > 0)
    if nonzero.is_empty():
        raise FileRejected("Todos los conteos son cero: no se puede inferir la fecha de corte; indique --cutoff.")
    return month_end(nonzero.get_column("period_start").max()), "inferida (último mes con casos)"


def _after_cutoff_problem(frame: pl.DataFrame, cutoff: dt.date) -> pl.DataFrame:
    """One warning for the months after the cut-off, which are dropped."""
    after = frame.filter(pl.col("period_start") > pl.lit(cutoff))
    if after.is_empty():
        return problem_frame([])
    months = after.get_column("period_start").unique().sort()
    return problem_frame(
        [
            (
                None,
                "fecha",
                f"{months.min()} … {months.max()}",
                f"{months.len()} mes(es) posteriores a la fecha de corte {cutoff} se descartan: CEAD muestra 0 "
                "en los meses aún no cargados.",
                WARNING,
            )
        ]
    )
