"""Disclosure control (issue 10): secondary suppression so that no published relation reveals a small cell,
checked by the linear-programming audit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from atalaya.analysis import disclosure
from atalaya.analysis.disclosure import (
    Relation,
    audit,
    primary,
    secondary_suppression,
    span_table,
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


def _portal_shaped(seed: int = 7):
    """Two sectors and the municipality over Jan 2024 – Oct 2025: the municipality shows months, quarters, years
    and rolling windows; the sectors only years and rolling windows (their months are hidden)."""
    rng = np.random.default_rng(seed)
    months = [dt.date(2024 + m // 12, m % 12 + 1, 1) for m in range(22)]
    series = {"S1": rng.poisson(0.3, 22), "S2": rng.poisson(3.0, 22), "sin sector": rng.poisson(0.5, 22)}
    series["municipio"] = series["S1"] + series["S2"] + series["sin sector"]
    monthly = pl.DataFrame(
        [(node, m, int(v)) for node, values in series.items() for m, v in zip(months, values, strict=True)],
        schema=["node", "period_start", "count"],
        orient="row",
    )
    shown = [("municipio", "month", m) for m in months]
    shown += [("municipio", "quarter", dt.date(y, 3 * q + 1, 1)) for y in (2024, 2025) for q in range(4)]
    for node in ("municipio", "S1", "S2"):
        shown += [(node, "year", dt.date(2024, 1, 1)), (node, "year", dt.date(2025, 1, 1))]
        shown += [(node, "12m", dt.date(2024, 11, 1))]
    published = pl.DataFrame(shown, schema=["node", "period", "period_start"], orient="row")
    return span_table(monthly, published, [("municipio", ["S1", "S2", "sin sector"], False)])


def test_span_table_links_what_is_shown_through_the_hidden_months():
    table = _portal_shaped()
    cells = table.cells
    s1 = cells.filter(pl.col("node") == "S1").sort("period_start", "months")
    # S1's months split at the window's start: Jan–Oct 2024 and Nov–Dec 2024 are hidden atoms; 2025 (ten
    # covered months, to October) is both a year and, with Nov–Dec 2024, the rolling window.
    assert s1.select("period", "months").rows() == [("atom", 10), ("year", 12), ("atom", 2), ("12m", 12), ("year", 10)]
    assert not cells.filter(pl.col("period") == "atom")["published"].any()
    year = s1.filter(pl.col("period") == "year")["cell"][0]
    atoms = tuple(s1.filter(pl.col("period") == "atom")["cell"])
    assert disclosure.Relation(year, atoms) in table.relations  # the year is its two hidden runs
    # The unplaced incidents are never shown but split as finely as the relation needs.
    assert set(cells.filter(pl.col("node") == "sin sector")["published"]) == {False}
    assert table.shown.height == 22 + 8 + 3 * 3  # every published period has its cell


def test_portal_shaped_table_is_protected_after_secondary_suppression():
    table = _portal_shaped()
    values = table.cells["value"].to_numpy().astype(float)
    published = table.cells["published"].to_numpy()
    small = primary(values) & published
    assert unprotected(values, small | ~published, table.relations, small)  # primary suppression alone leaks
    withheld = secondary_suppression(values, table.relations, published=published)
    assert not (withheld & ~published).any()  # only published cells are ever withheld
    assert not unprotected(values, withheld | ~published, table.relations, small)
    assert withheld.sum() > small.sum()


def test_hidden_months_shared_by_two_periods_are_one_unknown_not_two():
    """Data from November 2023. Shown: the year 2023 (its two covered months) = 8, the window Nov 2023 – Oct 2024
    = 10 and the year 2024 = 3 (small). The window minus 2023 says Jan–Oct 2024 held 2, and those months are in
    the year 2024: so it is at least 2 — the visitor knows it is not 0. Treating each period's hidden months as a
    separate remainder would miss that; the shared hidden run finds it, and secondary suppression closes it."""
    months = [dt.date(2023, 11, 1), dt.date(2023, 12, 1)] + [dt.date(2024, m, 1) for m in range(1, 13)]
    counts = [4, 4, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    monthly = pl.DataFrame({"node": "S", "period_start": months, "count": counts})
    published = pl.DataFrame(
        {
            "node": "S",
            "period": ["year", "12m", "year"],
            "period_start": [dt.date(2023, 1, 1), dt.date(2023, 11, 1), dt.date(2024, 1, 1)],
        }
    )
    table = span_table(monthly, published, [])
    values = table.cells["value"].to_numpy().astype(float)
    shown = table.cells["published"].to_numpy()
    year_2024 = int(table.shown["cell"][2])
    small = primary(values) & shown
    assert np.flatnonzero(small).tolist() == [year_2024]
    assert audit(values, small | ~shown, table.relations, [year_2024]) == {year_2024: (2.0, float("inf"))}
    withheld = secondary_suppression(values, table.relations, published=shown)
    assert withheld[int(table.shown["cell"][0])]  # 2023 (8) is the cheapest that breaks it
    assert not unprotected(values, withheld | ~shown, table.relations, small)


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


def test_a_complementary_cell_the_published_figures_pin_down_is_published_again():
    """A withheld zero month inside a quarter of 0 protects nothing (anyone gets it back): it is shown; the
    complementary cell that really protects a small one stays withheld."""
    from atalaya.analysis.disclosure import _publish_derivable

    # cells: quarter 0 = m1 + m2 + m3 (all 0); quarter 7 = n1 (3, small) + n2 (4) + n3 (0)
    values = np.array([0, 0, 0, 0, 7, 3, 4, 0], dtype=float)
    relations = [Relation(0, (1, 2, 3)), Relation(4, (5, 6, 7))]
    hidden = np.zeros(8, dtype=bool)
    hidden[[1, 5, 6]] = True  # m1 (complementary), n1 (primary), n2 (complementary)
    _publish_derivable(values, hidden, relations, ~primary(values))
    assert hidden.tolist() == [False, False, False, False, False, True, True, False]
    assert not unprotected(values, hidden, relations, primary(values))
