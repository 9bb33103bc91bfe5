"""Every speed workload of brickprop against a hand-written NumPy loop, PyTorch and
scikit-learn, in one process, interleaved; writes ``BENCHMARKS.md``.

    python benchmarks/run_all.py [--repeats 5] [--quick] [--out BENCHMARKS.md]

Workloads: one full-batch training step on the 300 XOR points (2-3-2 and 2-50-2,
float64; per step: forward, squared-error loss, backward, SGD update); one epoch of
a 784-256-10 ReLU network with softmax cross-entropy on 60,000 MNIST-shaped random
samples in batches of 128 (float32); a 100-frame animation of the three panels;
and the peak memory of that epoch.  A peer that is not installed is skipped with a
note.  Timings are medians of interleaved repeats: compare ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

import brickprop as bp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_step import brick_fit, hand_loop  # noqa: E402  (the XOR loops, shared)


def _xor():
    X, y = bp.datasets.xor(300, seed=0)
    return X, bp.one_hot(y)


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


def _mnist_like(n=60_000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return X, y


def brick_epoch(X, y, lr=0.01):
    net = bp.mlp(784, [256], 10, activation="relu", output="identity", init="he",
                 seed=0).astype(np.float32)
    Y = bp.one_hot(y, 10, dtype=np.float32)
    steps = -(-len(X) // 128)
    bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=lr), steps=steps,
           batch_size=128, on_diverge="ignore")


def hand_epoch(X, y, lr=0.01):
    rng = np.random.default_rng(0)
    W1 = (rng.standard_normal((784, 256)) * np.sqrt(2 / 784)).astype(np.float32)
    W2 = (rng.standard_normal((256, 10)) * np.sqrt(2 / 256)).astype(np.float32)
    b1, b2 = np.zeros(256, np.float32), np.zeros(10, np.float32)
    order = rng.permutation(len(X))
    for start in range(0, len(X), 128):
        idx = order[start:start + 128]
        x, t = X[idx], y[idx]
        z1 = x @ W1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        p = np.exp(z2 - z2.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(t)), t] -= 1
        p /= len(t)
        dW2, db2 = h1.T @ p, p.sum(axis=0)
        dz1 = (p @ W2.T) * (z1 > 0)
        dW1, db1 = x.T @ dz1, dz1.sum(axis=0)
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2


def torch_epoch(X, y, lr=0.01):
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 10))
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    order = torch.randperm(len(X))
    for start in range(0, len(X), 128):
        idx = order[start:start + 128]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(Xt[idx]), yt[idx]).backward()
        opt.step()


def sklearn_epoch(X, y, lr=0.01):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier((256,), solver="sgd", batch_size=128, learning_rate_init=lr,
                        momentum=0.0, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)


def animation_workload(frames=100):
    X, Y = _xor()
    net = bp.mlp(2, [3], 2, seed=0)
    h = bp.fit(net, X, Y, bp.MSE(), bp.SGD(net.parameters(), lr=5.0), bp.L2(1e-4),
               steps=5000, snapshots=frames)
    from brickprop import plots

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        n = plots.animate(h, net, X, Y.argmax(axis=1), Path(tmp) / "a.gif")
        return time.perf_counter() - start, n


def _available(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def _median_times(runners, repeats, per=1.0):
    """Median seconds (times ``per``) of each runner, after one untimed warm-up call each."""
    for fn in runners.values():
        fn()
    times = {k: [] for k in runners}
    for _ in range(repeats):
        for name, fn in runners.items():
            times[name].append(_timed(fn) * per)
    return {k: statistics.median(v) for k, v in times.items()}


def _timed(fn, *args, **kw):
    start = time.perf_counter()
    fn(*args, **kw)
    return time.perf_counter() - start


def run(repeats, quick):
    peers = {"torch": _available("torch"), "sklearn": _available("sklearn")}
    rows, notes = [], [f"{p} is not installed: its column is empty" for p, ok in peers.items()
                       if not ok]
    X, Y = _xor()
    steps = 300 if quick else 2000
    for hidden in (3, 50):
        runners = {"brickprop": lambda h=hidden: brick_fit(X, Y, h, steps),
                   "hand NumPy": lambda h=hidden: hand_loop(X, Y, h, steps)}
        if peers["torch"]:
            runners["PyTorch"] = lambda h=hidden: torch_xor(X, Y, h, steps)
        if peers["sklearn"]:
            runners["scikit-learn"] = lambda h=hidden: sklearn_xor(X, Y, h, steps)
        rows.append((f"XOR 2-{hidden}-2, 300 points, full batch, us/step (float64)",
                     _median_times(runners, repeats, per=1e6 / steps)))
    Xm, ym = _mnist_like(6_000 if quick else 60_000)
    runners = {"brickprop": lambda: brick_epoch(Xm, ym), "hand NumPy": lambda: hand_epoch(Xm, ym)}
    if peers["torch"]:
        runners["PyTorch"] = lambda: torch_epoch(Xm, ym)
    if peers["sklearn"]:
        runners["scikit-learn"] = lambda: sklearn_epoch(Xm, ym)
    rows.append((f"784-256-10 ReLU + softmax cross-entropy, {len(Xm):,} samples, batch 128, "
                 "one epoch, s (float32)", _median_times(runners, max(1, repeats // 2))))
    tracemalloc.start()
    brick_epoch(Xm, ym)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    seconds, frames = animation_workload(30 if quick else 100)
    return rows, notes, peak, seconds, frames


def report(rows, notes, peak, seconds, frames) -> str:
    import matplotlib

    cols = ["brickprop", "hand NumPy", "PyTorch", "scikit-learn"]
    lines = ["# Benchmarks", "",
             "Generated by `python benchmarks/run_all.py` on "
             f"{platform.machine()} with {platform.python_implementation()} "
             f"{platform.python_version()}, NumPy {np.__version__}, matplotlib "
             f"{matplotlib.__version__}" + "".join(
                 f", {m} {__import__(m).__version__}" for m in ("torch", "sklearn")
                 if _available(m)) + ". Medians of interleaved repeats in one process; "
             "compare ratios, not absolute times.", "",
             "| workload | " + " | ".join(cols) + " | hand / brickprop | peer / brickprop |",
             "|---|" + "---:|" * (len(cols) + 2)]
    for name, t in rows:
        cells = [f"{t[c]:.3g}" if c in t else "—" for c in cols]
        hand = t["hand NumPy"] / t["brickprop"]
        peers = ", ".join(f"{c} {t[c] / t['brickprop']:.2f}x" for c in cols[2:] if c in t)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {hand:.2f}x | {peers or '—'} |")
    lines += ["", "A ratio above 1 means brickprop is faster.", "",
              f"- Peak memory traced during the brickprop epoch: {peak / 2**20:.1f} MiB "
              "(NumPy allocations, via tracemalloc).",
              f"- Animation: {frames} frames of the three panels written as a GIF in "
              f"{seconds:.2f} s."]
    lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repeats")
    parser.add_argument("--quick", action="store_true", help="smaller workloads, for a smoke test")
    parser.add_argument("--out", default="BENCHMARKS.md", help="Markdown file to write")
    args = parser.parse_args(argv)
    text = report(*run(args.repeats, args.quick))
    from brickprop._files import atomic_write_text

    atomic_write_text(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
