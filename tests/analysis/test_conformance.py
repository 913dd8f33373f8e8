"""One conformance test over every registered statistic and detector (registries drive the tests):
deterministic given a seed, inputs not mutated, NumPy and Polars inputs agree, the documented attributes exist.
And each is documented in its guide (es and en)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely

from atalaya.analysis.alerts.registry import METHODS, Detection, detect
from atalaya.analysis.spatial import RESULT_ATTRIBUTES, STATISTICS, contiguity

ROOT = Path(__file__).resolve().parents[2]


def _same(a, b) -> bool:
    """Equal values, NaN equal to NaN, for every field of a result."""
    fields = dataclasses.fields(a)
    for field in fields:
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not np.array_equal(np.asarray(x), np.asarray(y), equal_nan=np.asarray(x).dtype.kind == "f"):
                return False
        elif isinstance(x, float) and isinstance(y, float):
            if not (x == y or (np.isnan(x) and np.isnan(y))):
                return False
        elif x != y:
            return False
    return True


@pytest.fixture(scope="module")
def grid():
    """A 6 × 6 grid of squares with a hot corner: contiguity weights and counts."""
    boxes = np.array([shapely.box(i, j, i + 1, j + 1) for i in range(6) for j in range(6)], dtype=object)
    rng = np.random.default_rng(3)
    counts = rng.poisson(4, size=36).astype(float)
    counts[:4] += 12
    return contiguity(boxes).transformed("R"), counts


@pytest.mark.parametrize("name", sorted(STATISTICS))
def test_every_statistic_conforms(name, grid):
    statistic = STATISTICS[name]
    weights, counts = grid
    before_counts, before_weights = counts.copy(), weights.matrix.toarray().copy()
    first = statistic(counts, weights, permutations=99, rng=np.random.default_rng(11))
    again = statistic(counts, weights, permutations=99, rng=np.random.default_rng(11))
    assert _same(first, again), "not deterministic given the seed"
    other_seed = statistic(counts, weights, permutations=99, rng=np.random.default_rng(12))
    assert not np.array_equal(np.atleast_1d(first.p_sim), np.atleast_1d(other_seed.p_sim)), "the seed is ignored"
    assert np.array_equal(counts, before_counts) and np.array_equal(weights.matrix.toarray(), before_weights)
    from_polars = statistic(pl.Series("hechos", counts), weights, permutations=99, rng=np.random.default_rng(11))
    assert _same(first, from_polars), "NumPy and Polars inputs disagree"
    for attribute in RESULT_ATTRIBUTES:
        assert getattr(first, attribute) is not None, attribute
    with pytest.raises(ValueError):  # permutations without a generator: refused, never the global np.random
        statistic(counts, weights, permutations=9)


@pytest.fixture(scope="module")
def weekly():
    dates = [dt.date(2018, 1, 1) + dt.timedelta(weeks=k) for k in range(52 * 7)]  # Farrington looks 5 years back
    rng = np.random.default_rng(5)
    counts = rng.poisson([[3.0], [8.0], [15.0]], size=(3, len(dates))).astype(float)
    counts[1, -3] += 25
    return dates, counts


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_detector_conforms(method, weekly):
    dates, counts = weekly
    before = counts.copy()
    evaluate = np.arange(len(dates) - 10, len(dates)) if method.startswith("farrington") else None
    first = detect(method, counts, dates=dates, evaluate=evaluate)
    again = detect(method, counts, dates=dates, evaluate=evaluate)
    assert _same(first, again)
    assert np.array_equal(counts, before)
    frame = pl.DataFrame(counts.T, schema=["a", "b", "c"]).transpose()
    assert _same(first, detect(method, frame, dates=dates, evaluate=evaluate)), "NumPy and Polars inputs disagree"
    assert isinstance(first, Detection)
    for field in dataclasses.fields(Detection):
        assert getattr(first, field.name).shape == counts.shape, field.name
    assert first.evaluated.any()


@pytest.mark.parametrize(
    ("names", "guides"),
    [
        (sorted(METHODS), ["docs/es/alertas.md", "docs/en/alerts.md"]),
        (["moran", "lisa", "getis_ord"], ["docs/es/espacial.md", "docs/en/spatial.md"]),
    ],
)
def test_every_registered_method_is_documented(names, guides):
    assert sorted(STATISTICS) == ["getis_ord", "lisa", "moran"]  # a new statistic joins the list above
    for guide in guides:
        text = _plain((ROOT / guide).read_text(encoding="utf-8"))
        for name in names:
            words = _plain({"getis_ord": "gi*"}.get(name, name))
            assert words in text, f"{name} missing from {guide}"


def _plain(text: str) -> str:
    """Lower case, no accents, hyphens as spaces: «Semáforo», «EARS C1» and «ears-c1» all match."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.lower().replace("-", " "))
    return "".join(c for c in decomposed if not unicodedata.combining(c))
