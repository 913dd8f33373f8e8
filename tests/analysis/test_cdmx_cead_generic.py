"""CDMX FGJ (two schemas), CEAD tidy tables with their cut-off, and generic files through a mapping."""

import datetime as dt
import json

import polars as pl
import pytest

from atalaya.analysis.problems import FileRejected
from atalaya.analysis.readers import cdmx_fgj, cead, incidents


def test_cdmx_current_schema(fixtures_dir):
    result = cdmx_fgj.read(fixtures_dir / "cdmx_fgj_actual.csv")
    frame = result.frame
    assert frame.height == 5
    assert frame.get_column("municipality_code").to_list() == ["09007", "09007", "09007", "09015", None]
    assert frame.row(0, named=True)["category_path"] == (
        "ROBO A TRANSEUNTE EN VÍA PÚBLICA CON Y SIN VIOLENCIA / ROBO A TRANSEUNTE EN VIA PUBLICA CON VIOLENCIA"
    )
    assert frame.row(0, named=True)["occurred_time"] == dt.time(22, 30)
    assert frame.row(1, named=True)["lat"] is None  # literal NA
    last = frame.row(4, named=True)
    assert last["occurred_on"] == dt.date(2025, 1, 1) and last["time_precision"] == "mes"  # only año + mes name
    assert json.loads(frame.row(0, named=True)["attributes"])["colonia"] == "SANTA CRUZ MEYEHUALCO"
    reasons = result.problems.get_column("reason").to_list()
    assert any("Alcaldía fuera" in r for r in reasons)
    assert not result.has_errors


def test_cdmx_2016_2019_schema_with_semicolons_and_ids(fixtures_dir):
    result = cdmx_fgj.read(fixtures_dir / "cdmx_fgj_2016_2019.csv")
    assert result.frame.get_column("record_id").to_list() == ["1001", "1002"]
    assert result.frame.get_column("occurred_on").to_list() == [dt.date(2018, 3, 4), dt.date(2018, 3, 6)]
    assert result.frame.get_column("lon").to_list()[0] == pytest.approx(-99.0601)


def test_cdmx_impossible_values(tmp_path, fixtures_dir):
    text = (fixtures_dir / "cdmx_fgj_actual.csv").read_text(encoding="utf-8")
    text = text.replace("2025-01-01,22:30:00", "2025-02-30,22:30:00").replace("19.3601", "95.1")
    path = tmp_path / "malo.csv"
    path.write_text(text, encoding="utf-8")
    problems = cdmx_fgj.read(path).problems.filter(pl.col("severity") == "error").to_dicts()
    assert {(p["row"], p["column"], p["value"]) for p in problems} == {
        (2, "fecha_hecho", "2025-02-30"),
        (4, "latitud", "95.1"),
    }


def test_cead_infers_cutoff_from_trailing_zero_months(fixtures_dir):
    result = cead.read(fixtures_dir / "cead_tidy.csv")
    assert result.meta["cutoff"] == "2026-08-31"
    assert result.frame.get_column("period_start").max() == dt.date(2026, 8, 1)
    homicides = result.frame.filter(pl.col("category_path") == "Homicidios").sort("period_start")
    assert homicides.get_column("count").to_list() == [1, 0]  # August's 0 is before the cut-off: a real zero
    assert any("fecha de corte" in r for r in result.problems.get_column("reason"))


def test_cead_explicit_cutoff(fixtures_dir):
    result = cead.read(fixtures_dir / "cead_tidy.csv", cutoff=dt.date(2026, 7, 31))
    assert result.frame.get_column("period_start").unique().to_list() == [dt.date(2026, 7, 1)]


def test_generic_mapping_validation():
    assert incidents.validate_mapping({"columns": {"date": "f"}}) == ["El mapeo debe indicar la columna de «category»."]
    errors = incidents.validate_mapping({"columns": {"date": "f", "category": "c", "color": "x"}})
    assert errors and "Campo desconocido" in errors[0]


def test_generic_csv_xlsx_and_geojson_give_the_same_incidents(tmp_path, fixtures_dir):
    import xlsxwriter

    mapping = {
        "columns": {
            "record_id": "id",
            "date": "fecha",
            "time": "hora",
            "category": "delito",
            "lat": "lat",
            "lon": "lon",
            "territory": "cuadrante",
        }
    }
    csv_result = incidents.read(fixtures_dir / "incidentes_generico.csv", mapping=mapping, municipality_code="15058")
    rows = pl.read_csv(fixtures_dir / "incidentes_generico.csv", infer_schema=False)
    xlsx = tmp_path / "incidentes.xlsx"
    book = xlsxwriter.Workbook(xlsx)
    sheet = book.add_worksheet()
    for r, row in enumerate([rows.columns, *rows.rows()]):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, value)
    book.close()
    xlsx_result = incidents.read(xlsx, mapping=mapping, municipality_code="15058")
    features = [
        {
            "type": "Feature",
            "properties": {k: v for k, v in r.items() if k not in ("lat", "lon")},
            "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]} if r["lat"] else None,
        }
        for r in rows.to_dicts()
    ]
    geojson = tmp_path / "incidentes.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    geo_mapping = {"columns": {**mapping["columns"], "lat": "latitud", "lon": "longitud"}}
    geo_result = incidents.read(geojson, mapping=geo_mapping, municipality_code="15058")
    columns = ["record_id", "occurred_on", "occurred_time", "category_path", "lat", "lon", "territory_code"]
    expected = csv_result.frame.select(columns)
    assert expected.get_column("occurred_on").to_list()[1] == dt.date(2025, 3, 1)  # DD/MM/AAAA
    assert xlsx_result.frame.select(columns).equals(expected)
    assert geo_result.frame.select(columns).equals(expected)


def test_generic_projected_coordinates_are_reprojected(tmp_path):
    path = tmp_path / "utm.csv"
    # EPSG:32614 (UTM 14N) coordinates of about 19.4 N, 99.0 W
    path.write_text("fecha,delito,x,y\n2025-01-01,Robo,499000,2145000\n", encoding="utf-8")
    mapping = {"crs": "EPSG:32614", "columns": {"date": "fecha", "category": "delito", "x": "x", "y": "y"}}
    frame = incidents.read(path, mapping=mapping, municipality_code="15058").frame
    assert frame.get_column("lat")[0] == pytest.approx(19.40, abs=0.01)
    assert frame.get_column("lon")[0] == pytest.approx(-99.01, abs=0.01)


def test_generic_category_over_several_columns(tmp_path):
    path = tmp_path / "tipos.csv"
    path.write_text("fecha,tipo,subtipo,modalidad\n2025-01-01,Robo,Robo a negocio,Con violencia\n", encoding="utf-8")
    mapping = {"columns": {"date": "fecha", "category": ["tipo", "subtipo", "modalidad"]}}
    frame = incidents.read(path, mapping=mapping, municipality_code="15058").frame
    assert frame.get_column("category_path").to_list() == ["Robo / Robo a negocio / Con violencia"]


def test_kept_columns_become_attributes_only_where_the_row_has_them(tmp_path):
    """A row with none of the kept columns stores no attributes (not ``{"colonia": null}``); the others keep
    every kept column, empty ones as null; a parent equal to the category is not repeated in the path."""
    path = tmp_path / "atributos.csv"
    path.write_text(
        "fecha,tipo,delito,colonia,sexo\n2025-01-01,Robo,Robo,,\n2025-01-02,Robo, Robo a casa ,Centro,\n",
        encoding="utf-8",
    )
    mapping = {
        "columns": {"date": "fecha", "category_parent": "tipo", "category": "delito"},
        "attributes": ["colonia", "sexo"],
    }
    frame = incidents.read(path, mapping=mapping, municipality_code="15058").frame
    attributes = frame.get_column("attributes").to_list()
    assert attributes[0] is None
    assert json.loads(attributes[1]) == {"colonia": "Centro", "sexo": None}
    assert frame.get_column("category_path").to_list() == ["Robo", "Robo / Robo a casa"]


def test_generic_missing_mapped_column(tmp_path, fixtures_dir):
    with pytest.raises(FileRejected, match="no tiene las columnas del mapeo: fecha_hecho"):
        incidents.read(
            fixtures_dir / "incidentes_generico.csv",
            mapping={"columns": {"date": "fecha_hecho", "category": "delito"}},
        )


def test_hostile_text_is_kept_as_plain_data(tmp_path):
    path = tmp_path / "hostil.csv"
    path.write_text('fecha,delito\n2025-01-01,"<script>alert(1)</script>; DROP TABLE x;--"\n', encoding="utf-8")
    frame = incidents.read(
        path, mapping={"columns": {"date": "fecha", "category": "delito"}}, municipality_code="1"
    ).frame
    assert frame.get_column("category_path")[0] == "<script>alert(1)</script>; DROP TABLE x;--"
