"""A real MNIST-sized run from the command line, timed phase by phase.

    python benchmarks/bench_mnist_cli.py [--rows 60000] [--test-rows 10000] [--epochs 1]
                                         [--keep FOLDER]

Each phase is the command a user types, in a fresh process:

1. ``python scripts/mnist_csv.py train.csv`` (60,000 rows) and ``... test.csv --rows
   10000 --seed 1``;
2. ``brickprop train --data train.csv --target label --loss cross-entropy --hidden 256
   --activation relu --init he --optimizer adam --lr 0.001 --batch-size 128 --dtype
   float32 --steps S --out run``, S one epoch of batches, everything else the defaults
   (40 animation frames, the report); its wall time is split as the command prints it:
   loading the CSV, training, and the figures, animation, snapshots and report (its
   "with figures" time less the training), the rest being start-up;
3. ``brickprop predict run/model.npz test.csv --out predictions.csv``.

Peak memory is each process's peak resident set (``ru_maxrss`` from ``wait4``), taken
through a small launcher process: Linux carries a parent's peak over into the child
it starts, and the launcher's is small.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BATCH = 128

# Runs argv[2:] as a child, waits for it with wait4, writes its seconds and peak
# resident set (KiB on Linux) to the file argv[1] and exits with its exit code.
LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.spawnv(os.P_NOWAIT, sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as f:
    json.dump({"seconds": seconds, "maxrss_kib": usage.ru_maxrss}, f)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _brickprop() -> list[str]:
    """The ``brickprop`` command of this Python (its console script, else ``-m``)."""
    script = Path(sys.executable).parent / "brickprop"
    return [str(script)] if script.exists() else [sys.executable, "-m", "brickprop.cli"]


def launch(argv, cwd) -> dict:
    """Run ``argv`` in ``cwd``: ``{"seconds", "peak_rss", "stdout", "stderr"}``; raises on
    a non-zero exit code, with the command's stderr."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as usage:
        done = subprocess.run([sys.executable, "-c", LAUNCHER, usage.name, *argv], cwd=cwd,
                              capture_output=True, text=True,
                              env={**os.environ, "MPLBACKEND": "Agg"})
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv)} exited with {done.returncode}: "
                               f"{done.stderr.strip()}")
        measured = json.load(usage)
    return {"seconds": measured["seconds"], "peak_rss": measured["maxrss_kib"] * 1024,
            "stdout": done.stdout, "stderr": done.stderr}


def train_args(steps: int) -> list[str]:
    return ["train", "--data", "train.csv", "--target", "label", "--loss", "cross-entropy",
            "--hidden", "256", "--activation", "relu", "--init", "he", "--optimizer", "adam",
            "--lr", "0.001", "--batch-size", str(BATCH), "--dtype", "float32",
            "--steps", str(steps), "--out", "run"]


def _split(stdout: str) -> dict:
    """The seconds ``brickprop train`` printed: loading, training, with figures."""
    found = re.search(r"(?:([\d.]+) s loading \S+, )?([\d.]+) s training, ([\d.]+) s with "
                      "figures", stdout)
    if found is None:
        raise RuntimeError(f"brickprop train printed no timing line:\n{stdout}")
    load, train, with_figures = (float(v or 0) for v in found.groups())
    return {"load": load, "train": train, "figures": with_figures - train}


def run(folder, rows: int = 60_000, test_rows: int = 10_000, epochs: int = 1) -> dict:
    """Every phase's seconds and peak resident set; the files' sizes; the run's accuracies."""
    folder = Path(folder)
    script = str(HERE.parent / "scripts" / "mnist_csv.py")
    steps = epochs * -(-rows // BATCH)
    phases = {
        "write train.csv": launch([sys.executable, script, "train.csv", "--rows", str(rows)],
                                  folder),
        "write test.csv": launch([sys.executable, script, "test.csv", "--rows", str(test_rows),
                                  "--seed", "1"], folder),
        "train": launch([*_brickprop(), *train_args(steps)], folder),
        "predict": launch([*_brickprop(), "predict", "run/model.npz", "test.csv",
                           "--out", "predictions.csv"], folder)}
    train_out, predict_err = phases["train"]["stdout"], phases["predict"]["stderr"]
    accuracy = re.search(r"training accuracy ([\d.]+)", train_out)
    test_accuracy = re.search(r"accuracy ([\d.]+) against", predict_err)
    return {"rows": rows, "test_rows": test_rows, "steps": steps, "epochs": epochs,
            "phases": {k: {"seconds": v["seconds"], "peak_rss": v["peak_rss"]}
                       for k, v in phases.items()},
            "train_split": _split(train_out),
            "bytes": {name: (folder / name).stat().st_size for name in ("train.csv", "test.csv")},
            "run_files": {p.name: p.stat().st_size for p in sorted((folder / "run").iterdir())},
            "train_accuracy": float(accuracy.group(1)) if accuracy else None,
            "test_accuracy": float(test_accuracy.group(1)) if test_accuracy else None}


def summary(r) -> list[str]:
    """Lines for a person, one per phase."""
    mib = 2 ** 20
    p, split = r["phases"], r["train_split"]
    train = p["train"]
    lines = [f"{r['rows']:,}-row train.csv ({r['bytes']['train.csv'] / 1e6:.0f} MB), "
             f"{r['test_rows']:,}-row test.csv; {r['steps']} steps = {r['epochs']} epoch(s) "
             "of batches of 128, float32"]
    for name in ("write train.csv", "write test.csv"):
        lines.append(f"{name:16} {p[name]['seconds']:6.1f} s, peak {p[name]['peak_rss'] / mib:.0f}"
                     " MiB resident")
    lines.append(f"{'train':16} {train['seconds']:6.1f} s, peak {train['peak_rss'] / mib:.0f} "
                 f"MiB resident: loading {split['load']:.1f} s, training {split['train']:.1f} s, "
                 f"figures, animation, snapshots and report {split['figures']:.1f} s, "
                 f"start-up and the rest "
                 f"{train['seconds'] - split['load'] - split['train'] - split['figures']:.1f} s "
                 f"(training accuracy {r['train_accuracy']})")
    lines.append(f"{'predict':16} {p['predict']['seconds']:6.1f} s, peak "
                 f"{p['predict']['peak_rss'] / mib:.0f} MiB resident (test accuracy "
                 f"{r['test_accuracy']})")
    lines.append("run folder: " + ", ".join(f"{name} {size / 1e6:.1f} MB"
                                            for name, size in r["run_files"].items()))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000, help="training images")
    parser.add_argument("--test-rows", type=int, default=10_000, help="test images")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of batches of 128")
    parser.add_argument("--keep", metavar="FOLDER", help="work in FOLDER and keep the files "
                        "(default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        result = run(args.keep, args.rows, args.test_rows, args.epochs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = run(tmp, args.rows, args.test_rows, args.epochs)
    print("\n".join(summary(result)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
