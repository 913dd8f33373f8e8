"""Disclosure control (issue 10): secondary suppression so that no published relation reveals a small cell,
checked by the linear-programming audit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from atalaya.analysis.disclosure import (
    Relation,
    audit,
    hierarchy_relations,
    primary,
    secondary_suppression,
    unprotected,
)


def test_the_issue_example_is_disclosed_by_primary_suppression_alone_and_protected_after():
    # Sector S3 of Peñalolén, robo con violencia: Q4-2021 = 19, October 6, November 1, December 12.
    values = np.array([19, 6, 1, 12], dtype=float)  # cells: Q4, Oct, Nov, Dec
    relations = [Relation(0, (1, 2, 3))]
    alone = primary(values)
    assert alone.tolist() == [False, False, True, False]
    assert audit(values, alone, relations) == {2: (1.0, 1.0)}  # 19 − 6 − 12: November is exactly 1
    protected = secondary_suppression(values, relations)
    assert protected.tolist() == [False, True, True, False]  # October, the cheapest, goes with it
    assert audit(values, protected, relations)[2] == (0.0, 7.0)  # anything from 0 to 7: covers [0, 5]
    assert not unprotected(values, protected, relations, alone)


def test_an_open_relation_protects_by_itself():
    values = np.array([30, 2, 20], dtype=float)  # a municipality total with an unpublished remainder
    relations = [Relation(0, (1, 2), open=True)]
    suppressed = secondary_suppression(values, relations)
    assert suppressed.tolist() == [False, True, False]  # 30 − 20 = 10 only bounds the cell from above
    assert audit(values, suppressed, relations)[1] == (0.0, 10.0)


def test_leaks_through_several_relations_are_found_and_closed():
    """A 2 × 2 table with its margins: suppressing the small cell and one neighbour in its row still leaves the
    column margins, so the audit must demand a rectangle of four suppressions."""
    # cells: a b | row1 ; c d | row2 ; col1 col2 | grand
    a, b, c, d = 3, 10, 8, 9
    values = np.array([a, b, a + b, c, d, c + d, a + c, b + d, a + b + c + d], dtype=float)
    relations = [
        Relation(2, (0, 1)),
        Relation(5, (3, 4)),
        Relation(6, (0, 3)),
        Relation(7, (1, 4)),
        Relation(8, (2, 5)),
        Relation(8, (6, 7)),
    ]
    suppressed = secondary_suppression(values, relations)
    assert not unprotected(values, suppressed, relations, primary(values))
    assert suppressed[[0, 1, 3, 4]].all()  # the classic rectangle a, b, c, d
    low, high = audit(values, suppressed, relations)[0]
    assert low <= 0 and high >= 5


def test_portal_shaped_table_months_quarters_years_rolling_windows_and_territories():
    """Two sectors and the municipality; months, quarters, a year and a rolling twelve months: every small cell
    ends up protected, where primary suppression alone leaks."""
    rng = np.random.default_rng(7)
    months = [dt.date(2025, m, 1) for m in range(1, 13)]
    rows = []
    monthly = {t: rng.poisson(lam, 12) for t, lam in (("S1", 2.0), ("S2", 6.0))}
    monthly["municipio"] = monthly["S1"] + monthly["S2"] + rng.poisson(1.0, 12)  # some incidents have no sector
    for node, series in monthly.items():
        rows += [(node, "month", m, int(v)) for m, v in zip(months, series, strict=True)]
        rows += [(node, "quarter", months[3 * q], int(series[3 * q : 3 * q + 3].sum())) for q in range(4)]
        rows += [(node, "year", months[0], int(series.sum())), (node, "12m", months[0], int(series.sum()))]
    cells = pl.DataFrame(rows, schema=["node", "period", "period_start", "value"], orient="row").with_row_index("cell")
    relations = hierarchy_relations(cells, [("municipio", ["S1", "S2"], True)])
    assert len(relations) == 3 * (4 + 1 + 1) + 18  # time relations of three series, space relations of 18 periods
    assert all(r.open for r in relations if cells["node"][r.total] == "municipio" and len(r.parts) == 2)
    values = cells["value"].to_numpy().astype(float)
    assert unprotected(values, primary(values), relations, primary(values))  # primary suppression alone leaks
    suppressed = secondary_suppression(values, relations)
    assert not unprotected(values, suppressed, relations, primary(values))
    assert suppressed.sum() > primary(values).sum()


@pytest.mark.parametrize("seed", range(5))
def test_random_tables_are_always_protected(seed):
    rng = np.random.default_rng(seed)
    parts = rng.poisson(3.0, (3, 4))  # 3 rows × 4 columns of small counts
    values = np.concatenate([parts.ravel(), parts.sum(1), parts.sum(0), [parts.sum()]]).astype(float)
    cell = lambda i, j: i * 4 + j  # noqa: E731
    rows_total, cols_total, grand = 12, 15, 19
    relations = [Relation(rows_total + i, tuple(cell(i, j) for j in range(4))) for i in range(3)]
    relations += [Relation(cols_total + j, tuple(cell(i, j) for i in range(3))) for j in range(4)]
    relations += [Relation(grand, tuple(range(12, 15))), Relation(grand, tuple(range(15, 19)))]
    suppressed = secondary_suppression(values, relations)
    assert not unprotected(values, suppressed, relations, primary(values))
