"""Benefit-cost analysis: a hand-computed sheet, WSIPP's published arithmetic, the Monte Carlo risk and the
sensitivity table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from atalaya.analysis.costbenefit import (
    CrimeEffect,
    Sheet,
    UnitCost,
    analyse,
    discount,
    summary_sentence,
    wsipp_arithmetic,
)


def _sheet(**changes) -> Sheet:
    values = {
        "costs_by_year": {2023: 1_000_000.0, 2024: 1_000_000.0},
        "base_year": 2023,
        "discount_rate": 0.05,
        "currency": "MXN",
        "usd_rate": 17.0,
        "usd_rate_date": dt.date(2023, 12, 29),
        "rate_ratio": 0.8,
        "log_ratio_se": 0.1,
        "crimes": [CrimeEffect("robo_transeunte", {2023: 400.0, 2024: 400.0})],
        "unit_costs": [UnitCost("robo_transeunte", victim=6_000.0, justice=2_000.0, prison_years=0.1)],
        "prison_year_cost": 60_000.0,
    }
    return Sheet(**(values | changes))


def test_hand_computed_sheet():
    """By hand: ratio 0.8 → 400·(1/0.8 − 1) = 100 robberies prevented each year. Each costs 6,000 to its victim
    and 2,000 + 0.1·60,000 = 8,000 to the justice system. Discounted at 5 % to 2023:
    costs 1,000,000 + 1,000,000/1.05 = 1,952,380.95; victims 600,000·(1 + 1/1.05) = 1,171,428.57;
    taxpayers 800,000·(1 + 1/1.05) = 1,561,904.76; total 2,733,333.33; NPV 780,952.38; ratio 1.4."""
    result = analyse(_sheet(), rng=np.random.default_rng(7), draws=20_000)
    assert result.costs_pv == pytest.approx(1_952_380.952, abs=0.01)
    assert result.benefits_pv["victimas"] == pytest.approx(1_171_428.571, abs=0.01)
    assert result.benefits_pv["contribuyentes"] == pytest.approx(1_561_904.762, abs=0.01)
    assert result.total_benefits_pv == pytest.approx(2_733_333.333, abs=0.01)
    assert result.net_present_value == pytest.approx(780_952.381, abs=0.01)
    assert result.benefit_cost_ratio == pytest.approx(1.4)
    assert result.prevented_crimes == pytest.approx(200)
    # The seed's comparison: 1,952,380.95 / 200 = 9,761.90 per robbery prevented, against 200 × 0.1 prison-years
    # × 60,000 = 1,200,000 of imprisonment for the same robberies.
    assert result.cost_per_prevented_crime == pytest.approx(9_761.905, abs=0.01)
    assert result.prison_cost_of_same_crimes == pytest.approx(1_200_000)
    assert result.usd["costs_pv"] == pytest.approx(1_952_380.952 / 17, abs=0.01)


def test_monte_carlo_is_reproducible_and_sensible():
    first = analyse(_sheet(), rng=np.random.default_rng(7), draws=20_000)
    second = analyse(_sheet(), rng=np.random.default_rng(7), draws=20_000)
    assert first.probability_benefits_exceed_costs == second.probability_benefits_exceed_costs
    low, high = first.ratio_interval
    assert low < first.benefit_cost_ratio < high
    assert 0.5 < first.probability_benefits_exceed_costs < 1
    # A programme with no effect never pays; a very precise large effect almost always does.
    assert (
        analyse(
            _sheet(rate_ratio=1.0, log_ratio_se=0.0), rng=np.random.default_rng(1), draws=2000
        ).probability_benefits_exceed_costs
        == 0
    )
    sure = analyse(_sheet(rate_ratio=0.5, log_ratio_se=0.01), rng=np.random.default_rng(1), draws=2000)
    assert sure.probability_benefits_exceed_costs == 1


def test_sensitivity_moves_the_right_way():
    rows = {row["case"]: row for row in analyse(_sheet(), rng=np.random.default_rng(3), draws=1000).sensitivity}
    central = rows["Caso central"]["benefit_cost_ratio"]
    assert rows["Efecto en el extremo favorable del intervalo"]["benefit_cost_ratio"] > central
    assert rows["Efecto en el extremo desfavorable del intervalo"]["benefit_cost_ratio"] < central
    assert rows["Costos unitarios bajos"]["benefit_cost_ratio"] == pytest.approx(central * 0.5)
    assert rows["Tasa de descuento 0 %"]["benefit_cost_ratio"] == pytest.approx(1.4)  # both years alike undiscounted


def test_wsipp_published_page_arithmetic():
    """WSIPP, Functional Family Therapy (youth on probation), benefit-cost estimates of May 2017 (2016 dollars):
    taxpayers $8,017, participants $1,507, others $19,378, indirect $1,890; net programme cost ($3,470); the page
    prints total benefits $30,792, benefits minus costs $27,322 and a benefit to cost ratio of $8.87."""
    page = wsipp_arithmetic(
        {"contribuyentes": 8_017, "participantes": 1_507, "victimas": 19_378, "indirectos": 1_890}, 3_470
    )
    assert page["total_benefits"] == 30_792
    assert page["benefits_minus_costs"] == 27_322
    assert round(page["benefit_cost_ratio"], 2) == 8.87


def test_discounting():
    assert discount({2020: 100.0, 2021: 105.0}, 0.05, 2020) == pytest.approx(200.0)
    assert discount({2019: 100.0}, 0.05, 2020) == pytest.approx(105.0)  # earlier years are compounded


def test_summary_sentence_in_spanish():
    sentence = summary_sentence(analyse(_sheet(), rng=np.random.default_rng(7), draws=5000), "peso")
    assert sentence.startswith("Cada peso invertido devuelve 1,40 (intervalo del 90 %:")


def test_missing_unit_costs_are_an_error():
    with pytest.raises(ValueError, match="Faltan costos unitarios para: homicidio"):
        analyse(_sheet(crimes=[CrimeEffect("homicidio", {2023: 5.0})]), rng=np.random.default_rng(1), draws=100)
