"""How fast is our Krippendorff's alpha next to the ``krippendorff`` package?

Builds a seeded coders × units matrix of category codes with a share of values missing
(NaN), then times nominal alpha on that same matrix with
``qualcode.agreement.krippendorff_alpha`` and ``krippendorff.alpha``: one warm-up run
each, then the median of ``--repeats`` runs, the two taking turns. Both alphas are
printed, and the script fails if they differ, so a fast wrong answer cannot pass. The
last line printed is a JSON summary; the target is ``ratio`` (ours / theirs) <= 1.5.

This is the pure-statistics half; the project-level half (agreement read from a
project's codings) goes beside it.

    .venv/bin/python bench/agreement_stats.py
    .venv/bin/python bench/agreement_stats.py --coders 5 --units 100000 --missing 0.1
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable

import krippendorff
import numpy as np

from qualcode.agreement import krippendorff_alpha


def reliability_data(
    coders: int, units: int, categories: int, missing: float, seed: int
) -> np.ndarray:
    """Coders × units of codes 0..categories-1, each value missing with chance ``missing``."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, categories, size=(coders, units)).astype(float)
    data[rng.random(data.shape) < missing] = np.nan
    return data


def median_seconds(runs: list[Callable[[], float]], repeats: int) -> list[tuple[float, float]]:
    """Per run, (median wall time over ``repeats``, value), after one warm-up each.

    The runs take turns within each repeat, so a machine busy with other work slows
    them alike and the ratio stays fair.
    """
    values = [run() for run in runs]
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, taken in zip(runs, times, strict=True):
            start = time.perf_counter()
            run()
            taken.append(time.perf_counter() - start)
    return [(statistics.median(t), v) for t, v in zip(times, values, strict=True)]


def bench_statistics(args: argparse.Namespace) -> dict[str, float | int]:
    data = reliability_data(args.coders, args.units, args.categories, args.missing, args.seed)
    (ours_s, ours), (theirs_s, theirs) = median_seconds(
        [
            lambda: krippendorff_alpha(data).value,
            lambda: float(
                krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
            ),
        ],
        args.repeats,
    )
    print(
        f"nominal alpha, {args.coders} coders × {args.units} units, "
        f"{args.missing:.0%} missing, {args.categories} categories (seed {args.seed})"
    )
    print(f"  qualcode      {ours_s * 1000:8.2f} ms  alpha = {ours:.12f}")
    print(f"  krippendorff  {theirs_s * 1000:8.2f} ms  alpha = {theirs:.12f}")
    print(f"  ratio (ours / theirs, median of {args.repeats}): {ours_s / theirs_s:.3f}")
    if abs(ours - theirs) > 1e-9:
        sys.exit(f"the two alphas differ: {ours!r} != {theirs!r}")
    return {
        "coders": args.coders,
        "units": args.units,
        "ours_s": round(ours_s, 6),
        "krippendorff_s": round(theirs_s, 6),
        "ratio": round(ours_s / theirs_s, 4),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coders", type=int, default=5)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--categories", type=int, default=5)
    parser.add_argument("--missing", type=float, default=0.1, help="share of values missing")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    summary = bench_statistics(parser.parse_args(argv))
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
