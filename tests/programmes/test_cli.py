"""The evaluation methods and the programmes from the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from atalaya.cli import main

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_did_and_its_on_files(tmp_path, capsys):
    assert (
        main(
            [
                "evaluate",
                "did",
                str(FIXTURES / "evaluation" / "did_panel.csv"),
                "--period",
                "month",
                "--exposure",
                "population",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("Diferencias en diferencias: 25 % menos hechos")
    sicily = pl.read_csv(FIXTURES / "evaluation" / "sicily.csv").with_columns(
        period=pl.date(pl.col("year"), pl.col("month"), 1)
    )
    path = tmp_path / "sicily.csv"
    sicily.write_csv(path)
    assert (
        main(
            [
                "evaluate",
                "its",
                str(path),
                "--start",
                "2005-01-01",
                "--count",
                "aces",
                "--exposure",
                "stdpop",
                "--no-slope",
                "--json",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "11 % menos hechos" in out and "p < 0,001" in out and '"rate_ratio": 0.885' in out


def test_bad_input_is_refused_in_spanish(tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["evaluate", "did", str(path)]) == 2
    assert "faltan columnas" in capsys.readouterr().err
    assert (
        main(
            [
                "evaluate",
                "its",
                str(FIXTURES / "evaluation" / "did_panel.csv"),
                "--start",
                "2020-01-01",
                "--period",
                "month",
            ]
        )
        == 1
    )


@pytest.mark.django_db
def test_programme_evaluation_iati_and_sheet(programme, priced, tmp_path, capsys):
    from atalaya.programmes.models import CostBenefitSheet, Evaluation

    assert (
        main(
            [
                "programmes",
                "evaluate",
                "--municipality",
                "15058",
                "--programme",
                "barrio-seguro",
                "--method",
                "serie_interrumpida",
                "--source",
                "policia-prueba",
            ]
        )
        == 0
    )
    assert "Serie de tiempo interrumpida" in capsys.readouterr().out
    sheet = CostBenefitSheet.objects.create(
        programme=programme,
        evaluation=Evaluation.objects.get(),
        base_year=2023,
        usd_rate=17.0,
        usd_rate_date=dt.date(2023, 12, 29),
        prison_year_cost=180_000,
        draws=2000,
    )
    pdf = tmp_path / "hoja.pdf"
    assert main(["programmes", "cost-benefit", "--sheet", str(sheet.pk), "--pdf", str(pdf)]) == 0
    assert "Cada peso invertido devuelve" in capsys.readouterr().out and pdf.read_bytes().startswith(b"%PDF")
    xml = tmp_path / "iati.xml"
    assert main(["programmes", "iati", "--municipality", "15058", "--output", str(xml)]) == 0
    assert b"<iati-activities" in xml.read_bytes()
    assert (
        main(
            [
                "programmes",
                "evaluate",
                "--municipality",
                "15058",
                "--programme",
                "no-existe",
                "--method",
                "serie_interrumpida",
                "--source",
                "x",
            ]
        )
        == 2
    )
