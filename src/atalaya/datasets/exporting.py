"""Counts from the analytics cube as a tidy table, for the CLI export, the API and later the indicators.

Columns: ``municipality_code, territory_code, period_start, category_code, category_label, count``.
Monthly published counts (SESNSP, CEAD) appear only with ``by="month"``; months a source never published are
absent, while a published zero is a row with 0. For point-level sources a period without incidents inside the
dataset's coverage is a true zero and is omitted to keep the table small.
"""

from __future__ import annotations

import polars as pl
from django.db import connection
from django.utils.translation import gettext as _

from atalaya.geo.models import Municipality, Territory
from atalaya.taxonomy.services import harmonised_table

from .models import DailyCount, MonthlyCount
from .writing import INCIDENTS_MEASURE

EXPORT_COLUMNS = [
    "municipality_code",
    "territory_code",
    "period_start",
    "category_code",
    "category_label",
    "count",
]
NO_TERRITORY = "SIN_TERRITORIO"
DEFAULT_MEASURES = ("delitos", "casos")


class ExportError(Exception):
    """A request the data cannot answer (unknown municipality, ambiguous sources...). Message in Spanish."""


#: Rows fetched at a time: a million cube rows as Python tuples weighed several hundred MB at once.
FETCH_ROWS = 100_000


def _read_cube(sql: str, params: list) -> pl.DataFrame:
    """Run a cube query and build its frame chunk by chunk (dates arrive as ISO text on SQLite)."""
    frames = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            frames.append(_to_frame(rows))
    return pl.concat(frames) if frames else pl.DataFrame(schema=CUBE_SCHEMA)


def cube_frame(
    municipality_ids: list[int],
    *,
    by: str,
    measures: tuple[str, ...] = DEFAULT_MEASURES,
    source: str | None = None,
) -> pl.DataFrame:
    """Raw cube rows: ``municipality_id, territory_id, category_id, source, period_start, count``.

    Months come from the monthly cube (published counts and the roll-up of incidents); days and weeks from the
    daily cube, which holds point-level sources only. Dates are read as text and parsed at once: a million
    incidents make about a million daily rows, and the driver's per-row date conversion was most of the read.
    """
    qn = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(municipality_ids))
    params: list = list(municipality_ids)
    where = f"municipality_id IN ({placeholders})"
    if source is not None:
        where += " AND source = %s"
        params.append(source)
    if by == "month":
        measure_list = (*measures, INCIDENTS_MEASURE)
        return _read_cube(
            f"SELECT municipality_id, territory_id, category_id, source, {_as_text('month')}, count "
            f"FROM {qn(MonthlyCount._meta.db_table)} "
            f"WHERE {where} AND measure IN ({', '.join(['%s'] * len(measure_list))})",
            [*params, *measure_list],
        )
    frame = _read_cube(
        f"SELECT municipality_id, territory_id, category_id, source, {_as_text('day')}, count "
        f"FROM {qn(DailyCount._meta.db_table)} WHERE {where}",
        params,
    )
    return frame.with_columns(pl.col("period_start").dt.truncate({"day": "1d", "week": "1w"}[by]))


def _as_text(column: str) -> str:
    """A date column as ISO text on SQLite (its per-row date converter is the slow part of a large read)."""
    return f"CAST({column} AS TEXT)" if connection.vendor == "sqlite" else column


CUBE_SCHEMA = {
    "municipality_id": pl.Int64,
    "territory_id": pl.Int64,
    "category_id": pl.Int64,
    "source": pl.String,
    "period_start": pl.Date,
    "count": pl.Int64,
}


def _to_frame(rows: list[tuple]) -> pl.DataFrame:
    if rows and isinstance(rows[0][4], str):  # SQLite: ISO text, parsed at once
        frame = pl.DataFrame(rows, schema={**CUBE_SCHEMA, "period_start": pl.String}, orient="row")
        return frame.with_columns(pl.col("period_start").str.slice(0, 10).str.to_date("%Y-%m-%d"))
    return pl.DataFrame(rows, schema=CUBE_SCHEMA, orient="row")


def export_counts(
    *,
    municipality_code: str | None = None,
    municipalities=None,
    by: str = "month",
    level: str = "source",
    territories: str | None = None,
    source: str | None = None,
    measures: tuple[str, ...] = DEFAULT_MEASURES,
) -> pl.DataFrame:
    """The export table. ``municipalities`` (a queryset) limits what a user may see; the CLI passes None."""
    if by not in ("day", "week", "month"):
        raise ExportError(_("--by debe ser day, week o month."))
    if level not in ("source", "iccs", "family"):
        raise ExportError(_("--level debe ser source, iccs o family."))
    scope = municipalities if municipalities is not None else Municipality.objects.all()
    if municipality_code:
        scope = scope.filter(code=municipality_code)
        if not scope.exists():
            raise ExportError(
                _("El municipio «%(code)s» no existe o no tiene acceso a él.") % {"code": municipality_code}
            )
    codes = dict(scope.values_list("pk", "code"))
    if not codes:
        return pl.DataFrame(schema=dict.fromkeys(EXPORT_COLUMNS, pl.String))
    frame = cube_frame(list(codes), by=by, measures=measures)
    categories = harmonised_table()
    frame = frame.join(categories, on="category_id", how="left")
    if source:
        frame = frame.filter(pl.col("source") == source)
    if level != "source" and not source:
        sources = frame.group_by("municipality_id").agg(pl.col("source").n_unique().alias("n"))
        if sources.filter(pl.col("n") > 1).height:
            raise ExportError(
                _(
                    "Hay varias fuentes para el mismo municipio; sumarlas contaría dos veces los mismos hechos. "
                    "Elija una con --source (p. ej. sesnsp, cead, cdmx-fgj, o la fuente de su mapeo)."
                )
            )
    frame = frame.with_columns(
        pl.col("municipality_id").replace_strict(codes, return_dtype=pl.String).alias("municipality_code")
    )
    frame = territory_codes(frame, territories, list(codes))
    if level == "source":
        code = pl.concat_str([pl.col("source"), pl.col("category_code")], separator=":")
        label = pl.col("category_label")
    elif level == "iccs":
        code = pl.col("iccs_code").fill_null("sin-mapeo")
        label = pl.col("iccs_label").fill_null("Sin mapeo a ICCS")
    else:
        code = pl.col("family_code").fill_null("sin-mapeo")
        label = pl.col("family_label").fill_null("Sin mapeo a familia")
    frame = frame.with_columns(code.alias("category_code"), label.alias("category_label"))
    out = frame.group_by(
        ["municipality_code", "territory_code", "period_start", "category_code", "category_label"]
    ).agg(pl.col("count").sum().cast(pl.Int64))
    return out.select(EXPORT_COLUMNS).sort(["municipality_code", "territory_code", "period_start", "category_code"])


def family_months(municipality: Municipality, months: int = 12) -> list[dict]:
    """For each source of a municipality, the last ``months`` months by family (for the overview page).

    Returns ``[{"source", "months": [date...], "rows": [{"family", "counts": [int|None...]}]}]``; None marks a
    month the source did not publish.
    """
    frame = cube_frame([municipality.pk], by="month")
    if frame.is_empty():
        return []
    frame = frame.join(harmonised_table(), on="category_id", how="left").with_columns(
        pl.col("family_label").fill_null("Sin mapeo"), pl.col("family_order").fill_null(999)
    )
    tables = []
    for source in sorted(frame.get_column("source").unique().to_list()):
        part = frame.filter(pl.col("source") == source)
        last = part.get_column("period_start").unique().sort().tail(months).to_list()
        pivot = (
            part.filter(pl.col("period_start").is_in(last))
            .group_by(["family_order", "family_label", "period_start"])
            .agg(pl.col("count").sum())
        )
        cells = {(r["family_label"], r["period_start"]): r["count"] for r in pivot.iter_rows(named=True)}
        families = [f for _, f in sorted({(r["family_order"], r["family_label"]) for r in pivot.iter_rows(named=True)})]
        tables.append(
            {
                "source": source,
                "months": last,
                "rows": [{"family": f, "counts": [cells.get((f, m), 0) for m in last]} for f in families],
            }
        )
    return tables


def territory_codes(frame: pl.DataFrame, territories: str | None, municipality_ids: list[int]) -> pl.DataFrame:
    """Add ``territory_code``: the ancestor of each row's leaf ``territory_id`` at level ``territories``.

    ``None`` leaves it empty (municipality level); ``hoja`` keeps the leaf; rows without a territory, or whose
    territory has no ancestor at that level, get :data:`NO_TERRITORY`.
    """
    if territories is None:
        return frame.with_columns(pl.lit(None, pl.String).alias("territory_code"))
    rows = list(
        Territory.objects.filter(municipality_id__in=municipality_ids).values_list("pk", "parent_id", "level", "code")
    )
    parents = {pk: parent for pk, parent, _, _ in rows}
    info = {pk: (level, code) for pk, _, level, code in rows}
    wanted = territories.casefold()
    leaf = wanted in ("hoja", "leaf")
    if not leaf and wanted not in {level.casefold() for level, _ in info.values()}:
        levels = sorted({level for level, _ in info.values()})
        raise ExportError(
            _("Nivel territorial desconocido «%(level)s». Niveles: %(levels)s, hoja.")
            % {"level": territories, "levels": ", ".join(levels) or "—"}
        )

    def target(pk: int) -> str:
        node = pk
        while node is not None:
            level, code = info[node]
            if leaf or level.casefold() == wanted:
                return code
            node = parents.get(node)
        return NO_TERRITORY

    mapping = {pk: target(pk) for pk in info}
    return frame.with_columns(
        pl.col("territory_id")
        .replace_strict(mapping, default=NO_TERRITORY, return_dtype=pl.String)
        .fill_null(NO_TERRITORY)
        .alias("territory_code")
    )
