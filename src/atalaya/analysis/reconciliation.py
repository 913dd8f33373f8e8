"""Pairing records of two sources that describe the same event ("mesa de validación").

Police, prosecutors and forensic medicine each record a homicide; before publishing, an observatory pairs those
records so that the agreed figure counts every event once. Two records are *candidates* when they have the same
harmonised family, dates within ``days`` and, when both are located, points within ``metres``. Candidates are
found with a KD-tree over (x, y, date) scaled so that both tolerances become 1 (Chebyshev distance), never by
comparing all pairs; records without coordinates are paired on date alone, through a sorted join.

Each candidate gets a score in [0, 1]: 1 for same day and same place, falling linearly to 0.5 at either tolerance;
located on one side only scores on the date alone, times 0.8. A pair whose victims disagree (sex, or age more
than 5 years apart) is a *conflict*, not a match. Pairs are then chosen one-to-one, best score first, so one
record never stands for two events. What the analysts decide (same event, different events) overrides the
computation: a pair they rejected is never proposed again, a pair they confirmed is kept whatever its score.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_000.0
AGE_TOLERANCE = 5

#: Columns of the records given to :func:`pair_records` (``sex``/``age`` may be null).
RECORD_COLUMNS = ["key", "family", "day", "lat", "lon", "sex", "age"]

MATCHED, CONFLICT = "coincide", "conflicto"


def _metres(frame: pl.DataFrame, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular projection: accurate to well under a metre over a municipality."""
    lat = np.radians(frame.get_column("lat").to_numpy())
    lon = np.radians(frame.get_column("lon").to_numpy())
    return EARTH_RADIUS_M * np.cos(np.radians(lat0)) * lon, EARTH_RADIUS_M * lat


def candidate_pairs(a: pl.DataFrame, b: pl.DataFrame, *, days: int, metres: float) -> pl.DataFrame:
    """Every pair (one record of ``a``, one of ``b``) of the same family within the tolerances.

    Columns: ``key_a, key_b, days_apart, distance_m`` (null when either record has no point).
    """
    located_a = a.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    located_b = b.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    parts = []
    if located_a.height and located_b.height:
        lat0 = float(pl.concat([located_a.get_column("lat"), located_b.get_column("lat")]).mean())
        for family in set(located_a.get_column("family").unique()) & set(located_b.get_column("family").unique()):
            fa = located_a.filter(pl.col("family") == family)
            fb = located_b.filter(pl.col("family") == family)
            parts.append(_spatial_candidates(fa, fb, days=days, metres=metres, lat0=lat0))
    # A record without a point can only be paired on family and date (with located or unlocated ones).
    unlocated_a = a.join(located_a.select("key"), on="key", how="anti")
    unlocated_b = b.join(located_b.select("key"), on="key", how="anti")
    for left, right in ((unlocated_a, b), (located_a, unlocated_b)):
        if left.height and right.height:
            parts.append(_date_candidates(left, right, days=days))
    schema = {"key_a": pl.String, "key_b": pl.String, "days_apart": pl.Int64, "distance_m": pl.Float64}
    parts = [p.select(list(schema)).cast(schema) for p in parts if p.height]
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _spatial_candidates(a: pl.DataFrame, b: pl.DataFrame, *, days: int, metres: float, lat0: float) -> pl.DataFrame:
    xa, ya = _metres(a, lat0)
    xb, yb = _metres(b, lat0)
    time_scale = max(days, 0.5)  # a tolerance of 0 days still has to separate consecutive days
    pa = np.column_stack([xa / metres, ya / metres, a.get_column("day").to_numpy() / time_scale])
    pb = np.column_stack([xb / metres, yb / metres, b.get_column("day").to_numpy() / time_scale])
    pairs = cKDTree(pa).sparse_distance_matrix(cKDTree(pb), max_distance=1.0 + 1e-9, p=np.inf, output_type="ndarray")
    ia, ib = pairs["i"], pairs["j"]
    distance = np.hypot(xa[ia] - xb[ib], ya[ia] - yb[ib])
    apart = np.abs(a.get_column("day").to_numpy()[ia] - b.get_column("day").to_numpy()[ib])
    keep = (distance <= metres) & (apart <= days)
    return pl.DataFrame(
        {
            "key_a": a.get_column("key").to_numpy()[ia[keep]],
            "key_b": b.get_column("key").to_numpy()[ib[keep]],
            "days_apart": apart[keep].astype(np.int64),
            "distance_m": distance[keep],
        }
    )


def _date_candidates(a: pl.DataFrame, b: pl.DataFrame, *, days: int) -> pl.DataFrame:
    joined = a.select("key", "family", "day").join_where(
        b.select(pl.col("key").alias("key_b"), pl.col("family").alias("family_b"), pl.col("day").alias("day_b")),
        pl.col("family") == pl.col("family_b"),
        pl.col("day_b") >= pl.col("day") - days,
        pl.col("day_b") <= pl.col("day") + days,
    )
    return joined.select(
        pl.col("key").alias("key_a"),
        "key_b",
        (pl.col("day") - pl.col("day_b")).abs().alias("days_apart"),
        pl.lit(None, pl.Float64).alias("distance_m"),
    )


def score_candidates(candidates: pl.DataFrame, a: pl.DataFrame, b: pl.DataFrame, *, days: int, metres: float):
    """Add ``score`` and ``conflict`` (victims' sex or age disagree) to the candidate pairs."""
    victims_a = a.select(pl.col("key").alias("key_a"), pl.col("sex").alias("sex_a"), pl.col("age").alias("age_a"))
    victims_b = b.select(pl.col("key").alias("key_b"), pl.col("sex").alias("sex_b"), pl.col("age").alias("age_b"))
    date_part = 1 - 0.5 * pl.col("days_apart") / max(days, 1)
    place_part = 1 - 0.5 * pl.col("distance_m") / metres
    return (
        candidates.join(victims_a, on="key_a", how="left")
        .join(victims_b, on="key_b", how="left")
        .with_columns(
            pl.when(pl.col("distance_m").is_null())
            .then(0.8 * date_part)
            .otherwise(0.5 * date_part + 0.5 * place_part)
            .round(4)
            .alias("score"),
            (
                (pl.col("sex_a").is_not_null() & pl.col("sex_b").is_not_null() & (pl.col("sex_a") != pl.col("sex_b")))
                | (
                    pl.col("age_a").is_not_null()
                    & pl.col("age_b").is_not_null()
                    & ((pl.col("age_a") - pl.col("age_b")).abs() > AGE_TOLERANCE)
                )
            ).alias("conflict"),
        )
        .drop("sex_a", "sex_b", "age_a", "age_b")
    )


def one_to_one(scored: pl.DataFrame, *, confirmed: set[tuple[str, str]], rejected: set[tuple[str, str]]):
    """Choose pairs so that each record appears at most once: analysts' confirmations first, then by score
    (non-conflicting before conflicting). Returns the chosen pairs with ``status`` (coincide / conflicto) and
    ``decided`` (True when an analyst confirmed it)."""

    def as_frame(pairs: set[tuple[str, str]]) -> pl.DataFrame:
        return pl.DataFrame(list(pairs) or None, schema={"key_a": pl.String, "key_b": pl.String}, orient="row")

    scored = scored.join(
        as_frame(confirmed).with_columns(pl.lit(True).alias("decided")), on=["key_a", "key_b"], how="left"
    ).with_columns(pl.col("decided").fill_null(False))
    scored = scored.join(as_frame(rejected), on=["key_a", "key_b"], how="anti")
    ordered = scored.sort(
        ["decided", "conflict", "score", "key_a", "key_b"], descending=[True, False, True, False, False]
    )
    keys_a = ordered.get_column("key_a").to_list()
    keys_b = ordered.get_column("key_b").to_list()
    used_a, used_b, chosen = set(), set(), np.zeros(ordered.height, dtype=bool)
    for index, (ka, kb) in enumerate(zip(keys_a, keys_b, strict=True)):
        if ka not in used_a and kb not in used_b:
            used_a.add(ka)
            used_b.add(kb)
            chosen[index] = True
    result = ordered.filter(pl.Series(chosen))
    return result.with_columns(
        pl.when(pl.col("conflict") & ~pl.col("decided"))
        .then(pl.lit(CONFLICT))
        .otherwise(pl.lit(MATCHED))
        .alias("status")
    )


def pair_records(
    a: pl.DataFrame,
    b: pl.DataFrame,
    *,
    days: int = 1,
    metres: float = 500.0,
    confirmed: set[tuple[str, str]] | None = None,
    rejected: set[tuple[str, str]] | None = None,
) -> pl.DataFrame:
    """The reconciliation of two sources: one row per chosen pair, plus one per record left unpaired.

    Columns: ``key_a, key_b, family, days_apart, distance_m, score, conflict, decided, status`` where status is
    ``coincide``, ``conflicto``, ``solo_a`` or ``solo_b``.
    """
    candidates = candidate_pairs(a, b, days=days, metres=metres)
    scored = score_candidates(candidates, a, b, days=days, metres=metres)
    chosen = one_to_one(scored, confirmed=confirmed or set(), rejected=rejected or set())
    chosen = chosen.join(a.select(pl.col("key").alias("key_a"), "family"), on="key_a", how="left")
    only_a = a.join(chosen.select(pl.col("key_a").alias("key")), on="key", how="anti").select(
        pl.col("key").alias("key_a"), pl.lit(None, pl.String).alias("key_b"), "family", pl.lit("solo_a").alias("status")
    )
    only_b = b.join(chosen.select(pl.col("key_b").alias("key")), on="key", how="anti").select(
        pl.lit(None, pl.String).alias("key_a"), pl.col("key").alias("key_b"), "family", pl.lit("solo_b").alias("status")
    )
    return pl.concat([chosen, only_a, only_b], how="diagonal_relaxed").select(
        "key_a", "key_b", "family", "days_apart", "distance_m", "score", "conflict", "decided", "status"
    )


def events_of(result: pl.DataFrame) -> pl.DataFrame:
    """The keys of the events a reconciliation agreed on, one row per event, and the record that stands for it.

    A matched pair is one event (the first source's record stands for it); a conflict stays two events until an
    analyst says otherwise; a record found by one side only is one event.
    """
    status = pl.col("status")
    pairs = result.filter(status == MATCHED).select(pl.col("key_a").alias("key"), pl.col("key_b").alias("also"))
    firsts = result.filter(status.is_in([CONFLICT, "solo_a"])).select(
        pl.col("key_a").alias("key"), pl.lit(None, pl.String).alias("also")
    )
    seconds = result.filter(status.is_in([CONFLICT, "solo_b"])).select(
        pl.col("key_b").alias("key"), pl.lit(None, pl.String).alias("also")
    )
    return pl.concat([pairs, firsts, seconds])


def reconcile_sources(
    frames: list[pl.DataFrame],
    *,
    days: int = 1,
    metres: float = 500.0,
    confirmed: set[tuple[str, str]] | None = None,
    rejected: set[tuple[str, str]] | None = None,
) -> pl.DataFrame:
    """The reconciliation of two or more sources, one source at a time: stage 0 pairs the first two; each later
    stage pairs the events agreed so far (each stood for by one of its records) with the next source.

    Returns the rows of :func:`pair_records` with a ``stage`` column; the agreed events are
    :func:`events_of` the last stage.
    """
    if len(frames) < 2:
        raise ValueError("reconcile_sources needs at least two sources")
    every = pl.concat(frames, how="diagonal_relaxed")
    stages = []
    agreed = frames[0]
    for stage, incoming in enumerate(frames[1:]):
        result = pair_records(agreed, incoming, days=days, metres=metres, confirmed=confirmed, rejected=rejected)
        stages.append(result.with_columns(pl.lit(stage, pl.Int64).alias("stage")))
        agreed = every.join(events_of(result).select("key"), on="key", how="semi")
    return pl.concat(stages)
