"""Source reconciliation (issue 9): pairing police and prosecutor records of the same homicides."""

from __future__ import annotations

import polars as pl
import pytest

from atalaya.analysis.reconciliation import pair_records
from atalaya.cli import main
from atalaya.datasets.importing import import_file
from atalaya.datasets.models import ColumnMapping
from atalaya.reconciliation.models import PairDecision
from atalaya.reconciliation.services import agreed_events, decide, monthly_table, revert, run_reconciliation
from tests.reconciliation.conftest import write_source

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


def reconcile(neza):
    import datetime as dt

    return run_reconciliation(
        neza, "homicidios", ["policia", "fiscalia"], dt.date(2025, 1, 1), dt.date(2025, 3, 31), days=1, metres=300
    )


def test_reconciliation_counts_each_event_once_and_keeps_decisions(two_sources, tmp_path):
    neza = two_sources
    first = reconcile(neza)
    assert first.summary["registros"] == {"policia": 4, "fiscalia": 4}
    assert first.summary["etapas"] == [{"fuentes": "policia / fiscalia", "coinciden": 2, "conflictos": 1,
                                        "solo_a": 1, "solo_b": 1}]  # fmt: skip
    assert first.summary["cifra_conciliada"] == 6
    table = monthly_table(first)
    assert table["mes"].dt.month().to_list() == [1, 2, 3]  # March: nothing recorded, a zero, not a gap
    assert table["policia"].to_list() == [2, 2, 0] and table["fiscalia"].to_list() == [2, 2, 0]
    assert table["conciliada"].to_list() == [3, 3, 0]  # January: P1=F1, P2≠F2; February: P3=F3, P4, F5

    # The mesa decides: P2 and F2 are the same homicide (the police wrote the wrong sex); P1/F1 were different.
    same = decide(neza, "policia:P2", "fiscalia:F2", "mismo", "El acta de la fiscalía corrige el sexo.")
    decide(neza, "policia:P1", "fiscalia:F1", "distinto", "Dos víctimas en colonias vecinas.")
    second = reconcile(neza)
    stage = second.summary["etapas"][0]
    assert (stage["coinciden"], stage["conflictos"], second.summary["cifra_conciliada"]) == (2, 0, 6)
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
    assert reconcile(neza).summary["etapas"][0]["conflictos"] == 1


def test_cli_reconcile_run_pairs_and_decide(two_sources, tmp_path, capsys):
    args = ["reconcile", "run", "--municipality", "15058", "--family", "homicidios", "--source", "policia",
            "--source", "fiscalia", "--from", "2025-01-01", "--to", "2025-03-31", "--metres", "300"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "cifra conciliada: 6 hechos" in out and "2025-02" in out
    assert "policia / fiscalia: mismo hecho 2 · en conflicto 1" in out
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
    assert main(["reconcile", "run", *args[2:6], "--source", "policia", *args[10:]]) == 2
    assert "al menos dos fuentes" in capsys.readouterr().err
    assert main(["reconcile", "publish", reconciliation]) == 0
    assert "6 hechos publicados como «conciliada»" in capsys.readouterr().out
    assert main(["reconcile", "publish", reconciliation]) == 2  # once only
    assert "ya se publicó" in capsys.readouterr().err


def test_three_sources_are_reconciled_one_at_a_time_and_the_ages_are_compared(two_sources, tmp_path):
    """Forensic medicine joins: its records are paired with what police and prosecutors already agreed."""
    import datetime as dt

    neza = two_sources
    ColumnMapping.objects.create(
        name="forense",
        definition={
            "source": "forense",
            "catalogue": "cdmx-fgj",
            "columns": {"record_id": "id", "date": "fecha", "category": "delito", "lat": "lat", "lon": "lon"},
            "attributes": ["sexo", "edad"],
        },
    )
    forensic = [
        "M1,2025-01-03,HOMICIDIO DOLOSO,19.4051,-99.0150,H,25",  # P1 = F1 = M1
        "M4,2025-02-15,HOMICIDIO DOLOSO,19.4011,-99.0081,H,52",  # P4's place and day, but 52 years, not 19
        "M9,2025-03-02,HOMICIDIO DOLOSO,19.390,-99.020,M,61",  # only forensic medicine knew of it
    ]
    outcome = import_file(
        "incidents", write_source(tmp_path, "forense", forensic), municipality_code="15058", mapping_name="forense"
    )
    assert outcome.status == "importado", outcome.message
    rec = run_reconciliation(
        neza, "homicidios", ["policia", "fiscalia", "forense"], dt.date(2025, 1, 1), dt.date(2025, 3, 31), metres=300
    )
    assert rec.summary["registros"] == {"policia": 4, "fiscalia": 4, "forense": 3}
    second = rec.summary["etapas"][1]
    assert second["fuentes"] == "policia + fiscalia / forense"
    # Six events were agreed by police and prosecutors; M1 joins one, M4 conflicts with P4 (age), M9 is new.
    assert (second["coinciden"], second["conflictos"], second["solo_b"]) == (1, 1, 1)
    assert rec.summary["cifra_conciliada"] == 8
    table = monthly_table(rec)
    assert table.columns == ["mes", "policia", "fiscalia", "forense", "conciliada"]
    assert table["forense"].to_list() == [1, 1, 1] and table["conciliada"].to_list() == [3, 4, 1]
    events = {row["key"]: row["fuentes"] for row in agreed_events(rec).iter_rows(named=True)}
    assert sorted(events["policia:P1"]) == ["fiscalia:F1", "forense:M1", "policia:P1"]


def test_publishing_the_agreed_figure_is_a_version_that_indicators_read_and_rollback_undoes(two_sources):
    from atalaya.cube.models import MonthlyCount
    from atalaya.datasets.models import Dataset, Incident
    from atalaya.datasets.versions import rollback
    from atalaya.reconciliation.services import AGREED_SOURCE, ReconciliationError, publish

    neza = two_sources
    first = reconcile(neza)
    dataset = publish(first)
    agreed = Incident.objects.current().filter(municipality=neza, source=AGREED_SOURCE)
    assert agreed.count() == 6 and dataset.summary == {"conciliacion": first.pk, "hechos": 6, "reemplazados": 0}
    p1 = agreed.get(record_id="policia:P1")
    assert sorted(p1.attributes["fuentes"]) == ["fiscalia:F1", "policia:P1"]
    assert p1.attributes["conciliacion"] == first.pk and p1.lat == pytest.approx(19.405)
    cube = MonthlyCount.objects.filter(municipality=neza, source=AGREED_SOURCE)
    assert sorted(cube.values_list("month__month", flat=True).distinct()) == [1, 2]
    assert sum(cube.values_list("count", flat=True)) == 6
    assert dataset.options["fuentes"] == ["policia", "fiscalia"] and dataset.changes["valores"]["nuevo"] >= 2

    # A decision after the run: the run is stale and cannot be published.
    decide(neza, "policia:P2", "fiscalia:F2", "mismo", "El acta corrige el sexo.")
    with pytest.raises(ReconciliationError, match="después de esta conciliación"):
        publish(first)
    second = reconcile(neza)
    newer = publish(second)
    assert agreed.count() == 5  # P2 and F2 are now one event
    assert Incident.objects.filter(superseded_by=newer, source=AGREED_SOURCE).count() == 6  # kept, not deleted
    assert sum(cube.values_list("count", flat=True)) == 5

    rollback(newer)
    assert agreed.count() == 6 and sum(cube.values_list("count", flat=True)) == 6
    assert Dataset.objects.get(pk=newer.pk).status == "revertido"
