"""Police lists of children and adolescents ("24 Horas"-style, from Carabineros' DIPROFAM) read and checked row by
row before anything reaches the case records.

Pure (no Django): the file is read by :mod:`.tabular` (encodings, XLSX, hostile fields), columns are found by
their usual names, and each row gets its problems in the data core's shape (row, column, value, reason in
Spanish). DIPROFAM's layout is not published; the aliases below cover the column names municipalities use, and
the guide documents Atalaya's own layout.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from .identifiers import InvalidIdentifier, normalise_national_id
from .parsing import parse_date
from .problems import ERROR, WARNING, FileRejected, concat_problems, problem_frame
from .tabular import read_table, resolve_columns, with_row_numbers
from .text import normalise

#: Canonical column → accepted names (the first is how the guide and error messages name it).
COLUMNS: dict[str, tuple[str, ...]] = {
    "national_id": ("rut", "run", "curp", "rut_nna", "run_nna", "rut/run"),
    "procedure_date": ("fecha_procedimiento", "fecha del procedimiento", "fecha_ingreso", "fecha de ingreso", "fecha"),
    "given_names": ("nombres", "nombre"),
    "family_name_1": ("apellido_paterno", "apellido paterno", "primer apellido", "apellidos"),
    "family_name_2": ("apellido_materno", "apellido materno", "segundo apellido"),
    "birth_date": ("fecha_nacimiento", "fecha de nacimiento", "f_nacimiento"),
    "sex": ("sexo", "genero"),
    "address": ("domicilio", "direccion"),
    "comuna": ("comuna", "municipio"),
    "territory": ("unidad_vecinal", "unidad vecinal", "territorio", "cuadrante"),
    "unit": ("unidad", "unidad policial", "comisaria"),
    "reason": ("motivo", "causal", "tipo de ingreso"),
    "detail": ("detalle", "observaciones", "delito"),
}
REQUIRED = {"national_id", "procedure_date"}
#: Longest accepted text per column (the case records' limits).
MAX_CHARS = {"given_names": 120, "family_name_1": 60, "family_name_2": 60, "address": 200, "unit": 200}
MAX_ROWS = 20_000
FIRST_YEAR = 1990

_SEX = {
    "f": "F", "femenino": "F", "mujer": "F", "m": "M", "masculino": "M", "hombre": "M", "h": "M",
    "x": "X", "otro": "X", "no binario": "X",
}  # fmt: skip


def read_police_list(
    path: str | Path, *, country: str, comunas: set[str], today: dt.date, minors_only: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The list as a frame of checked rows and the problems found.

    ``comunas`` are the accepted names or codes of the municipality (a row of another comuna is an error, so that
    a list of the whole prefecture is not loaded by mistake); ``minors_only`` refuses rows of people 18 or older
    at the procedure date (the children's module). Rows keep ``_row``, the file line (header = 1).
    """
    frame, _facts = read_table(path)
    if frame.height == 0:
        raise FileRejected("La lista no tiene filas de datos.")
    if frame.height > MAX_ROWS:
        raise FileRejected(f"La lista tiene {frame.height:,} filas; el máximo por archivo es {MAX_ROWS:,}.")
    frame = with_row_numbers(resolve_columns(frame, COLUMNS, REQUIRED))
    for column in COLUMNS:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    frame = frame.with_columns(pl.col(c).str.strip_chars() for c in COLUMNS)
    frame = frame.with_columns(
        parse_date(frame["procedure_date"]).alias("procedure_day"),
        parse_date(frame["birth_date"]).alias("birth_day"),
    )
    problems: list[tuple] = []
    ids, sexes = [], []
    accepted = {normalise(c) for c in comunas}
    for row in frame.iter_rows(named=True):
        line = row["_row"]
        ids.append(_national_id(row, country, problems))
        sexes.append(_sex(row, problems))
        _dates(row, today, minors_only, problems)
        if row["comuna"] and normalise(row["comuna"]) not in accepted:
            problems.append(
                (
                    line,
                    "comuna",
                    row["comuna"],
                    "La fila es de otra comuna: esta lista se importa en " + ", ".join(sorted(comunas)) + ".",
                    ERROR,
                )
            )
        for column, limit in MAX_CHARS.items():
            if row[column] and len(row[column]) > limit:
                problems.append(
                    (line, COLUMNS[column][0], row[column][:200], f"Texto de más de {limit} caracteres.", ERROR)
                )
    frame = frame.with_columns(
        pl.Series("national_id_normalised", ids, dtype=pl.String), pl.Series("sex_code", sexes, dtype=pl.String)
    )
    return frame, concat_problems([problem_frame(problems)])


def _national_id(row: dict, country: str, problems: list[tuple]) -> str | None:
    value = row["national_id"]
    if not value:
        problems.append((row["_row"], "rut", "", "Falta el RUT o CURP: sin él no se reconoce a la persona.", ERROR))
        return None
    try:
        return normalise_national_id(value, country)
    except InvalidIdentifier as exc:
        problems.append((row["_row"], "rut", value[:200], str(exc), ERROR))
        return None


def _sex(row: dict, problems: list[tuple]) -> str:
    value = row["sex"]
    if not value:
        return ""
    code = _SEX.get(normalise(value))
    if code is None:
        problems.append((row["_row"], "sexo", value[:200], "Sexo no reconocido (F, M o X); se deja sin dato.", WARNING))
        return ""
    return code


def _dates(row: dict, today: dt.date, minors_only: bool, problems: list[tuple]) -> None:
    line, day, birth = row["_row"], row["procedure_day"], row["birth_day"]
    if day is None:
        reason = (
            "Falta la fecha del procedimiento."
            if not row["procedure_date"]
            else "Fecha no válida (use AAAA-MM-DD o DD-MM-AAAA)."
        )
        problems.append((line, "fecha_procedimiento", row["procedure_date"] or "", reason, ERROR))
    elif day > today:
        problems.append(
            (line, "fecha_procedimiento", row["procedure_date"], "La fecha del procedimiento está en el futuro.", ERROR)
        )
    elif day.year < FIRST_YEAR:
        problems.append(
            (
                line,
                "fecha_procedimiento",
                row["procedure_date"],
                f"Fecha anterior a {FIRST_YEAR}: revise el año.",
                ERROR,
            )
        )
    if row["birth_date"] and birth is None:
        problems.append(
            (line, "fecha_nacimiento", row["birth_date"], "Fecha no válida (use AAAA-MM-DD o DD-MM-AAAA).", ERROR)
        )
    elif birth is not None and day is not None:
        if birth > day:
            problems.append(
                (line, "fecha_nacimiento", row["birth_date"], "Nace después de la fecha del procedimiento.", ERROR)
            )
        elif minors_only and _age(birth, day) >= 18:
            problems.append(
                (
                    line,
                    "fecha_nacimiento",
                    row["birth_date"],
                    f"Tenía {_age(birth, day)} años en el procedimiento: la lista es de menores de 18.",
                    ERROR,
                )
            )


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
