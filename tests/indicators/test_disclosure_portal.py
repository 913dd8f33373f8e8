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
    neza, _indicator = published
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


def test_every_public_response_serves_the_suppressed_table_and_nothing_else(client, published):
    """Scan every public output — API at every level and period, GeoJSON, CSV, page and its map — against the
    stored table: what is shown equals it, and a withheld cell shows no count, rate, interval or population."""
    import json

    from django.urls import reverse

    from atalaya.indicators.disclosure import MUNICIPALITY_PERIODS, TERRITORY_PERIODS

    neza, indicator = published
    stored = public_values(neza, "policia-prueba")
    assert stored["count"].null_count() > 0
    url = reverse("api:public_indicator_values", args=[indicator.code])
    scanned = 0
    levels = sorted(set(stored["level"].drop_nulls()))
    assert levels == ["cuadrante", "sector"]
    for level, periods in [(None, MUNICIPALITY_PERIODS)] + [(level, TERRITORY_PERIODS) for level in levels]:
        for period in periods:
            params = {"municipality": "15058", "source": "policia-prueba", "period": period}
            if level:
                params["level"] = level
            rows = client.get(url, params).json()
            expected = stored.filter(
                (pl.col("level").is_null() if level is None else pl.col("level") == level)
                & (pl.col("period") == period)
            )
            assert len(rows) == expected.height > 0
            shown = {(r["territory_code"], r["period_start"]): r for r in rows}
            for cell in expected.iter_rows(named=True):
                row = shown[(cell["territory_code"], cell["period_start"].isoformat())]
                assert row["count"] == cell["count"] and row["withheld"] == (cell["count"] is None)
                if row["withheld"]:
                    assert row["rate"] is row["rate_lower"] is row["rate_upper"] is row["population"] is None
                scanned += 1
    assert scanned == stored.height  # every stored cell is reachable, and nothing else is
    last = stored.filter((pl.col("level") == "sector") & (pl.col("period") == "12m"))["period_start"].max()
    sectors = stored.filter(
        (pl.col("level") == "sector") & (pl.col("period") == "12m") & (pl.col("period_start") == last)
    )
    geo = json.loads(client.get(reverse("portal:geojson", args=["15058", indicator.code])).content)
    props = {f["properties"]["codigo"]: f["properties"] for f in geo["features"]}
    page = client.get(reverse("portal:municipality", args=["15058"]), {"indicador": indicator.code}).content.decode()
    spec = json.loads(page.split('id="spec-mapa" type="application/json">')[1].split("</script>")[0])
    hovers = [t for trace in spec["data"] for t in (trace.get("text") or []) if isinstance(t, str)]
    for cell in sectors.iter_rows(named=True):
        feature = props[cell["territory_code"]]
        assert feature["hechos_12_meses"] == cell["count"] and feature["reservado"] == (cell["count"] is None)
        if cell["count"] is None:
            assert feature["tasa_100k"] is None
            name = neza.territories.get(code=cell["territory_code"]).name
            assert f"{name}: reservado" in hovers and not any(
                h.startswith(f"{name}: ") and "hechos" in h for h in hovers
            )
    municipal = stored.filter(pl.col("level").is_null() & (pl.col("period") == "12m")).sort("period_start")
    csv = client.get(reverse("portal:download", args=["15058"])).content.decode("utf-8-sig").splitlines()
    row = dict(zip(csv[0].split(","), csv[1].split(","), strict=True))
    current = municipal["count"][-1]
    assert row["hechos_12_meses"] == ("" if current is None else str(current))
    assert row["reservado"] == ("sí" if current is None else "no")


def test_indicators_inside_others_are_related_incidents_closed_and_victims_open(db):
    """Robberies contain violent robberies; women victims of homicide are inside victims of homicide, with the
    men and the unknown sex as an unpublished remainder."""
    from atalaya.indicators.disclosure import _containment

    make = Indicator.objects.create
    robbery = make(code="robo-todo", name="Robo", numerator={"categories": ["sesnsp:robo"]})
    violent = make(
        code="robo-parte", name="Robo a transeúnte", numerator={"categories": ["sesnsp:robo/robo-a-transeunte"]}
    )
    victims = make(code="vic", name="Víctimas", numerator={"categories": ["sesnsp:homicidio"]}, measure="victimas")
    women = make(
        code="vic-mujer",
        name="Mujeres víctimas",
        numerator={"categories": ["sesnsp:homicidio"]},
        measure="victimas",
        filters={"sex": ["Mujer"]},
    )
    men = make(
        code="vic-hombre",
        name="Hombres víctimas",
        numerator={"categories": ["sesnsp:homicidio"]},
        measure="victimas",
        filters={"sex": ["Hombre"]},
    )
    relations = {
        total: (parts, is_open) for total, parts, is_open in _containment([robbery, violent, victims, women, men], None)
    }
    assert relations["robo-todo"] == (["robo-parte"], True)  # the other robberies are not published
    assert relations["vic"] == (["vic-hombre", "vic-mujer"], True)  # women and men, apart; unknown sex remains
    assert "vic-mujer" not in relations and "robo-parte" not in relations
