"""``atalaya spatial …`` on real file formats: outputs scripts can rely on, and clear refusals (exit 1)."""

import csv
import json
import zipfile

import numpy as np
import pytest

from atalaya.cli import main

libpysal = pytest.importorskip("libpysal")
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore")]


@pytest.fixture(scope="module")
def columbus():
    from libpysal import examples

    return examples.get_path("columbus.shp")


@pytest.fixture
def incidents_csv(tmp_path):
    """600 incidents in Nezahualcóyotl (lon/lat), a third of them packed in one corner, over 90 days."""
    rng = np.random.default_rng(9)
    lon = np.concatenate([rng.uniform(-99.03, -98.99, 400), rng.normal(-99.025, 0.0008, 200)])
    lat = np.concatenate([rng.uniform(19.38, 19.42, 400), rng.normal(19.415, 0.0008, 200)])
    days = rng.integers(0, 90, 600)
    lines = ["id,longitud,latitud,fecha,dano"] + [
        f"R{i},{lon[i]:.6f},{lat[i]:.6f},2026-{1 + d // 30:02d}-{1 + d % 28:02d},{1 + i % 3}"
        for i, d in enumerate(days)
    ]
    path = tmp_path / "hechos.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_moran_prints_the_documented_json(columbus, capsys):
    args = ["spatial", "moran", columbus, "--value", "CRIME", "--weights", "queen", "--crs", "planar"]
    assert main([*args, "--permutations", "99", "--seed", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"I", "EI", "z_norm", "p_norm", "z_sim", "p_sim"} <= set(out)
    assert round(out["I"], 6) == 0.500189


def test_gistar_keeps_the_id_column_in_csv_and_geojson(columbus, tmp_path, capsys):
    out = tmp_path / "gi.csv"
    args = ["spatial", "gistar", columbus, "--value", "CRIME", "--weights", "queen", "--id", "POLYID"]
    assert main([*args, "--crs", "planar", "--output", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["POLYID", "value", "gi", "z", "p", "p_fdr", "class"] and len(rows) == 49
    assert {r["class"] for r in rows} >= {"caliente_99", "no_significativo"}
    geo = tmp_path / "gi.geojson"
    assert main([*args, "--weights", "knn:5", "--crs", "planar", "--output", str(geo)]) == 0
    features = json.loads(geo.read_text(encoding="utf-8"))["features"]
    assert features[0]["properties"]["POLYID"] == "1" and features[0]["geometry"]["type"] == "Polygon"


def test_gistar_on_a_hexagonal_grid_of_points(incidents_csv, tmp_path, capsys):
    out = tmp_path / "hex.geojson"
    assert main(["spatial", "gistar", str(incidents_csv), "--hex", "300", "--output", str(out)]) == 0
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    hottest = max(features, key=lambda f: f["properties"]["z"])
    assert hottest["properties"]["class"] == "caliente_99"
    lon, lat = np.array(hottest["geometry"]["coordinates"][0]).mean(axis=0)
    assert abs(lon + 99.025) < 0.004 and abs(lat - 19.415) < 0.004  # where the incidents were packed
    assert sum(f["properties"]["value"] for f in features) == 600


def test_lisa_and_zipped_shapefile(columbus, tmp_path):
    from pathlib import Path

    zipped = tmp_path / "columbus.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for suffix in (".shp", ".shx", ".dbf"):
            archive.write(Path(columbus).with_suffix(suffix), f"columbus{suffix}")
    out = tmp_path / "lisa.csv"
    args = ["spatial", "lisa", str(zipped), "--value", "CRIME", "--weights", "rook", "--crs", "planar"]
    assert main([*args, "--permutations", "199", "--output", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {"I", "quadrant", "cluster", "p_sim"} <= set(rows[0]) and {r["cluster"] for r in rows} >= {"HH", "LL"}


def test_kde_geojson_and_png(incidents_csv, tmp_path, capsys):
    geo = tmp_path / "kde.geojson"
    assert (
        main(["spatial", "kde", str(incidents_csv), "--cell", "100", "--bandwidth", "300", "--output", str(geo)]) == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["bandwidth_m"] == 300 and summary["crs"] == "EPSG:32614"
    cells = json.loads(geo.read_text(encoding="utf-8"))["features"]
    assert cells and all(f["properties"]["density"] > 0 for f in cells)
    png = tmp_path / "kde.png"
    assert main(["spatial", "kde", str(incidents_csv), "--cell", "50", "--weight", "dano", "--output", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = json.loads((tmp_path / "kde.png.json").read_text(encoding="utf-8"))
    assert len(meta["corners_wgs84_nw_ne_se_sw"]) == 4 and (tmp_path / "kde.pgw").exists()


def test_concentration_knox_near_repeat_and_repeats(incidents_csv, tmp_path, capsys):
    assert main(["spatial", "concentration", str(incidents_csv), "--unit", "cell:200", "--date", "fecha"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pct_places_for_pct_crime"]["50"] < 10 and 0 < out["gini"] < 1 and "stability" in out
    assert main(["spatial", "knox", str(incidents_csv), "--t", "fecha", "--delta", "100", "--tau", "7"]) == 0
    assert {"statistic", "expected", "p_poisson"} <= set(json.loads(capsys.readouterr().out))
    table = tmp_path / "nr.csv"
    args = ["spatial", "near-repeat", str(incidents_csv), "--date", "fecha", "--space-band", "100"]
    args += ["--space-bands", "3", "--time-band", "7", "--time-bands", "2", "--permutations", "19"]
    assert main([*args, "--output", str(table)]) == 0
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert len(rows) == 5 * 3
    assert list(rows[0])[:2] == ["space_band", "time_band"] and {"observed", "expected", "ratio", "p_value"} <= set(
        rows[0]
    )
    assert main(["spatial", "repeats", str(incidents_csv), "--date", "fecha"]) == 0
    assert json.loads(capsys.readouterr().out)["locations"] == 600


@pytest.mark.parametrize(
    "content,args,message",
    [
        ("id,valor\n1,3\n2,4\n", ["gistar", "--value", "valor"], "No hay geometría"),
        (
            "id,lon,lat,v\n1,-99.0,19.4,1\n2,-99.01,19.41,2\n",
            ["gistar", "--value", "v", "--weights", "knn:1"],
            "al menos 3",
        ),
        (
            "id,lon,lat,v\n1,-99.0,19.4,x\n2,-99.01,19.41,2\n3,-99.02,19.4,1\n",
            ["gistar", "--value", "v"],
            "Fila 2, columna v",
        ),
        (
            "id,lon,lat,v\n1,-99.0,19.4,1\n2,-99.01,19.41,1\n3,-99.02,19.4,1\n",
            ["gistar", "--value", "v", "--weights", "knn:2"],
            "iguales",
        ),
        ("id,lon,lat\n1,-99.0,19.4\n", ["gistar", "--value", "nada"], "No existe la columna «nada»"),
        ("id,lon,lat\n1,500000,2100000\n", ["kde", "--cell", "50"], "no es longitud/latitud"),
        ("id,lon,lat\n1,-99.0,19.4\n2,-99.01,19.41\n3,-99.02,19.4\n", ["gistar", "--weights", "queen"], "polígonos"),
        ("id,lon,lat\n1,-99.0,19.4\n2,-99.01,19.41\n3,-99.02,19.4\n", ["gistar", "--weights", "knn:x"], "knn:K"),
        (
            "id,lon,lat,f\n1,-99.0,19.4,ayer\n2,-99.01,19.41,2026-01-01\n3,-99.02,19.4,2026-01-02\n",
            ["knox", "--t", "f", "--delta", "10", "--tau", "1"],
            "no es una fecha",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_and_exit_1(tmp_path, capsys, content, args, message):
    path = tmp_path / "malo.csv"
    path.write_text(content, encoding="utf-8")
    assert main(["spatial", args[0], str(path), *args[1:]]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_geojson_without_geometry_and_garbage_file(tmp_path, capsys):
    empty = tmp_path / "vacio.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    assert main(["spatial", "moran", str(empty), "--weights", "queen"]) == 1
    assert "geometrías" in capsys.readouterr().err
    garbage = tmp_path / "basura.shp"
    garbage.write_bytes(b"\x00\x01 no es un shapefile")
    assert main(["spatial", "moran", str(garbage)]) == 1
    assert "No se pudo leer" in capsys.readouterr().err
