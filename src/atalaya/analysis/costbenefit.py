"""Does prevention pay? A WSIPP-style benefit-cost analysis of a programme, with its risk.

The method is the Washington State Institute for Public Policy's, scaled to a municipal programme:

1. **Costs** by year (total, or per participant × participants), in the local currency, discounted to a stated base
   year at a stated rate: ``PV = Σ cost_y / (1 + r)^(y − base)``; converted to US dollars at a stated rate and date.
2. **Benefits**: crimes prevented by the programme (from its evaluation: ``observed·(1/ratio − 1)`` per crime type
   and year) × the unit cost of each crime type, split by **who gains** — victims (WSIPP's *others*), the
   municipality and the justice system (*taxpayers*: police, prosecution, courts and prison-years), participants —
   plus WSIPP's *indirect* deadweight cost of the taxes that pay for the programme, when declared.
3. **Net present value**, **benefit-cost ratio** ("each peso invested returns X") and the **probability that
   benefits exceed costs** by Monte Carlo: the effect drawn from its estimate (normal on the log ratio) and each
   unit cost from a triangular distribution between its low and high values (explicit ``rng``, reproducible).
4. A **sensitivity table** (discount rate, effect at its interval's ends, unit costs low and high) and the seed's
   comparison: the programme's **cost per crime prevented** against the **cost of imprisonment** for the same
   crimes.

Checked against a hand-computed example and the arithmetic of WSIPP's published programme pages in the tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .evaluation.effects import es_number

PERSPECTIVES = ("victimas", "contribuyentes", "participantes", "indirectos")
PERSPECTIVE_LABELS = {
    "victimas": "Víctimas y comunidad",
    "contribuyentes": "Municipio y sistema de justicia",
    "participantes": "Participantes",
    "indirectos": "Indirectos (costo de los impuestos)",
}


@dataclass(frozen=True)
class UnitCost:
    """What one crime of a type costs, in the sheet's currency and base year, with a plausible range.

    ``victim``: tangible and intangible costs to the victim; ``justice``: police, prosecution and courts per crime;
    ``prison_years``: expected years of imprisonment per crime (sentences × probability of conviction), priced at
    the sheet's cost of a prison-year. ``low``/``high`` are multipliers of the central value (0.5 and 1.5: ±50 %).
    """

    crime_type: str
    victim: float
    justice: float
    prison_years: float = 0.0
    low: float = 0.5
    high: float = 1.5
    source: str = ""
    year: int | None = None


@dataclass(frozen=True)
class CrimeEffect:
    """Crimes of one type observed in the programme's area in each year of the programme."""

    crime_type: str
    observed_by_year: dict[int, float]


@dataclass(frozen=True)
class Sheet:
    """Everything a benefit-cost sheet declares (and states in its summary)."""

    costs_by_year: dict[int, float]
    base_year: int
    discount_rate: float
    currency: str
    usd_rate: float  # local currency per US dollar
    usd_rate_date: dt.date
    rate_ratio: float  # the evaluation's effect on the crimes below
    log_ratio_se: float
    crimes: Sequence[CrimeEffect]
    unit_costs: Sequence[UnitCost]
    prison_year_cost: float
    participants: int = 0
    participant_benefit_per_year: float = 0.0  # e.g. earnings, by participant and year of the programme
    deadweight: float = 0.0  # WSIPP's deadweight cost of taxation, per peso of public money (0.5 in WSIPP)
    effect_source: str = ""


@dataclass(frozen=True)
class Result:
    costs_pv: float
    benefits_pv: dict[str, float]
    total_benefits_pv: float
    net_present_value: float
    benefit_cost_ratio: float | None
    prevented_crimes: float
    cost_per_prevented_crime: float | None
    prison_cost_of_same_crimes: float
    probability_benefits_exceed_costs: float
    ratio_interval: tuple[float, float]  # 90 % interval of the benefit-cost ratio
    npv_interval: tuple[float, float]
    draws: int
    sensitivity: list[dict] = field(default_factory=list)
    usd: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def discount(amounts_by_year: dict[int, float], rate: float, base_year: int) -> float:
    """Present value in the base year: ``Σ a_y / (1 + r)^(y − base)`` (years before the base are compounded)."""
    return float(sum(amount / (1 + rate) ** (year - base_year) for year, amount in amounts_by_year.items()))


def _benefits(sheet: Sheet, ratio: np.ndarray, victim_scale: np.ndarray, justice_scale: np.ndarray, rate: float):
    """Present value of benefits per perspective, vectorised over draws (``ratio`` and the scales: one per draw;
    the unit-cost scales have one column per crime type)."""
    costs = {u.crime_type: u for u in sheet.unit_costs}
    n = ratio.shape[0]
    victims = np.zeros(n)
    taxpayers = np.zeros(n)
    prevented_total = np.zeros(n)
    prison_years = np.zeros(n)
    for k, crime in enumerate(sheet.crimes):
        unit = costs[crime.crime_type]
        for year, observed in crime.observed_by_year.items():
            factor = 1 / (1 + rate) ** (year - sheet.base_year)
            prevented = observed * (1 / ratio - 1)
            prevented_total += prevented
            victims += prevented * unit.victim * victim_scale[:, k] * factor
            years = prevented * unit.prison_years
            prison_years += years
            taxpayers += (
                prevented * (unit.justice + unit.prison_years * sheet.prison_year_cost) * justice_scale[:, k] * factor
            )
    programme_years = sorted(sheet.costs_by_year)
    participants = np.full(
        n,
        discount(
            {y: sheet.participants * sheet.participant_benefit_per_year for y in programme_years}, rate, sheet.base_year
        ),
    )
    return victims, taxpayers, participants, prevented_total, prison_years


def _summarise(sheet: Sheet, victims, taxpayers, participants, rate: float):
    costs_pv = discount(sheet.costs_by_year, rate, sheet.base_year)
    # WSIPP's indirect benefits: taxes saved avoid their deadweight cost; taxes spent on the programme add it.
    indirect = sheet.deadweight * (taxpayers - costs_pv)
    total = victims + taxpayers + participants + indirect
    return costs_pv, indirect, total


def analyse(sheet: Sheet, *, rng: np.random.Generator, draws: int = 100_000) -> Result:
    """The sheet's central estimate, its Monte Carlo risk analysis and its sensitivity table."""
    if not sheet.costs_by_year or sum(sheet.costs_by_year.values()) <= 0:
        raise ValueError("La hoja necesita costos positivos por año.")
    missing = {c.crime_type for c in sheet.crimes} - {u.crime_type for u in sheet.unit_costs}
    if missing:
        raise ValueError("Faltan costos unitarios para: " + ", ".join(sorted(missing)) + ".")
    k = len(sheet.crimes)
    one = np.ones((1, max(k, 1)))
    centre = np.array([sheet.rate_ratio])
    victims, taxpayers, participants, prevented, prison_years = _benefits(sheet, centre, one, one, sheet.discount_rate)
    costs_pv, indirect, total = _summarise(sheet, victims, taxpayers, participants, sheet.discount_rate)

    # Monte Carlo: the effect on the log scale, unit costs triangular between low and high (one draw per type).
    log_ratio = rng.normal(np.log(sheet.rate_ratio), sheet.log_ratio_se, draws)
    by_type = {u.crime_type: u for u in sheet.unit_costs}
    lows = np.array([by_type[c.crime_type].low for c in sheet.crimes] or [1.0])
    highs = np.array([by_type[c.crime_type].high for c in sheet.crimes] or [1.0])
    victim_scale = rng.triangular(lows, np.ones_like(lows), highs, size=(draws, len(lows)))
    justice_scale = rng.triangular(lows, np.ones_like(lows), highs, size=(draws, len(lows)))
    mc = _benefits(sheet, np.exp(log_ratio), victim_scale, justice_scale, sheet.discount_rate)
    _, _, mc_total = _summarise(sheet, mc[0], mc[1], mc[2], sheet.discount_rate)
    mc_ratio = mc_total / costs_pv
    prison_cost = float(prison_years[0] * sheet.prison_year_cost)
    result = Result(
        costs_pv=costs_pv,
        benefits_pv={
            "victimas": float(victims[0]),
            "contribuyentes": float(taxpayers[0]),
            "participantes": float(participants[0]),
            "indirectos": float(indirect[0]),
        },
        total_benefits_pv=float(total[0]),
        net_present_value=float(total[0] - costs_pv),
        benefit_cost_ratio=float(total[0] / costs_pv),
        prevented_crimes=float(prevented[0]),
        cost_per_prevented_crime=float(costs_pv / prevented[0]) if prevented[0] > 0 else None,
        prison_cost_of_same_crimes=prison_cost,
        probability_benefits_exceed_costs=float((mc_total > costs_pv).mean()),
        ratio_interval=(float(np.quantile(mc_ratio, 0.05)), float(np.quantile(mc_ratio, 0.95))),
        npv_interval=(float(np.quantile(mc_total - costs_pv, 0.05)), float(np.quantile(mc_total - costs_pv, 0.95))),
        draws=draws,
        sensitivity=sensitivity(sheet),
        usd={
            "rate": sheet.usd_rate,
            "date": sheet.usd_rate_date.isoformat(),
            "costs_pv": costs_pv / sheet.usd_rate,
            "total_benefits_pv": float(total[0]) / sheet.usd_rate,
            "net_present_value": float(total[0] - costs_pv) / sheet.usd_rate,
        },
    )
    return result


def sensitivity(sheet: Sheet) -> list[dict]:
    """Net present value and ratio when one assumption moves: the discount rate, the effect at the ends of its
    95 % interval, unit costs at their low and high values."""
    k = max(len(sheet.crimes), 1)
    cases = [("Caso central", sheet.discount_rate, sheet.rate_ratio, 1.0, 1.0)]
    for rate in (0.0, 0.03, 0.05, 0.07):
        if rate != sheet.discount_rate:
            cases.append((f"Tasa de descuento {rate * 100:.0f} %", rate, sheet.rate_ratio, 1.0, 1.0))
    spread = 1.959963984540054 * sheet.log_ratio_se
    cases.append(
        (
            "Efecto en el extremo favorable del intervalo",
            sheet.discount_rate,
            sheet.rate_ratio * np.exp(-spread),
            1.0,
            1.0,
        )
    )
    cases.append(
        (
            "Efecto en el extremo desfavorable del intervalo",
            sheet.discount_rate,
            sheet.rate_ratio * np.exp(spread),
            1.0,
            1.0,
        )
    )
    by_type = {u.crime_type: u for u in sheet.unit_costs}
    low = np.array([[by_type[c.crime_type].low for c in sheet.crimes] or [1.0]])
    high = np.array([[by_type[c.crime_type].high for c in sheet.crimes] or [1.0]])
    rows = []
    for label, rate, ratio, *_ in cases:
        rows.append(_case(sheet, label, rate, ratio, np.ones((1, k)), np.ones((1, k))))
    rows.append(_case(sheet, "Costos unitarios bajos", sheet.discount_rate, sheet.rate_ratio, low, low))
    rows.append(_case(sheet, "Costos unitarios altos", sheet.discount_rate, sheet.rate_ratio, high, high))
    return rows


def _case(sheet: Sheet, label: str, rate: float, ratio: float, victim_scale, justice_scale) -> dict:
    victims, taxpayers, participants, _, _ = _benefits(sheet, np.array([ratio]), victim_scale, justice_scale, rate)
    costs_pv, _, total = _summarise(sheet, victims, taxpayers, participants, rate)
    return {
        "case": label,
        "net_present_value": float(total[0] - costs_pv),
        "benefit_cost_ratio": float(total[0] / costs_pv),
    }


def summary_sentence(result: Result, currency: str) -> str:
    """The sentence the one-page summary leads with."""
    low, high = result.ratio_interval
    return (
        f"Cada {currency} invertido devuelve {es_number(result.benefit_cost_ratio, 2)} (intervalo del 90 %: "
        f"{es_number(low, 2)} a {es_number(high, 2)}); la probabilidad de que los beneficios superen a los costos "
        f"es de {es_number(result.probability_benefits_exceed_costs * 100, 0)} %."
    )


def wsipp_arithmetic(perspectives: dict[str, float], net_programme_cost: float) -> dict[str, float]:
    """A WSIPP programme page's summary from its parts: total benefits, benefits minus costs and the ratio
    (``net_programme_cost`` is the positive cost; WSIPP prints it in parentheses)."""
    total = sum(perspectives.values())
    return {
        "total_benefits": total,
        "benefits_minus_costs": total - net_programme_cost,
        "benefit_cost_ratio": total / net_programme_cost,
    }


def by_perspective_labels(values: dict[str, float]) -> list[tuple[str, float]]:
    """Perspectives in WSIPP's order with their Spanish labels (for tables and charts)."""
    return [(PERSPECTIVE_LABELS[p], values.get(p, 0.0)) for p in PERSPECTIVES]
