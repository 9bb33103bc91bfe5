"""One epoch of an MNIST-shaped network: brickprop, a hand NumPy loop, PyTorch, scikit-learn.

784-256-10, ReLU, softmax cross-entropy on logits, plain SGD, batches of 128 drawn
from a fresh permutation, float32, on random data of MNIST's shape (60,000 x 784
pixels in [0, 1), labels 0-9): nothing is downloaded.  ``matmul_floor`` times only
the matrix products such an epoch needs, into preallocated outputs -- the floor no
implementation on this BLAS can beat.  ``python benchmarks/bench_epoch.py --memory N``
runs one brickprop epoch on N samples in a fresh process and prints its peak memory
as JSON (``run_all.py`` calls it so that nothing else in the process is counted).
"""

from __future__ import annotations

import argparse
import json
import resource
import tracemalloc
from pathlib import Path

import numpy as np

import brickprop as bp

BATCH = 128
N_IN, N_HIDDEN, N_OUT = 784, 256, 10


def mnist_like(n=60_000, seed=0):
    """``X`` (n, 784) float32 in [0, 1) and labels ``y`` (n,) in 0..9."""
    rng = np.random.default_rng(seed)
    return rng.random((n, N_IN), dtype=np.float32), rng.integers(0, N_OUT, n)


def epoch_flops(n) -> float:
    """Floating-point operations of the matrix products of one epoch on ``n`` samples.

    Forward ``x @ W1`` and ``h1 @ W2``; backward ``h1.T @ dz2``, ``dz2 @ W2.T`` and
    ``x.T @ dz1``.  The first layer needs no gradient for its input.
    """
    return 2.0 * n * (2 * N_IN * N_HIDDEN + 3 * N_HIDDEN * N_OUT)


def brick_net():
    return bp.mlp(N_IN, [N_HIDDEN], N_OUT, activation="relu", output="identity", init="he",
                  seed=0, dtype=np.float32)


def brick_epoch(X, Y, lr=0.01):
    """``bp.fit`` with its defaults (divergence guard, History) for one epoch; ``Y`` one-hot."""
    net = brick_net()
    bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=lr),
           steps=-(-len(X) // BATCH), batch_size=BATCH)
    return net


def hand_epoch(X, y, lr=0.01):
    """The epoch as a tutorial would write it in NumPy."""
    rng = np.random.default_rng(0)
    W1 = (rng.standard_normal((N_IN, N_HIDDEN)) * np.sqrt(2 / N_IN)).astype(np.float32)
    W2 = (rng.standard_normal((N_HIDDEN, N_OUT)) * np.sqrt(2 / N_HIDDEN)).astype(np.float32)
    b1, b2 = np.zeros(N_HIDDEN, np.float32), np.zeros(N_OUT, np.float32)
    order = rng.permutation(len(X))
    for start in range(0, len(X), BATCH):
        idx = order[start:start + BATCH]
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


class MatmulFloor:
    """The epoch's matrix products alone, into outputs allocated once (``__call__`` times it)."""

    def __init__(self, X):
        self.X = X
        f32 = np.float32
        self.W1 = np.full((N_IN, N_HIDDEN), 0.01, f32)
        self.W2 = np.full((N_HIDDEN, N_OUT), 0.01, f32)
        self.h1, self.dz1 = np.empty((BATCH, N_HIDDEN), f32), np.empty((BATCH, N_HIDDEN), f32)
        self.z2 = np.empty((BATCH, N_OUT), f32)
        self.dW1, self.dW2 = np.empty_like(self.W1), np.empty_like(self.W2)

    def __call__(self):
        X, W1, W2, h1, dz1, z2 = self.X, self.W1, self.W2, self.h1, self.dz1, self.z2
        for start in range(0, len(X) - BATCH + 1, BATCH):
            x = X[start:start + BATCH]
            np.matmul(x, W1, out=h1)
            np.matmul(h1, W2, out=z2)
            np.matmul(h1.T, z2, out=self.dW2)
            np.matmul(z2, W2.T, out=dz1)
            np.matmul(x.T, dz1, out=self.dW1)


class SgdFloor(MatmulFloor):
    """The floor plus what every minibatch SGD epoch adds to its products.

    Each batch of a permutation gathered into a buffer, and both weight matrices updated
    as ``W -= lr * dW`` through a scratch array; ``lr`` is 0, so the numbers stay put
    while the work is the same.  Informational: the targets compare with ``MatmulFloor``.
    """

    def __init__(self, X):
        super().__init__(X)
        self.order = np.random.default_rng(0).permutation(len(X))
        self.x = np.empty((BATCH, N_IN), np.float32)
        self.s1, self.s2 = np.empty_like(self.W1), np.empty_like(self.W2)

    def __call__(self):
        X, W1, W2, h1, dz1, z2 = self.X, self.W1, self.W2, self.h1, self.dz1, self.z2
        x, order, dW1, dW2 = self.x, self.order, self.dW1, self.dW2
        for start in range(0, len(X) - BATCH + 1, BATCH):
            X.take(order[start:start + BATCH], axis=0, out=x, mode="clip")
            np.matmul(x, W1, out=h1)
            np.matmul(h1, W2, out=z2)
            np.matmul(h1.T, z2, out=dW2)
            np.matmul(z2, W2.T, out=dz1)
            np.matmul(x.T, dz1, out=dW1)
            W1 -= np.multiply(dW1, 0.0, out=self.s1)
            W2 -= np.multiply(dW2, 0.0, out=self.s2)


def torch_epoch(X, y, lr=0.01):
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(N_IN, N_HIDDEN), torch.nn.ReLU(),
                              torch.nn.Linear(N_HIDDEN, N_OUT))
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    order = torch.randperm(len(X))
    for start in range(0, len(X), BATCH):
        idx = order[start:start + BATCH]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(Xt[idx]), yt[idx]).backward()
        opt.step()


def sklearn_epoch(X, y, lr=0.01):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier((N_HIDDEN,), solver="sgd", batch_size=BATCH, learning_rate_init=lr,
                        momentum=0.0, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)


def profile_epoch(X, Y, top: int = 6) -> list[tuple[str, float]]:
    """Where one brickprop epoch's time goes: ``(function, share of the epoch)``, largest first.

    cProfile's own time of each function (its body, not what it calls); an epoch makes
    about 30 calls per step, so the profiler's overhead is small beside the products.
    """
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(brick_epoch, X, Y)
    stats = pstats.Stats(profiler).stats  # (file, line, name) -> (cc, nc, tottime, ...)
    total = sum(v[2] for v in stats.values())
    own = sorted(((v[2], k) for k, v in stats.items()), reverse=True)[:top]
    return [(f"{Path(k[0]).parent.name}/{Path(k[0]).name}:{k[2]}" if k[0] != "~" else k[2],
             t / total) for t, k in own]


def _rss(field) -> int:
    """Bytes of ``VmRSS`` (resident now) or ``VmHWM`` (its peak) of this process.

    ``ru_maxrss`` would not do: Linux carries it over from the parent across ``exec``.
    Outside Linux, the peak resident set from ``getrusage`` (KiB on Linux, bytes on macOS).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_memory(n) -> dict:
    """Peak memory of making the data and training one brickprop epoch on it.

    ``traced``: the largest total of live Python and NumPy allocations (tracemalloc),
    counted from before the data is made; ``rss_growth``: the growth of the process's
    resident set, at its peak, over the same span (everything, BLAS buffers included).
    """
    rss_before = _rss("VmRSS")
    tracemalloc.start()
    X, y = mnist_like(n)
    Y = bp.one_hot(y, N_OUT, dtype=np.float32)
    net = brick_epoch(X, Y)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss_after = _rss("VmHWM")
    return {"traced": traced, "rss_growth": rss_after - rss_before,
            "dataset": X.nbytes + Y.nbytes + y.nbytes,
            "model": sum(p.data.nbytes for p in net.parameters())}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", type=int, metavar="N", required=True,
                        help="print the peak memory of one epoch on N samples as JSON")
    print(json.dumps(peak_memory(parser.parse_args(argv).memory)))


if __name__ == "__main__":
    main()
