"""Population projections by municipality and year, read from the files the official producers publish.

Rates per 100,000 need the population of each year, and between censuses that is a projection: CONAPO's for
Mexican municipalities, INE's for Chilean comunas. Both are large files broken down by sex and age; this reader
adds them up to one figure per municipality and year. Three shapes are recognised by their columns:

- **CONAPO** (``base_municipios_final_datos_01.csv``…): ``CLAVE, AÑO, POB`` (plus ``SEXO``, ``EDAD_QUIN``…).
- **INE** (``estimaciones-y-proyecciones-2002-2035-comunas``): ``Comuna`` and one ``Poblacion AAAA`` column per
  year (plus ``Sexo``, ``Edad``…).
- **Tidy**: ``codigo, año, poblacion`` (one row per municipality and year, e.g. a table an analyst prepared).

Returns ``(populations, problems)``: ``code, year, population`` (codes as the catalogue keys them) and the rows
that could not be read, with row, column, value and reason in Spanish, and the ``code`` of the row. Nothing here
touches the database.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from atalaya.analysis.problems import FileRejected, concat_problems, problems_where
from atalaya.analysis.tabular import pick_column, read_table, with_row_numbers
from atalaya.analysis.text import code_keys, normalise

#: The most populous municipality of either country (Iztapalapa, Puente Alto) is under 2 million; a value above
#: this is a unit or column mistake, not a population.
MAX_POPULATION = 20_000_000
YEARS = (1950, 2100)

_YEAR_COLUMN = re.compile(r"^(?:poblacion|pob|poblacion total)\s*(\d{4})$")

SHAPES = {
    "conapo": "CONAPO, proyecciones de la población de los municipios",
    "ine": "INE, estimaciones y proyecciones de población por comuna",
    "tabla": "tabla de población por municipio y año",
}


def read(path: str | Path) -> tuple[pl.DataFrame, pl.DataFrame, str]:
    """Read a projection file. Returns ``(populations, problems, shape)``; ``shape`` is a key of :data:`SHAPES`."""
    raw, _facts = read_table(path)
    if raw.is_empty():
        raise FileRejected("El archivo no tiene filas de datos.")
    columns = raw.columns
    year_columns = {c: int(m.group(1)) for c in columns if (m := _YEAR_COLUMN.match(normalise(c)))}
    if year_columns and pick_column(columns, None, ("comuna", "codigo comuna", "cut"), ""):
        return (*_wide(raw, year_columns), "ine")
    code = pick_column(columns, None, ("clave", "cve_mun", "cvegeo", "codigo", "code", "cut", "clave_mun"), "")
    year = pick_column(columns, None, ("año", "ano", "anio", "year", "n_year"), "")
    value = pick_column(columns, None, ("pob", "poblacion", "population", "pob_mid_year", "total"), "")
    if not (code and year and value):
        raise FileRejected(
            "No se reconoce el archivo de población: se esperan las columnas de CONAPO (CLAVE, AÑO, POB), las de "
            "INE (Comuna y «Poblacion 2002»…) o una tabla codigo, año, poblacion. Columnas encontradas: "
            + ", ".join(columns[:30])
            + "."
        )
    shape = "conapo" if normalise(code) == "clave" else "tabla"  # CONAPO names the code CLAVE (POB or POBLACION)
    frame = with_row_numbers(raw).select(
        "_row", pl.col(code).alias("code"), pl.col(year).alias("year"), pl.col(value).alias("value")
    )
    frame, problems = _validated(frame, {"code": code, "year": year, "value": value})
    return _summed(frame), problems, shape


def _wide(raw: pl.DataFrame, year_columns: dict[str, int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    code = pick_column(raw.columns, None, ("comuna", "codigo comuna", "cut"), "")
    frame = (
        with_row_numbers(raw)
        .select("_row", pl.col(code).alias("code"), *[pl.col(c) for c in year_columns])
        .unpivot(index=["_row", "code"], variable_name="column", value_name="value")
        .with_columns(pl.col("column").replace_strict({c: str(y) for c, y in year_columns.items()}).alias("year"))
    )
    frame, problems = _validated(frame, {"code": code, "year": "año", "value": "población"})
    return _summed(frame), problems


def _validated(frame: pl.DataFrame, labels: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse codes, years and values; a row that fails is reported (and left out), never guessed.

    ``labels`` names the file's columns for the report; a wide file carries the year column of each value in
    ``column``, which the reason then names.
    """
    parsed = frame.with_columns(
        code_keys(frame.get_column("code").cast(pl.String)).alias("code_key"),
        _integer(pl.col("year")).alias("year_n"),
        _integer(pl.col("value")).alias("value_n"),
    )
    where = pl.format(" (columna «{}»)", pl.col("column")) if "column" in frame.columns else pl.lit("")
    bad_code = pl.col("code_key").is_null()
    bad_year = pl.col("year_n").is_null() | ~pl.col("year_n").is_between(*YEARS)
    bad_value = pl.col("value_n").is_null() | (pl.col("value_n") < 0) | (pl.col("value_n") > MAX_POPULATION)
    limit = f"{MAX_POPULATION:,}".replace(",", ".")
    problems = concat_problems(
        [
            problems_where(parsed, bad_code, labels["code"], pl.col("code"), "Código de municipio vacío."),
            problems_where(
                parsed,
                ~bad_code & bad_year,
                labels["year"],
                pl.col("year"),
                f"Año inválido: se espera un año entre {YEARS[0]} y {YEARS[1]}.",
            ),
            problems_where(
                parsed,
                ~bad_code & ~bad_year & bad_value,
                labels["value"],
                pl.col("value"),
                pl.concat_str(pl.lit(f"Población inválida: se espera un entero entre 0 y {limit}"), where, pl.lit(".")),
            ),
        ]
    )
    good = parsed.filter(~bad_code & ~bad_year & ~bad_value)
    # Each problem keeps the municipality it belongs to: rows of municipalities nobody loads decide nothing.
    codes = parsed.select(pl.col("_row").alias("row"), pl.col("code_key").alias("code")).unique("row")
    problems = problems.join(codes, on="row", how="left")
    return good.select(
        pl.col("code_key").alias("code"), pl.col("year_n").alias("year"), pl.col("value_n").alias("value")
    ), problems


def _integer(column: pl.Expr) -> pl.Expr:
    """``2020``, ``2020.0``, ``1 077 208`` and ``1,077,208`` are integers; ``12,5`` or ``abc`` are not."""
    text = column.cast(pl.String).str.strip_chars().str.replace(r"\.0+$", "")
    return (
        pl.when(text.str.contains(r"^\d{1,3}([ ,]\d{3})+$"))
        .then(text.str.replace_all(r"[ ,]", ""))
        .otherwise(text)
        .cast(pl.Int64, strict=False)
    )


def _summed(frame: pl.DataFrame) -> pl.DataFrame:
    """One figure per municipality and year: the published rows by sex and age add up to it."""
    return (
        frame.group_by("code", "year")
        .agg(pl.col("value").sum().alias("population"), pl.len().alias("rows"))
        .sort("code", "year")
    )


def coverage_gaps(populations: pl.DataFrame) -> pl.DataFrame:
    """Municipalities that lack years, or carry fewer published rows for a year, than most of the file: the mark
    of a truncated download. Columns ``code, year, rows, expected_rows`` (``rows`` 0 for a missing year)."""
    if populations.is_empty():
        return pl.DataFrame(schema={"code": pl.String, "year": pl.Int64, "rows": pl.Int64, "expected_rows": pl.Int64})
    years = populations.select("year").unique()
    grid = populations.select("code").unique().join(years, how="cross")
    expected = int(populations.get_column("rows").mode().max())
    return (
        grid.join(populations.select("code", "year", "rows"), on=["code", "year"], how="left")
        .with_columns(pl.col("rows").fill_null(0).cast(pl.Int64), pl.lit(expected, pl.Int64).alias("expected_rows"))
        .filter(pl.col("rows") < pl.col("expected_rows"))
        .sort("code", "year")
    )
