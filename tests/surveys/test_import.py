"""Importing surveys: ENSU quarters for Nezahualcóyotl (estimates, the panel's changes, the public table), the
ENUSC through its saved mapping, and every way a file is refused with nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from atalaya.analysis.surveys import generic
from atalaya.surveys import services
from atalaya.surveys.models import PublicSurveyEstimate, SurveyChange, SurveyDataset, SurveyEstimate, SurveyMapping

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[1] / "fixtures" / "surveys"
Q1, Q2 = FIXTURES / "conjunto_de_datos_ensu_cb_0323.csv", FIXTURES / "conjunto_de_datos_ensu_cb_0623.csv"


@pytest.fixture
def neza_municipality(db):
    from atalaya.geo.services import register_municipality

    return register_municipality("15058", "Nezahualcóyotl", country="MX", region="Estado de México")


@pytest.fixture
def two_quarters(neza_municipality, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return [services.import_survey(path, neza_municipality) for path in (Q1, Q2)]


def test_ensu_quarters_give_estimates_changes_and_public_figures(two_quarters, neza_municipality):
    first, second = two_quarters
    assert first.city_code == "28" and first.periods == ["0123"] and first.rows == 1152
    assert Path(second.microdata_path).exists()
    # 4 indicators in the file (the others' variables are absent) × (1 total + 6 cities + 12 city × sex) per quarter
    assert SurveyEstimate.objects.filter(dataset=first).count() == 4 * 19
    trust = SurveyEstimate.objects.get(
        dataset=second, indicator="confianza_policia_municipal", domain="ciudad", city="28"
    )
    assert trust.city_name == "Ciudad Nezahualcóyotl" and trust.higher_is_better
    # the quarter-to-quarter changes of the 6 cities, estimated in one stacked design
    assert SurveyChange.objects.filter(municipality=neza_municipality).count() == 4 * 6
    public = PublicSurveyEstimate.objects.filter(municipality=neza_municipality)
    assert public.count() == 4 * 2  # the municipality's own city only
    assert set(public.values_list("period", flat=True)) == {"2023-T1", "2023-T2"}
    assert public.filter(period="2023-T2").exclude(change_significant=None).count() == 4


def test_the_headline_places_the_city_among_the_others(two_quarters, neza_municipality):
    headline = services.headline(neza_municipality)
    assert headline["period"] == "0223" and headline["period_label"] == "2023-T2"
    trust = next(i for i in headline["items"] if i["estimate"].indicator == "confianza_policia_municipal")
    assert trust["cities"] == 6 and trust["rank"]["best_rank"] <= trust["rank"]["rank"] <= trust["rank"]["worst_rank"]
    assert trust["change"] is not None


def test_the_same_file_twice_is_refused(two_quarters, neza_municipality):
    with pytest.raises(services.SurveyRejected, match="ya fue importado"):
        services.import_survey(Q1, neza_municipality)


def test_a_municipality_outside_the_sample_is_refused(settings, tmp_path):
    from atalaya.geo.services import register_municipality

    settings.DATA_DIR = tmp_path
    penalolen = register_municipality("13122", "Peñalolén", country="CL", region="Metropolitana")
    with pytest.raises(services.SurveyRejected, match="no tiene respuestas de Peñalolén"):
        services.import_survey(Q1, penalolen)
    assert not SurveyDataset.objects.exists() and not list(tmp_path.rglob("*.parquet"))


def test_a_bad_file_writes_nothing(neza_municipality, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "datos"
    lines = Q1.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    row = lines[10].split(",")
    row[header.index("BP1_9_1")] = "<script>alert(1)</script>"
    lines[10] = ",".join(row)
    bad = tmp_path / "cb.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(services.SurveyRejected) as caught:
        services.import_survey(bad, neza_municipality)
    problem = caught.value.problems.row(0, named=True)
    assert (problem["row"], problem["column"], problem["value"]) == (11, "BP1_9_1", "<script>alert(1)</script>")
    assert not SurveyDataset.objects.exists() and not SurveyEstimate.objects.exists()


def test_a_truncated_file_is_refused(neza_municipality, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "datos"
    cut = tmp_path / "cortado.csv"
    data = Q1.read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # cut in the middle of a row: a short last line
    with pytest.raises(services.SurveyRejected):
        services.import_survey(cut, neza_municipality)
    assert not SurveyDataset.objects.exists()


def test_deleting_an_import_recomputes(two_quarters, neza_municipality):
    services.delete_dataset(two_quarters[1])
    assert not SurveyChange.objects.filter(municipality=neza_municipality).exists()
    assert set(PublicSurveyEstimate.objects.values_list("period", flat=True)) == {"2023-T1"}
    assert not Path(two_quarters[1].microdata_path).exists()


def test_enusc_through_the_saved_mapping(settings, tmp_path):
    from atalaya.geo.services import register_municipality

    settings.DATA_DIR = tmp_path
    penalolen = register_municipality("13122", "Peñalolén", country="CL", region="Metropolitana")
    mapping = SurveyMapping.objects.create(
        municipality=penalolen,
        name=generic.ENUSC["name"],
        design={**generic.ENUSC["design"], "sex": "sexo"},
        indicators=generic.ENUSC["indicators"],
        domain_code="13122",
    )
    dataset = services.import_survey(
        FIXTURES / "enusc_sintetica_2023.csv", penalolen, kind="generica", mapping=mapping, period="2023"
    )
    assert dataset.city_code == "13122" and dataset.rows == 480
    victims = SurveyEstimate.objects.get(
        dataset=dataset, indicator="victimizacion_hogar", domain="ciudad", city="13122"
    )
    assert 0 < victims.estimate < 1 and victims.respondents == 120
    assert PublicSurveyEstimate.objects.filter(municipality=penalolen, period="2023").count() == 2


def test_generic_survey_without_its_columns_is_refused(settings, tmp_path):
    from atalaya.geo.services import register_municipality

    settings.DATA_DIR = tmp_path
    penalolen = register_municipality("13122", "Peñalolén", country="CL", region="Metropolitana")
    mapping = SurveyMapping.objects.create(
        municipality=penalolen,
        name="otra",
        design={"weight": "Factor", "domain": "comuna"},
        indicators=[{"code": "x", "variable": "P1", "success": [1]}],
    )
    copy = tmp_path / "enusc.csv"
    shutil.copy(FIXTURES / "enusc_sintetica_2023.csv", copy)
    with pytest.raises(services.SurveyRejected, match="Faltan columnas del mapeo"):
        services.import_survey(copy, penalolen, kind="generica", mapping=mapping, period="2023")


def test_cities_are_compared_with_the_municipalitys_own(two_quarters, neza_municipality):
    table = services.city_table(neza_municipality, "confianza_policia_municipal", "0223")
    rows = {r["CD"]: r for r in table.to_dicts()}
    assert rows["28"]["difference"] == 0 and not rows["28"]["different"]
    assert rows["27"]["different"] and rows["27"]["difference"] < -0.2  # Ecatepec's trust is far below Neza's
    assert table.get_column("rank").to_list() == sorted(table.get_column("rank").to_list())


def test_estimates_from_the_command_line(two_quarters, capsys):
    from atalaya.cli import main

    assert (
        main(
            [
                "surveys",
                "estimates",
                "--municipality",
                "15058",
                "--indicator",
                "confianza_policia_municipal",
                "--domain",
                "ciudad",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("encuesta,indicador,periodo,dominio,ciudad,nombre_ciudad")
    assert len(lines) == 1 + 2 * 6  # two quarters × six cities
