"""Data sets: the article's XOR, and helpers to shape targets.

Every generator takes ``n`` and ``seed`` and returns ``X`` (n, n_features) float64
and integer labels ``y`` (n,); ``one_hot(y)`` turns labels into the
(n, n_classes) targets that MSE needs.
"""

from __future__ import annotations

import numpy as np


def xor(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The article's data: ``n`` standard-normal 2-D points, label 1 where the signs differ.

    Returns
    -------
    X : (n, 2) float64
    y : (n,) int, ``(x1 > 0) xor (x2 > 0)``
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"xor needs a positive number of points n, got {n!r}")
    X = np.random.default_rng(seed).standard_normal((n, 2))
    y = np.logical_xor(X[:, 0] > 0, X[:, 1] > 0).astype(np.int64)
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


DATASETS = {"xor": xor}
