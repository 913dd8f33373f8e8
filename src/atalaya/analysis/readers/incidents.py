"""Any CSV, XLSX or GeoJSON of incidents, read through a saved column mapping.

A mapping names, for each canonical field, the file's column (``category`` may list several columns, joined
as a label path such as ``Robo / Robo a negocio / Con violencia``): ``record_id``, ``date``, ``time``, ``category``,
``category_parent``, ``lat``/``lon`` (or ``x``/``y`` with ``crs``), ``municipality``, ``territory``, plus
``attributes`` (columns kept as they are). Only ``date`` and ``category`` are required.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..incidents import RAW_FIELDS, normalise_incidents
from ..problems import FileRejected, ReadResult
from ..tabular import read_table, with_row_numbers
from ..text import normalise

FIELDS = RAW_FIELDS
REQUIRED = ("date", "category")


def validate_mapping(mapping: dict) -> list[str]:
    """Spanish messages for what is wrong with a mapping definition (empty list when it is usable)."""
    errors = []
    if not isinstance(mapping, dict):
        return ["El mapeo debe ser un objeto JSON con los nombres de columna."]
    columns = mapping.get("columns", {})
    if not isinstance(columns, dict):
        return ["«columns» debe ser un objeto: campo → columna del archivo."]
    for field, column in columns.items():
        if isinstance(column, list) and field != "category":
            errors.append(f"Solo «category» admite una lista de columnas; «{field}» no.")
        if field not in FIELDS:
            errors.append(f"Campo desconocido en el mapeo: «{field}». Campos válidos: {', '.join(FIELDS)}.")
    for field in REQUIRED:
        if not columns.get(field) and not (field == "date" and columns.get("year") and columns.get("month")):
            errors.append(f"El mapeo debe indicar la columna de «{field}».")
    if not isinstance(mapping.get("attributes", []), list):
        errors.append("«attributes» debe ser una lista de columnas.")
    return errors


def read(path: str | Path, *, mapping: dict, municipality_code: str | None = None) -> ReadResult:
    """Read any incidents table through a saved column ``mapping`` (see :func:`validate_mapping`).

    ``municipality_code`` is every row's municipality unless the mapping names a municipality column. Raises
    :class:`FileRejected` for an unusable mapping or a file without the mapped columns.
    """
    errors = validate_mapping(mapping)
    if errors:
        raise FileRejected(" ".join(errors))
    raw, facts = read_table(path)
    by_key = {normalise(c): c for c in raw.columns}
    selected, missing = {}, []
    category_parts: list[str] = []
    for field, column in mapping["columns"].items():
        if not column:
            continue
        for single in column if isinstance(column, list) else [column]:
            original = by_key.get(normalise(single))
            if original is None:
                missing.append(single)
            elif isinstance(column, list):
                category_parts.append(original)
            else:
                selected[field] = original
    attrs = {}
    for column in mapping.get("attributes", []):
        original = by_key.get(normalise(column))
        if original is None:
            missing.append(column)
        else:
            attrs[f"attr_{normalise(column).replace(' ', '_')}"] = original
    if missing:
        raise FileRejected(
            "El archivo no tiene las columnas del mapeo: "
            + ", ".join(missing)
            + ". Columnas encontradas: "
            + ", ".join(raw.columns[:30])
            + "."
        )
    exprs = [pl.col(orig).alias(f) for f, orig in selected.items()]
    if category_parts:  # a category spread over several columns (tipo, subtipo, modalidad)
        exprs.append(
            pl.concat_str([pl.col(c).str.strip_chars() for c in category_parts], separator=" / ").alias("category")
        )
        selected["category"] = " + ".join(category_parts)
    frame = with_row_numbers(raw.select(exprs + [pl.col(orig).alias(a) for a, orig in attrs.items()]))
    if frame.height == 0:
        raise FileRejected("El archivo solo tiene encabezados; no hay filas de datos.")
    incidents, problems = normalise_incidents(
        frame,
        municipality_code=municipality_code if "municipality" not in selected else None,
        crs=mapping.get("crs"),
        attribute_columns={a: orig for a, orig in attrs.items()},
        column_labels=selected,
    )
    return ReadResult(
        kind="incidents",
        frame=incidents,
        problems=problems,
        rows_read=frame.height,
        meta={
            **facts,
            "source": mapping.get("source") or "incidents",
            "mapping": mapping,
            "catalogue_source": mapping.get("catalogue"),
            "catalogue_version": mapping.get("catalogue_version"),
            "path_levels": ["category_parent", "category"],
        },
    )
