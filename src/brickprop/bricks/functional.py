"""The numerics every brick, prediction and plot shares, written once, NumPy only.

``sigmoid``, ``softmax``, ``log_softmax`` and ``one_hot``: each stable for any
finite input (no overflow warning, no NaN), each keeping the input's dtype.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))``, as ``(1 + tanh(z / 2)) / 2``: no overflow for any finite z."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def log_softmax(z: np.ndarray) -> np.ndarray:
    """``z_j - log(sum_k exp(z_k))`` per row of ``z`` (n_samples, n_classes), shifted by max."""
    shifted = z - z.max(axis=1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return shifted


def softmax(z: np.ndarray) -> np.ndarray:
    """``exp(z_j) / sum_k exp(z_k)`` per row of ``z`` (n_samples, n_classes), shifted by max."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


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
