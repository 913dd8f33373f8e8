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

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.optimize import linprog
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


def hierarchy_relations(cells: pl.DataFrame, parents: dict[str | None, str | None]) -> list[Relation]:
    """The additive relations of a portal table.

    ``cells`` has ``cell``, ``territory`` (None for the municipality), ``period`` (``month``, ``quarter``,
    ``year``) and ``period_start``. ``parents`` maps each territory to its parent (None: the municipality). A
    territory total equals the sum of its children only when every child is in the table; incidents without a
    territory make the municipality's relation *open* (the remainder is not published).
    """
    key = {
        (r["territory"], r["period"], r["period_start"]): r["cell"]
        for r in cells.select("cell", "territory", "period", "period_start").iter_rows(named=True)
    }
    relations = []
    # Time: a quarter is its three months, a year its four quarters (only when all are present: a year in
    # progress is published as such and is an open relation).
    for (territory, period, start), total in key.items():
        if period == "quarter":
            months = [key.get((territory, "month", _add_months(start, k))) for k in range(3)]
            relations.append(_relation(total, months))
        elif period == "year":
            quarters = [key.get((territory, "quarter", _add_months(start, 3 * k))) for k in range(4)]
            relations.append(_relation(total, quarters))
    # Space: a parent is its children (plus, for the municipality, what has no territory).
    children: dict[str | None, list[str]] = {}
    for child, parent in parents.items():
        if child is not None:
            children.setdefault(parent, []).append(child)
    for (territory, period, start), total in key.items():
        if territory not in children:
            continue
        parts = [key.get((child, period, start)) for child in children[territory]]
        relation = _relation(total, parts)
        relations.append(Relation(relation.total, relation.parts, relation.open or territory is None))
    return [r for r in relations if r.parts]


def _relation(total: int, parts: list[int | None]) -> Relation:
    present = tuple(p for p in parts if p is not None)
    return Relation(total, present, open=len(present) < len(parts))


def _add_months(day, months: int):
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def audit(
    values: np.ndarray,
    suppressed: np.ndarray,
    relations: Iterable[Relation],
    cells_to_check: Iterable[int] | None = None,
) -> dict[int, tuple[float, float]]:
    """For each checked suppressed cell, the smallest and largest value consistent with everything published.

    Unknowns: the suppressed cells and one non-negative remainder per open relation; all ≥ 0. Equalities: every
    relation. Published cells enter as constants. Upper bounds may be ``inf`` (nothing caps the cell).
    """
    relations = list(relations)
    unknown = np.flatnonzero(suppressed)
    column = {cell: k for k, cell in enumerate(unknown)}
    n_open = sum(r.open for r in relations)
    n = len(unknown) + n_open
    rows = [r for r in relations if any(suppressed[c] for c in (r.total, *r.parts)) or r.open]
    a = lil_matrix((len(rows), n))
    b = np.zeros(len(rows))
    slack = len(unknown)
    for i, relation in enumerate(rows):
        # total − Σ parts − remainder = 0, with published cells moved to the right-hand side.
        for cell, sign in ((relation.total, 1.0), *((p, -1.0) for p in relation.parts)):
            if suppressed[cell]:
                a[i, column[cell]] += sign
            else:
                b[i] -= sign * values[cell]
        if relation.open:
            a[i, slack] = -1.0
            slack += 1
    a = a.tocsr()
    bounds = [(0, None)] * n
    checked = unknown if cells_to_check is None else [c for c in cells_to_check if suppressed[c]]
    result = {}
    for cell in checked:
        objective = np.zeros(n)
        objective[column[cell]] = 1.0
        low = linprog(objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        lower = low.fun if low.status == 0 else 0.0
        upper = -high.fun if high.status == 0 else float("inf")  # status 3: unbounded
        result[int(cell)] = (round(lower, 6), round(upper, 6))
    return result


def unprotected(
    values: np.ndarray,
    suppressed: np.ndarray,
    relations: list[Relation],
    primary_cells: np.ndarray,
    threshold: int = THRESHOLD,
) -> dict[int, tuple[float, float]]:
    """Primary cells whose audit interval does not cover ``[0, threshold]``: what a visitor could learn."""
    intervals = audit(values, suppressed, relations, np.flatnonzero(primary_cells))
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
    for _ in range(max_rounds):
        leaks = unprotected(values, suppressed, relations, primaries, threshold)
        if not leaks:
            return suppressed
        cell = next(iter(leaks))
        if not _widen(cell, by_cell, suppressed, suppress_cheapest):
            raise RuntimeError(f"cell {cell} cannot be protected")
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
