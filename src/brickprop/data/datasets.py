"""Data sets: the article's XOR, toy 2-D problems, regression curves, CSV files.

Every generator takes ``n`` and ``seed`` and returns ``X`` (n, n_features) float64
and ``y`` (n,): integer labels 0..k-1 (balanced but for xor), floats for ``REGRESSION``.
"""

from __future__ import annotations

import csv
import inspect
import math
import os

import numpy as np

from .._checks import check_int, check_number
from .standardizer import Standardizer  # noqa: F401  (its home was here; predict imports it)


def xor(n: int = 300, seed: int = 0, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The article's data: ``n`` standard-normal 2-D points, label 1 where the signs differ.

    ``noise`` moves every point by ``noise * N(0, I)`` after it is labelled, so points
    near the axes land on the wrong side of them (the article's data has none).

    Returns
    -------
    X : (n, 2) float64
    y : (n,) int, ``(x1 > 0) xor (x2 > 0)`` of the points before the noise
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"xor needs a positive number of points n, got {n!r}")
    noise = check_number("xor: noise", noise)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    y = np.logical_xor(X[:, 0] > 0, X[:, 1] > 0).astype(np.int64)
    if noise:  # drawn after the points: without noise the data stay the article's
        X += noise * rng.standard_normal((n, 2))
    return X, y


def one_hot(y, n_classes: int | None = None, dtype=np.float64) -> np.ndarray:
    """Integer labels (n,) -> one-hot rows (n, n_classes); column k is 1 for label k."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"one_hot takes labels of shape (n,), got {y.shape}")
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0):
        raise ValueError("one_hot takes non-negative integer labels 0, 1, ..., n_classes - 1")
    if n_classes is None:
        if not y.size:
            raise ValueError("one_hot of no labels needs n_classes")
        n_classes = int(y.max()) + 1
    if y.size and y.max() >= n_classes:
        raise ValueError(f"label {int(y.max())} does not fit in {n_classes} classes")
    out = np.zeros((y.size, n_classes), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out


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


def _float(cell: str):
    try:
        return float(cell)
    except ValueError:
        return None


def _read_rows(path: str) -> list:
    """The non-blank rows of a CSV file, as (line number, stripped cells)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            rows = [(reader.line_num, [c.strip() for c in row])
                    for row in reader if any(c.strip() for c in row)]
    except FileNotFoundError:
        raise FileNotFoundError(f"CSV file {path} does not exist; check the path "
                                f"(relative paths start at {os.getcwd()})") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"cannot read {path} as CSV ({e}); save it as UTF-8 text") from None
    if not rows:
        raise ValueError(f"{path} is empty; write rows of comma-separated values into it")
    return rows


def _has_header(rows, target) -> bool:
    """The first row is a header if it names the target or has only words in numeric columns."""
    numeric = [j for j in range(len(rows[0]))
               if all(_float(r[j]) is not None or not r[j] for r in rows[1:])]
    words = [_float(rows[0][j]) is None for j in numeric]
    named = isinstance(target, str) and target.strip() in rows[0] and (
        _float(target) is None or any(words))  # "1" names a column only beside words
    return named or (any(words) and all(words))


def _target_index(path, names, target) -> int:
    """The target's column: a header name wins; ``#N`` (or a number naming no column) is N."""
    name = target.strip() if isinstance(target, str) else None
    if name in names:
        return names.index(name)
    if name is not None and name.startswith("#") and name[1:].isdigit():
        name = name[1:]
    is_int = isinstance(target, (int, np.integer)) and not isinstance(target, bool)
    j = int(target) if is_int else int(name) if (name or "").isdigit() else -1
    if not 0 <= j < len(names):
        raise ValueError(f"target column {target!r} is not in {path}; its columns are "
                         f"{', '.join(map(repr, names))}: pass a name or #N for the 0-based "
                         "column N")
    return j


def _distinct(path, names) -> None:
    """Train and predict agree: a header naming a column twice is refused."""
    seen = {}
    for j, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{path}: the header names two columns {name!r} (columns "
                             f"{seen[name]} and {j}); give every column its own name")
        seen[name] = j


def from_csv(path, target, task: str = "auto"):
    """Features X and target y from a CSV file, with or without a header row.

    The first row is a header if it holds names where the rows below hold numbers (else
    columns are named "0", "1", ...); ``target`` is a header name, or ``"#N"`` (or an
    int, or digits naming no column) for the 0-based column N.  ``task`` "auto": a
    numeric target with a non-integer value means regression, any other holds class
    labels, numbered in sorted order (numerically if they are numbers); "regression"
    or "classification" says which.  Column names must be distinct.

    Returns
    -------
    X : (n, n_features) float64, the other columns in file order
    y : (n,) int64 labels 0..k-1, or (n,) float64 for regression
    info : dict, {"features": [names], "target": name, "target_index": 0-based column,
        "classes": [labels] or None, "task": "classification" or "regression"}
    """
    path = os.fspath(path)
    rows = _read_rows(path)
    width = len(rows[0][1])
    for line, cells in rows:
        if len(cells) != width:
            raise ValueError(f"{path}: row {line} has {len(cells)} values but row "
                             f"{rows[0][0]} has {width}; give every row {width} values")
    header = _has_header([cells for _, cells in rows], target)
    names, data = (rows[0][1], rows[1:]) if header else ([str(j) for j in range(width)], rows)
    if width == 1:
        raise ValueError(f"{path} has one column ({names[0]!r}), so no features besides "
                         f"the target {target!r}; add feature columns, separated by commas")
    if not data:
        raise ValueError(f"{path} has only a header row ({', '.join(names)}); add data rows")
    _distinct(path, names)
    t = _target_index(path, names, target)
    features = [j for j in range(width) if j != t]
    for line, cells in data:
        for j, cell in enumerate(cells):
            value = _float(cell)
            if not cell or (value is None and j != t) or not math.isfinite(value or 0):
                problem = (f"holds {cell!r}, not a finite number; make every feature a number"
                           if cell else "is empty; fill in the missing value or delete the row")
                raise ValueError(f"{path}: row {line}, column {names[j]!r} {problem}")
    X = np.array([[float(cells[j]) for j in features] for _, cells in data])  # (n, n_features)
    labels = [cells[t] for _, cells in data]
    values = [_float(s) for s in labels]
    info = {"features": [names[j] for j in features], "target": names[t], "target_index": t}
    numeric = None not in values
    if task == "regression" and not numeric:
        raise ValueError(f"{path}: target column {names[t]!r} holds "
                         f"{labels[values.index(None)]!r}, not a number; a regression target "
                         "is numbers (or set task classification)")
    if task == "regression" or task == "auto" and numeric and not all(
            v.is_integer() for v in values):
        return X, np.array(values), {**info, "classes": None, "task": "regression"}
    classes = sorted(set(labels), key=(lambda s: (float(s), s)) if numeric else None)
    if len(classes) < 2:
        raise ValueError(f"target column {names[t]!r} of {path} holds a single class "
                         f"({classes[0]!r}); pick a target with two or more labels")
    index = {label: k for k, label in enumerate(classes)}
    y = np.array([index[s] for s in labels], dtype=np.int64)  # (n,)
    return X, y, {**info, "classes": classes, "task": "classification"}
