"""A survey read through a column mapping: the analyst declares which columns carry the design (weight, primary
units, strata, finite population correction), the domain (comuna, city), the period and sex, and which answers make
each indicator. Chile's ENUSC is read this way with the saved mapping :data:`ENUSC`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..problems import FileRejected, ReadResult, concat_problems, problems_where
from ..tabular import read_table, with_row_numbers
from .estimates import DesignColumns, SurveyIndicator

#: The saved mapping for INE's ENUSC (person table). Variable names change between editions and were not checked
#: against a "Manual de usuario base de datos ENUSC" here: verify them with the edition's manual before importing.
ENUSC = {
    "name": "ENUSC (INE Chile), tabla de personas",
    "design": {"weight": "Fact_Pers", "psu": "Conglomerado", "stratum": "VarStrat", "domain": "enc_rpc"},
    "indicators": [
        {
            "code": "victimizacion_hogar",
            "name": "Hogares victimizados por delitos de mayor connotación social",
            "variable": "VA_DC",
            "success": [1],
        },
        {
            "code": "percepcion_aumento_delincuencia",
            "name": "Percibe que la delincuencia aumentó en el país",
            "variable": "PAD",
            "success": [1],
        },
    ],
}

DESIGN_KEYS = ("weight", "psu", "stratum", "fpc", "period", "domain", "sex")


def indicators_of(mapping_indicators: list[dict]) -> list[SurveyIndicator]:
    """The mapping's indicators as :class:`SurveyIndicator`, validated (codes are integers)."""
    out = []
    for item in mapping_indicators:
        variable = item.get("variable")
        if not item.get("code") or not variable:
            raise FileRejected("Cada indicador del mapeo necesita un código y una variable.")
        out.append(
            SurveyIndicator(
                code=str(item["code"]),
                name=str(item.get("name") or item["code"]),
                variable=tuple(variable) if isinstance(variable, list) else str(variable),
                success=tuple(int(v) for v in item.get("success", [])),
                asked_variable=item.get("asked_variable") or None,
                asked=tuple(int(v) for v in item.get("asked", [])),
                higher_is_better=bool(item.get("higher_is_better", False)),
                note=str(item.get("note", "")),
            )
        )
    return out


def design_of(design: dict) -> DesignColumns:
    return DesignColumns(
        weight=design["weight"],
        psu=design.get("psu") or None,
        stratum=design.get("stratum") or None,
        fpc=design.get("fpc") or None,
    )


def read(path: str | Path, design: dict, mapping_indicators: list[dict], *, period: str | None = None) -> ReadResult:
    """Read a survey file with its mapping into the shape ENSU's reader gives: ``PER`` (period), ``CD``
    (domain), ``SEXO``, the design columns and the indicator variables as numbers."""
    unknown = set(design) - set(DESIGN_KEYS)
    if unknown or not design.get("weight") or not design.get("domain"):
        raise FileRejected("El mapeo debe declarar al menos el factor de expansión (weight) y el dominio (domain).")
    if not design.get("period") and not period:
        raise FileRejected("Indique el periodo de la encuesta o la columna que lo trae.")
    indicators = indicators_of(mapping_indicators)
    raw, facts = read_table(path)
    by_lower = {c.strip().lower(): c for c in raw.columns}
    wanted = {key: design[key] for key in DESIGN_KEYS if design.get(key)}
    variables = {v for i in indicators for v in i.variables} | {
        i.asked_variable for i in indicators if i.asked_variable
    }
    missing = [c for c in [*wanted.values(), *variables] if c.strip().lower() not in by_lower]
    # "any of" indicators may miss some of their columns; the others are required
    missing = [
        c
        for c in missing
        if c in wanted.values() or not any(c in i.variables and len(i.variables) > 1 for i in indicators)
    ]
    if missing:
        raise FileRejected(
            "Faltan columnas del mapeo en el archivo: " + ", ".join(sorted(missing)) + ".", column=missing[0]
        )
    frame = with_row_numbers(raw)
    if frame.height == 0:
        raise FileRejected("El archivo solo tiene encabezados; no hay respuestas.")
    column = {
        name: by_lower[name.strip().lower()]
        for name in [*wanted.values(), *variables]
        if name.strip().lower() in by_lower
    }
    numeric = (
        [v for v in variables if v in column] + [design["weight"]] + ([design["fpc"]] if design.get("fpc") else [])
    )
    parsed = frame.with_columns(
        pl.col(column[name])
        .str.strip_chars()
        .replace("", None)
        .str.replace(",", ".")
        .cast(pl.Float64, strict=False)
        .alias(f"_{name}")
        for name in numeric
    )
    problems = []
    for name in numeric:
        text = pl.col(column[name]).str.strip_chars()
        problems.append(
            problems_where(
                parsed,
                text.is_not_null() & (text != "") & pl.col(f"_{name}").is_null(),
                column[name],
                pl.col(column[name]),
                "No es un número.",
            )
        )
    weight = f"_{design['weight']}"
    problems.append(
        problems_where(
            parsed,
            pl.col(weight).is_null() | (pl.col(weight) <= 0),
            column[design["weight"]],
            pl.col(column[design["weight"]]),
            "El factor de expansión debe ser positivo.",
        )
    )
    for key in ("psu", "stratum", "domain"):
        if design.get(key):
            name = column[design[key]]
            problems.append(
                problems_where(
                    parsed,
                    pl.col(name).is_null() | (pl.col(name).str.strip_chars() == ""),
                    name,
                    pl.col(name),
                    "Falta el dato de diseño o de dominio.",
                )
            )
    out = parsed.select(
        "_row",
        (pl.col(column[design["period"]]).str.strip_chars() if design.get("period") else pl.lit(period)).alias("PER"),
        pl.col(column[design["domain"]]).str.strip_chars().alias("CD"),
        *(
            [pl.col(column[design["sex"]]).str.strip_chars().cast(pl.Int64, strict=False).alias("SEXO")]
            if design.get("sex")
            else []
        ),
        *[pl.col(column[design[k]]).str.strip_chars().alias(design[k]) for k in ("psu", "stratum") if design.get(k)],
        *[pl.col(f"_{name}").alias(name) for name in numeric],
    )
    periods = sorted(out.get_column("PER").drop_nulls().unique().to_list())
    return ReadResult("survey", out, concat_problems(problems), frame.height, {**facts, "periods": periods})
