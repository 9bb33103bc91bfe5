"""Time one full ``bp.fit`` step against a hand-written NumPy loop of the same math.

Both sides, on the article's 300 XOR points, full batch, float64, do per step:
forward through Linear-Sigmoid-Linear-Sigmoid, the MSE data loss and the L2
penalty, backward, the SGD update, training accuracy and each layer's gradient
norm (what ``History`` records).  Runs are interleaved; the times are medians of
several repeats and the ratio is the median of each repeat's own ratio, so machine
noise hits both sides alike.

    python benchmarks/bench_step.py [--steps 2000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import brickprop as bp


def hand_loop(X, Y, hidden, steps, lr=1.0, lam=1e-4, seed=0):
    """The same math written out by hand, the way a tutorial would."""
    net = bp.mlp(2, [hidden], 2, seed=seed)  # same initial weights as the brick run
    W1, b1, W2, b2 = (p.data.copy() for p in net.parameters())
    n = X.shape[0]
    labels = Y.argmax(axis=1)
    for _ in range(steps):
        z1 = X @ W1 + b1
        h1 = 1.0 / (1.0 + np.exp(-z1))
        z2 = h1 @ W2 + b2
        h2 = 1.0 / (1.0 + np.exp(-z2))
        diff = h2 - Y
        data_loss = float(np.vdot(diff, diff)) / (2 * n)
        penalty = lam * (float(np.vdot(W1, W1)) + float(np.vdot(W2, W2))) / (2 * n)
        dL_dz2 = diff / n * h2 * (1.0 - h2)
        dW2 = h1.T @ dL_dz2 + lam * W2 / n
        db2 = dL_dz2.sum(axis=0)
        dL_dz1 = (dL_dz2 @ W2.T) * h1 * (1.0 - h1)
        dW1 = X.T @ dL_dz1 + lam * W1 / n
        db1 = dL_dz1.sum(axis=0)
        _ = (data_loss + penalty, float(np.count_nonzero(h2.argmax(axis=1) == labels)) / n,
             np.sqrt(float(np.vdot(dW1, dW1)) + float(np.vdot(db1, db1))),
             np.sqrt(float(np.vdot(dW2, dW2)) + float(np.vdot(db2, db2))))
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    return W1, b1, W2, b2


def brick_fit(X, Y, hidden, steps, lr=1.0, lam=1e-4, seed=0):
    net = bp.mlp(2, [hidden], 2, seed=seed)
    bp.fit(net, X, Y, bp.MSE(), bp.SGD(net.parameters(), lr=lr), bp.L2(lam), steps=steps)
    return [p.data for p in net.parameters()]


def us_per_step(fn, *args, steps):
    start = time.perf_counter()
    fn(*args, steps=steps)
    return (time.perf_counter() - start) / steps * 1e6


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps per timed run")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats")
    args = parser.parse_args(argv)
    X, y = bp.datasets.xor(300, seed=0)
    Y = bp.one_hot(y)
    print(f"{'network':<10} {'hand NumPy':>12} {'brickprop fit':>14} {'ratio':>7}")
    for hidden in (3, 50):
        # Same arithmetic, same result: check before timing.
        np.testing.assert_allclose(np.concatenate([a.ravel() for a in hand_loop(X, Y, hidden, 50)]),
                                   np.concatenate([a.ravel() for a in brick_fit(X, Y, hidden, 50)]),
                                   rtol=1e-9, atol=1e-12)
        hand, brick = [], []
        for _ in range(args.repeats):
            hand.append(us_per_step(hand_loop, X, Y, hidden, steps=args.steps))
            brick.append(us_per_step(brick_fit, X, Y, hidden, steps=args.steps))
        h, b = statistics.median(hand), statistics.median(brick)
        # The ratio of each repeat's pair of runs, which share the machine's state of the moment.
        ratio = statistics.median(y / x for x, y in zip(hand, brick))
        print(f"2-{hidden}-2{'':<5} {h:>9.1f} us {b:>11.1f} us {ratio:>6.2f}x")


if __name__ == "__main__":
    main()
