"""Category levels published side by side: a parent next to its own children must be counted once.

CEAD publishes "Delitos asociados a armas" (a family) in the same file as its groups "Crímenes y simples delitos
ley de armas" and "Porte de arma cortante o punzante"; summing every label of the family would count those cases
twice. A parent whose published value equals the sum of its published children in every cell (municipality ×
month × measure × sex × age) is redundant and is dropped; one whose children do not add up is kept and reported,
because then neither dropping it nor keeping it is right without an analyst.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

CELL = ["municipality_code", "period_start", "measure", "sex", "age_group"]


@dataclass(frozen=True)
class ParentCheck:
    parent_id: int
    children_ids: tuple[int, ...]
    cells: int  # cells where the parent is published
    equal_cells: int  # of those, cells where the children add up exactly
    difference: int  # sum over cells of parent − children
    cases: int  # the parent's own total: all-zero parents prove nothing and are left alone

    @property
    def redundant(self) -> bool:
        return self.cases > 0 and self.equal_cells == self.cells


def nearest_present_parent(present: set[int], parent_of: dict[int, int | None]) -> dict[int, int]:
    """For each present category, its closest ancestor that is also present in the file (if any)."""
    nearest = {}
    for category in present:
        seen = {category}
        ancestor = parent_of.get(category)
        while ancestor is not None and ancestor not in present and ancestor not in seen:
            seen.add(ancestor)
            ancestor = parent_of.get(ancestor)
        if ancestor is not None and ancestor in present and ancestor != category:
            nearest[category] = ancestor
    return nearest


def check_published_parents(frame: pl.DataFrame, parent_of: dict[int, int | None]) -> list[ParentCheck]:
    """Compare every published parent with the sum of its published children, cell by cell (vectorised)."""
    cell = [c for c in CELL if c in frame.columns]
    present = set(frame.get_column("category_id").drop_nulls().unique().to_list())
    nearest = nearest_present_parent(present, parent_of)
    if not nearest:
        return []
    children = (
        frame.filter(pl.col("category_id").is_in(list(nearest)))
        .with_columns(pl.col("category_id").replace_strict(nearest, return_dtype=pl.Int64).alias("_parent"))
        .group_by([*cell, "_parent"])
        .agg(pl.col("count").sum().alias("_children"))
    )
    parents = frame.filter(pl.col("category_id").is_in(list(set(nearest.values())))).select(
        *cell, "category_id", "count"
    )
    joined = parents.join(
        children, left_on=[*cell, "category_id"], right_on=[*cell, "_parent"], how="left", nulls_equal=True
    ).with_columns(pl.col("_children").fill_null(0))
    stats = joined.group_by("category_id").agg(
        pl.len().alias("cells"),
        (pl.col("count") == pl.col("_children")).sum().alias("equal"),
        (pl.col("count") - pl.col("_children")).sum().alias("difference"),
        pl.col("count").sum().alias("cases"),
    )
    kids: dict[int, list[int]] = {}
    for child, parent in nearest.items():
        kids.setdefault(parent, []).append(child)
    return [
        ParentCheck(
            int(row["category_id"]),
            tuple(sorted(kids[row["category_id"]])),
            row["cells"],
            row["equal"],
            int(row["difference"]),
            int(row["cases"]),
        )
        for row in stats.sort("category_id").iter_rows(named=True)
        if row["cases"] or row["difference"]  # all zeros on both sides: nothing can be counted twice
    ]
