"""Population by year from the official projection files (issue 9): CONAPO and INE as published, all or nothing."""

from __future__ import annotations

import pytest

from atalaya.cli import main
from atalaya.geo.models import Population
from atalaya.geo.services import PopulationFileRejected, load_populations, register_official


def populations(municipality):
    return dict(municipality.populations.filter(territory=None).values_list("year", "value"))


def test_conapo_file_is_summed_over_sex_and_age_for_registered_municipalities(neza, fixtures_dir):
    manual = populations(neza)
    load = load_populations(fixtures_dir / "conapo_municipios.csv")
    assert (load.shape, load.municipalities, load.years) == ("conapo", ["15058"], (2024, 2025))
    assert load.not_registered == 1  # Chimalhuacán is in the file but not registered: counted, not stored
    assert populations(neza) == {**manual, 2024: 1_080_500, 2025: 1_080_300}
    stored = Population.objects.get(municipality=neza, year=2024, territory=None)
    assert stored.source.startswith("CONAPO") and "conapo_municipios.csv" in stored.source
    again = load_populations(fixtures_dir / "conapo_municipios.csv")
    assert (again.added, again.changed, again.unchanged) == (0, 0, 2)


def test_ine_wide_file_of_comunas(penalolen, fixtures_dir):
    load = load_populations(fixtures_dir / "ine_proyecciones_comunas.csv")
    assert (load.shape, load.municipalities, load.years) == ("ine", ["13122"], (2020, 2022))
    assert populations(penalolen) == {2020: 4062, 2021: 4082, 2022: 4098}  # the registered 266,798 is replaced
    assert load.changed == 1 and load.added == 2


def test_a_truncated_download_is_refused_and_nothing_is_written(neza, fixtures_dir, tmp_path):
    lines = (fixtures_dir / "conapo_municipios.csv").read_bytes().splitlines(keepends=True)
    truncated = tmp_path / "base_municipios_final_datos_01.csv"
    truncated.write_bytes(b"".join(lines[:7]))  # 2024 complete, 2025 cut after two of its four rows
    before = populations(neza)
    with pytest.raises(PopulationFileRejected, match=r"truncado: Nezahualcóyotl \(15058\) tiene 2 fila\(s\) para 2025"):
        load_populations(truncated)
    assert populations(neza) == before


def test_bad_rows_of_a_registered_municipality_reject_the_file_others_only_warn(neza, fixtures_dir, tmp_path):
    text = (fixtures_dir / "conapo_municipios.csv").read_bytes().decode("latin-1")
    bad_ours = tmp_path / "a.csv"
    bad_ours.write_text(text.replace(",2024,pobm_05_mm,280300", ",2024,pobm_05_mm,doscientos"), encoding="latin-1")
    with pytest.raises(PopulationFileRejected, match="fila 4, columna «POB», valor «doscientos»"):
        load_populations(bad_ours)
    assert 2024 not in populations(neza)
    absurd = tmp_path / "b.csv"
    absurd.write_text(text.replace(",2024,pobm_05_mm,280300", ",2024,pobm_05_mm,999999999"), encoding="latin-1")
    with pytest.raises(PopulationFileRejected, match=r"entero entre 0 y 20\.000\.000"):
        load_populations(absurd)
    bad_theirs = tmp_path / "c.csv"
    bad_theirs.write_text(text.replace(",2025,pobm_05_mm,161300", ",2025,pobm_05_mm,-3"), encoding="latin-1")
    load = load_populations(bad_theirs)
    assert load.problems_elsewhere == 1 and populations(neza)[2025] == 1_080_300


def test_dry_run_and_a_file_of_other_municipalities(db, fixtures_dir, capsys):
    register_official("11007")  # Celaya: not in the file
    assert main(["municipality", "populations", str(fixtures_dir / "conapo_municipios.csv")]) == 1
    assert "no trae ningún municipio registrado de MX" in capsys.readouterr().err
    register_official("15058")
    assert main(["municipality", "populations", str(fixtures_dir / "conapo_municipios.csv"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Se guardarían: 2 nuevas" in out and "11007" in out  # Celaya is registered but missing from the file
    assert not Population.objects.exists()
    assert main(["municipality", "populations", str(fixtures_dir / "conapo_municipios.csv")]) == 0
    assert Population.objects.count() == 2
    assert main(["municipality", "populations", "no-existe.csv"]) == 2


def test_hostile_and_unrecognised_files(neza, tmp_path):
    odd = tmp_path / "x.csv"
    odd.write_text("municipio,habitantes\n<script>,12\n", encoding="utf-8")
    with pytest.raises(Exception, match="No se reconoce el archivo de población"):
        load_populations(odd)
    tidy = tmp_path / "t.csv"
    tidy.write_text("codigo,año,poblacion\n15058.0,2030,1 100 000\n", encoding="utf-8")
    assert load_populations(tidy, country="MX").years == (2030, 2030)
    assert populations(neza)[2030] == 1_100_000


def test_ine_file_as_the_xlsx_it_is_published_in(penalolen, fixtures_dir, tmp_path):
    import polars as pl

    xlsx = tmp_path / "estimaciones-y-proyecciones-2002-2035-comunas.xlsx"
    pl.read_csv(fixtures_dir / "ine_proyecciones_comunas.csv").write_excel(xlsx)
    assert load_populations(xlsx).shape == "ine"
    assert populations(penalolen)[2021] == 4082
