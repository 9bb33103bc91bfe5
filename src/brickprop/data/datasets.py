"""Data sets: the article's XOR, toy 2-D problems, regression curves, and ``split``.

Every generator takes ``n`` and ``seed`` and returns ``X`` (n, n_features) float64
and ``y`` (n,): integer labels 0..k-1 (balanced but for xor), floats for ``REGRESSION``.
``xor`` draws from NumPy's legacy ``RandomState`` as the article did, the others ``default_rng``.
CSV files are read by ``csvfile.from_csv``, re-exported here as ``bp.datasets.from_csv``.
"""

from __future__ import annotations

import inspect

import numpy as np

from .._checks import check_int, check_number
from ..bricks.functional import one_hot  # noqa: F401  (bp.datasets.one_hot)
from .csvfile import from_csv  # noqa: F401  (bp.datasets.from_csv)
from .standardizer import Standardizer  # noqa: F401  (its home was here)


def xor(n: int = 300, seed: int = 0, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The article's data: ``RandomState(seed).randn(n, 2)``, label 1 where the signs differ.

    ``seed=0``, ``n=300``: the article's points, bit for bit.  ``noise`` moves every point
    by ``noise * N(0, I)``, drawn next from the same generator, after it is labelled, so
    points near the axes land on the wrong side of them (the article's data has none).

    Returns
    -------
    X : (n, 2) float64
    y : (n,) int, ``(x1 > 0) xor (x2 > 0)`` of the points before the noise
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"xor needs a positive number of points n, got {n!r}")
    noise = check_number("xor: noise", noise)
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 2)
    y = np.logical_xor(X[:, 0] > 0, X[:, 1] > 0).astype(np.int64)
    if noise:  # drawn after the points: without noise the data stay the article's
        X += noise * rng.randn(n, 2)
    return X, y


def _start(name, n, seed, noise, n_classes=2):
    """Checked ``n`` and ``noise``, a seeded generator, and balanced shuffled labels (n,)."""
    n = check_int(f"{name}: n (number of points)", n, low=n_classes)
    noise = check_number(f"{name}: noise", noise)
    rng = np.random.default_rng(seed)
    return n, noise, rng, rng.permutation(np.arange(n) % n_classes)  # sizes differ by <= 1


def _ring(r, angle):
    return r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])  # (n, 2)


def circles(n: int = 300, noise: float = 0.1, factor: float = 0.5, seed: int = 0):
    """Two rings ``r (cos t, sin t) + noise N(0, I)``: r = 1 (class 0), ``factor`` (class 1).

    Returns X, y: (n, 2) float64, t uniform in [0, 2 pi); (n,) int, 0 outer ring, 1 inner ring.
    """
    n, noise, rng, y = _start("circles", n, seed, noise)
    factor = check_number("circles: factor", factor, 0, 1, low_open=True)
    X = _ring(np.where(y == 0, 1.0, factor), rng.uniform(0, 2 * np.pi, n))
    return X + noise * rng.standard_normal((n, 2)), y


def moons(n: int = 300, noise: float = 0.1, seed: int = 0):
    """Two half circles ``(cos t, sin t)`` and ``(1 - cos t, 0.5 - sin t)``, + noise N(0, I).

    Returns X, y: (n, 2) float64, t uniform in [0, pi]; (n,) int, 0 upper moon, 1 lower moon.
    """
    n, noise, rng, y = _start("moons", n, seed, noise)
    t = rng.uniform(0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])  # (n, 2)
    X = np.where((y == 0)[:, None], upper, [1.0, 0.5] - upper)
    return X + noise * rng.standard_normal((n, 2)), y


def spiral(n: int = 300, noise: float = 0.1, classes: int = 3, seed: int = 0):
    """Spiral arms ``r (cos a, sin a) + noise N(0, I)``, ``a = 2 pi k / classes + 4 r``.

    Returns X, y: (n, 2) float64, r uniform in [0, 1]; (n,) int, the arm k in 0..classes-1.
    """
    classes = check_int("spiral: classes", classes, low=2)
    n, noise, rng, y = _start("spiral", n, seed, noise, classes)
    r = rng.uniform(0, 1, n)
    X = _ring(r, 2 * np.pi * y / classes + 4 * r)
    return X + noise * rng.standard_normal((n, 2)), y


def gaussian(n: int = 300, noise: float = 1.0, centers: int = 3, seed: int = 0):
    """Blobs ``mu_k + noise N(0, I)``, the centers evenly on a circle, neighbours >= 4 apart.

    Returns X, y: (n, 2) float64; (n,) int, the blob k in 0..centers-1.
    """
    centers = check_int("gaussian: centers", centers, low=2)
    n, noise, rng, y = _start("gaussian", n, seed, noise, centers)
    radius = max(4.0, 2.0 / np.sin(np.pi / centers))
    mu = _ring(np.full(centers, radius), 2 * np.pi * np.arange(centers) / centers)
    return mu[y] + noise * rng.standard_normal((n, 2)), y


def sine(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Regression ``y = sin(x) + noise N(0, 1)``; X (n, 1) uniform in [-pi, pi], y (n,)."""
    n, noise, rng, _ = _start("sine", n, seed, noise, 1)
    X = rng.uniform(-np.pi, np.pi, (n, 1))
    return X, np.sin(X[:, 0]) + noise * rng.standard_normal(n)


def surface(n: int = 300, noise: float = 0.05, seed: int = 0):
    """Regression ``y = sin(x1) cos(x2) + noise N(0, 1)``; X (n, 2) in [-pi, pi]^2, y (n,)."""
    n, noise, rng, _ = _start("surface", n, seed, noise, 1)
    X = rng.uniform(-np.pi, np.pi, (n, 2))
    return X, np.sin(X[:, 0]) * np.cos(X[:, 1]) + noise * rng.standard_normal(n)


DATASETS = {"xor": xor, "circles": circles, "moons": moons, "spiral": spiral,
            "gaussian": gaussian, "sine": sine, "surface": surface}  # f(n, seed=, noise=)
REGRESSION = frozenset({"sine", "surface"})  # the DATASETS whose y is a float target


def default_noise(name: str) -> float:
    """The ``noise`` that the generator ``DATASETS[name]`` uses when not given one."""
    return inspect.signature(DATASETS[name]).parameters["noise"].default


def split(X, y, test_size: float = 0.2, seed: int = 0):
    """Hold out ``round(n * test_size)`` random rows; integer labels y keep class shares.

    Returns
    -------
    X_train, X_test, y_train, y_test : rows of X (n, ...) and y (n, ...), in original order
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"split: X has {len(X)} rows but y has {len(y)}; they must match")
    test_size = check_number("split: test_size", test_size, 0, 1, low_open=True)
    n, n_test = len(X), round(len(X) * test_size)
    if not 0 < n_test < n:
        raise ValueError(f"split: test_size {test_size:g} of {n} rows leaves no "
                         f"{'test' if n_test == 0 else 'training'} rows; use more rows")
    order = np.random.default_rng(seed).permutation(n)
    if y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        order = order[np.argsort(y[order], kind="stable")]  # classes in blocks, random inside
    pos = np.arange(n)  # hold out evenly spaced positions: every block gives its share
    held = (pos + 1) * n_test // n > pos * n_test // n
    train, test = np.sort(order[~held]), np.sort(order[held])
    return X[train], X[test], y[train], y[test]
