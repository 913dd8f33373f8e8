"""Statistical disclosure control of published counts: primary and secondary suppression, and the audit.

Suppressing each small cell on its own is not enough when totals are published beside their parts: October 6,
December 12 and the fourth quarter 19 give November = 1. Statistical offices therefore (1) suppress the small
cells (*primary* suppression), (2) suppress further cells (*secondary* or complementary suppression) so that no
additive relation the publication exposes pins a suppressed cell down, and (3) check the result with a *linear
programming audit*, as τ-ARGUS does: for every primary cell, minimise and maximise its value subject to every
published value and every relation (all cells non-negative); the interval must cover the protection range
``[0, threshold]`` — the visitor must not be able to tell a 1 from a 0 or from a 5.

A table here is a frame of *cells* (``cell`` id, ``value``) and a list of *relations* ``total = Σ parts (+ an
unpublished remainder)``. :func:`hierarchy_relations` builds them for the portal's shape (months ⊂ quarters ⊂ years,
territories ⊂ their parent ⊂ the municipality). Secondary suppression is greedy and then verified: first the
singleton rule (a relation never has exactly one suppressed cell), then, while the audit finds an unprotected
cell, the smallest published cell of one of its relations is suppressed too. Alternatives considered and not
taken are in the portal guide (controlled rounding, noise): they change published numbers, which the observatory's
users compare with the official files.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import highspy
import numpy as np
import polars as pl
from scipy.sparse import lil_matrix

from .parsing import add_months

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


def hierarchy_relations(cells: pl.DataFrame, space: list[tuple[str, list[str], bool]]) -> list[Relation]:
    """The additive relations of a portal table.

    ``cells`` has ``cell``, ``node`` (the municipality or a territory, as the caller names them), ``period``
    (``month``, ``quarter``, ``year`` or ``12m``, a rolling twelve-month window) and ``period_start``. ``space``
    lists ``(total node, part nodes, open)``: e.g. the municipality and the sectors (open when incidents without a
    sector are not published), a sector and its unidades vecinales. A relation whose parts are not all in the table
    is open: the missing ones are an unknown non-negative remainder.
    """
    key = {
        (r["node"], r["period"], r["period_start"]): r["cell"]
        for r in cells.select("cell", "node", "period", "period_start").iter_rows(named=True)
    }
    relations = []
    for (node, period, start), total in key.items():
        if period == "quarter":  # a quarter is its three months, a year its four quarters
            relations.append(_relation(total, [key.get((node, "month", add_months(start, k))) for k in range(3)]))
        elif period == "year":
            relations.append(_relation(total, [key.get((node, "quarter", add_months(start, 3 * k))) for k in range(4)]))
        elif period == "12m":  # a rolling window is its twelve months
            relations.append(_relation(total, [key.get((node, "month", add_months(start, k))) for k in range(12)]))
    periods = {(period, start) for _node, period, start in key}
    for total_node, part_nodes, is_open in space:
        for period, start in periods:
            total = key.get((total_node, period, start))
            if total is None:
                continue
            relation = _relation(total, [key.get((part, period, start)) for part in part_nodes])
            relations.append(Relation(relation.total, relation.parts, relation.open or is_open))
    return [r for r in relations if r.parts]


def _relation(total: int, parts: list[int | None]) -> Relation:
    present = tuple(p for p in parts if p is not None)
    return Relation(total, present, open=len(present) < len(parts))


def audit(
    values: np.ndarray,
    suppressed: np.ndarray,
    relations: Iterable[Relation],
    cells_to_check: Iterable[int] | None = None,
) -> dict[int, tuple[float, float]]:
    """For each checked suppressed cell, the smallest and largest value consistent with everything published.

    Unknowns: the suppressed cells and one non-negative remainder per open relation; all ≥ 0. Equalities: every
    relation. Published cells enter as constants. Upper bounds may be ``inf`` (nothing caps the cell). The system
    splits into independent blocks (suppressed cells linked by the relations they share), so each linear
    programme holds only the block of the cell it bounds: thousands of tiny problems instead of huge ones.
    """
    relations = [r for r in relations if any(suppressed[c] for c in (r.total, *r.parts))]
    block = blocks_of(suppressed, relations)
    blocks: dict[int, list[Relation]] = {}
    for relation in relations:
        first = next(c for c in (relation.total, *relation.parts) if suppressed[c])
        blocks.setdefault(block[first], []).append(relation)
    checked = list(block) if cells_to_check is None else [int(c) for c in cells_to_check if suppressed[c]]
    by_block: dict[int, list[int]] = {}
    for cell in checked:
        by_block.setdefault(block[cell], []).append(cell)
    result = {}
    for root, cells in by_block.items():
        result.update(_bound_block(values, suppressed, blocks.get(root, []), cells))
    return result


def blocks_of(suppressed: np.ndarray, relations: Iterable[Relation]) -> dict[int, int]:
    """Each suppressed cell's block: cells linked, directly or not, by relations that hold several of them. Bounds
    in one block do not depend on any other."""
    parent = {int(c): int(c) for c in np.flatnonzero(suppressed)}

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for relation in relations:
        members = [c for c in (relation.total, *relation.parts) if suppressed[c]]
        for other in members[1:]:
            parent[find(other)] = find(members[0])
    return {c: find(c) for c in parent}


def _bound_block(values, suppressed, relations: list[Relation], cells: list[int]) -> dict[int, tuple[float, float]]:
    if not relations:  # in no relation: nothing published constrains it
        return {c: (0.0, float("inf")) for c in cells}
    unknown = sorted({c for r in relations for c in (r.total, *r.parts) if suppressed[c]})
    column = {cell: k for k, cell in enumerate(unknown)}
    n = len(unknown) + sum(r.open for r in relations)
    a = lil_matrix((len(relations), n))
    b = np.zeros(len(relations))
    slack = len(unknown)
    for i, relation in enumerate(relations):
        # total − Σ parts − remainder = 0, with published cells moved to the right-hand side.
        for cell, sign in ((relation.total, 1.0), *((p, -1.0) for p in relation.parts)):
            if suppressed[cell]:
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
    suppressed: np.ndarray,
    relations: list[Relation],
    primary_cells: np.ndarray,
    threshold: int = THRESHOLD,
    only: Iterable[int] | None = None,
) -> dict[int, tuple[float, float]]:
    """Primary cells whose audit interval does not cover ``[0, threshold]``: what a visitor could learn
    (``only``: check just these cells)."""
    cells = np.flatnonzero(primary_cells) if only is None else [c for c in only if primary_cells[c]]
    intervals = audit(values, suppressed, relations, cells)
    return {c: iv for c, iv in intervals.items() if iv[0] > 0 or iv[1] < threshold}


def secondary_suppression(
    values: np.ndarray, relations: list[Relation], threshold: int = THRESHOLD, max_rounds: int = 10_000
) -> np.ndarray:
    """Primary cells plus the complementary cells that protect them; verified by :func:`audit`.

    Costs are the values themselves: suppressing a small cell loses less information than a large one, so the
    smallest published cell that breaks a disclosing relation is taken.
    """
    values = np.asarray(values, dtype=float)
    primaries = primary(values, threshold)
    suppressed = primaries.copy()
    by_cell: dict[int, list[Relation]] = {}
    for relation in relations:
        for cell in (relation.total, *relation.parts):
            by_cell.setdefault(cell, []).append(relation)

    def suppress_cheapest(relation: Relation) -> bool:
        candidates = [c for c in (relation.total, *relation.parts) if not suppressed[c]]
        if not candidates:
            return False
        suppressed[min(candidates, key=lambda c: (values[c], c != relation.total, c))] = True
        return True

    # Singleton rule, to a fixed point: a closed relation with exactly one suppressed cell gives it away.
    changed = True
    while changed:
        changed = False
        for relation in relations:
            members = (relation.total, *relation.parts)
            if not relation.open and sum(suppressed[c] for c in members) == 1:
                changed |= suppress_cheapest(relation)
    # Then the audit decides: protect what linear combinations of several relations still reveal.
    to_check = None  # the first round audits every primary cell; later ones only the blocks that changed
    for _ in range(max_rounds):
        leaks = unprotected(values, suppressed, relations, primaries, threshold, only=to_check)
        if not leaks:
            return suppressed
        widened, before = False, suppressed.copy()
        for cell in leaks:  # one more suppression near each leaking cell not already helped this round
            neighbours = {c for r in by_cell.get(cell, []) for c in (r.total, *r.parts)}
            if any(suppressed[c] and not before[c] for c in neighbours):
                continue
            widened |= _widen(cell, by_cell, suppressed, suppress_cheapest)
        if not widened:
            raise RuntimeError(f"cells {sorted(leaks)[:5]} cannot be protected")
        block = blocks_of(suppressed, relations)
        touched = {block[c] for c in np.flatnonzero(suppressed & ~before)}
        to_check = [c for c in np.flatnonzero(primaries) if block[int(c)] in touched]
    raise RuntimeError("secondary suppression did not converge")


def _widen(cell: int, by_cell: dict[int, list[Relation]], suppressed: np.ndarray, suppress_cheapest) -> bool:
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
        reachable.sort(key=lambda r: sum(not suppressed[c] for c in (r.total, *r.parts)))
        for relation in reachable:
            if suppress_cheapest(relation):
                return True
        frontier = [c for r in reachable for c in (r.total, *r.parts) if suppressed[c] and c not in seen_cells]
        seen_cells.update(frontier)
    return False
