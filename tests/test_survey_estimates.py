"""Design-based survey estimates equal R ``survey``'s on ENSU-format microdata (reference values in
``tests/fixtures/surveys``, made by ``ensu_reference.R``; R is not needed to run these tests)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from atalaya.analysis.problems import FileRejected
from atalaya.analysis.surveys import ensu
from atalaya.analysis.surveys.design import DesignError, SurveyDesign, domain_estimates, precision
from atalaya.analysis.surveys.estimates import DesignColumns, SurveyIndicator, changes, estimate, rank_domains

FIXTURES = Path(__file__).parent / "fixtures" / "surveys"
QUARTERS = {"0123": "conjunto_de_datos_ensu_cb_0323.csv", "0223": "conjunto_de_datos_ensu_cb_0623.csv"}
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def cb() -> pl.DataFrame:
    frames = []
    for name in QUARTERS.values():
        result = ensu.read_cb(FIXTURES / name)
        assert not result.has_errors, result.problems
        frames.append(result.frame)
    return pl.concat(frames, how="diagonal")


@pytest.fixture(scope="module")
def reference() -> pl.DataFrame:
    return pl.read_csv(
        FIXTURES / "ensu_reference.csv",
        schema_overrides={"period": pl.String, "city": pl.String, "sex": pl.String},
    ).with_columns(pl.col("city", "sex").fill_null(""))


def _compare(ours: pl.DataFrame, theirs: pl.DataFrame, on: list[str]) -> int:
    joined = theirs.join(ours, on=on, how="left", suffix="_ours")
    assert joined.get_column("estimate_ours").null_count() == 0, "a reference cell is missing from our estimates"
    for column in ("estimate", "se", "ci_low", "ci_high"):
        gap = (joined.get_column(column) - joined.get_column(f"{column}_ours")).abs().max()
        assert gap < TOLERANCE, f"{column} differs from R by {gap}"
    return joined.height


def test_whole_survey_and_cities_equal_r(cb, reference):
    compared = 0
    for period in QUARTERS:
        quarter = cb.filter(pl.col("PER") == period)
        whole = estimate(quarter, ensu.DESIGN, ensu.INDICATORS).with_columns(period=pl.lit(period))
        compared += _compare(
            whole, reference.filter((pl.col("period") == period) & (pl.col("city") == "")), ["indicator", "period"]
        )
        by_city = estimate(quarter, ensu.DESIGN, ensu.INDICATORS, by=["CD"]).rename({"CD": "city"})
        theirs = reference.filter((pl.col("period") == period) & (pl.col("city") != "") & (pl.col("sex") == ""))
        compared += _compare(by_city, theirs, ["indicator", "city"])
    assert compared == 2 * 4 * 7


def test_city_by_sex_domains_equal_r(cb, reference):
    quarter = cb.filter(pl.col("PER") == "0223")
    ours = estimate(quarter, ensu.DESIGN, ensu.INDICATORS, by=["CD", "SEXO"]).rename({"CD": "city", "SEXO": "sex"})
    theirs = reference.filter((pl.col("period") == "0223") & (pl.col("sex") != ""))
    assert _compare(ours, theirs, ["indicator", "city", "sex"]) == 4 * 12


def test_quarter_changes_count_the_panel_covariance(cb):
    theirs = pl.read_csv(FIXTURES / "ensu_reference_changes.csv", schema_overrides={"city": pl.String})
    ours = changes(cb, ensu.DESIGN, ensu.INDICATORS, between="PER", before="0123", after="0223", by=["CD"])
    joined = theirs.join(ours.rename({"CD": "city"}), on=["indicator", "city"], suffix="_ours")
    assert joined.height == theirs.height == 24
    assert (joined["change"] - joined["change_ours"]).abs().max() < TOLERANCE
    assert (joined["se"] - joined["se_ours"]).abs().max() < TOLERANCE
    # Treating the quarters as independent samples would give another SE: the covariance matters here.
    quarters = estimate(cb, ensu.DESIGN, ensu.INDICATORS, by=["CD", "PER"])
    independent = quarters.group_by("indicator", "CD").agg((pl.col("se") ** 2).sum().sqrt().alias("se_indep"))
    check = ours.join(independent, on=["indicator", "CD"])
    assert ((check["se"] - check["se_indep"]).abs() > 1e-4).any()


def test_precision_levels_and_small_cells(cb):
    results = estimate(cb.filter(pl.col("PER") == "0123"), ensu.DESIGN, ensu.INDICATORS, by=["CD", "SEXO", "EDAD"])
    tiny = results.filter(pl.col("respondents") < 30)
    assert tiny.height > 0 and set(tiny["precision"]) == {"baja"}
    assert precision(10.0, 500) == "alta"
    assert precision(15.0, 500) == "moderada"
    assert precision(29.9, 500) == "moderada"
    assert precision(30.0, 500) == "baja"


def test_ranking_gives_rank_ranges(cb):
    trust = estimate(cb.filter(pl.col("PER") == "0223"), ensu.DESIGN, ensu.INDICATORS, by=["CD"]).filter(
        pl.col("indicator") == "confianza_policia_municipal"
    )
    ranking = rank_domains(trust, "CD", higher_is_better=True)
    assert ranking["rank"].to_list() == list(range(1, 7))
    assert (ranking["best_rank"] <= ranking["rank"]).all() and (ranking["rank"] <= ranking["worst_rank"]).all()
    # Nezahualcóyotl's synthetic trust (~70 %) is far above Ecatepec's (~30 %): their ranges do not overlap.
    neza, ecatepec = (ranking.filter(pl.col("CD") == code).row(0, named=True) for code in ("28", "27"))
    assert neza["worst_rank"] < ecatepec["best_rank"]


def test_finite_population_correction_shrinks_the_variance():
    frame = pl.DataFrame({"h": [1, 1, 1, 2, 2, 2], "p": [1, 2, 3, 4, 5, 6], "w": [2.0] * 6, "y": [1, 0, 1, 0, 0, 1]})
    plain = SurveyDesign.from_frame(frame, weight="w", psu="p", stratum="h")
    domain = np.zeros(6, dtype=np.int64)
    se_plain = domain_estimates(plain, frame["y"].to_numpy(), domain, 1).se[0]
    corrected = SurveyDesign.from_frame(frame.with_columns(N=pl.lit(6)), weight="w", psu="p", stratum="h", fpc="N")
    se_fpc = domain_estimates(corrected, frame["y"].to_numpy(), domain, 1).se[0]
    assert se_fpc == pytest.approx(se_plain * np.sqrt(1 - 3 / 6))
    # By hand from the definition: r = 1/2, z = w·(y − r)/Σw, each unit its own total, n_h/(n_h − 1) = 3/2.
    z = 2 * (frame["y"].to_numpy() - 0.5) / 12
    by_stratum = [z[:3], z[3:]]
    variance = sum(3 / 2 * ((t - t.mean()) ** 2).sum() for t in by_stratum)
    assert se_plain == pytest.approx(np.sqrt(variance))


def test_lonely_primary_units_fail_in_spanish():
    frame = pl.DataFrame({"h": [1, 2, 2], "p": [1, 2, 3], "w": [1.0, 1.0, 1.0]})
    with pytest.raises(DesignError, match="una sola unidad primaria"):
        SurveyDesign.from_frame(frame, weight="w", psu="p", stratum="h")
    design = SurveyDesign.from_frame(frame, weight="w", psu="p", stratum="h", lonely="certainty")
    assert design.psus_in_stratum.tolist() == [1, 2]


def test_weights_must_be_positive():
    frame = pl.DataFrame({"p": [1, 2], "w": [1.0, 0.0]})
    with pytest.raises(DesignError, match="factor de expansión"):
        SurveyDesign.from_frame(frame, weight="w", psu="p")


def test_generic_mean_and_subpopulation():
    """A mean that is not a proportion gets a Wald interval; a subpopulation leaves the rest out."""
    frame = pl.DataFrame({"s": [1, 1, 2, 2], "p": [1, 2, 3, 4], "w": [1.0, 3.0, 2.0, 2.0], "score": [4, 8, 6, 10]})
    score = SurveyIndicator("puntaje", "Puntaje de confianza (0-10)", "score")
    result = estimate(frame, DesignColumns("w", "p", "s"), [score]).row(0, named=True)
    assert result["estimate"] == pytest.approx((4 + 24 + 12 + 20) / 8)
    assert result["ci_low"] < result["estimate"] < result["ci_high"]


# --- the CB reader -------------------------------------------------------------------------------------------------


def test_reader_finds_the_cb_table_inside_inegis_zip(tmp_path):
    package = tmp_path / "conjunto_de_datos_ensu_2023_1t_csv.zip"
    with zipfile.ZipFile(package, "w") as archive:
        folder = "conjunto_de_datos_ensu_cb_0323"
        archive.write(FIXTURES / QUARTERS["0123"], f"{folder}/conjunto_de_datos/{QUARTERS['0123']}")
        archive.writestr(f"{folder}/diccionario_de_datos/diccionario_de_datos_ensu_cb_0323.csv", "a,b\r1,2\r")
        archive.writestr(f"{folder}/catalogos/cd.csv", "CD,descrip\r28,Ciudad Nezahualcóyotl \r")
    result = ensu.read_cb(package)
    assert not result.has_errors and result.rows_read == 1152
    assert result.meta["periods"] == ["0123"] and result.meta["member"].endswith(QUARTERS["0123"])


def test_reader_upper_cases_old_lower_case_names(tmp_path):
    text = (FIXTURES / QUARTERS["0123"]).read_text(encoding="utf-8-sig")
    header, rest = text.split("\n", 1)
    old = tmp_path / "ensu_cb_0117.csv"
    old.write_text(header.lower() + "\n" + rest, encoding="utf-8")
    assert ensu.read_cb(old).frame.columns[1:4] == ["ID_VIV", "ID_PER", "UPM"]


def test_reader_reports_row_column_value_and_reason(tmp_path):
    lines = (FIXTURES / QUARTERS["0123"]).read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    row = lines[5].split(",")
    row[header.index("BP1_1")] = "7"
    row[header.index("FAC_SEL")] = "-3"
    lines[5] = ",".join(row)
    bad = tmp_path / "cb.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    problems = ensu.read_cb(bad).problems
    assert problems.select("row", "column", "value").rows() == [(6, "BP1_1", "7"), (6, "FAC_SEL", "-3")]
    assert "catálogo" in problems["reason"][0] and "positivo" in problems["reason"][1]


def test_reader_refuses_a_file_that_is_not_ensu(tmp_path):
    other = tmp_path / "otra.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(FileRejected, match="No es una tabla CB de la ENSU"):
        ensu.read_cb(other)


def test_quarter_label():
    assert ensu.quarter_label("0223") == "2023-T2"
    assert ensu.quarter_label("0117") == "2017-T1"
    with pytest.raises(ValueError):
        ensu.quarter_label("0623")
