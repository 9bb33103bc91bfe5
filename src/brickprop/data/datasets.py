"""Data sets: the article's XOR, toy 2-D problems, regression curves, CSV files.

Every generator takes ``n`` and ``seed`` and returns ``X`` (n, n_features) float64
and ``y`` (n,): integer labels 0..k-1 (balanced but for xor), floats for ``REGRESSION``.
``xor`` draws from NumPy's legacy ``RandomState`` as the article did, the others ``default_rng``.
"""

from __future__ import annotations

import csv
import inspect
import math
import os

import numpy as np

from .._checks import check_int, check_number
from ..bricks.functional import one_hot  # noqa: F401  (bp.datasets.one_hot)
from . import _fastcsv
from ._fastcsv import _float
from .standardizer import Standardizer  # noqa: F401  (its home was here; predict imports it)


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


def _read_rows(path: str):
    """The non-blank rows of a CSV file, one at a time, as (line number, stripped cells).

    A missing, unreadable or empty file raises its one-line error when it is met.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            empty = True
            for row in reader:
                cells = [c.strip() for c in row]
                if any(cells):
                    empty = False
                    yield reader.line_num, cells
    except FileNotFoundError:
        raise FileNotFoundError(f"CSV file {path} does not exist; check the path "
                                f"(relative paths start at {os.getcwd()})") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"cannot read {path} as CSV ({e}); save it as UTF-8 text") from None
    if empty:
        raise ValueError(f"{path} is empty; write rows of comma-separated values into it")


def _scan(path: str, numeric: bool = False):
    """The careful reader's first pass: ``(first line number, first row, n_rows, numeric)``.

    It reads the whole file, holding one row at a time, so that a read error anywhere
    is told first; then a row whose length differs from the first row's.  ``numeric``
    (when asked for, else None): for each column, whether every cell below the first
    row is a number or blank.
    """
    rows = _read_rows(path)
    first_line, first = next(rows)
    columns = [True] * len(first) if numeric else None
    n_rows, ragged = 1, None
    for line, cells in rows:
        n_rows += 1
        if len(cells) != len(first):
            ragged = ragged or (line, len(cells))
        elif columns is not None and not ragged:
            columns = [ok and (not c or _float(c) is not None) for ok, c in zip(columns, cells)]
    if ragged:
        raise ValueError(f"{path}: row {ragged[0]} has {ragged[1]} values but row "
                         f"{first_line} has {len(first)}; give every row {len(first)} values")
    return first_line, first, n_rows, columns


def _changed(path: str) -> ValueError:
    return ValueError(f"{path} changed while it was being read; read it again")


def _has_header(first, numeric, target) -> bool:
    """The first row is a header if it names the target or has only words in numeric columns."""
    words = [_float(cell) is None for cell, ok in zip(first, numeric) if ok]
    named = isinstance(target, str) and target.strip() in first and (
        _float(target) is None or any(words))  # "1" names a column only beside words
    return named or (any(words) and all(words))


def _listed(names, most: int = 8) -> str:
    """``'a', 'b', 'c'``; a longer list than ``most`` is cut to its first and last names."""
    if len(names) <= most:
        return ", ".join(map(repr, names))
    return ", ".join([*map(repr, names[:most - 2]), "...", repr(names[-1])]) + \
        f" ({len(names)} in all)"


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
                         f"{_listed(names)}: pass a name or #N for the 0-based column N")
    return j


def _distinct(path, names) -> None:
    """Train and predict agree: a header naming a column twice is refused."""
    seen = {}
    for j, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{path}: the header names two columns {name!r} (columns "
                             f"{seen[name]} and {j}); give every column its own name")
        seen[name] = j


def from_csv(path, target, task: str = "auto", dtype=np.float64):
    """Features X and target y from a CSV file, with or without a header row.

    The first row is a header if it holds names where the rows below hold numbers (else
    columns are named "0", "1", ...); ``target`` is a header name, or ``"#N"`` (or an
    int, or digits naming no column) for the 0-based column N.  ``task`` "auto": a
    numeric target with a non-integer value means regression, any other holds class
    labels, numbered in sorted order (numerically if they are numbers); "regression"
    or "classification" says which.  Column names must be distinct.  A valid file is
    read by NumPy's C reader (``_fastcsv``); the row-by-row reader below reads it only
    when that fails, to name the row and column at fault.

    Returns
    -------
    X : (n, n_features) ``dtype`` (float64, or float32 for half the memory), the other
        columns in file order
    y : (n,) int64 labels 0..k-1, or (n,) float64 for regression
    info : dict, {"features": [names], "target": name, "target_index": 0-based column,
        "classes": [labels] or None, "task": "classification" or "regression"}
    """
    path = os.fspath(path)
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"from_csv: dtype must be a float type (np.float32 or np.float64), "
                         f"got {np.dtype(dtype)}")
    def target_index(names):  # the careful reader's checks, in its order
        _distinct(path, names)
        return _target_index(path, names, target)

    fast = _fastcsv.training_data(path, target, target_index, dtype)  # None: row by row
    if fast is not None:
        return _with_target(path, *fast, task=task)
    _, first, n_rows, numeric = _scan(path, numeric=True)  # one row in memory at a time
    width = len(first)
    header = _has_header(first, numeric, target)
    names = first if header else [str(j) for j in range(width)]
    if width == 1:
        raise ValueError(f"{path} has one column ({names[0]!r}), so no features besides "
                         f"the target {target!r}; add feature columns, separated by commas")
    if n_rows == header:
        raise ValueError(f"{path} has only a header row ({', '.join(names)}); add data rows")
    _distinct(path, names)
    t = _target_index(path, names, target)
    X = np.empty((n_rows - header, width - 1), dtype)  # (n, n_features)
    distinct: dict = {}  # target cell -> its number, in order of appearance
    codes = np.empty(len(X), np.int64)
    rows = _read_rows(path)
    if header:
        next(rows)
    i = -1
    for i, (line, cells) in enumerate(rows):
        if i >= len(X) or len(cells) != width:
            raise _changed(path)
        for j, cell in enumerate(cells):
            value = _float(cell)
            if not cell or (value is None and j != t) or not math.isfinite(value or 0):
                problem = (f"holds {cell!r}, not a finite number; make every feature a number"
                           if cell else "is empty; fill in the missing value or delete the row")
                raise ValueError(f"{path}: row {line}, column {names[j]!r} {problem}")
        X[i] = [float(cell) for j, cell in enumerate(cells) if j != t]
        codes[i] = distinct.setdefault(cells[t], len(distinct))
    if i + 1 != len(X):
        raise _changed(path)
    return _with_target(path, X, names, t, codes, list(distinct), task=task)


def _with_target(path, X, names, t, codes, cells, task="auto"):
    """``from_csv``'s result from X and the target column: row i holds ``cells[codes[i]]``."""
    _distinct(path, names)  # the fast path may take an integer target without the names
    values = [_float(s) for s in cells]
    info = {"features": names[:t] + names[t + 1:], "target": names[t], "target_index": t}
    numeric = None not in values
    if task == "regression" and not numeric:
        raise ValueError(f"{path}: target column {names[t]!r} holds "
                         f"{cells[values.index(None)]!r}, not a number; a regression target "
                         "is numbers (or set task classification)")
    if task == "regression" or task == "auto" and numeric and not all(
            v.is_integer() for v in values):
        return X, np.array(values)[codes], {**info, "classes": None, "task": "regression"}
    classes = sorted(cells, key=(lambda s: (float(s), s)) if numeric else None)
    if len(classes) < 2:
        raise ValueError(f"target column {names[t]!r} of {path} holds a single class "
                         f"({classes[0]!r}); pick a target with two or more labels")
    rank = {label: k for k, label in enumerate(classes)}
    y = np.array([rank[c] for c in cells], dtype=np.int64)[codes]  # (n,)
    return X, y, {**info, "classes": classes, "task": "classification"}
