"""Boundary files (GeoJSON, zipped Shapefile, GeoPackage) and the vectorised point-in-territory pass."""

import zipfile

import numpy as np
import pyogrio.raw
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, box

from atalaya.analysis.problems import FileRejected
from atalaya.analysis.readers import boundaries
from atalaya.analysis.territory_assignment import INSIDE, MISSING, OUTSIDE, STATUSES, UNASSIGNED, assign_points
from tests.conftest import write_geojson


def _write_with_gdal(path, geoms, codes, driver, crs):
    pyogrio.raw.write(
        path,
        np.array(shapely.to_wkb(geoms), dtype=object),
        [np.array(codes, dtype=object), np.array([100, 200], dtype=np.int64)],
        ["CODIGO", "POB"],
        geometry_type="Polygon",
        crs=crs,
        driver=driver,
    )


def test_geojson_boundaries(tmp_path):
    path = write_geojson(
        tmp_path / "t.geojson",
        [
            ({"codigo": "A", "nombre": "Uno"}, box(0, 0, 1, 1)),
            ({"codigo": "B", "nombre": "Dos"}, box(1, 0, 2, 1)),
        ],
    )
    result = boundaries.read(path)
    assert result.frame.get_column("code").to_list() == ["A", "B"]
    assert shapely.from_wkb(result.frame.get_column("geometry")[1]).equals(box(1, 0, 2, 1))


@pytest.mark.parametrize("driver,suffix", [("ESRI Shapefile", ".shp"), ("GPKG", ".gpkg")])
def test_projected_shapefile_zip_and_geopackage_are_reprojected(tmp_path, driver, suffix):
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32719", always_xy=True)
    wgs = [box(-70.58, -33.50, -70.55, -33.47), box(-70.55, -33.50, -70.52, -33.47)]
    utm = [shapely.transform(g, lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1]))) for g in wgs]
    path = tmp_path / f"uv{suffix}"
    _write_with_gdal(path, utm, ["UV01", "UV02"], driver, "EPSG:32719")
    if driver == "ESRI Shapefile":
        zipped = tmp_path / "uv.zip"
        with zipfile.ZipFile(zipped, "w") as archive:
            for part in tmp_path.glob("uv.*"):
                if part.suffix != ".zip":
                    archive.write(part, part.name)
        path = zipped
    result = boundaries.read(path, population_column="POB")
    back = shapely.from_wkb(result.frame.get_column("geometry")[0])
    assert back.bounds == pytest.approx(wgs[0].bounds, abs=1e-6)
    assert result.frame.get_column("population").to_list() == [100, 200]


def test_invalid_and_duplicate_territories(tmp_path):
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    path = write_geojson(tmp_path / "t.geojson", [({"codigo": "A"}, bowtie), ({"codigo": "A"}, box(2, 2, 3, 3))])
    result = boundaries.read(path)
    reasons = result.problems.get_column("reason").to_list()
    assert "Código de territorio repetido." in reasons
    assert any("se reparó" in r for r in reasons)
    assert shapely.is_valid(shapely.from_wkb(result.frame.get_column("geometry")[0]))


def test_not_a_boundary_file(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text("esto no es geojson")
    with pytest.raises(FileRejected, match="límites"):
        boundaries.read(path)


def test_assign_points_inside_edge_outside_missing():
    territories = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)])
    boundary = box(0, 0, 3, 1)
    lon = np.array([0.5, 1.0, 1.5, 2.5, 5.0, np.nan])
    lat = np.array([0.5, 0.5, 0.5, 0.5, 5.0, np.nan])
    index, status = assign_points(lon, lat, territories, boundary)
    assert index.tolist() == [0, 0, 1, -1, -1, -1]  # the shared edge goes to the lowest index
    assert [STATUSES[s] for s in status] == [INSIDE, INSIDE, INSIDE, UNASSIGNED, OUTSIDE, MISSING]


def test_without_any_geography_points_are_unassigned_not_outside():
    index, status = assign_points(np.array([1.0, np.nan]), np.array([1.0, np.nan]), np.array([]), None)
    assert index.tolist() == [-1, -1]
    assert [STATUSES[s] for s in status] == [UNASSIGNED, MISSING]


def test_assign_many_points_matches_shapely_contains():
    rng = np.random.default_rng(3)
    territories = np.array([box(i, j, i + 1, j + 1) for i in range(10) for j in range(10)])
    lon, lat = rng.uniform(-1, 11, 20_000), rng.uniform(-1, 11, 20_000)
    index, _status = assign_points(lon, lat, territories)
    tree = shapely.STRtree(territories)  # the obvious alternative must agree
    point_idx, poly_idx = tree.query(shapely.points(lon, lat), predicate="intersects")
    expected = np.full(len(lon), -1)
    for p, t in sorted(zip(point_idx, poly_idx, strict=True), key=lambda pt: (pt[0], -pt[1])):
        expected[p] = t
    assert np.array_equal(index, expected)
    inside = (lon >= 0) & (lon <= 10) & (lat >= 0) & (lat <= 10)
    assert np.array_equal(index >= 0, inside)
    sample = np.flatnonzero(inside)[:200]
    for k in sample:
        assert territories[index[k]].covers(shapely.Point(lon[k], lat[k]))
