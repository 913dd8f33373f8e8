"""The import pipeline against a real database: all-or-nothing, idempotent, nothing silently lost."""

import csv
import datetime as dt

import pytest

from atalaya.cube import writing as cube_writing
from atalaya.cube.exporting import export_counts
from atalaya.cube.models import DailyCount, MonthlyCount
from atalaya.datasets.importing import UsageError, import_file
from atalaya.datasets.models import AggregateCount, Dataset, Incident
from atalaya.taxonomy.models import SourceCategory

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        Dataset.objects.filter(status="importado").count(),
        Incident.objects.count(),
        AggregateCount.objects.count(),
        DailyCount.objects.count(),
        MonthlyCount.objects.count(),
        SourceCategory.objects.count(),
    )


def test_sesnsp_import_scopes_to_registered_municipalities(neza, fixtures_dir):
    outcome = import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    assert outcome.status == "importado" and outcome.exit_code == 0
    assert outcome.rows_read == 8 and outcome.rows_out_of_scope == 2 and outcome.rows_accepted == 6
    dataset = outcome.dataset
    assert dataset.encoding == "cp1252" and dataset.catalogue.version == "CNSP/38/15"
    assert dataset.period_start == dt.date(2025, 1, 1) and dataset.cutoff == dt.date(2026, 6, 30)
    assert list(dataset.municipalities.values_list("code", flat=True)) == ["15058"]
    frame = export_counts(municipality_code="15058", level="family", source="sesnsp")
    march = frame.filter(
        (frame["period_start"] == dt.date(2025, 3, 1)) & (frame["category_code"] == "robos-con-violencia")
    )
    assert march["count"].to_list() == [1204 + 61]  # robo a negocio + robo de coche con violencia
    assert frame["period_start"].max() == dt.date(2026, 6, 1)  # unpublished months are absent


def test_reimporting_the_same_file_changes_nothing(neza, fixtures_dir):
    first = import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    before = _snapshot()
    second = import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    assert second.status == "sin_cambios" and second.exit_code == 0 and second.dataset == first.dataset
    assert _snapshot() == before


def test_newer_release_supersedes_months_it_covers(neza, fixtures_dir, tmp_path):
    import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    text = (fixtures_dir / "sesnsp_delitos_cp1252.csv").read_bytes().decode("cp1252")
    revised = tmp_path / "revisado.csv"
    revised.write_bytes(
        text.replace(
            "2026,15,México,15058,Nezahualcóyotl,El patrimonio,Robo,Robo a negocio,Con violencia,35,33,40,38,36,34,,",
            "2026,15,México,15058,Nezahualcóyotl,El patrimonio,Robo,Robo a negocio,Con violencia,35,33,40,38,36,34,31,",
        ).encode("cp1252")
    )
    outcome = import_file("sesnsp", revised)
    assert outcome.status == "importado"
    frame = export_counts(municipality_code="15058", source="sesnsp", level="family")
    assert frame["period_start"].max() == dt.date(2026, 7, 1)
    assert AggregateCount.objects.filter(period_start=dt.date(2025, 3, 1)).count() == 4  # replaced, not doubled


def test_reject_writes_nothing_and_reports_every_problem(neza, fixtures_dir, tmp_path):
    lines = (fixtures_dir / "sesnsp_delitos_cp1252.csv").read_bytes().decode("cp1252").splitlines()
    lines[2] = lines[2].replace(",41,38,", ",41,muchos,")
    bad = tmp_path / "malo.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    before = _snapshot()
    outcome = import_file("sesnsp", bad)
    assert outcome.status == "rechazado" and outcome.exit_code == 1
    assert _snapshot() == before
    with outcome.report_path.open(encoding="utf-8-sig") as fh:
        report = list(csv.DictReader(fh))
    assert {
        "fila": "3",
        "columna": "Febrero",
        "valor": "muchos",
        "motivo": "El conteo no es un número entero.",
        "gravedad": "error",
    } in report
    assert Dataset.objects.filter(status="rechazado", file_name="malo.csv").count() == 1


def test_skip_imports_valid_rows_and_lists_the_rest(neza, fixtures_dir, tmp_path):
    lines = (fixtures_dir / "sesnsp_delitos_cp1252.csv").read_bytes().decode("cp1252").splitlines()
    lines[2] = lines[2].replace(",41,38,", ",41,muchos,")
    bad = tmp_path / "malo.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    outcome = import_file("sesnsp", bad, on_error="skip")
    assert outcome.status == "importado" and outcome.rows_rejected == 1 and outcome.rows_accepted == 5
    assert not AggregateCount.objects.filter(
        category__label="Con violencia", category__path__contains="negocio", period_start__year=2025
    ).exists()


def test_failure_part_way_leaves_the_database_as_before(neza, fixtures_dir, monkeypatch):
    before = _snapshot()

    def boom(*args, **kwargs):
        raise RuntimeError("disco lleno (simulado)")

    monkeypatch.setattr(cube_writing, "replace_published_months", boom)  # after the facts are written
    with pytest.raises(RuntimeError):
        import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    assert _snapshot() == before


def test_dry_run_reports_without_writing(neza, fixtures_dir):
    before = _snapshot()
    outcome = import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv", dry_run=True)
    assert outcome.status == "simulado" and outcome.rows_accepted == 6 and outcome.dataset is None
    assert _snapshot() == before


def test_incidents_are_assigned_flagged_and_unmapped_categories_kept(neza, generic_mapping, fixtures_dir):
    outcome = import_file(
        "incidents",
        fixtures_dir / "incidentes_generico.csv",
        municipality_code="15058",
        mapping_name="policia-prueba",
    )
    assert outcome.status == "importado", outcome.message
    by_id = {i.record_id: i for i in Incident.objects.select_related("territory")}
    assert by_id["A1"].territory.code == "C1" and by_id["A1"].location_status == "ok"
    assert by_id["A2"].territory.code == "C4"
    assert by_id["A3"].territory.code == "C2" and by_id["A3"].lat is None  # territory given by code
    assert by_id["A4"].location_status == "fuera_del_municipio" and by_id["A4"].territory is None
    assert by_id["A1"].occurred_time == dt.time(23, 10) and by_id["A3"].time_precision == "dia"
    discovered = SourceCategory.objects.filter(discovered=True, catalogue__source="policia-prueba")
    assert discovered.count() == 2  # a new catalogue: every label is kept and reported as unmapped
    assert any("pendiente de mapeo" in r for r in outcome.problems["reason"].to_list())
    cube = export_counts(municipality_code="15058", by="day", territories="sector")
    assert cube["count"].sum() == 3  # A4 is stored and reported, but it is not Nezahualcóyotl's incident
    assert set(cube["territory_code"]) == {"S1", "S2"}


def test_reimport_with_one_changed_record_rewrites_only_it(neza, generic_mapping, fixtures_dir, tmp_path):
    import_file(
        "incidents",
        fixtures_dir / "incidentes_generico.csv",
        municipality_code="15058",
        mapping_name="policia-prueba",
    )
    text = (fixtures_dir / "incidentes_generico.csv").read_text(encoding="utf-8")
    changed = tmp_path / "corregido.csv"
    changed.write_text(
        text.replace("A2,01/03/2025,02:00", "A2,05/03/2025,02:00")
        + "A5,2025-03-09,12:00,Violencia familiar,19.385,-99.025,\n",
        encoding="utf-8",
    )
    outcome = import_file("incidents", changed, municipality_code="15058", mapping_name="policia-prueba")
    assert (outcome.rows_new, outcome.rows_changed, outcome.rows_unchanged) == (1, 1, 3)
    assert Incident.objects.current().get(record_id="A2").occurred_on == dt.date(2025, 3, 5)
    old = Incident.objects.get(record_id="A2", superseded_by__isnull=False)  # the earlier version is kept
    assert old.superseded_by == outcome.dataset and old.occurred_on != dt.date(2025, 3, 5)
    days = export_counts(municipality_code="15058", by="day", level="source")
    assert days.filter(days["period_start"] == dt.date(2025, 3, 1))["count"].sum() == 1  # A2 moved away
    assert days["count"].sum() == 4  # the outside point A4 is not counted


def test_usage_errors(neza, fixtures_dir):
    with pytest.raises(UsageError, match="Formato desconocido"):
        import_file("xml", fixtures_dir / "cead_tidy.csv")
    with pytest.raises(UsageError, match="no está registrado"):
        import_file("cead", fixtures_dir / "cead_tidy.csv", municipality_code="99999")
    with pytest.raises(UsageError, match="mapeo"):
        import_file("incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="15058")


def test_cead_and_cdmx_end_to_end(penalolen, fixtures_dir, db):
    outcome = import_file("cead", fixtures_dir / "cead_tidy.csv")
    assert outcome.status == "importado" and outcome.rows_out_of_scope == 1
    assert outcome.dataset.catalogue.version == "2025" and outcome.dataset.cutoff == dt.date(2026, 8, 31)
    frame = export_counts(municipality_code="13122", level="iccs")
    assert frame.filter(frame["category_code"] == "0101")["count"].to_list() == [1, 0]


def test_boundaries_with_unknown_parent_are_rejected(neza, tmp_path):
    from shapely.geometry import box

    from tests.conftest import write_geojson

    path = write_geojson(tmp_path / "x.geojson", [({"codigo": "C9", "padre": "S9"}, box(0, 0, 1, 1))])
    outcome = import_file(
        "boundaries",
        path,
        municipality_code="15058",
        level="cuadrante",
        reader_options={"code_column": "codigo", "parent_column": "padre"},
    )
    assert outcome.status == "rechazado"
    assert not neza.territories.filter(code="C9").exists()


def test_points_of_a_municipality_without_geography_are_not_called_outside(penalolen, generic_mapping, fixtures_dir):
    outcome = import_file(
        "incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="13122", mapping_name="policia-prueba"
    )
    assert outcome.status == "importado"
    assert not Incident.objects.filter(location_status="fuera_del_municipio").exists()
    assert any("no tiene límites" in r for r in outcome.problems["reason"].to_list())


def test_dry_run_of_an_imported_file_says_nothing_would_change(neza, fixtures_dir):
    import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    outcome = import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv", dry_run=True)
    assert outcome.status == "sin_cambios" and "ya se importó" in outcome.message


def test_monthly_cube_is_the_roll_up_of_the_daily_one(neza, generic_mapping, fixtures_dir, tmp_path):
    import polars as pl

    import_file(
        "incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="15058", mapping_name="policia-prueba"
    )
    text = (fixtures_dir / "incidentes_generico.csv").read_text(encoding="utf-8")
    changed = tmp_path / "abril.csv"
    changed.write_text(text.replace("A2,01/03/2025", "A2,02/04/2025"), encoding="utf-8")
    import_file("incidents", changed, municipality_code="15058", mapping_name="policia-prueba")
    for territories in (None, "hoja"):
        days = export_counts(municipality_code="15058", by="day", territories=territories)
        rolled = (
            days.with_columns(pl.col("period_start").dt.truncate("1mo"))
            .group_by(["municipality_code", "territory_code", "period_start", "category_code", "category_label"])
            .agg(pl.col("count").sum())
            .sort(["territory_code", "period_start", "category_code"], nulls_last=True)
        )
        months = export_counts(municipality_code="15058", by="month", territories=territories).sort(
            ["territory_code", "period_start", "category_code"], nulls_last=True
        )
        assert months.equals(rolled.select(months.columns))
    assert export_counts(municipality_code="15058", by="month")["period_start"].unique().sort().to_list() == [
        dt.date(2025, 3, 1),
        dt.date(2025, 4, 1),
    ]
