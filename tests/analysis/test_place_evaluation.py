"""Before/after with a comparison area and the displacement check, against published and hand-computed values."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from atalaya.analysis.evaluation import PlaceCounts, evaluate_place

#: The example of R ``ptools::wdd`` (Wheeler & Ratcliffe 2018): treated, control, displacement area, its control.
PTOOLS = dict(
    response_before=207,
    response_after=110,
    control_before=308,
    control_after=318,
    buffer_before=178,
    buffer_after=157,
    buffer_control_before=150,
    buffer_control_after=140,
)


def test_wdd_with_area_weights_matches_the_published_ptools_example():
    """ptools' documentation: ``area_weights = c(0.9, 1.2, 1.6, 1.5)`` gives «Estimate -91.9 (31.5) for local»."""
    result = evaluate_place(PlaceCounts(**PTOOLS, areas=(1.2, 0.9, 1.5, 1.6)))
    assert result.wdd_local == pytest.approx(-91.94, abs=0.01)
    assert result.wdd_local_se == pytest.approx(31.51, abs=0.01)


def test_wdd_with_unequal_periods_matches_wheelers_worked_example():
    """Two years before, one after; treated 80 → 20, control 100 → 50 (Wheeler 2021): per year the estimate is
    (20 − 40) − (50 − 50) = −20 with variance 80/4 + 20 + 100/4 + 50 = 115; as raw counts −10 with variance 250."""
    per_year = evaluate_place(PlaceCounts(80, 20, 100, 50, before_length=2, after_length=1))
    assert per_year.wdd_total == pytest.approx(-20)
    assert per_year.wdd_total_se == pytest.approx(math.sqrt(115))
    raw = evaluate_place(PlaceCounts(80, 20, 100, 50))
    assert raw.wdd_total == pytest.approx(-10)
    assert raw.wdd_total_se == pytest.approx(math.sqrt(250))
    assert raw.wdd_lower < 0 < raw.wdd_upper  # −10 ± 31: the blog's «not statistically significant»


def test_bowers_johnson_measures_by_hand():
    """The POP Center tool guide's formulas (appendix B) on the ptools counts, one control for both areas."""
    counts = PlaceCounts(207, 110, 308, 318, 178, 157)
    result = evaluate_place(counts)
    success = 110 / 318 - 207 / 308
    buffer = 157 / 318 - 178 / 308
    assert result.gross_effect == 97
    assert result.net_effect == pytest.approx(207 / 308 - 110 / 318)
    assert result.success_measure == pytest.approx(success) == pytest.approx(-0.326166, abs=1e-6)
    assert result.buffer_displacement_measure == pytest.approx(buffer) == pytest.approx(-0.084211, abs=1e-6)
    assert result.wdq == pytest.approx(buffer / success) == pytest.approx(0.25819, abs=1e-5)
    assert result.total_net_effect == pytest.approx((207 * 318 / 308 - 110) + (178 * 318 / 308 - 157))
    assert result.total_net_effect == pytest.approx(130.5)
    assert result.verdict == "reduccion"
    assert "difusión de beneficios" in result.summary and "0,26" in result.summary


def test_complete_displacement_gives_wdq_of_minus_one():
    """Response area halves, buffer rises by as much, control flat: WDQ = 0.5 / −0.5 = −1 and no net gain."""
    result = evaluate_place(PlaceCounts(100, 50, 100, 100, 100, 150))
    assert result.wdq == pytest.approx(-1.0)
    assert result.total_net_effect == pytest.approx(0.0)
    assert result.wdd_total == pytest.approx(0.0)
    assert result.verdict == "reduccion_anulada"


def test_displacement_larger_than_the_reduction():
    result = evaluate_place(PlaceCounts(400, 200, 500, 500, 300, 700))
    assert result.wdq == pytest.approx((700 / 500 - 300 / 500) / (200 / 500 - 400 / 500))  # −2
    assert result.verdict == "reduccion_anulada"
    assert "superó la reducción" in result.summary


def test_an_increase_against_the_control():
    result = evaluate_place(PlaceCounts(100, 200, 400, 400))
    assert result.rate_ratio == pytest.approx(2.0)
    assert result.verdict == "aumento"


def test_partial_displacement_is_named():
    result = evaluate_place(PlaceCounts(400, 200, 500, 500, 300, 350))
    assert -1 < result.wdq < 0
    assert result.verdict == "reduccion_con_desplazamiento"
    assert "algo de desplazamiento" in result.summary


def test_rate_ratio_interval_and_the_exact_tests():
    """Farrington & Welsh's relative effect with var(log) = 1/a + 1/b + 1/c + 1/d; after against before with the
    indicators' exact test; against the control with Fisher's exact test of the 2 × 2 table."""
    result = evaluate_place(PlaceCounts(207, 110, 308, 318))
    ratio = (110 / 207) / (318 / 308)
    half = stats.norm.ppf(0.975) * math.sqrt(1 / 207 + 1 / 110 + 1 / 308 + 1 / 318)
    assert result.rate_ratio == pytest.approx(ratio)
    assert result.rate_ratio_lower == pytest.approx(ratio * math.exp(-half))
    assert result.rate_ratio_upper == pytest.approx(ratio * math.exp(half))
    expected = min(1.0, 2 * min(stats.binom.cdf(110, 317, 0.5), stats.binom.sf(109, 317, 0.5)))
    assert result.p_value_before_after == pytest.approx(expected)
    assert result.p_value_vs_control == pytest.approx(3.2975e-06, rel=1e-4)


def test_a_reduction_the_control_shares_is_not_the_responses():
    """Both areas halve: the response area's own test is significant, the comparison with the control is not."""
    result = evaluate_place(PlaceCounts(200, 100, 400, 200))
    assert result.p_value_before_after < 0.001
    assert result.p_value_vs_control == pytest.approx(1.0)
    assert result.rate_ratio == pytest.approx(1.0)
    assert result.verdict == "sin_efecto_claro"


def test_zero_counts_leave_ratios_undefined_but_the_difference_stands():
    result = evaluate_place(PlaceCounts(5, 0, 0, 3, 2, 2))
    assert result.net_effect is None and result.wdq is None and result.rate_ratio is None
    assert result.wdd_local == pytest.approx((0 - 5) - (3 - 0))
    assert result.p_value_vs_control == pytest.approx(0.017857, abs=1e-6)  # Fisher, [[5, 0], [0, 3]]


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(response_before=-1), "entero no negativo"),
        (dict(control_after=2.5), "entero no negativo"),
        (dict(before_length=0), "número positivo"),
        (dict(after_length=float("nan")), "número positivo"),
        (dict(buffer_before=3), "amortiguación"),
        (dict(areas=(1.0, 0.0, 1.0, 1.0)), "superficies"),
    ],
)
def test_bad_input_is_refused_in_spanish(bad, message):
    values = dict(response_before=10, response_after=5, control_before=10, control_after=10) | bad
    with pytest.raises(ValueError, match=message):
        evaluate_place(PlaceCounts(**values))


def test_same_input_same_output():
    counts = PlaceCounts(**PTOOLS)
    assert evaluate_place(counts) == evaluate_place(counts)
    assert evaluate_place(counts, level=0.9).wdd_upper < evaluate_place(counts).wdd_upper
