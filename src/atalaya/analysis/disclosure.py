"""Statistical disclosure control of published counts: primary and secondary suppression, and the audit.

Suppressing each small cell on its own is not enough when totals are published beside their parts: October 6,
December 12 and the fourth quarter 19 give November = 1. Statistical offices therefore (1) suppress the small
cells (*primary* suppression), (2) suppress further cells (*secondary* or complementary suppression) so that no
additive relation the publication exposes pins a suppressed cell down, and (3) check the result with a *linear
programming audit*, as τ-ARGUS does: for every primary cell, minimise and maximise its value subject to every
published value and every relation (all cells non-negative); the interval must cover the protection range
``[0, threshold]`` — the visitor must not be able to tell a 1 from a 0 or from a 5.

A table here is a frame of *cells* (``cell`` id, ``value``) and a list of *relations* ``total = Σ parts (+ an
unpublished remainder)``. :func:`span_table` builds them for a publication: the periods shown per node (a
territory, an indicator) over months, with the hidden runs of months that link them, and the additive relations
between nodes (territories ⊂ their parent ⊂ the municipality, an indicator ⊂ one that contains it).
Secondary suppression is greedy and then verified: first the
singleton rule (a relation never has exactly one suppressed cell), then, while the audit finds an unprotected
cell, the smallest published cell of one of its relations is suppressed too. Alternatives considered and not
taken are in the portal guide (controlled rounding, noise): they change published numbers, which the observatory's
users compare with the official files.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import highspy
import numpy as np
import polars as pl
from scipy.sparse import lil_matrix

#: Cells 1 .. THRESHOLD − 1 are primary suppressions; the audit demands the interval cover [0, THRESHOLD].
THRESHOLD = 5


@dataclass(frozen=True)
class Relation:
    """``total = Σ parts`` (``open`` when an unpublished, non-negative remainder completes the parts)."""

    total: int
    parts: tuple[int, ...]
    open: bool = False


def primary(values: np.ndarray, threshold: int = THRESHOLD) -> np.ndarray:
    """Small cells (1 .. threshold − 1): they could identify people. A zero identifies nobody and is published."""
    return (values >= 1) & (values < threshold)


#: Months each published period covers.
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12, "12m": 12}


@dataclass
class SpanTable:
    """Cells (published and hidden), relations, and the published periods with the cell each one is."""

    cells: pl.DataFrame
    relations: list[Relation]
    shown: pl.DataFrame


def span_table(monthly: pl.DataFrame, published: pl.DataFrame, space: list[tuple[str, list[str], bool]]) -> SpanTable:
    """The cells a publication shows, the hidden cells that link them, and every additive relation between them.

    ``monthly`` holds each node's monthly counts (``node``, ``period_start``, ``count``; a missing month is 0);
    ``published`` the periods shown per node (``node``, ``period`` — ``month``, ``quarter``, ``year`` or ``12m``, a
    rolling twelve months — and ``period_start``). ``space`` lists ``(total, parts, open)``: the municipality and
    its sectors, a sector and its unidades vecinales, an indicator and the indicators it contains (open when an
    unpublished remainder completes the parts).

    A visitor who sees a sector's years and rolling windows but not its months still knows that both are sums of
    the same months. So each node's months are grouped into *atoms* — the runs between consecutive boundaries of
    its published periods — which enter the table as unpublished (unknown) cells: every published period is the
    sum of its atoms, and a space relation holds for each run its members' atoms share. The audit then treats
    what is not published as unknown but linked, exactly as a visitor would, instead of as an unrelated remainder.

    Cells have ``cell``, ``node``, ``period`` (``atom`` or ``span`` for hidden ones), ``period_start``, ``months``,
    ``value`` and ``published``; ``shown`` is ``published`` with the ``cell`` each period is (a rolling window that
    is also a calendar year is one cell).
    """
    index = lambda d: d.year * 12 + d.month - 1  # noqa: E731
    counts: dict[str, dict[int, int]] = {}
    for node, start, count in monthly.select("node", "period_start", "count").iter_rows():
        counts.setdefault(node, {})[index(start)] = counts.get(node, {}).get(index(start), 0) + int(count)
    known = [m for series in counts.values() for m in series]
    if not known:
        return SpanTable(
            pl.DataFrame(schema=_CELL_SCHEMA), [], published.with_columns(pl.lit(None, pl.UInt32).alias("cell")).clear()
        )
    first, stop = min(known), max(known) + 1
    shown: dict[str, list[tuple[str, int, int, int]]] = {}
    for row, (node, period, start) in enumerate(published.select("node", "period", "period_start").iter_rows()):
        begin = max(index(start), first)
        end = min(index(start) + PERIOD_MONTHS[period], stop)
        if begin < end:
            shown.setdefault(node, []).append((row, period, begin, end))
    bounds = {node: {first, stop} | {b for _r, _p, s, e in spans for b in (s, e)} for node, spans in shown.items()}
    # A relation holds over the runs its published members share; an unpublished member (the incidents without a
    # territory) is split as finely as the relations it takes part in need.
    runs = []
    for total, parts, is_open in space:
        members = [total, *parts]
        cuts = (
            set.intersection(*[bounds[m] for m in members if m in bounds])
            if any(m in bounds for m in members)
            else {first, stop}
        )
        runs.append((members, is_open, sorted(cuts)))
    for members, _open, cuts in runs:
        for member in members:
            if member not in shown:
                bounds.setdefault(member, {first, stop}).update(cuts)
    cells: dict[tuple[str, int, int], int] = {}
    rows: list[tuple] = []
    relations: list[Relation] = []

    def value(node: str, begin: int, end: int) -> int:
        series = counts.get(node, {})
        return sum(series.get(m, 0) for m in range(begin, end))

    def cell(node: str, period: str, begin: int, end: int, is_published: bool) -> int:
        key = (node, begin, end)
        if key in cells:
            if is_published:
                rows[cells[key]] = (*rows[cells[key]][:2], period, *rows[cells[key]][3:6], True)
            return cells[key]
        cells[key] = len(rows)
        rows.append((len(rows), node, period, _month(begin), end - begin, value(node, begin, end), is_published))
        return cells[key]

    atoms: dict[str, list[int]] = {}
    for node in sorted(bounds):
        cuts = sorted(bounds[node])
        atoms[node] = cuts
        for begin, end in pairwise(cuts):
            cell(node, "atom", begin, end, False)

    def summed(node: str, begin: int, end: int, target: int) -> None:
        pieces = [cells[(node, b, e)] for b, e in pairwise(atoms[node]) if begin <= b and e <= end]
        if pieces != [target]:
            relations.append(Relation(target, tuple(pieces)))

    shown_cell: list[int | None] = [None] * published.height
    for node, spans in shown.items():
        for row, period, begin, end in spans:
            shown_cell[row] = cell(node, period, begin, end, True)
            summed(node, begin, end, shown_cell[row])
    for members, is_open, cuts in runs:
        for begin, end in pairwise(cuts):
            ids = []
            for member in members:
                fresh = (member, begin, end) not in cells
                ids.append(cell(member, "span", begin, end, False))
                if fresh:
                    summed(member, begin, end, ids[-1])
            relations.append(Relation(ids[0], tuple(ids[1:]), open=is_open))
    return SpanTable(
        pl.DataFrame(rows, schema=_CELL_SCHEMA, orient="row"),
        relations,
        published.with_columns(pl.Series("cell", shown_cell, dtype=pl.UInt32)).filter(pl.col("cell").is_not_null()),
    )


_CELL_SCHEMA = {
    "cell": pl.UInt32,
    "node": pl.String,
    "period": pl.String,
    "period_start": pl.Date,
    "months": pl.Int32,
    "value": pl.Int64,
    "published": pl.Boolean,
}


def _month(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def audit(
    values: np.ndarray,
    hidden: np.ndarray,
    relations: Iterable[Relation],
    cells_to_check: Iterable[int] | None = None,
) -> dict[int, tuple[float, float]]:
    """For each checked hidden cell, the smallest and largest value consistent with everything published.

    ``hidden`` marks what the visitor does not see: withheld cells and cells never shown (e.g. a sector's months
    when only its years are published). Unknowns: the hidden cells and one non-negative remainder per open
    relation; all ≥ 0. Equalities: every relation. Published cells enter as constants. Upper bounds may be
    ``inf`` (nothing caps the cell). The system splits into independent blocks (hidden cells linked by the
    relations they share), so each linear programme holds only the block of the cell it bounds.
    """
    relations = [r for r in relations if any(hidden[c] for c in (r.total, *r.parts))]
    block = blocks_of(hidden, relations)
    blocks: dict[int, list[Relation]] = {}
    for relation in relations:
        first = next(c for c in (relation.total, *relation.parts) if hidden[c])
        blocks.setdefault(block[first], []).append(relation)
    checked = list(block) if cells_to_check is None else [int(c) for c in cells_to_check if hidden[c]]
    by_block: dict[int, list[int]] = {}
    for cell in checked:
        by_block.setdefault(block[cell], []).append(cell)
    result = {}
    for root, cells in by_block.items():
        result.update(_bound_block(values, hidden, blocks.get(root, []), cells))
    return result


def blocks_of(hidden: np.ndarray, relations: Iterable[Relation]) -> dict[int, int]:
    """Each hidden cell's block: cells linked, directly or not, by relations that hold several of them. Bounds
    in one block do not depend on any other."""
    parent = {int(c): int(c) for c in np.flatnonzero(hidden)}

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for relation in relations:
        members = [c for c in (relation.total, *relation.parts) if hidden[c]]
        for other in members[1:]:
            parent[find(other)] = find(members[0])
    return {c: find(c) for c in parent}


def _bound_block(values, hidden, relations: list[Relation], cells: list[int]) -> dict[int, tuple[float, float]]:
    if not relations:  # in no relation: nothing published constrains it
        return {c: (0.0, float("inf")) for c in cells}
    unknown = sorted({c for r in relations for c in (r.total, *r.parts) if hidden[c]})
    column = {cell: k for k, cell in enumerate(unknown)}
    n = len(unknown) + sum(r.open for r in relations)
    a = lil_matrix((len(relations), n))
    b = np.zeros(len(relations))
    slack = len(unknown)
    for i, relation in enumerate(relations):
        # total − Σ parts − remainder = 0, with published cells moved to the right-hand side.
        for cell, sign in ((relation.total, 1.0), *((p, -1.0) for p in relation.parts)):
            if hidden[cell]:
                a[i, column[cell]] += sign
            else:
                b[i] -= sign * values[cell]
        if relation.open:
            a[i, slack] = -1.0
            slack += 1
    return _min_max(a.tocsc(), b, [column[c] for c in cells], dict(zip([column[c] for c in cells], cells, strict=True)))


_local = threading.local()


def _solver() -> highspy.Highs:
    """One HiGHS instance per thread (each problem replaces the last; web requests run in threads). HiGHS prints
    its banner on the C stdout when created; that line must not end up in the CLI's output or a piped CSV."""
    if getattr(_local, "highs", None) is not None:
        return _local.highs
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    _local.highs = highs
    return highs


def _min_max(a, b: np.ndarray, columns: list[int], cell_of: dict[int, int]) -> dict[int, tuple[float, float]]:
    """Minimise and maximise each column over ``a x = b, x ≥ 0`` with one HiGHS model: only the objective changes
    between solves, so each re-solve starts from the last basis (milliseconds instead of a rebuilt problem)."""
    highs = _solver()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_ = np.zeros(a.shape[1])
    lp.col_lower_ = np.zeros(a.shape[1])
    lp.col_upper_ = np.full(a.shape[1], highspy.kHighsInf)
    lp.row_lower_ = lp.row_upper_ = b
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    highs.passModel(lp)
    result = {}
    for col in columns:
        highs.changeColCost(col, 1.0)
        bounds = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            highs.changeObjectiveSense(sense)
            highs.run()
            status = highs.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                bounds.append(round(highs.getInfo().objective_function_value, 6))
            elif sense == highspy.ObjSense.kMaximize:  # unbounded: nothing caps the cell
                bounds.append(float("inf"))
            else:
                bounds.append(0.0)
        highs.changeColCost(col, 0.0)
        result[cell_of[col]] = (bounds[0], bounds[1])
    return result


def unprotected(
    values: np.ndarray,
    hidden: np.ndarray,
    relations: list[Relation],
    primary_cells: np.ndarray,
    threshold: int = THRESHOLD,
    only: Iterable[int] | None = None,
) -> dict[int, tuple[float, float]]:
    """Primary cells whose audit interval does not cover ``[0, threshold]``: what a visitor could learn
    (``only``: check just these cells)."""
    cells = np.flatnonzero(primary_cells) if only is None else [c for c in only if primary_cells[c]]
    intervals = audit(values, hidden, relations, cells)
    return {c: iv for c, iv in intervals.items() if iv[0] > 0 or iv[1] < threshold}


def secondary_suppression(
    values: np.ndarray,
    relations: list[Relation],
    threshold: int = THRESHOLD,
    max_rounds: int = 10_000,
    published: np.ndarray | None = None,
    cost: np.ndarray | None = None,
    give_back: np.ndarray | None = None,
) -> np.ndarray:
    """Primary cells plus the complementary cells that protect them; verified by :func:`audit`.

    ``published`` marks the cells the publication shows (default: all); the others (a sector's months when only
    its years are shown) are unknown to the visitor from the start and are never chosen. ``cost`` is what
    withholding a cell loses (default: its value — a small cell loses less than a large one); the cheapest
    published cell that breaks a disclosing relation is taken. The greedy search can withhold more than needed;
    ``give_back`` marks cells worth a second look (the annual figures): each one withheld without being small is
    published again, dearest first, if the audit of its neighbourhood still passes. Returns the withheld cells.
    """
    values = np.asarray(values, dtype=float)
    published = np.ones(len(values), dtype=bool) if published is None else np.asarray(published, dtype=bool)
    primaries = primary(values, threshold) & published
    hidden = primaries | ~published  # what the visitor does not see: withheld or never shown
    cost = values if cost is None else np.asarray(cost, dtype=float)
    by_cell: dict[int, list[Relation]] = {}
    for relation in relations:
        for cell in (relation.total, *relation.parts):
            by_cell.setdefault(cell, []).append(relation)

    def suppress_cheapest(relation: Relation) -> bool:
        candidates = [c for c in (relation.total, *relation.parts) if not hidden[c]]
        if not candidates:
            return False
        hidden[min(candidates, key=lambda c: (cost[c], c != relation.total, c))] = True
        return True

    # Singleton rule, to a fixed point: a closed relation with exactly one withheld cell gives it away.
    changed = True
    while changed:
        changed = False
        for relation in relations:
            members = [c for c in (relation.total, *relation.parts) if hidden[c]]
            if not relation.open and len(members) == 1 and published[members[0]]:
                changed |= suppress_cheapest(relation)
    # Then the audit decides: protect what linear combinations of several relations still reveal.
    to_check = None  # the first round audits every primary cell; later ones only the blocks that changed
    for _ in range(max_rounds):
        leaks = unprotected(values, hidden, relations, primaries, threshold, only=to_check)
        if not leaks:
            if give_back is not None:
                _give_back(
                    values, hidden, relations, primaries, by_cell, give_back & hidden & ~primaries, cost, threshold
                )
            _publish_derivable(values, hidden, relations, published & ~primaries)
            return hidden & published
        widened, before = False, hidden.copy()
        for cell in leaks:  # one more suppression near each leaking cell not already helped this round
            neighbours = {c for r in by_cell.get(cell, []) for c in (r.total, *r.parts)}
            if any(hidden[c] and not before[c] for c in neighbours):
                continue
            widened |= _widen(cell, by_cell, hidden, suppress_cheapest)
        if not widened:
            raise RuntimeError(f"cells {sorted(leaks)[:5]} cannot be protected")
        block = blocks_of(hidden, relations)
        touched = {block[c] for c in np.flatnonzero(hidden & ~before)}
        to_check = [c for c in np.flatnonzero(primaries) if block[int(c)] in touched]
    raise RuntimeError("secondary suppression did not converge")


def _publish_derivable(values, hidden, relations, complementary) -> None:
    """Publish again every withheld complementary cell that what is published pins down exactly (a month whose
    quarter is 0, a quarter that the year and the other three give): withholding it protects nothing, and
    showing it changes no other cell's interval."""
    cells = np.flatnonzero(complementary & hidden)
    if cells.size == 0:
        return
    for cell, (low, high) in audit(values, hidden, relations, cells).items():
        if low == high:
            hidden[cell] = False


def _give_back(values, hidden, relations, primaries, by_cell, candidates, cost, threshold) -> None:
    """Publish again each candidate whose release leaves every small cell it was linked to protected."""
    for cell in sorted(np.flatnonzero(candidates), key=lambda c: (-cost[c], c)):
        linked = {c for r in by_cell.get(int(cell), []) for c in (r.total, *r.parts) if hidden[c] and c != cell}
        hidden[cell] = False
        block = blocks_of(hidden, relations)
        touched = {block[c] for c in linked}
        check = [c for c in np.flatnonzero(primaries) if block[int(c)] in touched]
        if check and unprotected(values, hidden, relations, primaries, threshold, only=check):
            hidden[cell] = True


def _widen(cell: int, by_cell: dict[int, list[Relation]], hidden: np.ndarray, suppress_cheapest) -> bool:
    """Suppress one more cell as close as possible to the leaking one: in its own relations first, then in those
    of the suppressed cells they reach (the bound may come from a quarter's year, or a sector's municipality)."""
    seen_cells, seen_relations, frontier = {cell}, set(), [cell]
    while frontier:
        reachable = []
        for current in frontier:
            for relation in by_cell.get(current, []):
                if relation not in seen_relations:
                    seen_relations.add(relation)
                    reachable.append(relation)
        reachable.sort(key=lambda r: sum(not hidden[c] for c in (r.total, *r.parts)))
        for relation in reachable:
            if suppress_cheapest(relation):
                return True
        frontier = [c for r in reachable for c in (r.total, *r.parts) if hidden[c] and c not in seen_cells]
        seen_cells.update(frontier)
    return False
