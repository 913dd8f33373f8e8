"""Counts from the cube as a tidy table, for ``atalaya export counts``, the counts API and the overview page.

Columns: ``municipality_code, territory_code, period_start, category_code, category_label, count``.
Monthly published counts (SESNSP, CEAD) appear only with ``by="month"``; months a source never published are
absent, while a published zero is a row with 0. For point-level sources a period without incidents inside the
dataset's coverage is a true zero and is omitted to keep the table small.
"""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext as _

from atalaya.geo.models import Municipality
from atalaya.taxonomy.services import harmonised_table

from .reading import DEFAULT_MEASURES, UnknownTerritoryLevel, cells, territory_codes

EXPORT_COLUMNS = [
    "municipality_code",
    "territory_code",
    "period_start",
    "category_code",
    "category_label",
    "count",
]


class ExportError(Exception):
    """A request the data cannot answer (unknown municipality, ambiguous sources...). Message in Spanish."""


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
    frame = cells(list(codes), by=by, measures=measures)
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
    try:
        frame = territory_codes(frame, territories, list(codes))
    except UnknownTerritoryLevel as exc:
        raise ExportError(str(exc)) from exc
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
    frame = cells([municipality.pk], by="month")
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
        counted = {(r["family_label"], r["period_start"]): r["count"] for r in pivot.iter_rows(named=True)}
        families = [f for _, f in sorted({(r["family_order"], r["family_label"]) for r in pivot.iter_rows(named=True)})]
        tables.append(
            {
                "source": source,
                "months": last,
                "rows": [{"family": f, "counts": [counted.get((f, m), 0) for m in last]} for f in families],
            }
        )
    return tables
