"""Mexico City FGJ "carpetas de investigación" (point-level), current and 2016–2019 schemas.

Columns are matched by normalised name, so ``fecha_hecho`` (current) and ``fecha_hechos`` (2016–2019, where
``año`` arrives mangled as ``ao``) both work. The source category is ``categoria_delito / delito``; a file that
carries only ``delito`` is matched when exactly one catalogue path ends in it. The
municipality comes from ``alcaldia_hecho`` (INEGI CVEGEO of the alcaldía); rows outside the sixteen alcaldías
keep ``municipality_code`` empty and are reported. See ``shared/reference/formats.md`` §2.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..incidents import normalise_incidents
from ..problems import WARNING, FileRejected, ReadResult, concat_problems, problems_where
from ..tabular import read_table, resolve_columns, with_row_numbers
from ..text import normalise, normalise_series

#: INEGI CVEGEO of the sixteen alcaldías of Mexico City (entidad 09).
ALCALDIAS = {
    "azcapotzalco": "09002",
    "coyoacan": "09003",
    "cuajimalpa de morelos": "09004",
    "cuajimalpa": "09004",
    "gustavo a madero": "09005",
    "iztacalco": "09006",
    "iztapalapa": "09007",
    "la magdalena contreras": "09008",
    "magdalena contreras": "09008",
    "milpa alta": "09009",
    "alvaro obregon": "09010",
    "tlahuac": "09011",
    "tlalpan": "09012",
    "xochimilco": "09013",
    "benito juarez": "09014",
    "cuauhtemoc": "09015",
    "miguel hidalgo": "09016",
    "venustiano carranza": "09017",
}

_WANTED = {
    "record_id": ("id", "folio", "id_carpeta"),
    "date": ("fecha_hecho", "fecha_hechos"),
    "year": ("anio_hecho", "ao_hechos", "año_hechos", "ano_hecho"),
    "month": ("mes_hecho", "mes_hechos"),
    "time": ("hora_hecho", "hora_hechos"),
    "category": ("delito",),
    "category_parent": ("categoria_delito", "categoria"),
    "lat": ("latitud",),
    "lon": ("longitud",),
    "alcaldia": ("alcaldia_hecho", "alcaldia_hechos", "alcaldia_catalogo"),
    "colonia": ("colonia_hecho", "colonia_hechos", "colonia_catalogo"),
    "fiscalia": ("fiscalia",),
    "fecha_inicio": ("fecha_inicio",),
    "competencia": ("competencia",),
}


def read(path: str | Path, *, municipality_code: str | None = None) -> ReadResult:
    """Read an FGJ carpetas file (current or 2016–2019 schema) into incidents with their problems.

    Without ``municipality_code`` each row's alcaldía comes from ``alcaldia_hecho`` (rows outside the sixteen are
    reported); with it, every row is taken as that alcaldía's (a file already cut to one). Raises
    :class:`FileRejected` when the category, the dates or (without ``municipality_code``) the alcaldía are missing.
    """
    raw, facts = read_table(path)
    frame = resolve_columns(raw, _WANTED, required={"category"})
    if "date" not in frame.columns and not {"year", "month"} <= set(frame.columns):
        raise FileRejected("Faltan columnas de fecha: se espera «fecha_hecho» o «anio_hecho» y «mes_hecho».")
    frame = with_row_numbers(frame)
    if frame.height == 0:
        raise FileRejected("El archivo solo tiene encabezados; no hay filas de datos.")
    problems = []
    if municipality_code is None and "alcaldia" in frame.columns:
        codes = normalise_series(frame.get_column("alcaldia")).replace_strict(
            ALCALDIAS, default=None, return_dtype=pl.String
        )
        frame = frame.with_columns(codes.alias("municipality"))
        problems.append(
            problems_where(
                frame,
                pl.col("municipality").is_null(),
                "alcaldia_hecho",
                pl.col("alcaldia"),
                "Alcaldía fuera de la Ciudad de México o indeterminada; el registro no se asigna a un municipio.",
                WARNING,
            )
        )
    elif municipality_code is None:
        raise FileRejected("Falta la columna «alcaldia_hecho»; indique el municipio con --municipality.")
    labels = {
        "date": "fecha_hecho",
        "time": "hora_hecho",
        "category": "delito",
        "category_parent": "categoria_delito",
        "lat": "latitud",
        "lon": "longitud",
        "record_id": "id",
    }
    incidents, more = normalise_incidents(
        frame,
        municipality_code=municipality_code,
        attribute_columns={c: c for c in ("colonia", "fiscalia", "fecha_inicio", "competencia") if c in frame.columns},
        column_labels=labels,
    )
    problems.append(more)
    return ReadResult(
        kind="incidents",
        frame=incidents,
        problems=concat_problems(problems),
        rows_read=frame.height,
        meta={**facts, "source": "cdmx-fgj", "path_levels": ["categoria_delito", "delito"]},
    )


def alcaldia_code(name: str) -> str | None:
    """INEGI code of an alcaldía by its name as FGJ writes it (accents and case ignored), or ``None``."""
    return ALCALDIAS.get(normalise(name))
