"""Spatial statistics against PySAL (esda, libpysal, pointpats: test-only dependencies) and hand computation."""

import numpy as np
import polars as pl
import pytest
import shapely

from atalaya.analysis.spatial import (
    concentration,
    contiguity,
    distance_band,
    getis_ord,
    gini,
    kde,
    knn,
    lisa,
    moran,
    top_place_stability,
    utm_for,
)
from atalaya.analysis.spatial.grids import axial_of, hex_grid
from atalaya.analysis.spatial.kde import exact_density
from atalaya.analysis.spatial.spacetime import knox, near_repeat, repeat_places

libpysal = pytest.importorskip("libpysal")
esda = pytest.importorskip("esda")
pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def columbus():
    import pyogrio
    from libpysal import examples

    meta, _f, geometry, fields = pyogrio.raw.read(examples.get_path("columbus.shp"))
    columns = dict(zip(meta["fields"], fields, strict=True))
    return shapely.from_wkb(np.asarray(geometry, dtype=object)), np.asarray(columns["CRIME"], dtype=float)


@pytest.fixture(scope="module")
def columbus_queen(columbus):
    from libpysal import examples

    return libpysal.io.open(examples.get_path("columbus.gal")).read()  # the weights esda's own tests use


def test_weights_match_libpysal(columbus):
    polygons, _ = columbus
    import geopandas as gpd

    frame = gpd.GeoDataFrame(geometry=polygons)
    for ours, theirs in (
        (contiguity(polygons), libpysal.weights.Queen.from_dataframe(frame, use_index=False)),
        (contiguity(polygons, rook=True), libpysal.weights.Rook.from_dataframe(frame, use_index=False)),
    ):
        assert np.array_equal(ours.matrix.toarray() > 0, theirs.sparse.toarray() > 0)
    centroids = shapely.get_coordinates(shapely.centroid(polygons))
    assert np.array_equal(
        knn(centroids, 4).matrix.toarray() > 0, libpysal.weights.KNN.from_array(centroids, k=4).sparse.toarray() > 0
    )
    band = libpysal.weights.DistanceBand.from_array(centroids, threshold=1.2, silence_warnings=True)
    assert np.array_equal(distance_band(centroids, 1.2).matrix.toarray() > 0, band.sparse.toarray() > 0)
    w = contiguity(polygons).transformed("R")
    assert np.allclose(np.asarray(w.matrix.sum(axis=1)).ravel(), 1.0)


def test_moran_matches_esda(columbus, columbus_queen):
    polygons, crime = columbus
    ours = moran(crime, contiguity(polygons).transformed("R"))
    theirs = esda.Moran(crime, columbus_queen, permutations=0)
    assert ours.statistic == pytest.approx(theirs.I, rel=1e-12)
    assert ours.expected == pytest.approx(theirs.EI)
    assert ours.variance_norm == pytest.approx(theirs.VI_norm, rel=1e-10)
    assert ours.z_norm == pytest.approx(theirs.z_norm, rel=1e-10)
    assert ours.p_norm == pytest.approx(theirs.p_norm, rel=1e-8)  # both two-sided
    assert ours.z_rand == pytest.approx(theirs.z_rand, rel=1e-10)
    assert round(ours.statistic, 6) == 0.500189  # esda's published value for Columbus CRIME (test_moran.py)
    binary = moran(crime, contiguity(polygons).transformed("B"))
    assert binary.statistic == pytest.approx(esda.Moran(crime, columbus_queen, transformation="b").I)


def test_moran_permutations_are_seeded_and_sensible(columbus):
    polygons, crime = columbus
    w = contiguity(polygons).transformed("R")
    a = moran(crime, w, permutations=499, rng=np.random.default_rng(7))
    b = moran(crime, w, permutations=499, rng=np.random.default_rng(7))
    assert a == b
    assert a.p_sim == pytest.approx(1 / 500) and a.z_sim > 4
    with pytest.raises(ValueError, match="generador"):
        moran(crime, w, permutations=9)


def test_lisa_matches_esda(columbus, columbus_queen):
    polygons, crime = columbus
    ours = lisa(crime, contiguity(polygons).transformed("R"))
    theirs = esda.Moran_Local(crime, columbus_queen, permutations=0)
    assert np.allclose(ours.statistic, theirs.Is)
    assert np.array_equal(ours.quadrant, theirs.q)
    assert np.allclose(ours.expected, theirs.EI) and np.allclose(ours.variance, theirs.VI)
    seeded = lisa(crime, contiguity(polygons).transformed("R"), permutations=999, rng=np.random.default_rng(1))
    reference = esda.Moran_Local(crime, columbus_queen, permutations=999, seed=1)
    assert np.corrcoef(seeded.p_sim, reference.p_sim)[0, 1] > 0.98  # different random draws, same test
    labels = seeded.clusters(0.05)
    assert set(labels) <= {"HH", "LL", "HL", "LH", "ns"} and (labels == "HH").sum() >= 5


@pytest.mark.parametrize("star", [True, False])
def test_getis_ord_matches_esda_with_binary_weights(columbus, columbus_queen, star):
    polygons, crime = columbus
    ours = getis_ord(crime, contiguity(polygons).transformed("B"), star=star)
    theirs = esda.G_Local(crime, columbus_queen, transform="B", star=star, permutations=0)
    assert np.allclose(ours.statistic, theirs.Gs) and np.allclose(ours.expected, theirs.EGs)
    assert np.allclose(ours.z_norm, theirs.Zs)
    assert np.allclose(ours.p_norm, 2 * theirs.p_norm)  # esda's is one-sided


def test_getis_ord_row_standardised_is_correct_by_default_and_esda_under_compat(columbus, columbus_queen):
    polygons, crime = columbus
    w = contiguity(polygons)
    binary = getis_ord(crime, w.transformed("B"))
    rows = getis_ord(crime, w.transformed("R"))
    assert np.allclose(binary.z_norm, rows.z_norm)  # z does not depend on scaling each row
    compat = getis_ord(crime, w.transformed("R"), pysal_compat=True)
    theirs = esda.G_Local(crime, columbus_queen, transform="R", star=True, permutations=0)
    assert np.allclose(compat.z_norm, theirs.Zs)
    assert (np.abs(compat.z_norm) < np.abs(rows.z_norm)).all()  # esda's variance hides hot spots
    assert (binary.hot_cold() == 3).sum() >= 3 and (compat.hot_cold() != 0).sum() == 0


def test_hot_cold_classes_and_fdr():
    pts = np.array([[x, y] for x in range(10) for y in range(10)], dtype=float)
    counts = np.random.default_rng(3).poisson(2, 100).astype(float)
    counts[[0, 1, 10, 11]] += 30
    result = getis_ord(counts, distance_band(pts, 1.5))
    bins = result.hot_cold()
    assert bins[0] == 3 and bins[99] <= 0
    assert (np.abs(result.hot_cold(use_fdr=True)) <= np.abs(bins)).all()  # FDR never adds significance
    assert (result.p_fdr >= result.p_norm - 1e-12).all()


def test_local_permutations_reproducible_and_inputs_untouched(columbus):
    polygons, crime = columbus
    w = contiguity(polygons)
    before_y, before_w = crime.copy(), w.matrix.copy()
    a = getis_ord(crime, w, permutations=199, rng=np.random.default_rng(5))
    b = getis_ord(pl.Series(crime), w, permutations=199, rng=np.random.default_rng(5))  # Polars input, same answer
    assert np.array_equal(a.p_sim, b.p_sim) and np.array_equal(a.z_norm, b.z_norm)
    assert np.array_equal(crime, before_y) and (w.matrix != before_w).nnz == 0
    for result in (a, lisa(crime, w.transformed("R"))):
        for attribute in ("statistic", "expected", "z_norm", "p_norm", "p_fdr"):
            assert getattr(result, attribute).shape == (49,)


@pytest.mark.parametrize(
    "values,message", [([1.0] * 49, "iguales"), ([1.0, np.nan] + [2.0] * 47, "finitos"), ([1.0, 2.0], "valores")]
)
def test_bad_values_are_refused(columbus, values, message):
    polygons, _ = columbus
    with pytest.raises(ValueError, match=message):
        getis_ord(values, contiguity(polygons))


def test_knox_matches_pointpats_on_burkitt():
    pytest.importorskip("pointpats")
    import pyogrio
    from libpysal import examples
    from pointpats.spacetime import Knox

    meta, _f, geometry, fields = pyogrio.raw.read(examples.get_path("burkitt.shp"))
    columns = dict(zip(meta["fields"], fields, strict=True))
    xy = shapely.get_coordinates(shapely.from_wkb(np.asarray(geometry, dtype=object)))
    t = np.asarray(columns["T"], dtype=float)
    for delta, tau in ((20, 5), (10, 30), (5, 60)):
        ours = knox(xy[:, 0], xy[:, 1], t, delta, tau)
        theirs = Knox(xy, t.reshape(-1, 1), delta=delta, tau=tau, permutations=0)
        assert ours.statistic == theirs.statistic_
        assert ours.expected == pytest.approx(theirs.expected[0, 0])
        assert np.array_equal(ours.observed, np.asarray(theirs.observed))
        assert ours.p_poisson_strict == pytest.approx(theirs.p_poisson)  # P(X > NST), as pointpats
        assert ours.p_poisson >= ours.p_poisson_strict  # ours is P(X ≥ NST)
    seeded = knox(xy[:, 0], xy[:, 1], t, 20, 5, permutations=99, rng=np.random.default_rng(2))
    again = knox(xy[:, 0], xy[:, 1], t, 20, 5, permutations=99, rng=np.random.default_rng(2))
    assert seeded.p_sim == again.p_sim and seeded.z_sim == again.z_sim and 0 < seeded.p_sim <= 1


def _brute_near_repeat(x, y, days, s, ks, d, kt, compat):
    n = len(x)
    table = np.zeros((ks + 2, kt + 1), dtype=int)
    if compat:
        x, y = np.round(x, 1), np.round(y, 1)
    for i in range(n):
        for j in range(i + 1, n):
            dist = abs(x[i] - x[j]) + abs(y[i] - y[j])
            gap = abs(days[i] - days[j])
            if dist == 0:
                a = 0
            elif compat:
                a = next((k for k in range(1, ks + 1) if (k - 1) * s <= dist < k * s), ks + 1)
            else:
                a = next((k for k in range(1, ks + 1) if (k - 1) * s < dist <= k * s), ks + 1)
            if compat:
                b = next((k for k in range(kt) if k * d <= gap < (k + 1) * d), kt)
            else:
                b = next((k for k in range(kt) if (k * d + (1 if k else 0)) <= gap <= (k + 1) * d), kt)
            table[a, b] += 1
    return table


@pytest.mark.parametrize("compat", [False, True])
def test_near_repeat_table_equals_brute_force(compat):
    rng = np.random.default_rng(4)
    x = np.round(rng.uniform(0, 1000, 160), 1)
    y = np.round(rng.uniform(0, 1000, 160), 1)
    x[:10], y[:10] = x[10:20], y[10:20]  # some same-location pairs
    days = rng.integers(0, 60, 160).astype(float)
    x[20], y[20] = x[21] + 100, y[21]  # a pair exactly on a band edge
    table = near_repeat(
        x,
        y,
        days,
        space_band=100,
        space_bands=3,
        time_band=7,
        time_bands=3,
        permutations=19,
        rng=np.random.default_rng(1),
        nrc_compat=compat,
    )
    assert np.array_equal(table.observed, _brute_near_repeat(x, y, days, 100, 3, 7, 3, compat))
    assert table.observed.sum() == 160 * 159 // 2
    assert table.expected.sum() == pytest.approx(160 * 159 // 2)
    assert ((table.p_value > 0) & (table.p_value <= 1)).all()
    rows = table.rows()
    assert len(rows) == 5 * 4 and {"space_band", "time_band", "observed", "expected", "ratio", "p_value"} <= set(
        rows[0]
    )


def test_near_repeat_band_semantics_of_the_calculator():
    """Steenbeek's pathological pair: 100 m and 3 days apart (NearRepeat vignette «NRC»)."""
    x, y = np.array([0.0, 0.0, 5000.0]), np.array([0.0, 100.0, 5000.0])
    days = np.array([0.0, 3.0, 400.0])  # a third, far-away incident: pairs need at least 3 events

    def cell(**kw):
        t = near_repeat(x, y, days, time_band=3, time_bands=2, permutations=1, rng=np.random.default_rng(0), **kw)
        near = np.argwhere(t.observed[:-1, :] > 0)  # the one pair that is not far away
        return tuple(near[0]), t.space_labels[near[0][0]], t.time_labels[near[0][1]]

    # 2 space bands of 200 m: the Calculator files the pair under "4 to 6 days"; the correct band is 0–3 days
    assert cell(space_band=200, space_bands=2, nrc_compat=True)[0] == (1, 1)
    assert cell(space_band=200, space_bands=2)[0:3] == ((1, 0), "(0, 200] m", "0–3 días")
    # bands of 100 m: the Calculator says "101 to 200 m"; the pair is 100 m apart, in (0, 100]
    assert cell(space_band=100, space_bands=2, nrc_compat=True)[0] == (2, 1)
    assert cell(space_band=100, space_bands=2)[0] == (1, 0)


def test_repeat_places():
    r = repeat_places(["a", "a", "a", "b", "b", "c"], [0, 5, 100, 10, 11, 3])
    assert r.by_count == {"1": 1, "2": 1, "3": 1, "4": 0, "5+": 0}
    assert sorted(r.days_to_repeat.tolist()) == [1, 5, 95] and r.within[7] == pytest.approx(2 / 3)


def test_kde_equals_the_exact_sum_and_integrates_to_the_points():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 300, 3000), rng.normal(800, 80, 1000)])
    y = np.concatenate([rng.normal(0, 300, 3000), rng.normal(500, 80, 1000)])
    for name, h, cell in (("quartic", 150, 50), ("gaussian", 60, 50), ("quartic", 40, 100)):
        surface = kde(x, y, cell=cell, bandwidth=h, kernel_name=name)
        cx, cy = surface.centres()
        exact = exact_density(x, y, cx, cy, h, name)
        assert np.abs(surface.density - exact).max() < 0.01 * exact.max()
        assert surface.density.sum() * (cell / 1000) ** 2 == pytest.approx(x.size, rel=0.02)
    weighted = kde(x, y, cell=50, bandwidth=150, weights=np.full(x.size, 2.0))
    assert np.allclose(weighted.density, 2 * kde(x, y, cell=50, bandwidth=150).density)
    with pytest.raises(ValueError, match="Núcleo"):
        kde(x, y, cell=50, bandwidth=10, kernel_name="epanechnikov")
    with pytest.raises(ValueError, match="celdas"):
        kde(x, y, cell=0.1, bandwidth=10)


def test_concentration_hand_computed():
    c = concentration([40, 30, 20, 10], places=20)
    assert c.share_of_places == {0.25: 1 / 20, 0.5: 2 / 20, 1.0: 4 / 20}
    assert c.share_of_crime_places == {0.25: 0.25, 0.5: 0.5, 1.0: 1.0}
    assert c.crime_places == 4 and c.lorenz_crime[-1] == 1 and c.lorenz_places[-1] == 1
    # lorenzgini's documented examples (Bernasco and Steenbeek 2017)
    assert gini([10, 8, 2] + [0] * 7) == pytest.approx(0.78)
    assert gini([5, 2, 1] + [0] * 7) == pytest.approx(0.8)
    assert gini([5, 2, 1] + [0] * 7, generalized=True) == pytest.approx(0.75)
    assert gini([10, 8, 2] + [0] * 7, generalized=True) == pytest.approx(0.78)  # more crimes than places
    with pytest.raises(ValueError, match="No hay hechos"):
        concentration([0, 0])
    stability = top_place_stability({2024: {"a": 10, "b": 5, "c": 1}, 2025: {"a": 8, "c": 6, "b": 1}})
    assert stability[0]["top_places"] == 1 and stability[0]["stayed"] == 1.0


def test_hexagons_hold_their_points_and_have_six_neighbours():
    rng = np.random.default_rng(0)
    grid = hex_grid((0, 0, 2000, 2000), 250)
    pts = rng.uniform(0, 2000, (500, 2))
    q, r = axial_of(pts[:, 0], pts[:, 1], 250, grid.origin)
    index = {(a, b): k for k, (a, b) in enumerate(zip(grid.columns.tolist(), grid.rows.tolist(), strict=True))}
    cells = grid.polygons[[index[(a, b)] for a, b in zip(q.tolist(), r.tolist(), strict=True)]]
    assert np.array_equal(
        grid.cell_of(pts[:, 0], pts[:, 1]), [index[(a, b)] for a, b in zip(q.tolist(), r.tolist(), strict=True)]
    )
    assert grid.sums(pts[:, 0], pts[:, 1]).sum() == 500
    assert shapely.covers(cells, shapely.points(pts)).all()
    w = distance_band(grid.centres, 250 * 1.01)
    assert w.cardinalities.max() == 6
    assert np.isclose(shapely.area(grid.polygons[0]), np.sqrt(3) / 2 * 250**2)


def test_utm_zones():
    assert utm_for(np.array([-99.0]), np.array([19.4])).to_epsg() == 32614
    assert utm_for(np.array([-70.5]), np.array([-33.5])).to_epsg() == 32719
    with pytest.raises(ValueError, match="grados"):
        utm_for(np.array([500000.0]), np.array([2100000.0]))


@pytest.mark.parametrize(
    "transform,star,compat,published",
    [
        ("B", False, False, [-1.0136729, -0.04361589, 1.31558703, -0.31412676, 1.15373986, 1.77833941]),
        ("B", True, False, [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331]),
        ("R", False, True, [-0.62074534, -0.01780611, 1.31558703, -0.12824171, 0.28843496, 1.77833941]),
        ("R", True, True, [-0.62488094, -0.09144599, 0.41150696, -0.09144599, 0.24690418, 1.28024388]),
    ],
)
def test_getis_ord_reproduces_esda_published_doctest_values(transform, star, compat, published):
    """The four G_Local examples of esda's documentation (six points, distance band 15)."""
    points = np.array([(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)], dtype=float)
    y = np.array([2, 3, 3.2, 5, 8, 7])
    w = distance_band(points, 15).transformed(transform)
    result = getis_ord(y, w, star=star, pysal_compat=compat)
    assert np.allclose(result.z_norm, published, atol=1e-8)
    if transform == "R":  # the correct variance: the same z as with binary weights
        binary = getis_ord(y, distance_band(points, 15).transformed("B"), star=star)
        assert np.allclose(getis_ord(y, w, star=star).z_norm, binary.z_norm)


def test_geopackage_input(columbus, tmp_path):
    import pyogrio
    from libpysal import examples

    from atalaya.cli import main

    path = tmp_path / "columbus.gpkg"
    frame = pyogrio.read_dataframe(examples.get_path("columbus.shp"))
    pyogrio.write_dataframe(frame, path, driver="GPKG")
    out = tmp_path / "gi.csv"
    assert (
        main(
            [
                "spatial",
                "gistar",
                str(path),
                "--value",
                "CRIME",
                "--id",
                "POLYID",
                "--crs",
                "planar",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("POLYID,value,gi,z,p,p_fdr,class")
