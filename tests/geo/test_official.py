"""The official municipality lists shipped as CSV (issue 9): their size, known codes, and what they enable."""

from __future__ import annotations

import pytest

from atalaya.cli import main
from atalaya.datasets.importing import import_file
from atalaya.geo import official
from atalaya.geo.models import Municipality


def test_lists_have_every_municipality_and_comuna():
    mexico, chile = official.official_municipalities("MX"), official.official_municipalities("CL")
    assert len(mexico) == 2478  # INEGI AGEEML 2025-10: 2,462 municipios + 16 alcaldías
    assert len({m.region_code for m in mexico}) == 32
    assert sum(m.region_code == "09" for m in mexico) == 16
    assert len(chile) == 346 and len({m.region_code for m in chile}) == 16
    assert len({m.code for m in mexico}) == len(mexico) and len({m.code for m in chile}) == len(chile)


@pytest.mark.parametrize(
    "code, country, name, region",
    [
        ("15058", "MX", "Nezahualcóyotl", "México"),
        ("11007", "MX", "Celaya", "Guanajuato"),
        ("09007", "MX", "Iztapalapa", "Ciudad de México"),
        ("20570", "MX", "Zimatlán de Álvarez", "Oaxaca"),
        ("13122", "CL", "Peñalolén", "Metropolitana de Santiago"),
        ("01101", "CL", "Iquique", "Tarapacá"),
        ("16101", "CL", "Chillán", "Ñuble"),
    ],
)
def test_known_codes(code, country, name, region):
    entry = official.lookup(code, country)
    assert (entry.name, entry.region) == (name, region)


def test_codes_as_files_write_them():
    assert official.lookup("13122.0").name == "Peñalolén"
    assert official.lookup(1101).code == "01101"
    assert official.lookup("9007").name == "Iztapalapa"
    assert official.lookup("14101") is None  # Tonalá (Jalisco) and Valdivia: the country decides
    assert official.lookup("14101", "CL").name == "Valdivia"
    assert [m.code for m in official.in_region("MX", "11")][:2] == ["11001", "11002"]
    assert len(official.in_region("MX", 11)) == 46 and len(official.in_region("CL", "13")) == 52


def test_cli_registers_by_code_state_and_region(db, capsys):
    assert main(["municipality", "add", "11007"]) == 0
    celaya = Municipality.objects.get(code="11007")
    assert (celaya.name, celaya.region, celaya.country.code) == ("Celaya", "Guanajuato", "MX")
    assert main(["municipality", "add", "--state", "11"]) == 0
    assert Municipality.objects.filter(region="Guanajuato").count() == 46
    assert main(["municipality", "add", "--region", "13"]) == 0
    assert Municipality.objects.filter(country__code="CL").count() == 52
    assert main(["municipality", "add", "14101"]) == 2
    assert "indique --country" in capsys.readouterr().err
    assert main(["municipality", "add", "99999"]) == 2
    assert main(["municipality", "add", "99999", "Municipio de prueba", "--country", "MX"]) == 0
    assert main(["municipality", "add", "11032", "San José Iturbide"]) == 0
    out = capsys.readouterr().out
    assert "no está en el catálogo oficial" in out and "El nombre oficial de 11032 es «San José de Iturbide»" in out


def test_import_warns_when_a_file_names_a_municipality_differently(db, tmp_path):
    main(["municipality", "add", "13122"])
    path = tmp_path / "cead.csv"
    path.write_text(
        "comuna,cut_comuna,fecha,delito,delito_n\n"
        "Peñalolén,13122,2025-01-01,Hurtos,10\n"
        "Peñalolen,13122,2025-02-01,Hurtos,12\n"  # same name without its accent: fine
        "La Reina,13122,2025-03-01,Hurtos,9\n",  # another comuna's name on Peñalolén's code
        encoding="utf-8",
    )
    outcome = import_file("cead", path)
    warnings = outcome.problems.filter(outcome.problems["column"] == "municipio")
    assert warnings["row"].to_list() == [4]
    assert "nombre oficial es «Peñalolén»" in warnings["reason"][0]
