"""Formula injection (OWASP "CSV injection", issue 10): exported text that a spreadsheet would run is neutralised."""

from __future__ import annotations

import io

import polars as pl

from atalaya.analysis.tabular import export_csv, neutralise_formulas


def test_formula_cells_get_a_quote_and_numbers_do_not():
    frame = pl.DataFrame(
        {
            "nombre": ['=HYPERLINK("http://x","clic")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "Lo Hermida", "-99.015"],
            "n": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    safe = neutralise_formulas(frame)
    assert safe["nombre"].to_list() == ["'=HYPERLINK(\"http://x\",\"clic\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTAB",
                                        "Lo Hermida", "-99.015"]  # fmt: skip
    assert safe["n"].to_list() == frame["n"].to_list()
    text = export_csv(frame, bom=True)
    assert text.startswith("\ufeffnombre,n") and "'=HYPERLINK" in text
    buffer = io.BytesIO()
    export_csv(frame, buffer)
    assert b"'@SUM(A1)" in buffer.getvalue()


def test_exports_of_imported_labels_are_neutralised(neza, generic_mapping, tmp_path, client, make_user):
    from atalaya.datasets.importing import import_file

    path = tmp_path / "hostil.csv"
    path.write_text(
        'id,fecha,hora,delito,lat,lon,cuadrante\n=cmd|"/c calc"!A1,2025-03-01,10:00,@SUM(1),19.60,-99.20,\n',
        encoding="utf-8",
    )
    assert (
        import_file("incidents", path, municipality_code="15058", mapping_name="policia-prueba").status == "importado"
    )
    client.force_login(make_user("ana", ["15058"]))
    listed = client.get("/datos/municipios/15058/fuera.csv").content.decode()
    assert "'=cmd" in listed and "'@SUM(1)" in listed and "\n=cmd" not in listed
