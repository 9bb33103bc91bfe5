"""Per-step metrics that ``fit`` records and the plots draw: class labels, accuracy, R^2."""

from __future__ import annotations

import math

import numpy as np


def labels_of(Y) -> np.ndarray:
    """Class labels (n_samples,) of one-hot or single-column 0/1 targets."""
    return Y.argmax(axis=1) if Y.shape[1] > 1 else (Y[:, 0] > 0.5).astype(np.intp)


def r2(pred, Y) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` over all outputs."""
    total = float(np.sum((Y - Y.mean(axis=0)) ** 2))
    return 1.0 - float(np.sum((pred - Y) ** 2)) / total if total > 0 else math.nan


def accuracy(pred, labels, threshold: float = 0.5) -> float:
    """Share of rows whose predicted class equals ``labels``."""
    guess = pred.argmax(axis=1) if pred.shape[1] > 1 else pred[:, 0] > threshold
    return float(np.count_nonzero(guess == labels)) / labels.shape[0]
