"""The built-in crosswalks shipped as reviewable CSV files in ``analysis/crosswalks/``.

``catalogues.csv`` lists each source catalogue and its file. Each crosswalk file has the columns
``match`` (the label or label path exactly as it appears in the source files, levels joined by `` / ``),
``path`` (where it sits in the source hierarchy, for display), ``iccs`` (UNODC ICCS code, may be empty for
non-criminal events), ``family`` (observatory family code from ``families.csv``), ``harm_weight`` (days; empty
means the default of the ICCS class in ``iccs.csv``) and ``notes``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .text import normalise


@dataclass(frozen=True)
class CrosswalkRow:
    match: str
    key: str
    path: str
    iccs: str
    family: str
    harm_weight: float
    notes: str


@dataclass(frozen=True)
class CatalogueSpec:
    file: str
    source: str
    version: str
    name: str
    levels: tuple[str, ...]
    description: str
    preference: int  # breaks ties when a file's labels fit several catalogues of a source (lower wins)


def _read(name: str) -> list[dict[str, str]]:
    with resources.files("atalaya.analysis.crosswalks").joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def families() -> list[dict[str, str]]:
    return _read("families.csv")


@cache
def iccs_classes() -> list[dict[str, str]]:
    return _read("iccs.csv")


@cache
def catalogues() -> list[CatalogueSpec]:
    return [
        CatalogueSpec(
            r["file"],
            r["source"],
            r["version"],
            r["name"],
            tuple(r["levels"].split("|")),
            r["description"],
            int(r["preference"]),
        )
        for r in _read("catalogues.csv")
    ]


def crosswalk_rows(spec: CatalogueSpec) -> list[CrosswalkRow]:
    """Rows of one crosswalk file; harm weights default to the ICCS class (or its nearest ancestor)."""
    harm = {r["code"]: float(r["harm_days"]) for r in iccs_classes()}
    rows = []
    for r in _read(spec.file):
        iccs = r["iccs"].strip()
        weight = r["harm_weight"].strip()
        rows.append(
            CrosswalkRow(
                match=r["match"].strip(),
                key=category_key(r["match"]),
                path=r["path"].strip(),
                iccs=iccs,
                family=r["family"].strip(),
                harm_weight=float(weight) if weight else default_harm(iccs, harm),
                notes=r["notes"].strip(),
            )
        )
    return rows


def default_harm(iccs: str, harm: dict[str, float]) -> float:
    code = iccs
    while code:
        if code in harm:
            return harm[code]
        code = code[:-1]
    return 0.0


def parent_key(key_path: str) -> str | None:
    """``'robo / robo a negocio / con violencia'`` → ``'robo / robo a negocio'``; None at the top."""
    parts = [p.strip() for p in key_path.split(" / ")]
    return " / ".join(parts[:-1]) if len(parts) > 1 else None


def category_key(path: str) -> str:
    """The matching key of a label path: each level normalised, joined by `` / ``."""
    return " / ".join(normalise(part) for part in path.split(" / "))
