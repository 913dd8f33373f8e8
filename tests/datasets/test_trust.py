"""Data you can trust from files shaped like the published ones (issue 9).

Each test writes a small file in the shape of a real published one — a state-wide municipalities layer, a
multi-layer GeoPackage, a bare Shapefile, a city-wide point file, a truncated SESNSP download — and checks the
answer an analyst would call right.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pyogrio
import pytest
import shapely
from shapely.geometry import box

from atalaya.cli import main
from atalaya.cube.exporting import export_counts
from atalaya.cube.models import MonthlyCount
from atalaya.datasets.importing import import_file
from atalaya.datasets.models import AggregateCount, Dataset, Incident
from atalaya.datasets.versions import VersionError, rollback
from atalaya.geo.models import Municipality, Territory
from atalaya.geo.services import register_municipality

from ..conftest import NEZA_BOX, write_geojson

HEADER = (
    "Año,Clave_Ent,Entidad,Cve. Municipio,Municipio,Bien jurídico afectado,Tipo de delito,Subtipo de delito,"
    "Modalidad,Enero,Febrero,Marzo,Abril,Mayo,Junio,Julio,Agosto,Septiembre,Octubre,Noviembre,Diciembre"
)
ROWS = [
    "2025,15,México,15058,Nezahualcóyotl,La vida y la Integridad corporal,Homicidio,Homicidio doloso,"
    "Con arma de fuego,3,2,4,1,0,2,3,1,2,4,1,2",
    "2025,15,México,15058,Nezahualcóyotl,El patrimonio,Robo,Robo a negocio,Con violencia,"
    "41,38,40,40,39,35,44,41,37,30,36,33",
    "2025,15,México,15058,Nezahualcóyotl,La familia,Violencia familiar,Violencia familiar,Violencia familiar,"
    "210,190,220,205,215,200,230,225,210,205,198,201",
]
OTHER_BAD = "2025,15,México,15033,Ecatepec,El patrimonio,Robo,Robo a negocio,Con violencia,1,x,3,4,5,6,7,8,9,1,2,3"


def write_sesnsp(path, rows):
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def monthly_total(month: dt.date) -> int:
    return sum(
        MonthlyCount.objects.filter(municipality__code="15058", source="sesnsp", month=month).values_list(
            "count", flat=True
        )
    )


# -- boundaries -------------------------------------------------------------------------------------------------


def state_file(tmp_path, code_of_target="15058"):
    minx, miny, maxx, maxy = NEZA_BOX
    return write_geojson(
        tmp_path / "municipios_estado.geojson",
        [
            ({"CVEGEO": "15033", "NOMGEO": "Ecatepec"}, box(minx, maxy, maxx, maxy + 0.1)),
            ({"CVEGEO": code_of_target, "NOMGEO": "Nezahualcóyotl"}, box(*NEZA_BOX)),
            ({"CVEGEO": "15104", "NOMGEO": "Tlalnepantla"}, box(minx - 0.5, miny, minx - 0.1, maxy)),
        ],
    )


@pytest.mark.parametrize("code", ["15058", "15058.0"])
def test_municipality_boundary_is_the_feature_with_its_code(db, tmp_path, code):
    register_municipality("15058", "Nezahualcóyotl", country="MX")
    outcome = import_file("boundaries", state_file(tmp_path, code), municipality_code="15058", level="municipio")
    assert outcome.status == "importado", outcome.message
    assert "objeto «15058" in outcome.message and "fila 2" in outcome.message and outcome.rows_out_of_scope == 2
    boundary = shapely.from_wkb(bytes(Municipality.objects.get(code="15058").boundary))
    assert boundary.equals(box(*NEZA_BOX))  # not the union of the state


def test_chilean_comunas_file_as_published_columns_cod_comuna_and_comuna(db, tmp_path):
    """The national comunas layer names its code ``cod_comuna`` and its name ``Comuna`` (no option needed)."""
    register_municipality("15058", "Nezahualcóyotl", country="MX")
    minx, _miny, maxx, maxy = NEZA_BOX
    path = write_geojson(
        tmp_path / "comunas.geojson",
        [
            ({"objectid": 1, "cod_comuna": 15033, "Comuna": "Otra", "Region": "X"}, box(minx, maxy, maxx, maxy + 0.1)),
            ({"objectid": 2, "cod_comuna": 15058, "Comuna": "Nezahualcóyotl", "Region": "X"}, box(*NEZA_BOX)),
        ],
    )
    outcome = import_file("boundaries", path, municipality_code="15058", level="municipio")
    assert outcome.status == "importado", outcome.message
    assert "objeto «15058» (Nezahualcóyotl), fila 2" in outcome.message  # features count from 1


def test_municipality_boundary_refused_without_its_code(db, tmp_path):
    register_municipality("15058", "Nezahualcóyotl", country="MX")
    outcome = import_file("boundaries", state_file(tmp_path, "15999"), municipality_code="15058", level="municipio")
    assert outcome.status == "rechazado"
    assert "15033, 15104, 15999" in outcome.message
    assert Municipality.objects.get(code="15058").boundary is None


def test_lower_level_keeps_only_features_inside_the_municipality(neza, tmp_path):
    minx, miny, maxx, maxy = NEZA_BOX
    inside = box(minx, miny, (minx + maxx) / 2, maxy)
    outside = box(maxx + 0.2, miny, maxx + 0.3, maxy)
    by_location = write_geojson(
        tmp_path / "colonias.geojson",
        [({"codigo": "K1", "nombre": "Dentro"}, inside), ({"codigo": "K2", "nombre": "Fuera"}, outside)],
    )
    outcome = import_file("boundaries", by_location, municipality_code="15058", level="colonia")
    assert outcome.status == "importado" and outcome.rows_out_of_scope == 1
    assert set(Territory.objects.filter(level="colonia").values_list("code", flat=True)) == {"K1"}
    by_column = write_geojson(
        tmp_path / "colonias_cdmx.geojson",
        [
            ({"codigo": "K3", "municipio_cvegeo": "15058"}, outside),  # the column wins over the location
            ({"codigo": "K4", "municipio_cvegeo": "09007"}, inside),
        ],
    )
    outcome = import_file("boundaries", by_column, municipality_code="15058", level="barrio")
    assert set(Territory.objects.filter(level="barrio").values_list("code", flat=True)) == {"K3"}


def test_other_municipalities_bad_features_do_not_reject_the_file(neza, tmp_path):
    minx, miny, maxx, maxy = NEZA_BOX
    path = write_geojson(
        tmp_path / "sectores.geojson",
        [
            ({"codigo": "Z1", "municipio_cvegeo": "15058"}, box(minx, miny, maxx, maxy)),
            ({"codigo": None, "municipio_cvegeo": "15033"}, box(minx, maxy, maxx, maxy + 0.1)),
        ],
    )
    outcome = import_file("boundaries", path, municipality_code="15058", level="zona")
    assert outcome.status == "importado", outcome.message
    assert outcome.rows_accepted + outcome.rows_rejected + outcome.rows_out_of_scope == outcome.rows_read
    assert any("otro municipio" in r for r in outcome.problems["reason"].to_list())


def write_gpkg(path, layers):
    for name, properties, geometries in layers:
        frame = {k: [p[k] for p in properties] for k in properties[0]}
        pyogrio.write_dataframe(
            __import__("geopandas").GeoDataFrame(frame, geometry=geometries, crs="EPSG:4326"),
            path,
            layer=name,
            driver="GPKG",
        )
    return path


def test_geopackage_layers_are_chosen_by_name_or_code_column_never_silently(neza, tmp_path):
    minx, miny, maxx, maxy = NEZA_BOX
    a, b = box(minx, miny, (minx + maxx) / 2, maxy), box((minx + maxx) / 2, miny, maxx, maxy)
    path = write_gpkg(
        tmp_path / "capas.gpkg",
        [
            ("cuadrantes", [{"sector": "1", "cuadrante": "01"}, {"sector": "2", "cuadrante": "01"}], [a, b]),
            ("colonias", [{"codigo": "X1", "nombre": "Centro"}, {"codigo": "X2", "nombre": "Sur"}], [a, b]),
            ("manzanas", [{"clave_manzana": "M1"}, {"clave_manzana": "M2"}], [a, b]),
        ],
    )
    outcome = import_file("boundaries", path, municipality_code="15058", level="cuadrante")
    assert outcome.status == "rechazado" and "«cuadrantes» (sector, cuadrante)" in outcome.message
    assert "«manzanas» (clave_manzana)" in outcome.message
    outcome = import_file(
        "boundaries",
        path,
        municipality_code="15058",
        level="cuadrante",
        reader_options={"layer": "cuadrantes", "code_column": "sector,cuadrante"},
    )
    assert outcome.status == "importado", outcome.message
    assert set(Territory.objects.filter(level="cuadrante").values_list("code", flat=True)) >= {"1-01", "2-01"}
    outcome = import_file(
        "boundaries", path, municipality_code="15058", level="manzana", reader_options={"code_column": "clave_manzana"}
    )
    assert outcome.status == "importado" and "la única con la columna de código" in outcome.message


def test_bare_shapefile_names_its_missing_companions(neza, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    write = __import__("geopandas").GeoDataFrame({"codigo": ["S9"]}, geometry=[box(*NEZA_BOX)], crs="EPSG:4326")
    write.to_file(folder / "sectores.shp")
    (folder / "sectores.dbf").unlink()
    (folder / "sectores.prj").unlink()
    outcome = import_file("boundaries", folder / "sectores.shp", municipality_code="15058", level="sector")
    assert outcome.status == "rechazado"
    assert "sectores.dbf" in outcome.message and "sectores.prj" in outcome.message
    assert "sectores.shx" not in outcome.message


# -- releases ---------------------------------------------------------------------------------------------------


def test_truncated_release_keeps_what_it_does_not_carry_and_rollback_restores(neza, tmp_path):
    full = write_sesnsp(tmp_path / "completo.csv", ROWS)
    assert import_file("sesnsp", full).status == "importado"
    january = dt.date(2025, 1, 1)
    assert monthly_total(january) == 3 + 41 + 210
    before = sorted(
        MonthlyCount.objects.filter(municipality__code="15058").values_list("category_id", "month", "count")
    )

    truncated = write_sesnsp(tmp_path / "truncado.csv", [ROWS[0].replace(",3,2,4,", ",5,2,4,")])
    dry = import_file("sesnsp", truncated, dry_run=True)
    assert dry.status == "simulado" and dry.summary["cambios"]["ausentes"] == 24
    assert dry.summary["cambios"]["valores"]["modificado"] == 1
    kept = import_file("sesnsp", truncated)
    assert kept.status == "importado"
    assert monthly_total(january) == 5 + 41 + 210  # revised one value, kept the other categories
    assert AggregateCount.objects.filter(superseded_by=kept.dataset).count() == 1  # the old 3 is kept

    replaced = import_file("sesnsp", truncated, replace=True)
    assert "otras opciones" in replaced.message  # same file, other options: a new version, not "nothing changed"
    assert monthly_total(january) == 5

    with pytest.raises(VersionError):
        rollback(kept.dataset)  # a newer version exists
    rollback(replaced.dataset)
    rollback(kept.dataset)
    after = sorted(MonthlyCount.objects.filter(municipality__code="15058").values_list("category_id", "month", "count"))
    assert after == before
    assert Dataset.objects.get(pk=kept.dataset.pk).status == "revertido"


def test_bad_rows_of_other_municipalities_do_not_decide_the_file(neza, tmp_path):
    path = write_sesnsp(tmp_path / "nacional.csv", [*ROWS, OTHER_BAD])
    outcome = import_file("sesnsp", path, municipality_code="15058")
    assert outcome.status == "importado", outcome.message
    assert outcome.rows_rejected == 0 and outcome.rows_out_of_scope == 1
    assert outcome.rows_accepted + outcome.rows_rejected + outcome.rows_out_of_scope == outcome.rows_read


def test_cli_history_rollback_and_export_errors(neza, tmp_path, capsys):
    path = write_sesnsp(tmp_path / "completo.csv", ROWS)
    assert main(["import", "sesnsp", str(path)]) == 0
    assert main(["import", "sesnsp", str(path), "--replace", "--dry-run"]) == 0
    assert main(["datasets", "history", "--source", "sesnsp"]) == 0
    out = capsys.readouterr().out
    dataset = Dataset.objects.get(source="sesnsp", status="importado")
    assert f"{dataset.pk}\timportado\tsesnsp" in out
    assert main(["datasets", "rollback", str(dataset.pk)]) == 0
    assert MonthlyCount.objects.filter(source="sesnsp").count() == 0
    assert main(["datasets", "rollback", str(dataset.pk)]) == 1
    assert main(["export", "counts", "--output", str(tmp_path / "no" / "existe" / "x.csv")]) == 2
    assert "no existe la carpeta" in capsys.readouterr().err


# -- scope by location ------------------------------------------------------------------------------------------


def test_points_outside_the_municipality_are_kept_but_not_counted(neza, generic_mapping, tmp_path):
    minx, miny, maxx, _maxy = NEZA_BOX
    rows = ["id,fecha,hora,delito,lat,lon,cuadrante"]
    rows += [f"P{i},2025-03-0{1 + i % 5},10:00,Robo,{miny + 0.01},{minx + 0.01}," for i in range(5)]
    rows += [f"F{i},2025-03-02,10:00,Robo,{miny + 0.01},{maxx + 0.5}," for i in range(20)]  # city-wide file
    rows += ["N1,2025-03-03,10:00,Robo,,,"]  # no coordinates: the declared municipality's
    path = tmp_path / "ciudad.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    outcome = import_file("incidents", path, municipality_code="15058", mapping_name="policia-prueba")
    assert outcome.status == "importado", outcome.message
    assert Incident.objects.filter(municipality=neza).count() == 26  # stored and reported
    assert Incident.objects.filter(municipality=neza).counted().count() == 6
    counts = export_counts(municipality_code="15058", by="month", level="source")
    assert counts["count"].sum() == 6
    assert pl.Series(outcome.problems["reason"]).str.contains("se conserva marcado").sum() == 20
    assert any("parece cubrir otros municipios" in r for r in outcome.problems["reason"].to_list())


def test_the_outside_points_can_be_listed_on_the_quality_page_and_the_cli(
    neza, generic_mapping, tmp_path, client, make_user, penalolen, capsys
):
    from atalaya.cli import main

    minx, miny, maxx, _maxy = NEZA_BOX
    rows = ["id,fecha,hora,delito,lat,lon,cuadrante", f"P1,2025-03-01,10:00,Robo,{miny + 0.01},{minx + 0.01},"]
    rows += [f"F{i},2025-03-02,10:00,Robo,{miny + 0.01},{maxx + 0.5}," for i in range(3)]
    path = tmp_path / "ciudad.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert (
        import_file("incidents", path, municipality_code="15058", mapping_name="policia-prueba").status == "importado"
    )
    client.force_login(make_user("ana", ["15058"]))
    page = client.get("/datos/municipios/15058/").content.decode()
    assert "/datos/municipios/15058/fuera.csv" in page
    listed = pl.read_csv(client.get("/datos/municipios/15058/fuera.csv").content)
    assert listed["registro"].to_list() == ["F0", "F1", "F2"] and listed["longitud"][0] == pytest.approx(maxx + 0.5)
    client.force_login(make_user("pedro", ["13122"]))
    assert client.get("/datos/municipios/15058/fuera.csv").status_code == 404
    assert main(["quality", "--municipality", "15058", "--outside", str(tmp_path / "fuera.csv")]) == 0
    assert "3 incidente(s) fuera del municipio" in capsys.readouterr().out
    assert pl.read_csv(tmp_path / "fuera.csv").height == 3


# -- formats as published ---------------------------------------------------------------------------------------


def test_cead_parquet_reads_like_its_csv(db, fixtures_dir, tmp_path):
    from atalaya.analysis.readers import cead

    frame = pl.read_csv(fixtures_dir / "cead_tidy.csv", infer_schema=False).with_columns(
        pl.col("fecha").str.to_date(), pl.col("delito_n").cast(pl.Int64), pl.col("cut_comuna").cast(pl.Int64)
    )
    frame.write_parquet(tmp_path / "cead.parquet")
    from_csv = cead.read(fixtures_dir / "cead_tidy.csv").frame.drop("_row").sort(pl.all())
    from_parquet = cead.read(tmp_path / "cead.parquet").frame.drop("_row").sort(pl.all())
    assert from_parquet.equals(from_csv)


def test_victims_reader_names_the_published_headers(db, tmp_path):
    from atalaya.analysis.problems import FileRejected
    from atalaya.analysis.readers import sesnsp

    path = write_sesnsp(tmp_path / "victimas.csv", ROWS)  # a delitos file given as victims: no Sexo column
    with pytest.raises(FileRejected) as caught:
        sesnsp.read_victims(path)
    assert "Rango de edad" in caught.value.message and "Sexo" in caught.value.message
    assert "rango_edad" not in caught.value.message


def test_web_dry_run_shows_changes_and_removal_needs_the_checkbox(client, neza, make_user, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from atalaya.datasets.models import ImportJob

    client.force_login(make_user("ana", ["15058"], role="analyst"))
    assert import_file("sesnsp", write_sesnsp(tmp_path / "completo.csv", ROWS)).status == "importado"
    january = dt.date(2025, 1, 1)

    def upload(name: str) -> ImportJob:
        data = "\n".join([HEADER, ROWS[0]]).encode()
        response = client.post(
            reverse("datasets:upload"),
            {
                "format": "sesnsp",
                "municipality": neza.pk,
                "on_error": "reject",
                "file": SimpleUploadedFile(name, data, content_type="text/csv"),
            },
        )
        job = ImportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
        page = client.get(response["Location"]).content.decode()
        assert "Cambios frente a lo guardado" in page and "Quitar también los 24 valores" in page
        return job

    job = upload("truncado.csv")
    client.post(reverse("datasets:job_confirm", args=[job.pk]))  # without the checkbox: kept
    assert monthly_total(january) == 3 + 41 + 210
    rollback(Dataset.objects.filter(status="importado").latest("pk"))
    job = upload("truncado.csv")
    client.post(reverse("datasets:job_confirm", args=[job.pk]), {"replace": "1"})
    assert monthly_total(january) == 3


def test_quality_counts_only_the_municipalitys_own_rejections(neza, tmp_path):
    from atalaya.datasets.quality import quality_summary

    ecatepec = register_municipality("15033", "Ecatepec", country="MX")
    path = write_sesnsp(tmp_path / "estatal.csv", [*ROWS, OTHER_BAD])  # the bad row is Ecatepec's
    outcome = import_file("sesnsp", path, on_error="skip")
    assert outcome.status == "importado" and outcome.rows_rejected == 1
    assert quality_summary(neza)["filas_rechazadas"] == 0
    assert quality_summary(ecatepec)["filas_rechazadas"] == 1


# -- catalogue gaps ---------------------------------------------------------------------------------------------

#: The thirty labels the CEAD scrape publishes (``delito`` of the national parquet, 2010–2025).
CEAD_PUBLISHED_LABELS = [
    "Abusos sexuales", "Acosos sexuales", "Amenaza falta o riña", "Amenazas",
    "Consumo de alcohol y drogas en la vía pública", "Crímenes y simples delitos ley de armas", "Daños",
    "Delitos asociados a armas", "Delitos asociados a drogas", "Desórdenes públicos", "Femicidios", "Homicidios",
    "Hurtos", "Lesiones graves o gravísimas", "Lesiones leves", "Lesiones menos graves", "Otros delitos sexuales",
    "Otros robos con fuerza en las cosas", "Porte de arma cortante o punzante", "Receptación",
    "Robo de objetos de o desde vehículo", "Robo de vehículo motorizado", "Robo en lugar habitado",
    "Robo en lugar no habitado", "Robo frustrado", "Robo por sorpresa", "Robo violento de vehículo motorizado",
    "Robos con violencia o intimidación", "Violaciones", "Violencia intrafamiliar",
]  # fmt: skip


def write_cead(path, cells):
    lines = ["comuna,cut_comuna,region,cut_region,fecha,delito,delito_n"]
    lines += [f"Peñalolén,13122,Metropolitana,13,{month},{label},{n}" for month, label, n in cells]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def family_total(family: str) -> int:
    frame = export_counts(municipality_code="13122", by="month", level="family")
    return int(frame.filter(pl.col("category_code") == family).get_column("count").sum())


def test_every_label_of_the_real_cead_file_is_mapped(penalolen, tmp_path):
    cells = [("2025-01-01", label, 2 if label == "Delitos asociados a armas" else 1) for label in CEAD_PUBLISHED_LABELS]
    outcome = import_file("cead", write_cead(tmp_path / "cead.csv", cells))
    assert outcome.status == "importado", outcome.message
    coverage = outcome.summary["cobertura"]
    assert coverage["descubiertas"] == 0 and coverage["casos_sin_mapeo"] == 0, coverage
    assert coverage["etiquetas"] == coverage["mapeadas"] == 29  # the armas family is counted by its two groups
    assert coverage["casos"] == 29  # 29 labels of 1 case; the family's 2 cases are its groups' own
    assert outcome.summary["contadas_una_vez"][0]["categoria"] == "Delitos asociados a armas"
    assert family_total("drogas") == 1 and family_total("armas") == 2


def test_a_parent_published_with_its_children_counts_once(penalolen, tmp_path):
    cells = [
        ("2025-01-01", "Delitos asociados a armas", 7),
        ("2025-01-01", "Crímenes y simples delitos ley de armas", 4),
        ("2025-01-01", "Porte de arma cortante o punzante", 3),
        ("2025-02-01", "Delitos asociados a armas", 0),
        ("2025-02-01", "Crímenes y simples delitos ley de armas", 0),
        ("2025-02-01", "Porte de arma cortante o punzante", 0),
        ("2025-01-01", "Homicidios y femicidios", 5),  # a group whose children do not add up: kept, reported
        ("2025-01-01", "Homicidios", 3),
        ("2025-01-01", "Femicidios", 1),
    ]
    outcome = import_file("cead", write_cead(tmp_path / "cead.csv", cells), cutoff=dt.date(2025, 2, 28))
    assert outcome.status == "importado", outcome.message
    assert outcome.rows_accepted == 9  # every row is read and accepted; the redundant parent is not stored twice
    assert family_total("armas") == 7
    assert family_total("homicidios") == 9
    reasons = outcome.problems["reason"].to_list()
    assert any("que suman lo mismo en cada una de sus celdas (2)" in r for r in reasons)
    assert any("no suman lo mismo en 1 de 1 celdas (diferencia total 1)" in r for r in reasons)


def test_coverage_reports_the_share_of_cases_left_unmapped(penalolen, tmp_path):
    cells = [("2025-01-01", "Hurtos", 75), ("2025-01-01", "Delito inventado por una fuente", 25)]
    outcome = import_file("cead", write_cead(tmp_path / "cead.csv", cells))
    coverage = outcome.summary["cobertura"]
    assert coverage == {**coverage, "etiquetas": 2, "mapeadas": 1, "descubiertas": 1, "porcentaje_sin_mapeo": 25.0}
    assert coverage["sin_mapeo"] == ["Delito inventado por una fuente"]
    assert any("25,0 % de los casos (25 de 100)" in r for r in outcome.problems["reason"].to_list())


def test_fgj_delito_without_its_category_is_matched_by_its_last_level(db, tmp_path):
    register_municipality("09007", "Iztapalapa", country="MX", region="Ciudad de México")
    path = tmp_path / "carpetas.csv"
    path.write_text(
        "fecha_hecho,hora_hecho,delito,alcaldia_hecho,latitud,longitud\n"
        "2025-01-02,08:05:00,VIOLENCIA FAMILIAR,IZTAPALAPA,,\n"
        "2025-01-03,10:00:00,FRAUDE,IZTAPALAPA,,\n"
        "2025-01-04,11:00:00,HOMICIDIO DOLOSO,IZTAPALAPA,,\n"
        "2025-01-05,12:00:00,ROBO A TRANSEUNTE DE CELULAR SIN VIOLENCIA,IZTAPALAPA,,\n",
        encoding="utf-8",
    )
    outcome = import_file("cdmx-fgj", path)
    assert outcome.status == "importado", outcome.message
    coverage = outcome.summary["cobertura"]
    assert coverage["descubiertas"] == 1 and coverage["mapeadas"] == 3
    assert len(coverage["ambiguas"]["ROBO A TRANSEUNTE DE CELULAR SIN VIOLENCIA"]) == 2  # under two categorías
    assert coverage["por_ultimo_nivel"] == {
        "VIOLENCIA FAMILIAR": "DELITO DE BAJO IMPACTO / VIOLENCIA FAMILIAR",
        "FRAUDE": "DELITO DE BAJO IMPACTO / FRAUDE",
    }
    paths = set(Incident.objects.filter(category__discovered=False).values_list("category__path", flat=True))
    assert paths == {"DELITO DE BAJO IMPACTO / VIOLENCIA FAMILIAR", "DELITO DE BAJO IMPACTO / FRAUDE",
                     "HOMICIDIO DOLOSO"}  # fmt: skip


def test_a_parent_that_is_zero_with_its_children_is_left_alone(penalolen, tmp_path):
    cells = [("2025-01-01", "Delitos asociados a armas", 0), ("2025-01-01", "Porte de arma cortante o punzante", 0)]
    outcome = import_file("cead", write_cead(tmp_path / "cead.csv", [*cells, ("2025-01-01", "Hurtos", 3)]))
    assert outcome.summary["contadas_una_vez"] == []
    assert not any("subcategorías" in r for r in outcome.problems["reason"].to_list())


def test_cead_crosswalk_parents_are_marked_as_levels():
    """A label whose path has children must be a group or family level ("Nivel de …"); a subgroup that shares
    its group's name (Otras incivilidades, Otros delitos o faltas) sits below it, or the demo and real files
    would see it as a parent published with its children."""
    from atalaya.analysis import crosswalk

    for spec in crosswalk.catalogues():
        if spec.source != "cead":
            continue
        rows = crosswalk.crosswalk_rows(spec)
        for row in rows:
            has_children = any(other.path.startswith(row.path + " / ") for other in rows)
            assert not has_children or row.notes.startswith("Nivel de"), (spec.file, row.match)


def test_a_failing_step_after_the_import_leaves_the_import_standing(neza, fixtures_dir, generic_mapping, monkeypatch):
    """Alerts run after the import's own transaction (no dashboard waits for them): if they fail, the data and
    the indicator values stay, and the message says the alerts were not recomputed."""
    from atalaya import hooks
    from atalaya.datasets.models import Incident
    from atalaya.indicators.models import IndicatorSeries

    def broken(municipality_ids, source, dataset):
        Incident.objects.filter(municipality_id__in=municipality_ids, record_id="A1").update(record_id="roto")
        raise RuntimeError("detector caído")

    monkeypatch.setattr(hooks, "AFTER_COMMIT", [broken])
    monkeypatch.setattr("atalaya.datasets.importing.AFTER_COMMIT", [broken])
    outcome = import_file(
        "incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="15058", mapping_name="policia-prueba"
    )
    assert outcome.status == "importado" and "Las alertas no se recalcularon (detector caído)" in outcome.message
    assert Incident.objects.filter(municipality=neza).exclude(record_id="roto").count() == 4
    assert IndicatorSeries.objects.filter(municipality=neza, source="policia-prueba").exists()
