"""Time a 12-run ``brickprop compare`` grid with one process and with two.

    python benchmarks/bench_compare.py            # --steps 20000 --repeats 1
    python benchmarks/bench_compare.py --repeats 3 --steps 5000

The grid is ``--vary hidden=3,50 --vary lr=5,0.5 --seeds 3`` on the article's XOR
data (12 runs, each writing its full run folder, animations off).  ``--jobs 1`` and
``--jobs 2`` alternate, each into a fresh folder; the best time of each is kept.
Printed: the time of the grid of runs (``compare``, where the parallelism is), the
time with the table and comparison figure (drawn once, in the parent, in both
cases), and the ratios.  Measure on a quiet machine: the ratio is only meaningful
when both cores are free.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from brickprop.compare.grid import compare, parse_vary, plan
from brickprop.compare.output import write_outputs
from brickprop.runs.config import from_dict

VARY = ["hidden=3,50", "lr=5,0.5"]
SEEDS = 3


def once(jobs: int, steps: int) -> tuple[float, float]:
    """``(seconds for the runs, seconds including table and figure)`` of one grid."""
    grid = parse_vary(VARY)
    variants = plan([("base", from_dict({"steps": steps, "frames": 0}))], grid, SEEDS)
    assert len(variants) == 12
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        rows, interrupted = compare(variants, out, jobs=jobs, progress=False)
        ran = time.perf_counter() - started
        write_outputs(out, variants, rows, list(grid))
        total = time.perf_counter() - started
    if interrupted or any(r["status"] != "ok" for r in rows):
        raise SystemExit(f"a run did not finish: {[r['status'] for r in rows]}")
    return ran, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20000, help="training steps per run")
    parser.add_argument("--repeats", type=int, default=1, help="timings per job count")
    args = parser.parse_args()
    best = {1: (float("inf"),) * 2, 2: (float("inf"),) * 2}
    for _ in range(args.repeats):
        for jobs in (1, 2):
            ran, total = once(jobs, args.steps)
            best[jobs] = tuple(min(a, b) for a, b in zip(best[jobs], (ran, total)))
            print(f"--jobs {jobs}: runs {ran:7.2f} s, with table and figure {total:7.2f} s",
                  flush=True)
    (r1, t1), (r2, t2) = best[1], best[2]
    print(f"\n12 runs of {args.steps} steps on {os.cpu_count()} cores (best of {args.repeats}):")
    print(f"  --jobs 1: {r1:.2f} s runs, {t1:.2f} s total")
    print(f"  --jobs 2: {r2:.2f} s runs, {t2:.2f} s total")
    print(f"  speed-up: {r1 / r2:.2f}x on the runs, {t1 / t2:.2f}x in total (target >= 1.7x)")


if __name__ == "__main__":
    main()
