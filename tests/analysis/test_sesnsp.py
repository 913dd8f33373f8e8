"""SESNSP municipal files: the real header, Windows-1252, blank months, codes without leading zero."""

import datetime as dt

import polars as pl
import pytest

from atalaya.analysis.problems import FileRejected
from atalaya.analysis.readers import sesnsp


def test_reads_cp1252_wide_file_into_long_counts(fixtures_dir):
    result = sesnsp.read(fixtures_dir / "sesnsp_delitos_cp1252.csv")
    assert result.meta["encoding"] == "cp1252"
    assert result.rows_read == 8
    assert not result.has_errors
    frame = result.frame
    # 6 full years of 12 months for 4 rows + 6 published months for 4 rows of 2026
    assert frame.height == 4 * 12 + 4 * 6
    assert set(frame.get_column("municipality_code")) == {"15058", "15999", "02004"}
    robo = frame.filter(
        (pl.col("category_path") == "Robo / Robo a negocio / Con violencia")
        & (pl.col("period_start") == dt.date(2025, 3, 1))
    )
    assert robo.get_column("count").to_list() == [1204]  # thousands separator
    assert frame.get_column("municipality_name").to_list()[0] == "Nezahualcóyotl"


def test_blank_months_are_not_published_not_zero(fixtures_dir):
    frame = sesnsp.read(fixtures_dir / "sesnsp_delitos_cp1252.csv").frame
    neza_2026 = frame.filter((pl.col("municipality_code") == "15058") & (pl.col("period_start").dt.year() == 2026))
    assert neza_2026.get_column("period_start").max() == dt.date(2026, 6, 1)
    assert 0 in frame.get_column("count").to_list()  # explicit zeros stay


def test_victims_file_keeps_sex_and_age(fixtures_dir):
    result = sesnsp.read_victims(fixtures_dir / "sesnsp_victimas_utf8.csv")
    assert result.meta["measure"] == "victimas"
    women = result.frame.filter(pl.col("sex") == "Mujer")
    assert women.get_column("count").sum() == 3
    assert set(result.frame.get_column("age_group")) == {"Adultos (18 y más)", "Menores de edad (0-17)"}


def test_bad_counts_are_reported_with_row_column_value_reason(tmp_path, fixtures_dir):
    text = (fixtures_dir / "sesnsp_delitos_cp1252.csv").read_bytes().decode("cp1252")
    lines = text.splitlines()
    lines[1] = lines[1].replace(",3,2,4,", ",3,dos,-4,")
    path = tmp_path / "malo.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    problems = sesnsp.read(path).problems.to_dicts()
    assert {
        "row": 2,
        "column": "Febrero",
        "value": "dos",
        "reason": "El conteo no es un número entero.",
        "severity": "error",
    } in problems
    assert any(p["column"] == "Marzo" and p["value"] == "-4" and "negativo" in p["reason"] for p in problems)


def test_state_file_is_refused_clearly(tmp_path):
    path = tmp_path / "estatal.csv"
    path.write_text(
        "Año,Clave_Ent,Entidad,Bien jurídico afectado,Tipo de delito,Subtipo de delito,Modalidad,Enero\n"
        "2025,15,México,El patrimonio,Robo,Robo a negocio,Con violencia,1\n",
        encoding="utf-8",
    )
    with pytest.raises(FileRejected, match=r"Cve\. Municipio"):
        sesnsp.read(path)


def test_missing_month_columns_are_listed(tmp_path):
    path = tmp_path / "corto.csv"
    path.write_text(
        "Año,Clave_Ent,Entidad,Cve. Municipio,Municipio,Bien jurídico afectado,Tipo de delito,"
        "Subtipo de delito,Modalidad,Enero\n",
        encoding="utf-8",
    )
    with pytest.raises(FileRejected, match="Faltan columnas obligatorias: abril"):
        sesnsp.read(path)


def test_duplicate_rows_are_errors(tmp_path, fixtures_dir):
    lines = (fixtures_dir / "sesnsp_delitos_cp1252.csv").read_bytes().decode("cp1252").splitlines()
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([*lines, lines[1]]), encoding="utf-8")
    problems = sesnsp.read(path).problems
    assert problems.filter(pl.col("reason").str.contains("duplicada")).get_column("row").to_list() == [10]
