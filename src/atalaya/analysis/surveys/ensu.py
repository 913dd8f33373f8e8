"""INEGI's ENSU (Encuesta Nacional de Seguridad Pública Urbana): its CB table as published, its design and the
indicators INEGI reports.

The quarterly open-data package holds three tables; the person-level questionnaire is the **CB** table
(``conjunto_de_datos_ensu_cb_MMYY.csv``, folder and file names change almost every year, so it is located by the
pattern ``cb…csv``). Variable names were lower case in 2016–2017 and upper case since; the reader upper-cases
them. The design is strata ``EST_DIS``, primary units ``UPM_DIS`` (nested in strata) and the selected person's
expansion factor ``FAC_SEL``. See ``shared/reference/formats.md`` §4.

Indicators as INEGI defines them (its press releases and tables): perception of insecurity is the share answering
*inseguro* (``BP1_1 = 2``) among all adults, *no sabe / no responde* kept in the denominator; trust in and
perceived effectiveness of the municipal preventive police are computed **among those who identify it**
(``BP1_7_1 = 1``): "mucha o algo de confianza" (``BP1_9_1`` 1–2) and "muy o algo efectiva" (``BP1_8_1`` 1–2).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import polars as pl

from ..problems import FileRejected, ReadResult, concat_problems, problems_where
from ..tabular import decode, read_csv_text, read_file_bytes, with_row_numbers
from .estimates import DesignColumns, SurveyIndicator

DESIGN = DesignColumns(weight="FAC_SEL", psu="UPM_DIS", stratum="EST_DIS")

INDICATORS = (
    SurveyIndicator(
        "percepcion_inseguridad",
        "Percepción de inseguridad en la ciudad",
        "BP1_1",
        success=(2,),
        note="Población de 18 años y más que considera que vivir en su ciudad es inseguro (BP1_1 = 2).",
    ),
    SurveyIndicator(
        "confianza_policia_municipal",
        "Confianza en la policía preventiva municipal",
        "BP1_9_1",
        success=(1, 2),
        asked_variable="BP1_7_1",
        asked=(1,),
        higher_is_better=True,
        note="Mucha o algo de confianza, entre quienes identifican a la policía preventiva municipal (BP1_7_1 = 1).",
    ),
    SurveyIndicator(
        "efectividad_policia_municipal",
        "Efectividad percibida de la policía preventiva municipal",
        "BP1_8_1",
        success=(1, 2),
        asked_variable="BP1_7_1",
        asked=(1,),
        higher_is_better=True,
        note="Muy o algo efectiva, entre quienes identifican a la policía preventiva municipal (BP1_7_1 = 1).",
    ),
    SurveyIndicator(
        "victimizacion_hogar",
        "Hogares con algún delito en el semestre",
        tuple(f"BP1_6_{i}" for i in range(1, 9)),
        success=(1,),
        note="Algún integrante del hogar sufrió alguno de los delitos de BP1_6 (robo, extorsión, fraude…).",
    ),
    SurveyIndicator(
        "expectativa_empeora",
        "Espera que la delincuencia siga igual de mal o empeore",
        "BP1_3",
        success=(3, 4),
        note="En los próximos 12 meses la delincuencia en la ciudad seguirá igual de mal o empeorará (BP1_3 = 3, 4).",
    ),
    SurveyIndicator(
        "efectividad_gobierno_ciudad",
        "Efectividad percibida del gobierno de la ciudad",
        "BP3_2",
        success=(1, 2),
        higher_is_better=True,
        note="Muy o algo efectivo para resolver los problemas de la ciudad (BP3_2 = 1, 2).",
    ),
)

REQUIRED = ("PER", "CD", "FAC_SEL", "UPM_DIS", "EST_DIS", "BP1_1")
#: Codes each answer may take (blank: not asked). Anything else is an error with its row and column.
CODES = {
    "BP1_1": {1, 2, 9},
    "BP1_3": {1, 2, 3, 4, 9},
    "BP1_7_1": {1, 2, 3, 9},
    "BP1_8_1": {1, 2, 3, 4, 9},
    "BP1_9_1": {1, 2, 3, 4, 9},
    "BP3_2": {1, 2, 3, 4, 9},
    "SEXO": {1, 2},
    **{f"BP1_6_{i}": {1, 2, 9} for i in range(1, 9)},
}
_CB_MEMBER = re.compile(r"(?i)(^|/)[^/]*cb[^/]*\.csv$")


def _cb_bytes(path: Path) -> tuple[bytes, str]:
    """The bytes of the CB table: the CSV itself, or the CB CSV inside INEGI's zipped package."""
    data = read_file_bytes(path)
    if data[:4] != b"PK\x03\x04":
        return data, path.name
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise FileRejected("El archivo ZIP está dañado.") from exc
    members = [
        m.filename
        for m in archive.infolist()
        if _CB_MEMBER.search(m.filename) and not re.search(r"(?i)diccionario|catalogo", m.filename)
    ]
    if len(members) != 1:
        raise FileRejected(
            f"El ZIP debe contener una sola tabla CB de la ENSU (conjunto_de_datos_…cb….csv); contiene {len(members)}."
        )
    return archive.read(members[0]), members[0]


def read_cb(path: str | Path) -> ReadResult:
    """Read one ENSU CB table (CSV or INEGI's ZIP). Codes are checked per row and column; ``FAC_SEL`` must be a
    positive integer. Returns the frame with upper-case names, numeric answers and the design as text."""
    path = Path(path)
    data, member = _cb_bytes(path)
    utf8, encoding = decode(data)
    raw = read_csv_text(utf8)
    raw = raw.rename({c: c.strip().upper() for c in raw.columns})
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise FileRejected(
            "No es una tabla CB de la ENSU: faltan las columnas " + ", ".join(missing) + ".",
            column=missing[0],
        )
    frame = with_row_numbers(raw)
    if frame.height == 0:
        raise FileRejected("El archivo solo tiene encabezados; no hay respuestas.")
    problems = []
    numeric = [c for c in CODES if c in frame.columns]
    parsed = frame.with_columns(
        pl.col(c).str.strip_chars().replace("", None).cast(pl.Int64, strict=False).alias(f"_{c}")
        for c in [*numeric, "FAC_SEL"]
    )
    for column in numeric:
        text = pl.col(column).str.strip_chars()
        valid = sorted(CODES[column])
        bad = text.is_not_null() & (text != "") & ~pl.col(f"_{column}").is_in(valid).fill_null(False)
        problems.append(
            problems_where(
                parsed, bad, column, pl.col(column), f"Código fuera del catálogo; se esperaba uno de {valid}."
            )
        )
    problems.append(
        problems_where(
            parsed,
            pl.col("_FAC_SEL").is_null() | (pl.col("_FAC_SEL") <= 0),
            "FAC_SEL",
            pl.col("FAC_SEL"),
            "El factor de expansión debe ser un entero positivo.",
        )
    )
    for column in ("UPM_DIS", "EST_DIS", "CD", "PER"):
        problems.append(
            problems_where(
                parsed,
                pl.col(column).is_null() | (pl.col(column).str.strip_chars() == ""),
                column,
                pl.col(column),
                "Falta el dato de diseño o de dominio.",
            )
        )
    out = parsed.select(
        "_row",
        *[pl.col(c).str.strip_chars() for c in frame.columns if c != "_row" and c not in numeric and c != "FAC_SEL"],
        *[pl.col(f"_{c}").alias(c) for c in numeric],
        pl.col("_FAC_SEL").alias("FAC_SEL"),
    ).with_columns(pl.col("CD").str.zfill(2), pl.col("PER").str.zfill(4))
    periods = out.get_column("PER").drop_nulls().unique().to_list()
    return ReadResult(
        "survey",
        out,
        concat_problems(problems),
        frame.height,
        {"encoding": encoding, "member": member, "periods": sorted(periods)},
    )


def quarter_label(per: str) -> str:
    """``"0223"`` → ``"2023-T2"``: ENSU's ``PER`` is the quarter and the year (the CB catalog of 2017-Q1 reads
    ``0117``, the 2025-Q2 dictionary ``0225``; the files themselves are named by the survey month, ``cb_0625``)."""
    quarter, year = int(per[:2]), 2000 + int(per[2:])
    if not 1 <= quarter <= 4:
        raise ValueError(f"Periodo de la ENSU no reconocido: {per!r} (se espera trimestre y año, p. ej. 0223).")
    return f"{year}-T{quarter}"
