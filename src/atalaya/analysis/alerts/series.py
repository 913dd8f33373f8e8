"""Count series from files: validated and laid out as a (series × time) matrix for the detectors."""

from __future__ import annotations

import numpy as np

#: Periods in a year for the frequencies the detectors know; a "year back" without dates is this many periods.
PERIODS_PER_YEAR = {"week": 52, "month": 12}


class SeriesError(ValueError):
    """A count-series file that cannot be analysed as it is; the message says where and why, in Spanish."""


def read_count_series(frame, freq: str = "week"):
    """Validate ``date,count`` or ``series,date,count`` text columns and lay them out as a (series × time) matrix.

    Dates must be sorted within each series, unique, and without gaps (one period apart: 7 days for weekly
    data, one calendar month for monthly data): a silently misaligned baseline would be wrong, so gaps are
    refused. Counts must be non-negative integers. Returns ``(series_ids, dates, matrix)``; series that start
    later or end earlier are padded with NaN and those points are simply not evaluated.
    """
    import polars as pl

    from ..parsing import parse_date

    columns = {c.strip().casefold(): c for c in frame.columns}
    if "date" not in columns or "count" not in columns:
        raise SeriesError("El archivo debe tener las columnas date,count (o series,date,count).")
    data = frame.select(
        (pl.col(columns["series"]).cast(pl.String) if "series" in columns else pl.lit("serie")).alias("series"),
        pl.col(columns["date"]).cast(pl.String).alias("date_text"),
        pl.col(columns["count"]).cast(pl.String).alias("count_text"),
    ).with_row_index("row", offset=2)
    data = data.with_columns(
        parse_date(data.get_column("date_text")).alias("date"),
        pl.col("count_text").str.strip_chars().cast(pl.Float64, strict=False).alias("count"),
    )
    bad_date = data.filter(pl.col("date").is_null())
    if not bad_date.is_empty():
        r = bad_date.row(0, named=True)
        raise SeriesError(f"Fila {r['row']}, columna date: «{r['date_text']}» no es una fecha válida.")
    bad = data.filter(pl.col("count").is_null() | (pl.col("count") < 0) | (pl.col("count") != pl.col("count").round()))
    if not bad.is_empty():
        r = bad.row(0, named=True)
        raise SeriesError(f"Fila {r['row']}, columna count: «{r['count_text']}» no es un conteo entero no negativo.")
    for series, part in data.group_by("series", maintain_order=True):
        dates = part.get_column("date")
        if dates.is_duplicated().any():
            r = part.filter(dates.is_duplicated()).row(0, named=True)
            raise SeriesError(f"Fila {r['row']}: la fecha {r['date']} se repite en la serie «{series[0]}».")
        if not dates.is_sorted():
            raise SeriesError(f"Las fechas de la serie «{series[0]}» no están en orden ascendente.")
        step = dates.diff().dt.total_days() if freq == "week" else (dates.dt.year() * 12 + dates.dt.month()).diff()
        expected = 7 if freq == "week" else 1
        gaps = part.filter(step.is_not_null() & (step != expected))
        if not gaps.is_empty():
            r = gaps.row(0, named=True)
            raise SeriesError(
                f"Fila {r['row']}: hay un hueco o un paso irregular antes de {r['date']} en la serie «{series[0]}» "
                f"(se espera un periodo {'semanal' if freq == 'week' else 'mensual'} continuo). Complete los "
                "periodos faltantes con su conteo (0 si no hubo casos) antes de analizar."
            )
    all_dates = data.get_column("date").unique().sort()
    ids = data.get_column("series").unique(maintain_order=True).to_list()
    matrix = np.full((len(ids), all_dates.len()), np.nan)
    position = {d: i for i, d in enumerate(all_dates.to_list())}
    index = {s: i for i, s in enumerate(ids)}
    for series, date, count in data.select("series", "date", "count").iter_rows():
        matrix[index[series], position[date]] = count
    return ids, all_dates.to_list(), matrix
