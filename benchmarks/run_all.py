"""Every speed workload of brickprop against a hand-written NumPy loop, PyTorch and
scikit-learn, in one process, interleaved; writes ``BENCHMARKS.md``.

    python benchmarks/run_all.py [--repeats 11] [--quick] [--out BENCHMARKS.md]

Workloads: one full ``fit`` step on the 300 XOR points, full batch, float64 (2-3-2
and 2-50-2; ``bench_step.py``); one epoch of a 784-256-10 ReLU network with softmax
cross-entropy on 60,000 MNIST-shaped random samples in batches of 128, float32,
next to the matrix products of that epoch alone (``bench_epoch.py``); the epoch's
peak memory, measured in a fresh process; a 100-frame GIF of the three panels;
``from_csv`` against ``np.loadtxt`` on a 10,000 x 785 MNIST-shaped CSV, time and peak
memory (``bench_csv.py``); a 60,000-row MNIST-shaped run from the command line, phase
by phase (``bench_mnist_cli.py``, informational); what a user waits for around the
training -- the main job, a compare grid, a 1,000,000-step run (``bench_around.py``);
``brickprop live`` in headless Chromium against TensorFlow Playground's figures
(``bench_live.py``).  ``--skip`` leaves sections out.  A peer that is not installed is
skipped with a note.  Timings are medians of
interleaved repeats (in a shuffled order, after one warm-up call each); ratios are
medians of the ratios within each repeat (``_ratio``): compare ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import brickprop as bp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_around  # noqa: E402  (the main job, a compare grid, a long run)
import bench_csv  # noqa: E402  (from_csv against np.loadtxt)
import bench_epoch as ep  # noqa: E402  (the MNIST-shaped epoch)
import bench_live  # noqa: E402  (brickprop live in headless Chromium)
import bench_mnist_cli  # noqa: E402  (an MNIST-sized run from the command line)
from bench_step import brick_fit, hand_loop  # noqa: E402  (the XOR loops, shared)

COLUMNS = ["brickprop", "hand NumPy", "PyTorch", "scikit-learn"]


def torch_xor(X, Y, hidden, steps, lr=1.0):
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.Sigmoid(),
                              torch.nn.Linear(hidden, 2), torch.nn.Sigmoid()).double()
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(Xt) - Yt) ** 2).sum() / (2 * len(Xt))
        loss.backward()
        opt.step()


def sklearn_xor(X, Y, hidden, steps, lr=1.0):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier((hidden,), activation="logistic", solver="sgd", batch_size=len(X),
                        learning_rate_init=lr, momentum=0.0, max_iter=steps, tol=0.0,
                        n_iter_no_change=steps + 1, shuffle=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, Y.argmax(axis=1))


def exp_alone(n, hidden, steps):
    """The ``exp`` of one XOR step's two sigmoids alone, ``steps`` times, into preallocated outputs.

    Every implementation here (brickprop, the hand loop, scikit-learn's ``expit``) takes
    NumPy's or libm's float64 ``exp`` of each hidden and output pre-activation, so this is
    a floor under all of them, set by the machine: NumPy vectorizes the float64 ``exp``
    only with AVX-512.
    """
    z1 = np.random.default_rng(0).uniform(-4.0, 4.0, (n, hidden))
    z2 = np.random.default_rng(1).uniform(-4.0, 4.0, (n, 2))
    out1, out2 = np.empty_like(z1), np.empty_like(z2)
    for _ in range(steps):
        np.exp(z1, out=out1)
        np.exp(z2, out=out2)


def _simd() -> str:
    """The widest SIMD extension NumPy found on this CPU (its dispatch picks loops by it)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as found
    except ImportError:  # NumPy < 2
        return "SIMD unknown"
    return next((name for name in ("AVX512F", "AVX2", "AVX", "SSE4_2", "ASIMD")
                 if found.get(name)), "no SIMD")


def animation_workload(frames=100):
    """Seconds to write a ``frames``-frame GIF of the three panels of a trained XOR run."""
    X, y = bp.datasets.xor(300, seed=0)
    Y = bp.one_hot(y)
    net = bp.mlp(2, [3], 2, seed=0)
    h = bp.fit(net, X, Y, bp.MSE(), bp.SGD(net.parameters(), lr=5.0), bp.L2(1e-4),
               steps=5000, snapshots=frames)
    from brickprop.viz import plots

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        n = plots.animate(h, net, X, y, Path(tmp) / "a.gif")
        return time.perf_counter() - start, n


def _available(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _pause(seconds):
    """Wait ``seconds`` on this core without sleeping (see ``_median_times``)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _interleaved(runners, repeats, per=1.0, pause=0.3):
    """Seconds (times ``per``) of each runner in each repeat, after one warm-up call each.

    The order is shuffled every repeat (from a fixed seed), so that no runner always
    follows the same one, and each run starts ``pause`` seconds after the last: BLAS and
    OpenMP threads (NumPy's and PyTorch's) keep spinning for a while after their work,
    which would otherwise slow down whichever runner came next.  The pause is a busy
    wait: after a sleep this virtual machine ran the next tenth of a second or so
    markedly slower (1.6x on the XOR step), which a short timed run cannot amortize.
    """
    for fn in runners.values():
        fn()
    names, times, order = list(runners), {k: [] for k in runners}, random.Random(0)
    for _ in range(repeats):
        order.shuffle(names)
        for name in names:
            _pause(pause)
            times[name].append(_timed(runners[name]) * per)
    return times


def _ratios(times, a, b) -> list:
    """``a``'s time over ``b``'s time in each repeat."""
    return [x / y for x, y in zip(times[a], times[b])]


def _ratio(times, a, b) -> float:
    """Median over repeats of ``a``'s time over ``b``'s time in the same repeat.

    The runs of one repeat follow each other within a few seconds, so they share the
    machine's state: on this virtual machine whole stretches of several seconds run
    up to twice as slow (both runners alike), and a ratio of two medians taken over
    those stretches swung by a third from run to run.  Paired ratios cancel them.
    """
    return statistics.median(_ratios(times, a, b))


def _faults(fn) -> int:
    """Minor page faults of one call: memory handed back to the OS and touched again."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    fn()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def _peak_memory(n):
    out = subprocess.run([sys.executable, str(HERE / "bench_epoch.py"), "--memory", str(n)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


SECTIONS = ("csv", "mnist_cli", "around", "live")  # what --skip can leave out


def run(repeats, quick, skip=()):
    peers = {"torch": _available("torch"), "sklearn": _available("sklearn")}
    result = {"rows": [], "faults": [], "load": [os.getloadavg()[0]], "repeats": repeats,
              "notes": [f"{p} is not installed: its column is empty"
                        for p, ok in peers.items() if not ok]}
    X, y = bp.datasets.xor(300, seed=0)
    Y = bp.one_hot(y)
    steps = 300 if quick else 2000
    for hidden in (3, 50):
        runners = {"brickprop": lambda h=hidden: brick_fit(X, Y, h, steps),
                   "hand NumPy": lambda h=hidden: hand_loop(X, Y, h, steps)}
        if peers["torch"]:
            runners["PyTorch"] = lambda h=hidden: torch_xor(X, Y, h, steps)
        if peers["sklearn"]:
            runners["scikit-learn"] = lambda h=hidden: sklearn_xor(X, Y, h, steps)
        runners["exp alone"] = lambda h=hidden: exp_alone(len(X), h, steps)
        name = f"XOR 2-{hidden}-2, 300 points, full batch, us/step (float64)"
        result["rows"].append((name, _interleaved(runners, repeats, per=1e6 / steps)))
        result["faults"].append((f"XOR 2-{hidden}-2", *(
            _faults(runners[k]) / steps for k in ("brickprop", "hand NumPy"))))
    n = 6_000 if quick else 60_000
    Xm, ym = ep.mnist_like(n)
    Ym = bp.one_hot(ym, ep.N_OUT, dtype=np.float32)
    floor = ep.MatmulFloor(Xm)
    runners = {"brickprop": lambda: ep.brick_epoch(Xm, Ym),
               "hand NumPy": lambda: ep.hand_epoch(Xm, ym)}
    if peers["torch"]:
        runners["PyTorch"] = lambda: ep.torch_epoch(Xm, ym)
    if peers["sklearn"]:
        runners["scikit-learn"] = lambda: ep.sklearn_epoch(Xm, ym)
    runners["matmul floor"] = floor
    runners["SGD floor"] = ep.SgdFloor(Xm)
    times = _interleaved(runners, repeats)
    result["flops"] = ep.epoch_flops(n)
    result["rows"].append((f"784-256-10 ReLU + softmax cross-entropy, {n:,} samples, batch 128, "
                           "one epoch, s (float32)", times))
    steps = -(-n // ep.BATCH)
    result["faults"].append(("MNIST-shaped epoch", *(
        _faults(runners[k]) / steps for k in ("brickprop", "hand NumPy"))))
    result["memory"] = _peak_memory(n)
    result["epoch_profile"] = ep.profile_epoch(Xm, Ym)
    result["animation"] = animation_workload(30 if quick else 100)
    if "csv" not in skip:
        with tempfile.TemporaryDirectory() as tmp:
            result["csv"] = bench_csv.workload(tmp, 2_000 if quick else 10_000, repeats,
                                               _interleaved)
    if "mnist_cli" not in skip:
        with tempfile.TemporaryDirectory() as tmp:
            result["mnist_cli"] = bench_mnist_cli.run(tmp, 6_000 if quick else 60_000,
                                                      2_000 if quick else 10_000)
    if "around" not in skip:
        result["around"] = bench_around.run(("main", "grid", "long"), repeats=5,
                                            grid_steps=5_000 if quick else 50_000,
                                            long_steps=100_000 if quick else 1_000_000)
    if "live" not in skip:
        result["live"] = bench_live.run(seconds=3 if quick else 10, repeats=3)
    result["load"].append(os.getloadavg()[0])
    return result


def _versions() -> str:
    import matplotlib

    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or platform.machine()) if Path("/proc/cpuinfo").exists() \
        else platform.processor() or platform.machine()
    parts = [f"{cpu} ({os.cpu_count()} logical cores, {platform.machine()}, {_simd()})",
             f"{platform.python_implementation()} {platform.python_version()}",
             f"NumPy {np.__version__}", f"matplotlib {matplotlib.__version__}"]
    if _available("torch"):
        import torch

        parts.append(f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)")
    if _available("sklearn"):
        import sklearn

        parts.append(f"scikit-learn {sklearn.__version__}")
    return ", ".join(parts)


def _verdict(value, limit, spread="") -> str:
    """``value`` against the target ``limit``, with ``spread`` inside the parentheses."""
    return (f"{value:.2f}x (target at most {limit}x: "
            f"{'met' if value <= limit else 'NOT met'}{spread})")


def _paired(times, a, b, limit) -> str:
    """``a / b`` as a paired ratio, the middle half of its repeats, and the target's verdict."""
    q1, _, q3 = statistics.quantiles(_ratios(times, a, b), n=4)
    return _verdict(_ratio(times, a, b), limit,
                    f"; middle half of the repeats {q1:.2f}x to {q3:.2f}x")


def _sgd_floor(t) -> str:
    """The sentence on ``bench_epoch.SgdFloor``: the floor with the gathering and the update."""
    if "SGD floor" not in t:
        return ""
    return (f" With each batch of a permutation gathered and the weights updated as well "
            f"(what any minibatch SGD epoch adds to its products: `SgdFloor`), the products "
            f"take {statistics.median(t['SGD floor']):.3g} s, "
            f"{_ratio(t, 'SGD floor', 'matmul floor'):.2f}x the floor; brickprop takes "
            f"{_ratio(t, 'brickprop', 'SGD floor'):.2f}x that, the hand loop "
            f"{_ratio(t, 'hand NumPy', 'SGD floor'):.2f}x (informational: the target is "
            "set against the floor).")


def report(r) -> str:
    lines = ["# Benchmarks", "",
             f"Generated by `python benchmarks/run_all.py` on {_versions()}. "
             f"{r['repeats']} interleaved repeats in one process, in a shuffled order after one "
             "warm-up call each, every run 0.3 s after the last (a busy wait); the machine "
             f"was shared (load average {r['load'][0]:.1f} at the start, {r['load'][1]:.1f} at "
             "the end). Times are medians over the repeats; every ratio is the median of the "
             "ratios of two runs in the same repeat, which cancels the stretches of several "
             "seconds in which this virtual machine runs everything slower. Compare ratios, "
             "not absolute times.", "",
             "| workload | " + " | ".join(COLUMNS) + " | hand / brickprop | peer / brickprop |",
             "|---|" + "---:|" * (len(COLUMNS) + 2)]
    for name, t in r["rows"]:
        cells = [f"{statistics.median(t[c]):.3g}" if c in t else "—" for c in COLUMNS]
        hand = _ratio(t, "hand NumPy", "brickprop")
        peers = ", ".join(f"{c} {_ratio(t, c, 'brickprop'):.2f}x" for c in COLUMNS[2:] if c in t)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {hand:.2f}x | {peers or '—'} |")
    lines += ["", "A ratio above 1 means brickprop is faster.", "", "## Targets", ""]
    for name, t in r["rows"][:2]:
        lines.append(f"- {name.split(',')[0]}: brickprop / hand NumPy "
                     f"{_paired(t, 'brickprop', 'hand NumPy', 1.0)}"
                     + "".join(f"; brickprop / {c} {_paired(t, 'brickprop', c, lim)}, "
                               f"hand NumPy / {c} {_ratio(t, 'hand NumPy', c):.2f}x"
                               for c, lim in (("PyTorch", 0.2), ("scikit-learn", 0.5)) if c in t))
        bound = " and ".join(f"{_ratio(t, c, 'exp alone'):.2f}x faster than {c}"
                             for c in ("PyTorch", "scikit-learn") if c in t)
        lines.append(f"  - the float64 `exp` of the step's two sigmoids alone (`exp_alone`) takes "
                     f"{statistics.median(t['exp alone']):.3g} us per step here, "
                     f"{_ratio(t, 'exp alone', 'hand NumPy'):.2f}x the hand loop's step"
                     + (f": a step that did nothing else would be {bound}" if bound else "")
                     + f" ({_simd()}; NumPy vectorizes the float64 `exp` only with AVX512F)")
    t = r["rows"][2][1]
    floor, flops = statistics.median(t["matmul floor"]), r["flops"]
    mem = r["memory"]
    budget = mem["dataset"] + mem["model"]
    if "PyTorch" in t:
        lines.append(f"- MNIST-shaped epoch: brickprop / PyTorch "
                     f"{_paired(t, 'brickprop', 'PyTorch', 0.9)}")
    lines += [
        f"- MNIST-shaped epoch: brickprop / matrix-product floor "
        f"{_paired(t, 'brickprop', 'matmul floor', 1.25)}. The floor is the epoch's "
        f"{flops / 1e9:.1f} GFLOP of matrix products alone, into preallocated outputs: "
        f"{floor:.3g} s here, {flops / floor / 1e9:.0f} GFLOP/s; the hand NumPy loop takes "
        f"{_ratio(t, 'hand NumPy', 'matmul floor'):.2f}x the floor." + _sgd_floor(t),
        "- Where a brickprop epoch's time goes (cProfile, each function's own time): "
        + ", ".join(f"`{name}` {share:.0%}" for name, share in r["epoch_profile"]) + ".",
        f"- Peak memory of the epoch (data made and trained in a fresh process): "
        f"{mem['traced'] / 2**20:.1f} MiB of live allocations (tracemalloc), dataset "
        f"{mem['dataset'] / 2**20:.1f} MiB + model {mem['model'] / 2**20:.2f} MiB, so "
        f"{_verdict(mem['traced'] / budget, 1.5)}; the resident set grew by "
        f"{mem['rss_growth'] / 2**20:.1f} MiB ({mem['rss_growth'] / budget:.2f}x, BLAS "
        "buffers included).",
        f"- Animation: {r['animation'][1]} frames of the three panels written as a GIF in "
        f"{r['animation'][0]:.2f} s (target at most 10 s: "
        f"{'met' if r['animation'][0] <= 10 else 'NOT met'})."]
    if "csv" in r:
        lines += _csv_lines(r["csv"])
    if "around" in r:
        lines += bench_around.report(r["around"])
    lines += [
        "", "## Memory handed back to the OS", "",
        "Minor page faults per step: a freed temporary that glibc returns to the OS is "
        "faulted in again on the next step.", "",
        "| workload | brickprop | hand NumPy |", "|---|---:|---:|"]
    lines += [f"| {name} | {b:.2f} | {h:.2f} |" for name, b, h in r["faults"]]
    if "mnist_cli" in r:
        lines += _mnist_cli_lines(r["mnist_cli"])
    if "live" in r:
        lines += ["", "## brickprop live against TensorFlow Playground", "",
                  "Weight updates and frames drawn per second in headless Chromium; the "
                  "Playground's figures were measured the same way on this machine (issue 14).",
                  ""] + bench_live.report(r["live"])
    lines += [""] + [f"- {n}" for n in r["notes"]]
    return "\n".join(lines).rstrip() + "\n"


def _csv_lines(c) -> list[str]:
    """The targets of ``from_csv``: time against ``np.loadtxt``, peak memory against the file."""
    t, size, mem = c["times"], c["bytes"], c["memory"]
    ratio = {name: m["traced"] / size for name, m in mem.items()}
    return [
        f"- `from_csv` on a {c['rows']:,} x 785 MNIST-shaped CSV ({size / 1e6:.1f} MB, "
        f"`scripts/mnist_csv.py`): brickprop / np.loadtxt "
        f"{_paired(t, 'from_csv', 'np.loadtxt', 2)}; "
        f"{statistics.median(t['from_csv']):.3g} s against "
        f"{statistics.median(t['np.loadtxt']):.3g} s; with `dtype=float32` "
        f"{_ratio(t, 'from_csv float32', 'np.loadtxt'):.2f}x.",
        f"- `from_csv` peak memory, one load in a fresh process: "
        f"{mem['from_csv']['traced'] / 2**20:.1f} MiB of live allocations (tracemalloc), "
        f"so {_verdict(ratio['from_csv'], 3)} the file's size; np.loadtxt's own "
        f"{ratio['np.loadtxt']:.2f}x, `dtype=float32` {ratio['from_csv float32']:.2f}x; the "
        f"resident set grew by {mem['from_csv']['rss_growth'] / 2**20:.1f} MiB "
        f"({mem['from_csv']['rss_growth'] / size:.2f}x)."]


def _mnist_cli_lines(m) -> list[str]:
    """The MNIST-sized command-line run, phase by phase (no target: what a user waits)."""
    p, split = m["phases"], m["train_split"]
    rest = p["train"]["seconds"] - split["load"] - split["train"] - split["figures"]
    rows = [("`python scripts/mnist_csv.py train.csv`", p["write train.csv"]),
            (f"`... test.csv --rows {m['test_rows']} --seed 1`", p["write test.csv"]),
            ("`brickprop train --data train.csv ... --dtype float32`", p["train"]),
            ("  loading the CSV", {"seconds": split["load"]}),
            (f"  training ({m['steps']} steps)", {"seconds": split["train"]}),
            ("  figures, animation, snapshots and report", {"seconds": split["figures"]}),
            ("  start-up and the rest", {"seconds": rest}),
            ("`brickprop predict run/model.npz test.csv`", p["predict"])]
    sizes = ", ".join(f"`{name}` {size / 1e6:.1f} MB" for name, size in m["run_files"].items()
                      if size >= 1e6)
    return ["", "## An MNIST-sized run from the command line", "",
            f"{m['rows']:,} x 785 `train.csv` ({m['bytes']['train.csv'] / 1e6:.0f} MB) and "
            f"{m['test_rows']:,} rows of `test.csv`, written by `scripts/mnist_csv.py`; "
            "`brickprop train` with `--target label --loss cross-entropy --hidden 256 "
            "--activation relu --init he --optimizer adam --lr 0.001 --batch-size 128 "
            f"--dtype float32 --steps {m['steps']}` ({m['epochs']} epoch), the other "
            "options at their defaults (40 animation frames, the report). Each phase is a "
            "fresh process, timed whole; the train time is split as the command prints it. "
            "Informational: no target.", "",
            "| phase | seconds | peak resident MiB |", "|---|---:|---:|"] + [
        f"| {name} | {x['seconds']:.1f} | "
        + (f"{x['peak_rss'] / 2**20:.0f} |" if "peak_rss" in x else "|")
        for name, x in rows] + [
        "", f"Training accuracy {m['train_accuracy']}, test accuracy {m['test_accuracy']}. "
        f"Files of 1 MB or more in the run folder: {sizes or 'none'}."]


def main(argv=None):
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--repeats", type=int, default=11, help="interleaved repeats")
    parser.add_argument("--quick", action="store_true", help="smaller workloads, for a smoke test")
    parser.add_argument("--out", default="BENCHMARKS.md", help="Markdown file to write")
    parser.add_argument("--skip", nargs="+", choices=SECTIONS, default=[],
                        help="sections to leave out")
    args = parser.parse_args(argv)
    text = report(run(args.repeats, args.quick, args.skip))
    from brickprop.store.files import atomic_write_text

    atomic_write_text(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
