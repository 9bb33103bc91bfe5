"""What a user waits for around the training: the main job, a compare grid, a long run.

    python benchmarks/bench_around.py [--only main grid long] [--long-steps 1000000]

``main``: wall time of ``brickprop train`` with no options (the default run, figures,
animation and report included), in a fresh process, median of ``--repeats``.
``grid``: a 4-variant ``brickprop compare --vary lr=0.5,5 --vary hidden=3,8`` of
50,000-step runs with ``--jobs 2``: its wall time over the summed training time
(table.csv's ``seconds``) divided by the jobs, the median of ``--grid-repeats`` grids.
``long``: a 1,000,000-step default run with ``--frames 0``: the peak resident memory
of its process (``wait4``) and the size of its ``metrics.csv``.  Each runs the
installed ``brickprop`` command, as a user would; ``run_all.py --only main grid long``
adds them to its report.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mnist_cli import _brickprop as bench_brickprop  # noqa: E402
from bench_mnist_cli import _split, launch  # noqa: E402

TARGETS = {"main": 1.5, "grid": 1.25, "rss": 300 * 2**20, "csv": 10 * 2**20}


def _brickprop(*args) -> tuple[float, int]:
    """Run ``brickprop ARGS`` in a fresh process: ``(wall seconds, peak RSS in bytes)``.

    Through ``bench_mnist_cli``'s small launcher: Linux carries a parent's peak resident
    set over into the child it starts, so a child of this (large) process would report
    this process's peak, not its own.
    """
    m = launch([*bench_brickprop(), *args], cwd=os.getcwd())
    return m["seconds"], m["peak_rss"]


def main_job(repeats: int = 5) -> dict:
    """Wall seconds of the default ``brickprop train``: the median and each repeat's.

    Also the medians of what the command printed: its training seconds, and the
    seconds from the end of the training to the run folder's last file (``figures``).
    """
    walls, printed = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            m = launch([*bench_brickprop(), "train", "--out", os.path.join(tmp, "run")],
                       cwd=os.getcwd())
            walls.append(m["seconds"])
            printed.append(_split(m["stdout"]))
    return {"wall": statistics.median(walls), "walls": walls,
            "train": statistics.median(p["train"] for p in printed),
            "figures": statistics.median(p["figures"] for p in printed)}


def grid(steps: int = 50_000, jobs: int = 2, repeats: int = 3) -> dict:
    """Wall seconds of a 4-variant compare grid over its summed training seconds / jobs.

    Each repeat is a fresh grid; its ratio compares its wall time with its own training
    (on a noisy machine both slow down together).  ``ratio`` is the median of the
    repeats' ratios, ``wall`` and ``training`` are the median repeat's.
    """
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            wall, _ = _brickprop("compare", "--vary", "lr=0.5,5", "--vary", "hidden=3,8",
                                 "--set", f"steps={steps}", "--jobs", str(jobs),
                                 "--out", os.path.join(tmp, "grid"))
            with open(os.path.join(tmp, "grid", "table.csv"), encoding="utf-8") as f:
                seconds = [float(r["seconds"]) for r in csv.DictReader(f)]
        training = sum(seconds)
        runs.append({"wall": wall, "training": training, "ratio": wall / (training / jobs),
                     "runs": len(seconds), "load": os.getloadavg()[0]})
    middle = sorted(runs, key=lambda r: r["ratio"])[(len(runs) - 1) // 2]
    return {**middle, "ratio": statistics.median(r["ratio"] for r in runs), "jobs": jobs,
            "steps": steps, "ratios": [r["ratio"] for r in runs],
            "loads": [r["load"] for r in runs]}


def long_run(steps: int = 1_000_000) -> dict:
    """Peak resident memory and ``metrics.csv`` size of a ``steps``-step default run."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run")
        wall, rss = _brickprop("train", "--steps", str(steps), "--frames", "0", "--out", out)
        size = os.path.getsize(os.path.join(out, "metrics.csv"))
        with open(os.path.join(out, "metrics.csv"), encoding="utf-8") as f:
            rows = sum(1 for _ in f) - 1
    return {"steps": steps, "rss": rss, "csv": size, "rows": rows, "wall": wall}


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(r: dict) -> list[str]:
    """Markdown bullet lines of the targets, for what ``r`` holds."""
    lines = []
    if "main" in r:
        m = r["main"]
        lines.append(f"- Main job (`brickprop train`, default run, figures, animation and report "
                     f"included, fresh process): {m['wall']:.2f} s wall, median of "
                     f"{len(m['walls'])} (target at most {TARGETS['main']} s: "
                     f"{_met(m['wall'] <= TARGETS['main'])}); as the command prints them, "
                     f"{m['train']:.1f} s training and {m['figures']:.1f} s from its end to "
                     f"the last file (figures, animation and report; target at most "
                     f"max(the 5,000-step training, 1 s): "
                     f"{_met(m['figures'] <= max(m['train'], 1.0))}).")
    if "grid" in r:
        g = r["grid"]
        ratios = g.get("ratios", [g["ratio"]])
        each = (f"; median of {len(ratios)} grids: "
                f"{', '.join(f'{x:.2f}x' for x in ratios)}") if len(ratios) > 1 else ""
        lines.append(f"- Compare grid (`brickprop compare --vary lr=0.5,5 --vary hidden=3,8 "
                     f"--set steps={g['steps']} --jobs {g['jobs']}`, {g['runs']} runs): "
                     f"{g['wall']:.2f} s wall for {g['training']:.2f} s of summed training, "
                     f"{g['ratio']:.2f}x the training divided by the jobs{each} (target at "
                     f"most {TARGETS['grid']}x: {_met(g['ratio'] <= TARGETS['grid'])}).")
    if "long" in r:
        lr = r["long"]
        lines.append(f"- Long run (`brickprop train --steps {lr['steps']} --frames 0`): peak "
                     f"resident memory {lr['rss'] / 2**20:.0f} MiB (target under 300 MiB: "
                     f"{_met(lr['rss'] < TARGETS['rss'])}), metrics.csv {lr['csv'] / 2**20:.1f} "
                     f"MiB, {lr['rows']:,} rows (target under 10 MiB: "
                     f"{_met(lr['csv'] < TARGETS['csv'])}); {lr['wall']:.0f} s wall.")
    return lines


def run(only, repeats=5, grid_steps=50_000, long_steps=1_000_000, grid_repeats=3) -> dict:
    r = {}
    if "main" in only:
        r["main"] = main_job(repeats)
    if "grid" in only:
        r["grid"] = grid(grid_steps, repeats=grid_repeats)
    if "long" in only:
        r["long"] = long_run(long_steps)
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=("main", "grid", "long"),
                        default=["main", "grid", "long"])
    parser.add_argument("--repeats", type=int, default=5, help="main-job runs")
    parser.add_argument("--grid-steps", type=int, default=50_000)
    parser.add_argument("--long-steps", type=int, default=1_000_000)
    parser.add_argument("--grid-repeats", type=int, default=3, help="grids run")
    args = parser.parse_args()
    print("\n".join(report(run(args.only, args.repeats, args.grid_steps, args.long_steps,
                               args.grid_repeats))))


if __name__ == "__main__":
    main()
