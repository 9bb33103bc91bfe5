"""``bp.datasets.from_csv`` against ``np.loadtxt`` on an MNIST-shaped CSV: time and peak memory.

    python benchmarks/bench_csv.py [--rows 10000] [--repeats 7]
    python benchmarks/bench_csv.py --memory READER FILE   # one load in a fresh process

The file is ``scripts/mnist_csv.py``'s (a header, then a label and 784 pixels, integers
0-255, per row; 10,000 rows make about 26 MB).  Times are interleaved repeats, as in
``run_all.py``, the ratio the median of the paired ratios.  Peak memory: each reader
loads the file once in a fresh process under ``tracemalloc``, which counts NumPy's
buffers too (NumPy reports them to it) but not the interpreter and its libraries; the
growth of the resident set at its peak (``VmHWM``) over the load is printed beside it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np

import brickprop as bp

HERE = Path(__file__).resolve().parent


def _script():
    """``scripts/mnist_csv.py`` as a module."""
    spec = importlib.util.spec_from_file_location("mnist_csv", HERE.parent / "scripts" /
                                                  "mnist_csv.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


READERS = {
    "from_csv": lambda path: bp.datasets.from_csv(path, "label"),
    "from_csv float32": lambda path: bp.datasets.from_csv(path, "label", dtype=np.float32),
    "np.loadtxt": lambda path: np.loadtxt(path, delimiter=",", skiprows=1),
}


def make_file(folder, rows: int = 10_000) -> Path:
    """Write the MNIST-shaped CSV of ``rows`` images into ``folder``; returns its path."""
    path = Path(folder) / f"mnist-{rows}.csv"
    _script().write(path, rows, seed=0)
    return path


def peak_memory(reader: str, path) -> dict:
    """``{"traced": bytes, "rss_growth": bytes}`` of one ``READERS[reader]`` load, measured
    in a fresh process."""
    out = subprocess.run([sys.executable, __file__, "--memory", reader, str(path)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def _measure(reader: str, path) -> dict:
    from bench_epoch import _rss  # VmRSS / VmHWM: ru_maxrss carries the parent's over exec

    before = _rss("VmRSS")
    tracemalloc.start()
    READERS[reader](path)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"traced": traced, "rss_growth": _rss("VmHWM") - before}


def workload(folder, rows: int, repeats: int, interleaved) -> dict:
    """Times (s) of every reader over ``repeats`` interleaved runs, and each one's peak memory.

    The file of ``rows`` images is written into ``folder``; ``interleaved(runners,
    repeats)`` is ``run_all._interleaved``.
    """
    path = make_file(folder, rows)
    times = interleaved({name: (lambda f=f: f(path)) for name, f in READERS.items()}, repeats)
    return {"rows": rows, "bytes": path.stat().st_size, "times": times,
            "memory": {name: peak_memory(name, path) for name in READERS}}


def summary(r) -> list[str]:
    """Lines for a person: times, the ratio to ``np.loadtxt``, memory against the file size."""
    import statistics

    from run_all import _ratio

    t, size = r["times"], r["bytes"]
    lines = [f"{r['rows']:,} x 785 CSV, {size / 1e6:.1f} MB"]
    for name in READERS:
        mem = r["memory"][name]
        lines.append(f"{name:17} {statistics.median(t[name]):6.3f} s "
                     f"({_ratio(t, name, 'np.loadtxt'):.2f}x np.loadtxt), peak "
                     f"{mem['traced'] / 2**20:6.1f} MiB traced ({mem['traced'] / size:.2f}x the "
                     f"file), resident set +{mem['rss_growth'] / 2**20:.1f} MiB")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="images in the file")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats")
    parser.add_argument("--memory", nargs=2, metavar=("READER", "FILE"),
                        help="print the peak memory of one load as JSON (for run_all)")
    args = parser.parse_args(argv)
    if args.memory:
        print(json.dumps(_measure(*args.memory)))
        return
    import tempfile

    sys.path.insert(0, str(HERE))
    from run_all import _interleaved

    with tempfile.TemporaryDirectory() as tmp:
        result = workload(tmp, args.rows, args.repeats, _interleaved)
    print("\n".join(summary(result)))


if __name__ == "__main__":
    main()
