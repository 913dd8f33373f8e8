"""``atalaya alerts run | series | digest | backtest``: what they write, and clear refusals of bad input."""

import csv

import pytest

from atalaya.alerts.models import Alert, AlertSettings
from atalaya.cli import main
from atalaya.datasets.importing import import_file
from tests.alerts.test_observatory import _write_incidents

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(neza, police_mapping, tmp_path):
    AlertSettings.objects.create(municipality=neza, monthly=False, enabled=False)  # no detection at import
    import_file(
        "incidents",
        _write_incidents(tmp_path / "i.csv", spike_weeks=(0, 30)),
        municipality_code="15058",
        mapping_name="policia-prueba",
    )
    AlertSettings.objects.filter(municipality=neza).update(enabled=True, params={"alpha": 0.01})
    return neza


def test_series_export_feeds_detect_and_backtest(loaded, tmp_path, capsys):
    out = tmp_path / "series.csv"
    assert main(["alerts", "series", "15058", "--freq", "week", "--output", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    names = {r["series"] for r in rows}
    assert names == {"15058|robos-con-violencia", "C1|robos-con-violencia", "S1|robos-con-violencia"}
    assert rows[0]["date"] == "2020-10-05"
    detected = tmp_path / "alarmas.csv"
    assert (
        main(["detect", str(out), "--method", "farrington-noufaily", "--alpha", "0.01", "--output", str(detected)]) == 0
    )
    alarms = [r for r in csv.DictReader(detected.open(encoding="utf-8")) if r["alarm"] == "true"]
    assert {r["date"] for r in alarms} >= {"2026-10-19"}
    table = tmp_path / "backtest.csv"
    args = [
        "alerts",
        "backtest",
        "--history",
        str(out),
        "--method",
        "ears-c2,farrington-noufaily",
        "--alpha",
        "0.05,0.01",
    ]
    assert main([*args, "--outbreak-size", "3,10", "--output", str(table)]) == 0
    result = list(csv.DictReader(table.open(encoding="utf-8")))
    assert len(result) == 2 * 2 * 2  # methods × α × sizes
    assert set(result[0]) == {
        "method",
        "params",
        "outbreak_k",
        "shape",
        "series",
        "sensitivity",
        "detected",
        "never_detected",
        "median_delay",
        "false_alarms_per_series_year",
    }


def test_run_reviews_the_past_once_and_is_idempotent(loaded, capsys):
    assert main(["alerts", "run", "15058", "--lookback-weeks", "40", "--no-notify"]) == 0
    first = Alert.objects.filter(territory__code="C1")
    assert {a.first_period.isoformat() for a in first} >= {"2026-10-19", "2026-03-23"}  # both spikes
    count = Alert.objects.count()
    assert main(["alerts", "run", "15058", "--lookback-weeks", "40", "--no-notify"]) == 0
    assert Alert.objects.count() == count
    assert main(["alerts", "run", "99999"]) == 2
    assert "municipio no registrado" in capsys.readouterr().err


def test_digest_command(loaded, capsys):
    assert main(["alerts", "digest"]) == 0
    assert "0 correo(s)" in capsys.readouterr().out


def test_backtest_simulated_and_bad_input(tmp_path, capsys):
    out = tmp_path / "sim.csv"
    args = ["alerts", "backtest", "--simulate", "--series", "30", "--method", "cusum", "--h", "5,8"]
    assert main([*args, "--outbreak-size", "5", "--seed", "1", "--output", str(out)]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + 2
    assert main(["alerts", "backtest", "--simulate", "--method", "magia"]) == 1
    assert "Método desconocido «magia»" in capsys.readouterr().err
    bad = tmp_path / "malo.csv"
    bad.write_text("date,count\n2026-01-05,3\n2026-01-05,4\n", encoding="utf-8")
    assert main(["alerts", "backtest", "--history", str(bad), "--method", "ears-c2"]) == 1
    assert "se repite" in capsys.readouterr().err
    short = tmp_path / "corta.csv"
    short.write_text("date,count\n2026-01-05,3\n2026-01-12,4\n", encoding="utf-8")
    assert main(["alerts", "backtest", "--history", str(short), "--method", "ears-c2"]) == 1
    assert "demasiado corta" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["alerts", "backtest", "--simulate", "--method", "ears-c2", "--alpha", "uno,dos"])
    assert "no es una lista de números" in capsys.readouterr().err
