"""Source reconciliation (issue 9): pairing police and prosecutor records of the same homicides."""

from __future__ import annotations

import polars as pl
import pytest

from atalaya.analysis.reconciliation import pair_records
from atalaya.cli import main
from atalaya.datasets.importing import import_file
from atalaya.datasets.models import ColumnMapping
from atalaya.reconciliation.models import PairDecision
from atalaya.reconciliation.services import decide, monthly_table, revert, run_reconciliation

SCHEMA = {"key": pl.String, "family": pl.String, "day": pl.Int64, "lat": pl.Float64, "lon": pl.Float64,
          "sex": pl.String, "age": pl.Int64}  # fmt: skip


def records(rows):
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def test_engine_pairs_one_to_one_within_the_tolerances():
    police = records([
        ("p1", "homicidios", 100, 19.40, -99.00, "H", 30),
        ("p2", "homicidios", 100, 19.40, -99.00, "H", 31),  # a second victim at the same place and day
        ("p3", "homicidios", 120, 19.45, -99.05, "M", None),
        ("p4", "homicidios", 130, None, None, None, None),  # no point: paired on the date alone
        ("p5", "lesiones", 100, 19.40, -99.00, None, None),  # other family: never paired
    ])  # fmt: skip
    prosecutors = records([
        ("f1", "homicidios", 101, 19.4010, -99.00, "H", 30),  # 1 day and ~111 m from p1
        ("f2", "homicidios", 120, 19.45, -99.05, "H", None),  # same event as p3 but the victim's sex differs
        ("f3", "homicidios", 131, 19.50, -99.10, None, None),
        ("f4", "homicidios", 200, 19.40, -99.00, None, None),  # months later: no candidate
    ])  # fmt: skip
    result = pair_records(police, prosecutors, days=1, metres=500).sort("key_a", "key_b", nulls_last=True)
    chosen = {(r["key_a"], r["key_b"]): r for r in result.iter_rows(named=True)}
    assert chosen[("p1", "f1")]["status"] == "coincide"
    assert chosen[("p1", "f1")]["distance_m"] == pytest.approx(111.2, abs=0.5)
    assert chosen[("p1", "f1")]["score"] == pytest.approx(1 - 0.25 - 0.5 * 111.19 / 1000, abs=1e-3)
    assert chosen[("p3", "f2")]["status"] == "conflicto"
    assert chosen[("p4", "f3")]["status"] == "coincide" and chosen[("p4", "f3")]["distance_m"] is None
    assert chosen[("p4", "f3")]["score"] == pytest.approx(0.8 * 0.5)
    assert chosen[("p2", None)]["status"] == "solo_a" and chosen[("p5", None)]["status"] == "solo_a"
    assert chosen[(None, "f4")]["status"] == "solo_b"
    assert result.height == 6  # every record appears exactly once

    rejected = pair_records(police, prosecutors, days=1, metres=500, rejected={("p1", "f1")})
    assert ("p1", "f1") not in set(zip(rejected["key_a"], rejected["key_b"], strict=True))
    assert rejected.filter(pl.col("key_a") == "p2")["key_b"].to_list() == ["f1"]  # the next best takes it
    confirmed = pair_records(police, prosecutors, days=1, metres=500, confirmed={("p3", "f2")})
    row = confirmed.filter(pl.col("key_a") == "p3").row(0, named=True)
    assert (row["status"], row["decided"]) == ("coincide", True)


def write_source(tmp_path, name, rows):
    path = tmp_path / f"{name}.csv"
    path.write_text("id,fecha,delito,lat,lon,sexo,edad\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def two_sources(neza, tmp_path):
    for source in ("policia", "fiscalia"):
        ColumnMapping.objects.create(
            name=source,
            definition={
                "source": source,
                "catalogue": "cdmx-fgj",
                "columns": {"record_id": "id", "date": "fecha", "category": "delito", "lat": "lat", "lon": "lon"},
                "attributes": ["sexo", "edad"],
            },
        )
    police = [
        "P1,2025-01-03,HOMICIDIO DOLOSO,19.405,-99.015,H,25",
        "P2,2025-01-20,HOMICIDIO DOLOSO,19.395,-99.005,M,40",
        "P3,2025-02-11,FEMINICIDIO,19.398,-99.012,M,33",
        "P4,2025-02-15,HOMICIDIO DOLOSO,19.401,-99.008,H,19",
    ]
    prosecutors = [
        "F1,2025-01-04,HOMICIDIO DOLOSO,19.4052,-99.0151,H,25",
        "F2,2025-01-20,HOMICIDIO DOLOSO,19.3951,-99.0049,H,40",  # sex differs from P2: conflict
        "F3,2025-02-11,FEMINICIDIO,19.398,-99.012,M,33",
        "F5,2025-02-27,HOMICIDIO DOLOSO,19.409,-99.001,H,50",
    ]
    for source, rows in (("policia", police), ("fiscalia", prosecutors)):
        outcome = import_file(
            "incidents", write_source(tmp_path, source, rows), municipality_code="15058", mapping_name=source
        )
        assert outcome.status == "importado", outcome.message
    return neza


def reconcile(neza):
    import datetime as dt

    return run_reconciliation(
        neza, "homicidios", "policia", "fiscalia", dt.date(2025, 1, 1), dt.date(2025, 3, 31), days=1, metres=300
    )


def test_reconciliation_counts_each_event_once_and_keeps_decisions(two_sources, tmp_path):
    neza = two_sources
    first = reconcile(neza)
    assert first.summary == {**first.summary, "registros_a": 4, "registros_b": 4, "coinciden": 2, "conflictos": 1,
                             "solo_a": 1, "solo_b": 1, "cifra_conciliada": 6}  # fmt: skip
    table = monthly_table(first)
    assert table["mes"].dt.month().to_list() == [1, 2]
    assert table["fuente_a"].to_list() == [2, 2] and table["fuente_b"].to_list() == [2, 2]
    assert table["conciliada"].to_list() == [3, 3]  # January: P1=F1, P2≠F2; February: P3=F3, P4, F5

    # The mesa decides: P2 and F2 are the same homicide (the police wrote the wrong sex); P1/F1 were different.
    same = decide(neza, "policia:P2", "fiscalia:F2", "mismo", "El acta de la fiscalía corrige el sexo.")
    decide(neza, "policia:P1", "fiscalia:F1", "distinto", "Dos víctimas en colonias vecinas.")
    second = reconcile(neza)
    assert (second.summary["coinciden"], second.summary["conflictos"], second.summary["cifra_conciliada"]) == (2, 0, 6)
    assert second.summary["decisiones_aplicadas"] == 1

    # A new release of the police file keeps the decisions (they are keyed by source and record id).
    rows = [
        "P1,2025-01-03,HOMICIDIO DOLOSO,19.405,-99.015,H,25",
        "P2,2025-01-20,HOMICIDIO DOLOSO,19.395,-99.005,M,40",
        "P3,2025-02-11,FEMINICIDIO,19.398,-99.012,M,33",
        "P4,2025-02-16,HOMICIDIO DOLOSO,19.401,-99.008,H,19",
    ]
    outcome = import_file(
        "incidents", write_source(tmp_path, "policia_v2", rows), municipality_code="15058", mapping_name="policia"
    )
    assert outcome.status == "importado", outcome.message
    third = reconcile(neza)
    assert third.summary["decisiones_aplicadas"] == 1 and third.summary["cifra_conciliada"] == 6

    revert(same)
    assert PairDecision.objects.filter(reverted_at__isnull=False).count() == 1  # kept in the log
    assert reconcile(neza).summary["conflictos"] == 1


def test_cli_reconcile_run_pairs_and_decide(two_sources, tmp_path, capsys):
    args = ["reconcile", "run", "--municipality", "15058", "--family", "homicidios", "--source", "policia",
            "--source", "fiscalia", "--from", "2025-01-01", "--to", "2025-03-31", "--metres", "300"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "cifra conciliada: 6 hechos" in out and "2025-02" in out
    reconciliation = out.split("Conciliación ")[1].split(":")[0]
    assert (
        main(["reconcile", "pairs", reconciliation, "--status", "conflicto", "--output", str(tmp_path / "c.csv")]) == 0
    )
    conflicts = pl.read_csv(tmp_path / "c.csv")
    assert conflicts[["key_a", "key_b"]].rows() == [("policia:P2", "fiscalia:F2")]
    assert main(["reconcile", "decide", "--municipality", "15058", "--pair", "policia:P2", "fiscalia:F2",
                 "--verdict", "mismo", "--reason", "  "]) == 2  # fmt: skip
    assert "motivo" in capsys.readouterr().err
    assert main(["reconcile", "run", *args[2:6], "--source", "policia", "--source", "policia", *args[10:]]) == 2
    assert main(["reconcile", "pairs", "999"]) == 2
