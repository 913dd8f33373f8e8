"""SESNSP municipal incidence ("Incidencia delictiva del fuero común", delitos and víctimas files).

Wide layout, one row per year × municipality × bien jurídico × tipo × subtipo × modalidad (× sexo × rango de
edad for víctimas) with twelve month columns. Blank month cells mean *not yet published*, never zero, so they
become absent rows. ``Cve. Municipio`` lacks the leading zero (``2004`` is Tijuana ``02004``); ``XX999`` is
"Otros Municipios". See ``shared/reference/formats.md`` §1.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from ..parsing import MONTH_NAMES, is_missing, parse_int
from ..problems import FileRejected, ReadResult, concat_problems, problems_where, repeated_rows
from ..tabular import read_table, resolve_columns, with_row_numbers

MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)

_COMMON = {
    "anio": ("Año", "ano", "year"),
    "clave_ent": ("Clave_Ent", "cve ent", "cve_ent"),
    "entidad": ("Entidad",),
    "cve_municipio": ("Cve. Municipio", "cve_municipio", "clave_mun", "cve mun"),
    "municipio": ("Municipio",),
    "bien_juridico": ("Bien jurídico afectado", "bien juridico"),
    "tipo": ("Tipo de delito",),
    "subtipo": ("Subtipo de delito",),
    "modalidad": ("Modalidad",),
}
_VICTIMS = {"sexo": ("Sexo",), "rango_edad": ("Rango de edad",)}


def read(path: str | Path, *, victims: bool = False) -> ReadResult:
    """Read a SESNSP municipal file (wide, twelve month columns) into published monthly counts.

    ``victims`` reads the víctimas file (adds sex and age range; measure ``victimas``); otherwise the delitos file
    (measure ``delitos``). Latin-1 and UTF-8 are both accepted; a state-level file (no ``Cve. Municipio``) is
    refused with a Spanish message.
    """
    raw, facts = read_table(path)
    wanted = dict(_COMMON)
    if victims:
        wanted.update(_VICTIMS)
    wanted.update({m: () for m in MONTHS})
    if "cve municipio" not in {_key(c) for c in raw.columns} and "cve_municipio" not in raw.columns:
        raise FileRejected(
            "No es un archivo municipal del SESNSP: falta la columna «Cve. Municipio». "
            "Los archivos estatales no se importan a nivel municipal."
        )
    frame = with_row_numbers(resolve_columns(raw, wanted, required=set(wanted)))
    rows_read = frame.height
    if rows_read == 0:
        raise FileRejected("El archivo solo tiene encabezados; no hay filas de datos.")
    frame = frame.with_columns(
        parse_int("anio").alias("year"),
        parse_int("cve_municipio").alias("mun_int"),
        *[parse_int(m).alias(f"n_{m}") for m in MONTHS],
    )
    problems = _row_problems(frame)
    frame = frame.with_columns(
        pl.col("mun_int").cast(pl.String).str.zfill(5).alias("municipality_code"),
        pl.concat_str(
            [pl.col(c).str.strip_chars() for c in ("tipo", "subtipo", "modalidad")],
            separator=" / ",
        ).alias("category_path"),
    )
    breakdown = ["sexo", "rango_edad"] if victims else []
    problems.append(
        repeated_rows(
            frame,
            ["year", "municipality_code", "category_path", *breakdown],
            "Tipo de delito",
            pl.col("category_path"),
            "Fila duplicada: el mismo año, municipio y delito aparecen antes en el archivo.",
        )
    )
    return ReadResult(
        kind="aggregates",
        frame=_monthly_rows(frame, victims, breakdown),
        problems=concat_problems(problems),
        rows_read=rows_read,
        meta={
            **facts,
            "source": "sesnsp",
            "measure": "victimas" if victims else "delitos",
            "path_levels": ["Tipo de delito", "Subtipo de delito", "Modalidad"],
        },
    )


def _row_problems(frame: pl.DataFrame) -> list[pl.DataFrame]:
    """Year, municipality code, the three category levels and each month's count, checked row by row."""
    this_year = dt.date.today().year
    problems = [
        problems_where(frame, pl.col("year").is_null(), "Año", pl.col("anio"), "El año no es un número entero."),
        problems_where(
            frame,
            pl.col("year").is_not_null() & ~pl.col("year").is_between(2015, this_year),
            "Año",
            pl.col("anio"),
            f"Año fuera de rango (2015–{this_year}).",
        ),
        problems_where(
            frame,
            pl.col("mun_int").is_null() | ~pl.col("mun_int").is_between(1001, 32999),
            "Cve. Municipio",
            pl.col("cve_municipio"),
            "Clave de municipio inválida: se esperan 4 o 5 dígitos INEGI (entidad + municipio).",
        ),
    ]
    for label_col, label in (("tipo", "Tipo de delito"), ("subtipo", "Subtipo de delito"), ("modalidad", "Modalidad")):
        problems.append(
            problems_where(frame, is_missing(label_col), label, pl.col(label_col), "Falta la categoría del delito.")
        )
    for m in MONTHS:
        count = pl.col(f"n_{m}")
        for mask, reason in (
            (~is_missing(m) & count.is_null(), "El conteo no es un número entero."),
            (count < 0, "El conteo no puede ser negativo."),
            (count > 1_000_000, "Conteo absurdo para un municipio en un mes (más de un millón)."),
        ):
            problems.append(problems_where(frame, mask, m.capitalize(), pl.col(m), reason))
    return problems


def _monthly_rows(frame: pl.DataFrame, victims: bool, breakdown: list[str]) -> pl.DataFrame:
    """Wide (twelve month columns) to long: one row per month with a published count (blank months are not
    published, a 0 is)."""
    long = frame.unpivot(
        index=["_row", "year", "municipality_code", "municipio", "bien_juridico", "category_path", *breakdown],
        on=[f"n_{m}" for m in MONTHS],
        variable_name="month_col",
        value_name="count",
    ).filter(pl.col("count").is_not_null())
    long = long.with_columns(
        pl.date(
            pl.col("year"),
            pl.col("month_col").str.slice(2).replace_strict(MONTH_NAMES, return_dtype=pl.Int64),
            1,
        ).alias("period_start"),
        pl.lit("victimas" if victims else "delitos").alias("measure"),
    )
    if not victims:
        long = long.with_columns(pl.lit(None, pl.String).alias("sexo"), pl.lit(None, pl.String).alias("rango_edad"))
    return long.select(
        "_row",
        "municipality_code",
        pl.col("municipio").alias("municipality_name"),
        "period_start",
        "category_path",
        "bien_juridico",
        "measure",
        pl.col("sexo").alias("sex"),
        pl.col("rango_edad").alias("age_group"),
        pl.col("count").cast(pl.Int64),
    )


def read_victims(path: str | Path) -> ReadResult:
    """The víctimas file (the ``sesnsp-victimas`` format): :func:`read` with ``victims=True``."""
    return read(path, victims=True)


def _key(name: str) -> str:
    from ..text import normalise

    return normalise(name)
