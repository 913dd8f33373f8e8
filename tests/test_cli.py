"""The command line: exit status 0/1/2 and never a traceback for bad input."""

from pathlib import Path

import pytest

from atalaya.cli import main

pytestmark = pytest.mark.django_db


def test_import_exit_codes(neza, fixtures_dir, tmp_path, capsys):
    assert main(["import", "sesnsp", str(fixtures_dir / "sesnsp_delitos_cp1252.csv")]) == 0
    assert "Importado" in capsys.readouterr().out
    bad = tmp_path / "malo.csv"
    bad.write_bytes(b"\x00\x01\x02garbage" * 100)
    assert main(["import", "sesnsp", str(bad)]) == 1
    out = capsys.readouterr()
    assert "no es texto" in out.out and "Traceback" not in out.err
    assert main(["import", "sesnsp", str(tmp_path / "no-existe.csv")]) == 2
    assert main(["import", "cead", str(fixtures_dir / "cead_tidy.csv"), "--municipality", "00000"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "sesnsp"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"a,b\n",
        "Año,Clave_Ent\n2025,15\n".encode(),
        b"\xff\xfe\x00\x00garbage",
        ("x" * 200_000).encode(),
        'Año,Clave_Ent,"sin cerrar\n'.encode(),
    ],
    ids=["vacio", "solo-encabezado", "faltan-columnas", "binario", "campo-enorme", "comillas"],
)
def test_malformed_files_are_rejected_cleanly(neza, tmp_path, capsys, content):
    path = tmp_path / "archivo.csv"
    path.write_bytes(content)
    assert main(["import", "sesnsp", str(path)]) == 1
    out = capsys.readouterr()
    assert "Archivo rechazado" in out.out and "Traceback" not in out.err + out.out


def test_export_counts_to_file(neza, fixtures_dir, tmp_path):
    main(["import", "sesnsp", str(fixtures_dir / "sesnsp_delitos_cp1252.csv")])
    output = tmp_path / "conteos.csv"
    assert main(["export", "counts", "--municipality", "15058", "--level", "iccs", "--output", str(output)]) == 0
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "municipality_code,territory_code,period_start,category_code,category_label,count"
    assert lines[1].startswith("15058,,2025-01-01,0101,")


def test_mapping_save_validates(tmp_path, db, capsys):
    good = tmp_path / "m.json"
    good.write_text('{"columns": {"date": "fecha", "category": "delito"}}', encoding="utf-8")
    assert main(["mapping", "save", "mio", str(good)]) == 0
    bad = tmp_path / "b.json"
    bad.write_text('{"columns": {"date": "fecha"}}', encoding="utf-8")
    assert main(["mapping", "save", "malo", str(bad)]) == 2
    assert "category" in capsys.readouterr().err


def test_init_is_idempotent(db, capsys):
    from atalaya.taxonomy.models import CrosswalkEntry

    before = CrosswalkEntry.objects.count()
    assert main(["init"]) == 0
    assert main(["init"]) == 0
    assert CrosswalkEntry.objects.count() == before
    assert "+0" in capsys.readouterr().out


def test_victims_are_exported_only_when_asked(neza, fixtures_dir, tmp_path):
    assert main(["import", "sesnsp-victimas", str(fixtures_dir / "sesnsp_victimas_utf8.csv")]) == 0
    default = tmp_path / "d.csv"
    victims = tmp_path / "v.csv"
    main(["export", "counts", "--level", "family", "--output", str(default)])
    main(["export", "counts", "--level", "family", "--measure", "victimas", "--output", str(victims)])
    assert len(default.read_text(encoding="utf-8").splitlines()) == 1  # header only: no delitos loaded
    rows = victims.read_text(encoding="utf-8").splitlines()[1:]
    assert sum(int(r.rsplit(",", 1)[1]) for r in rows) == 22 + 3  # hombres + mujeres, all months


@pytest.mark.parametrize(
    "name,content",
    [
        ("limites.geojson", b'{"type": "FeatureCollection", "features": []}'),
        ("limites.geojson", b"{ esto no es json"),
        ("limites.zip", b"PK\x03\x04 roto"),
        ("limites.csv", b"codigo,nombre\nS1,Sector 1\n"),
    ],
    ids=["sin-objetos", "json-roto", "zip-roto", "csv-sin-geometria"],
)
def test_malformed_boundary_files(neza, tmp_path, capsys, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    code = main(
        ["import", "boundaries", str(path), "--municipality", "15058", "--level", "sector", "--code-column", "codigo"]
    )
    out = capsys.readouterr()
    assert code == 1 and "Archivo rechazado" in out.out and "Traceback" not in out.err


def _write(tmp_path, text):
    path = tmp_path / "serie.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_detect_ears_on_many_series(tmp_path, capsys, db):
    import datetime as dt

    lines = ["series,date,count"]
    start = dt.date(2026, 1, 5)
    for name, values in (("A", [3, 4, 3, 5, 4, 3, 4, 4, 20, 4]), ("B", [1] * 10)):
        lines += [f"{name},{start + dt.timedelta(weeks=k)},{v}" for k, v in enumerate(values)]
    out = tmp_path / "alarmas.csv"
    assert main(["detect", str(_write(tmp_path, "\n".join(lines))), "--method", "ears-c1", "--output", str(out)]) == 0
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "series,date,count,expected,upperbound,score,alarm,pvalue"
    a_rows = [r for r in rows[1:] if r.startswith("A,")]
    assert len(a_rows) == 3  # weeks 8, 9, 10: the first seven are the baseline
    assert a_rows[1].startswith("A,2026-03-02,20,") and a_rows[1].endswith(",true,")  # no p-value for EARS


@pytest.mark.parametrize(
    "text,message",
    [
        ("date,count\n2026-01-05,3\n2026-01-19,4\n", "hueco"),
        ("date,count\n2026-01-12,3\n2026-01-05,4\n", "orden"),
        ("date,count\n2026-01-05,3\n2026-01-05,4\n", "se repite"),
        ("date,count\n2026-01-05,-1\n", "no negativo"),
        ("date,count\n2026-01-05,2.5\n", "entero"),
        ("fecha,n\n2026-01-05,1\n", "columnas"),
    ],
)
def test_detect_refuses_bad_series(tmp_path, capsys, db, text, message):
    assert main(["detect", str(_write(tmp_path, text)), "--method", "ears-c1"]) == 1
    assert message in capsys.readouterr().err


def test_detect_unknown_method_and_short_series(tmp_path, capsys, db):
    path = _write(tmp_path, "date,count\n2026-01-05,3\n2026-01-12,4\n")
    assert main(["detect", str(path), "--method", "farrington-magic"]) == 1
    assert "Método desconocido" in capsys.readouterr().err
    assert main(["detect", str(path), "--method", "ears-c1"]) == 1
    assert "demasiado corta" in capsys.readouterr().err


def test_detect_farrington_reproduces_r_from_a_file(tmp_path, capsys, db):
    """The command on salmNewport with --r-compat gives surveillance's bounds (fixture written by R)."""
    import polars as pl

    fixtures = Path(__file__).parent / "fixtures" / "surveillance"
    out = tmp_path / "farrington.csv"
    args = ["detect", str(fixtures / "newport.csv"), "--method", "farrington-noufaily", "--r-compat"]
    assert main([*args, "--output", str(out)]) == 0
    ours = pl.read_csv(out, try_parse_dates=True)
    reference = pl.read_csv(fixtures / "newport_farrington_noufaily.csv", try_parse_dates=True, null_values="NA")
    joined = reference.join(ours, on="date", suffix="_atalaya")
    assert joined.height == reference.height
    assert (joined["alarm"] == joined["alarm_atalaya"]).all()
    both = joined.drop_nulls(["upperbound"])
    assert ((both["upperbound"] - both["upperbound_atalaya"]).abs() < 1e-6).all()


@pytest.mark.parametrize("method", ["cusum", "semaforo", "farrington", "ears-c3"])
def test_detect_other_methods_run_on_monthly_data(tmp_path, capsys, db, method):
    fixtures = Path(__file__).parent / "fixtures" / "surveillance"
    out = tmp_path / "out.csv"
    assert (
        main(["detect", str(fixtures / "monthly.csv"), "--method", method, "--freq", "month", "--output", str(out)])
        == 0
    )
    assert "alarmas" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8").startswith("series,date,count,expected,upperbound,score,alarm,pvalue")


def test_detect_refuses_parameters_of_another_method(tmp_path, capsys, db):
    fixtures = Path(__file__).parent / "fixtures" / "surveillance"
    assert (
        main(["detect", str(fixtures / "monthly.csv"), "--method", "cusum", "--freq", "month", "--baseline", "5"]) == 1
    )
    assert "no acepta: baseline" in capsys.readouterr().err
