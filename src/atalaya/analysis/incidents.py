"""Normalising point-level incident records, whatever file they came from.

Readers rename their columns to the canonical raw names below and call :func:`normalise_incidents`, which
parses and validates everything in vectorised passes and returns the common incident frame:

``_row, record_id, municipality_code, occurred_on, occurred_time, time_precision, category_path, lat, lon,
territory_code, attributes``.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from .parsing import EARLIEST_DATE, is_missing, month_number, parse_date, parse_float, parse_int, parse_time
from .problems import ERROR, WARNING, FileRejected, concat_problems, problems_where

#: Canonical raw columns a reader (or a column mapping) may provide; only ``date`` and ``category`` are required.
RAW_FIELDS = (
    "record_id",
    "date",
    "year",
    "month",
    "time",
    "category",
    "category_parent",
    "lat",
    "lon",
    "x",
    "y",
    "municipality",
    "territory",
)

PRECISION_MINUTE = "minuto"
PRECISION_HOUR = "hora"
PRECISION_DAY = "dia"
PRECISION_MONTH = "mes"


def normalise_incidents(
    frame: pl.DataFrame,
    *,
    municipality_code: str | None = None,
    crs: str | None = None,
    attribute_columns: dict[str, str] | None = None,
    column_labels: dict[str, str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse and validate canonical raw columns; return ``(incidents, problems)``.

    Canonical raw columns (all text, all optional except a date and a category): ``record_id``, ``date``,
    ``year`` + ``month`` (when only the month is known), ``time``, ``category``, ``category_parent``, ``lat``,
    ``lon`` (or ``x``/``y`` in ``crs``), ``municipality``, ``territory``.
    ``attribute_columns`` maps frame columns to the keys they keep in the JSON ``attributes``.
    ``column_labels`` maps canonical names back to the file's headers so that problems name what the analyst sees.
    """
    for col in RAW_FIELDS:
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(col))
    labels = {c: c for c in frame.columns} | (column_labels or {})
    if crs and crs.upper() not in ("EPSG:4326", "WGS84"):
        frame = _project_to_wgs84(frame, crs)
    elif "x" in frame.columns and frame.get_column("lon").is_null().all():
        frame = frame.with_columns(pl.col("x").alias("lon"), pl.col("y").alias("lat"))
    frame = _parse_fields(frame)
    problems = [
        problems_where(frame, mask, labels[column], value, reason, severity)
        for mask, column, value, reason, severity in _field_rules()
    ]
    record_id, id_problems = _record_ids(frame, labels)
    problems.append(id_problems)
    if municipality_code is not None:
        municipality = pl.lit(municipality_code, pl.String)
    else:
        municipality = pl.col("municipality").str.strip_chars()
    lat, lon = _valid_point()
    # One select from the raw and typed columns to the output: no intermediate column is kept beside the
    # others (a million rows of text per column; the import's peak memory is here).
    out = frame.select(
        "_row",
        record_id.alias("record_id"),
        municipality.alias("municipality_code"),
        "occurred_on",
        pl.col("_time").alias("occurred_time"),
        "time_precision",
        _category_path().alias("category_path"),
        lat.alias("lat"),
        lon.alias("lon"),
        pl.col("territory").str.strip_chars().alias("territory_code"),
        _attributes(attribute_columns or {}, frame.columns).alias("attributes"),
    )
    return out, concat_problems(problems)


def _attributes(attribute_columns: dict[str, str], columns: list[str]) -> pl.Expr:
    """The kept columns as a JSON object, or null when the row has none of them (most rows of most files:
    a million copies of ``{"x": null}`` were 50 MB of memory and of database)."""
    attrs = [pl.col(c).alias(key) for c, key in attribute_columns.items() if c in columns]
    if not attrs:
        return pl.lit(None, pl.String)
    any_value = pl.any_horizontal([pl.col(c).is_not_null() for c in attribute_columns if c in columns])
    return pl.when(any_value).then(pl.struct(attrs).struct.json_encode())


def _parse_fields(frame: pl.DataFrame) -> pl.DataFrame:
    """Typed columns beside the raw text (``_date``, ``_time``, ``_lat``…), the date of the event (a whole date,
    or the first of the month when only year and month are known) and its precision."""
    frame = frame.with_columns(
        parse_date(frame.get_column("date")).alias("_date"),
        parse_int("year").alias("_year"),
        month_number("month").alias("_month"),
        parse_time(frame.get_column("time")).alias("_time"),
        parse_float("lat").alias("_lat"),
        parse_float("lon").alias("_lon"),
    )
    return frame.with_columns(
        pl.when(is_missing("date") & pl.col("_year").is_between(1990, 2100) & pl.col("_month").is_not_null())
        .then(pl.date(pl.col("_year"), pl.col("_month"), 1))
        .otherwise(pl.col("_date"))
        .alias("occurred_on"),
        pl.when(~is_missing("date"))
        .then(pl.when(pl.col("_time").is_not_null()).then(pl.lit(PRECISION_MINUTE)).otherwise(pl.lit(PRECISION_DAY)))
        .otherwise(pl.lit(PRECISION_MONTH))
        .alias("time_precision"),
    )


def _field_rules() -> list[tuple[pl.Expr, str, pl.Expr, str, str]]:
    """Each check of a parsed row: ``(where it fails, canonical column, value shown, reason, severity)``."""
    lat, lon = pl.col("_lat"), pl.col("_lon")
    return [
        (
            pl.col("occurred_on").is_null() & ~is_missing("date"),
            "date",
            pl.col("date"),
            "Fecha imposible o con formato desconocido (se espera AAAA-MM-DD o DD/MM/AAAA).",
            ERROR,
        ),
        (
            pl.col("occurred_on").is_null() & is_missing("date"),
            "date",
            pl.col("date"),
            "Falta la fecha del hecho.",
            ERROR,
        ),
        (
            pl.col("occurred_on") > pl.lit(dt.date.today()),
            "date",
            pl.col("date"),
            "La fecha del hecho está en el futuro.",
            ERROR,
        ),
        (
            pl.col("occurred_on") < pl.lit(EARLIEST_DATE),
            "date",
            pl.col("date"),
            f"Fecha anterior a {EARLIEST_DATE.year}: probablemente un error de captura.",
            ERROR,
        ),
        (
            ~is_missing("time") & pl.col("_time").is_null(),
            "time",
            pl.col("time"),
            "Hora ilegible; se conserva el registro con precisión de día.",
            WARNING,
        ),
        (is_missing("category"), "category", pl.col("category"), "Falta la categoría del delito.", ERROR),
        (~is_missing("lat") & lat.is_null(), "lat", pl.col("lat"), "La latitud no es un número.", ERROR),
        (~is_missing("lon") & lon.is_null(), "lon", pl.col("lon"), "La longitud no es un número.", ERROR),
        (lat.abs() > 90, "lat", pl.col("lat"), "Latitud imposible (debe estar entre -90 y 90).", ERROR),
        (lon.abs() > 180, "lon", pl.col("lon"), "Longitud imposible (debe estar entre -180 y 180).", ERROR),
        (
            (lat == 0) & (lon == 0),
            "lat",
            pl.lit("0, 0"),
            "Coordenadas 0,0 (marcador de «sin ubicación»); se tratan como faltantes.",
            WARNING,
        ),
        (
            lat.is_null() != lon.is_null(),
            "lat",
            pl.concat_str([pl.col("lat").fill_null(""), pl.col("lon").fill_null("")], separator=", "),
            "Solo hay una de las dos coordenadas; el registro queda sin ubicación.",
            WARNING,
        ),
    ]


def _valid_point() -> tuple[pl.Expr, pl.Expr]:
    """Latitude and longitude kept only when both are possible (0,0 is «no place»)."""
    lat, lon = pl.col("_lat"), pl.col("_lon")
    valid = lat.is_not_null() & lon.is_not_null() & (lat.abs() <= 90) & (lon.abs() <= 180) & ~((lat == 0) & (lon == 0))
    return pl.when(valid).then(lat), pl.when(valid).then(lon)


def _category_path() -> pl.Expr:
    """``parent / category`` when the file has both (and they differ), else the category."""
    category = pl.col("category").str.strip_chars()
    parent = pl.col("category_parent").str.strip_chars()
    return (
        pl.when(parent.is_not_null() & (parent != category))
        .then(pl.concat_str([parent, category], separator=" / "))
        .otherwise(category)
    )


def _record_ids(frame: pl.DataFrame, labels: dict[str, str]) -> tuple[pl.Expr, pl.DataFrame]:
    """The record id (an expression over ``frame``) and its problems: the source's id; without one, a stable id
    derived from the row's content (and its repeat number)."""
    if frame.get_column("record_id").is_not_null().any():
        record_id = pl.col("record_id").str.strip_chars()
        dup = record_id.is_not_null() & ~record_id.is_first_distinct()  # hashing, not a window
        problems = concat_problems(
            [
                problems_where(
                    frame,
                    is_missing("record_id"),
                    labels["record_id"],
                    pl.col("record_id"),
                    "Falta el identificador del registro.",
                ),
                problems_where(
                    frame,
                    dup,
                    labels["record_id"],
                    record_id,
                    "Identificador repetido en el archivo: cada registro debe tener uno propio.",
                ),
            ]
        )
        return record_id, problems
    content = ["date", "year", "month", "time", "category", "category_parent", "lat", "lon", "territory"]
    digest = pl.concat_str([pl.col(c).fill_null("") for c in content], separator="|").hash(seed=20240901)
    record_id = pl.concat_str(
        [pl.lit("h"), digest.cast(pl.String), pl.lit("-"), pl.int_range(pl.len()).over(digest).cast(pl.String)]
    )
    return record_id, concat_problems([])


def _project_to_wgs84(frame: pl.DataFrame, crs: str) -> pl.DataFrame:
    try:
        transformer = Transformer.from_crs(CRS.from_user_input(crs), "EPSG:4326", always_xy=True)
    except CRSError as exc:
        raise FileRejected(f"Sistema de coordenadas desconocido: «{crs}».") from exc
    xs = frame.select(parse_float("x")).to_series().to_numpy()
    ys = frame.select(parse_float("y")).to_series().to_numpy()
    lon, lat = transformer.transform(xs, ys)
    return frame.with_columns(
        pl.Series("lon", lon).cast(pl.String), pl.Series("lat", lat).cast(pl.String)
    ).with_columns(
        pl.when(pl.col("lon").is_in(["NaN", "inf", "-inf"])).then(None).otherwise(pl.col("lon")).alias("lon"),
        pl.when(pl.col("lat").is_in(["NaN", "inf", "-inf"])).then(None).otherwise(pl.col("lat")).alias("lat"),
    )


__all__ = ["ERROR", "WARNING", "normalise_incidents"]
