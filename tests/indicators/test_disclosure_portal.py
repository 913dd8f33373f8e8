"""The portal's one suppressed table (issue 10): what primary suppression alone revealed, and the audit passing
after secondary suppression — on the command line too."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from atalaya.analysis.parsing import month_range
from atalaya.cli import main
from atalaya.datasets.importing import import_file
from atalaya.indicators.disclosure import audit_portal, build_public_table, public_values
from atalaya.indicators.models import Indicator, Publication

SECTORS = {"S1": (19.405, -99.015), "S2": (19.395, -99.005)}


@pytest.fixture
def published(neza, generic_mapping, tmp_path):
    rng = np.random.default_rng(3)
    rows = ["id,fecha,hora,delito,lat,lon,cuadrante"]
    k = 0
    for month in month_range(dt.date(2024, 1, 1), dt.date(2025, 12, 1)):
        for sector, (lat, lon) in SECTORS.items():
            for _ in range(int(rng.poisson(2.0 if sector == "S1" else 7.0))):
                rows.append(f"R{k},{month.replace(day=10)},10:00,Robo a transeúnte con violencia,{lat},{lon},")
                k += 1
    path = tmp_path / "robos.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert (
        import_file("incidents", path, municipality_code="15058", mapping_name="policia-prueba").status == "importado"
    )
    indicator = Indicator.objects.create(code="todo", name="Todo", numerator={"categories": ["policia-prueba:"]})
    Publication.objects.create(municipality=neza, indicator=indicator, is_public=True)
    return neza, indicator


def test_primary_suppression_alone_leaks_and_secondary_suppression_closes_it(published):
    neza, indicator = published
    naive = build_public_table(neza, "policia-prueba", secondary=False)
    shown = naive.shown  # every published period (a window that is also a calendar year is one cell)
    assert set(shown.filter(pl.col("level").is_null())["period"]) == {"month", "quarter", "year", "12m"}
    assert set(shown.filter(pl.col("level").is_not_null())["period"]) == {"year", "12m"}  # no months per sector
    assert {"S1", "S2"} <= set(shown["territory_code"].drop_nulls())
    [before] = audit_portal(primary_only=True)
    assert before.leaks
    [after] = audit_portal()  # audits the stored table, the one the portal serves
    assert not after.leaks and after.suppressed > after.primary
    stored = public_values(neza, "policia-prueba")
    assert stored.height == naive.shown.height  # one stored row per published period
    assert stored["count"].null_count() >= after.suppressed > 0


def test_the_audit_command_fails_when_a_cell_is_exposed(published, capsys):
    assert main(["portal", "audit", "--primary-only"]) == 1
    out = capsys.readouterr().out
    assert "EXPUESTA" in out and "se deduce entre" in out
    assert main(["portal", "audit", "--municipality", "15058"]) == 0
    assert "celdas expuestas: 0" in capsys.readouterr().out
