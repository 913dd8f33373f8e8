"""What the observatory sees of the early-warning system: de-identified counts of cases by territory, module and
risk level, and of risk factors by territory — never a person, a code or a date of a case — with small cells and
their complements withheld by the portal's disclosure control (:mod:`atalaya.analysis.disclosure`), so that no
withheld count can be derived from the totals shown beside it.

A case counts in a window when it had an intake in it; its territory is the person's territory of residence at
the level asked (or «sin territorio»), its risk the latest screening's level, its factors the latest screening's
risk factors marked present.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from atalaya.analysis.disclosure import Relation, secondary_suppression
from atalaya.analysis.screening import parse_instrument
from atalaya.cube.reading import NO_TERRITORY, territory_codes, territory_keys
from atalaya.geo.models import Territory

from .choices import Module, RiskLevel
from .models import Case, Instrument, Intake, Screening

ALL = "*"
NO_RISK = "sin_tamizaje"
RISKS = [RiskLevel.HIGH.value, RiskLevel.MEDIUM.value, RiskLevel.LOW.value, NO_RISK]


@dataclass
class CaseAggregates:
    """The withheld-aware tables: ``cases`` (territory, module, risk → count, with ``*`` margins) and ``factors``
    (territory, factor → count, with the ``*`` total); a withheld count is null."""

    first: dt.date
    last: dt.date
    level: str | None
    cases: pl.DataFrame
    factors: pl.DataFrame
    territory_names: dict[str, str]
    factor_labels: dict[str, str]
    #: What the cases table was protected with (values, withheld mask, relations), for the audit.
    protection: tuple | None = None


def cases_in_window(municipality, first: dt.date, last: dt.date):
    """The municipality's cases with an intake in the window."""
    return Case.objects.filter(
        municipality=municipality,
        pk__in=Intake.objects.filter(received_at__date__gte=first, received_at__date__lte=last).values("case_id"),
    )


def case_frame(municipality, first: dt.date, last: dt.date, level: str | None) -> pl.DataFrame:
    """One row per case with an intake in the window: case id, territory code at ``level``, module, risk."""
    rows = list(
        cases_in_window(municipality, first, last).values_list("pk", "person__territory_id", "module", "risk_level")
    )
    frame = pl.DataFrame(
        rows,
        schema={"case_id": pl.Int64, "territory_id": pl.Int64, "module": pl.String, "risk": pl.String},
        orient="row",
    ).with_columns(pl.when(pl.col("risk") == "").then(pl.lit(NO_RISK)).otherwise(pl.col("risk")).alias("risk"))
    if level:
        frame = territory_codes(frame, level, [municipality.pk])
    else:
        frame = frame.with_columns(pl.lit(NO_TERRITORY).alias("territory_code"))
    return frame.with_columns(pl.col("territory_code").fill_null(NO_TERRITORY))


def _factor_frame(cases: pl.DataFrame, window) -> tuple[pl.DataFrame, dict[str, str]]:
    """The risk factors present in each case's latest screening: (territory_code, factor)."""
    latest: dict[int, tuple[int, dict]] = {}
    rows = (
        Screening.objects.filter(case__in=window)
        .order_by("case_id", "screened_at", "pk")
        .values_list("case_id", "instrument_id", "answers")
    )
    for case_id, instrument_id, answers in rows.iterator(chunk_size=5000):
        latest[case_id] = (instrument_id, answers)
    risk_items = {
        pk: [item for item in parse_instrument(definition).items if item.kind == "riesgo"]
        for pk, definition in Instrument.objects.filter(
            pk__in={instrument for instrument, _ in latest.values()}
        ).values_list("pk", "definition")
    }
    labels: dict[str, str] = {}
    pairs = []
    where = dict(zip(cases["case_id"].to_list(), cases["territory_code"].to_list(), strict=True))
    for case_id, (instrument_id, answers) in latest.items():
        for item in risk_items[instrument_id]:
            if answers.get(item.code):
                labels.setdefault(item.code, item.label)
                pairs.append((where[case_id], item.code))
    return pl.DataFrame(pairs, schema={"territory_code": pl.String, "factor": pl.String}, orient="row"), labels


def aggregate(municipality, first: dt.date, last: dt.date, level: str | None = None) -> CaseAggregates:
    cases = case_frame(municipality, first, last, level)
    territories = territory_keys(municipality, level) if level else [NO_TERRITORY]  # zeros shown: they name nobody
    modules = [m.value for m in Module]
    counts = cases.group_by("territory_code", "module", "risk").len("count")
    lookup = {(t, m, r): n for t, m, r, n in counts.iter_rows()}
    # Published: cases per territory × module (with margins), the high-risk cases among them, and the risk levels
    # of each module for the whole municipality. Risk by territory × module beyond «high» is not published: it
    # would be withheld almost everywhere in a municipality's table.
    high = RISKS[0]
    keys: list[tuple[str, str, str]] = []
    for t in [*territories, ALL]:
        for m in [*modules, ALL]:
            keys.append((t, m, ALL))
            if m != ALL:
                keys.append((t, m, high))
    for m in modules:
        keys.extend((ALL, m, r) for r in RISKS[1:])
    index = {key: i for i, key in enumerate(keys)}

    def value(t, m, r) -> int:
        return sum(
            n
            for (tt, mm, rr), n in lookup.items()
            if (t == ALL or tt == t) and (m == ALL or mm == m) and (r == ALL or rr == r)
        )

    values = np.array([value(*key) for key in keys], dtype=float)
    relations = []
    for t in [*territories, ALL]:
        relations.append(Relation(index[(t, ALL, ALL)], tuple(index[(t, m, ALL)] for m in modules)))
        if t != ALL:  # the high-risk cases are part of the cases; the rest is not published per territory
            relations.extend(Relation(index[(t, m, ALL)], (index[(t, m, high)],), open=True) for m in modules)
    for m in [*modules, ALL]:
        relations.append(Relation(index[(ALL, m, ALL)], tuple(index[(t, m, ALL)] for t in territories)))
    for m in modules:
        relations.append(Relation(index[(ALL, m, high)], tuple(index[(t, m, high)] for t in territories)))
        relations.append(Relation(index[(ALL, m, ALL)], tuple(index[(ALL, m, r)] for r in RISKS)))
    hidden = secondary_suppression(values, relations) if values.any() else np.zeros(len(values), dtype=bool)
    case_table = pl.DataFrame(
        {
            "territory_code": [k[0] for k in keys],
            "module": [k[1] for k in keys],
            "risk": [k[2] for k in keys],
            "count": [None if h else int(v) for v, h in zip(values, hidden, strict=True)],
        },
        schema={"territory_code": pl.String, "module": pl.String, "risk": pl.String, "count": pl.Int64},
    )
    factors, labels = _factor_frame(cases, cases_in_window(municipality, first, last))
    factor_table = _factor_table(factors, territories, sorted(labels))
    names = dict(Territory.objects.filter(municipality=municipality).values_list("code", "name"))
    return CaseAggregates(
        first, last, level, case_table, factor_table, names, labels, protection=(values, hidden, relations)
    )


def _factor_table(factors: pl.DataFrame, territories: list[str], codes: list[str]) -> pl.DataFrame:
    """Territory × factor with the municipality total per factor; one protected table per factor (the factors
    of a case overlap, so they add up to nothing)."""
    counts = {(t, f): n for t, f, n in factors.group_by("territory_code", "factor").len("count").iter_rows()}
    out = []
    for code in codes:
        cells = [counts.get((t, code), 0) for t in territories]
        values = np.array([*cells, sum(cells)], dtype=float)
        relation = [Relation(len(cells), tuple(range(len(cells))))]
        hidden = secondary_suppression(values, relation) if values.any() else np.zeros(len(values), dtype=bool)
        for t, v, h in zip([*territories, ALL], values, hidden, strict=True):
            out.append((t, code, None if h else int(v)))
    return pl.DataFrame(out, schema={"territory_code": pl.String, "factor": pl.String, "count": pl.Int64}, orient="row")
