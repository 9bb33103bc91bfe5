"""Weight penalties, added to the data loss; they act on weight matrices, never biases.

``N`` is the number of samples in the batch, so the penalty shrinks with the data
term when batches grow, as in the article.  ``penalty(params, n_samples) -> float``
and ``backward(params, n_samples)`` *adds* its gradient to each weight's ``grad``
(the data gradient is already there).
"""

from __future__ import annotations

import numpy as np


def _weights(params):
    return [p for p in params if p.data.ndim == 2]


def _check_lam(name, lam):
    lam = float(lam)
    if not lam >= 0.0 or not np.isfinite(lam):
        raise ValueError(f"{name} strength must be a finite number >= 0, got {lam!r}")
    return lam


class L2:
    """Ridge: penalty ``lam * sum(W**2) / (2 N)``, gradient ``lam * W / N``."""

    def __init__(self, lam: float = 1e-4):
        self.lam = _check_lam("L2", lam)

    def penalty(self, params, n_samples: int) -> float:
        return self.lam * sum(float(np.vdot(W.data, W.data)) for W in _weights(params)) / (
            2 * n_samples)

    def backward(self, params, n_samples: int) -> None:
        scale = self.lam / n_samples
        for W in _weights(params):
            W.grad += scale * W.data

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.lam:g})"


class L1:
    """Lasso: penalty ``lam * sum(|W|) / N``, gradient ``lam * sign(W) / N``."""

    def __init__(self, lam: float = 1e-4):
        self.lam = _check_lam("L1", lam)

    def penalty(self, params, n_samples: int) -> float:
        return self.lam * sum(float(np.abs(W.data).sum()) for W in _weights(params)) / n_samples

    def backward(self, params, n_samples: int) -> None:
        scale = self.lam / n_samples
        for W in _weights(params):
            W.grad += scale * np.sign(W.data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.lam:g})"


class ElasticNet:
    """The sum of an ``L1(l1)`` and an ``L2(l2)`` penalty."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.parts = [L1(l1), L2(l2)]

    def penalty(self, params, n_samples: int) -> float:
        return sum(r.penalty(params, n_samples) for r in self.parts)

    def backward(self, params, n_samples: int) -> None:
        for r in self.parts:
            r.backward(params, n_samples)

    def __repr__(self) -> str:
        return f"ElasticNet(l1={self.parts[0].lam:g}, l2={self.parts[1].lam:g})"
