"""The cube's two ways of being written agree, its reader reads what was written, and its tables kept their
names when the models moved out of ``datasets``."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db import connection

from atalaya.cube import reading
from atalaya.cube.models import DailyCount, MonthlyCount
from atalaya.datasets import writing
from atalaya.datasets.importing import import_file


def _cells() -> tuple[list, list]:
    daily = sorted(
        DailyCount.objects.values_list("municipality_id", "territory_id", "category_id", "source", "day", "count")
    )
    monthly = sorted(
        MonthlyCount.objects.values_list(
            "municipality_id", "territory_id", "category_id", "source", "month", "measure", "count"
        )
    )
    return daily, monthly


def test_cells_counted_in_memory_equal_the_rebuild_from_stored_incidents(neza, generic_mapping, fixtures_dir):
    outcome = import_file(
        "incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="15058", mapping_name="policia-prueba"
    )
    assert outcome.status == "importado", outcome.message
    fresh = _cells()  # a first import: cells counted from the file's frame
    assert fresh[0] and fresh[1]
    DailyCount.objects.all().delete()
    MonthlyCount.objects.all().delete()
    writing.refresh_cube_from_incidents(neza.pk, "policia-prueba", dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    assert _cells() == fresh  # the same cells from the stored incidents (the path of every later import)


def test_published_counts_are_rebuilt_by_month_without_territory(neza, fixtures_dir):
    import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    before = _cells()[1]
    assert before and all(row[1] is None for row in before)
    MonthlyCount.objects.filter(source="sesnsp").delete()
    writing.refresh_cube_from_published(neza.pk, "sesnsp", dt.date(2000, 1, 1), dt.date(2100, 12, 1))
    assert _cells()[1] == before


def test_the_reader_returns_what_the_ORM_sees(neza, generic_mapping, fixtures_dir):
    import_file(
        "incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="15058", mapping_name="policia-prueba"
    )
    days = reading.cells([neza.pk], by="day")
    assert days.schema == pl.Schema(reading.CELL_SCHEMA)
    assert sorted(days.select("territory_id", "category_id", "period_start", "count").rows()) == sorted(
        DailyCount.objects.values_list("territory_id", "category_id", "day", "count")
    )
    months = reading.source_months(neza.pk, "policia-prueba")
    assert months.get_column("measure").unique().to_list() == ["incidentes"]
    assert months["count"].sum() == days["count"].sum()
    info = reading.source_info("policia-prueba", months)
    assert info.point_level and info.first <= info.last
    assert reading.sources_for(neza) == [info]
    assert reading.last_day([neza.pk]) == days["period_start"].max()
    assert reading.busiest_point_source(neza) == "policia-prueba"
    assert reading.territory_keys(neza, "sector") == ["S1", "S2", reading.NO_TERRITORY]
    assert reading.territory_keys(neza, None) == [None]


def test_the_tables_kept_their_names(db):
    tables = set(connection.introspection.table_names())
    assert {DailyCount._meta.db_table, MonthlyCount._meta.db_table} <= tables
    assert DailyCount._meta.db_table == "datasets_dailycount" and MonthlyCount._meta.db_table == "datasets_monthlycount"
