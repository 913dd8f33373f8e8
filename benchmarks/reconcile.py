"""Benchmark of the reconciliation engine: two sources of N records each (default 100,000) paired in memory.

    .venv/bin/python benchmarks/reconcile.py --records 100000

Prints JSON: seconds, records per second, peak memory and the precision/recall against the known true pairs
(80 % of the second source copies the first with ±1 day and ~100 m of jitter; the rest are new events).
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import polars as pl

from atalaya.analysis.reconciliation import pair_records


def synthetic_sources(n: int, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame, set[tuple[str, str]]]:
    rng = np.random.default_rng(seed)
    families = np.array(["homicidios", "lesiones", "robos-con-violencia"])
    day = rng.integers(0, 365 * 3, n)
    lat, lon = 19.40 + rng.random(n) * 0.08, -99.05 + rng.random(n) * 0.08
    family = families[rng.integers(0, 3, n)]
    copied = int(n * 0.8)
    source = rng.permutation(n)[:copied]
    new = n - copied
    a = pl.DataFrame({"key": [f"a{i}" for i in range(n)], "family": family, "day": day, "lat": lat, "lon": lon,
                      "sex": None, "age": None}, schema_overrides={"sex": pl.String, "age": pl.Int64})  # fmt: skip
    b = pl.DataFrame(
        {
            "key": [f"b{i}" for i in range(n)],
            "family": np.concatenate([family[source], families[rng.integers(0, 3, new)]]),
            "day": np.concatenate([day[source] + rng.integers(-1, 2, copied), rng.integers(0, 365 * 3, new)]),
            "lat": np.concatenate([lat[source] + rng.normal(0, 0.0006, copied), 19.40 + rng.random(new) * 0.08]),
            "lon": np.concatenate([lon[source] + rng.normal(0, 0.0006, copied), -99.05 + rng.random(new) * 0.08]),
            "sex": None,
            "age": None,
        },
        schema_overrides={"sex": pl.String, "age": pl.Int64},
    )
    truth = {(f"a{i}", f"b{j}") for j, i in enumerate(source)}
    return a, b, truth


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--metres", type=float, default=300)
    args = parser.parse_args()
    a, b, truth = synthetic_sources(args.records)
    started = time.perf_counter()
    result = pair_records(a, b, days=args.days, metres=args.metres)
    seconds = time.perf_counter() - started
    matched = set(result.filter(pl.col("status") == "coincide").select("key_a", "key_b").iter_rows())
    print(
        json.dumps(
            {
                "records_per_source": args.records,
                "seconds": round(seconds, 3),
                "records_per_second": round(2 * args.records / seconds),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "matched": len(matched),
                "precision": round(len(matched & truth) / max(len(matched), 1), 4),
                "recall": round(len(matched & truth) / len(truth), 4),
                "statuses": dict(result.group_by("status").len().iter_rows()),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
