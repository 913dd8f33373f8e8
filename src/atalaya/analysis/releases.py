"""What a new release of a source does to what is stored: values added, changed, unchanged and absent.

A published file is a *version*: it may revise values, but a truncated download or a partial extract must never
delete what it does not carry. :func:`diff_release` compares the incoming cells with the stored ones over the
periods the release covers and labels every cell, so that the dry run can say, before anything is written, what
will be added, changed and — only on an explicit ``--replace`` — removed.
"""

from __future__ import annotations

import polars as pl

NEW = "nuevo"
CHANGED = "modificado"
SAME = "igual"
ABSENT = "ausente"  # stored, in a period the release covers, but not in the release
#: Order in which change kinds are reported.
KINDS = (NEW, CHANGED, SAME, ABSENT)


def diff_release(stored: pl.DataFrame, incoming: pl.DataFrame, keys: list[str], value: str = "count") -> pl.DataFrame:
    """Label each cell of ``incoming`` and of ``stored`` within the periods ``incoming`` covers.

    Both frames carry ``keys`` and ``value``; ``stored`` may carry ``id``. The result has ``keys``, ``old``,
    ``new``, ``change`` (one of :data:`KINDS`) and ``id`` (the stored row, when there is one). The caller restricts
    ``stored`` to the periods the release covers.

    >>> old = pl.DataFrame({"k": ["a", "b", "c"], "count": [1, 2, 3], "id": [10, 11, 12]})
    >>> new = pl.DataFrame({"k": ["a", "b", "d"], "count": [1, 5, 7]})
    >>> diff_release(old, new, ["k"]).sort("k").select("k", "old", "new", "change").rows()
    [('a', 1, 1, 'igual'), ('b', 2, 5, 'modificado'), ('c', 3, None, 'ausente'), ('d', None, 7, 'nuevo')]
    """
    if "id" not in stored.columns:
        stored = stored.with_columns(pl.lit(None, pl.Int64).alias("id"))
    left = stored.select(*keys, pl.col(value).alias("old"), "id")
    right = incoming.select(*keys, pl.col(value).alias("new"))
    joined = left.join(right, on=keys, how="full", coalesce=True, nulls_equal=True)
    return joined.with_columns(
        pl.when(pl.col("old").is_null())
        .then(pl.lit(NEW))
        .when(pl.col("new").is_null())
        .then(pl.lit(ABSENT))
        .when(pl.col("old") == pl.col("new"))
        .then(pl.lit(SAME))
        .otherwise(pl.lit(CHANGED))
        .alias("change")
    )


def summarise_changes(diff: pl.DataFrame, period: str, category: str, replace: bool) -> dict:
    """Totals and a per-period table of a diff, for the dry run, the import report and ``datasets history``.

    ``removed`` counts the absent cells that go (only with ``replace``); otherwise they are ``kept``.
    """
    counts = {kind: int((diff.get_column("change") == kind).sum()) for kind in KINDS}
    absent_total = int(diff.filter(pl.col("change") == ABSENT).get_column("old").sum() or 0)
    by_period = (
        diff.group_by(period)
        .agg(
            *[(pl.col("change") == kind).sum().alias(kind) for kind in KINDS],
            pl.col("old").sum().alias("total_anterior"),
            pl.when(pl.col("change") == ABSENT)
            .then(pl.col("old") if not replace else 0)
            .otherwise(pl.col("new"))
            .sum()
            .alias("total_nuevo"),
        )
        .sort(period)
        .with_columns(pl.col(period).cast(pl.String))
    )
    changed_cells = (
        diff.filter(pl.col("change").is_in([CHANGED, ABSENT, NEW]))
        .sort([period, category])
        .select(pl.col(period).cast(pl.String), pl.col(category).cast(pl.String), "old", "new", "change")
        .head(200)
    )
    return {
        "valores": counts,
        "reemplazo": replace,
        "quitados": counts[ABSENT] if replace else 0,
        "conservados_ausentes": 0 if replace else counts[ABSENT],
        "casos_ausentes": absent_total,
        "por_periodo": by_period.to_dicts(),
        "detalle": changed_cells.to_dicts(),
    }
