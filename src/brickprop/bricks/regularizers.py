"""Weight penalties, added to the data loss; they act on weight matrices, never biases.

``N`` is the number of samples in the batch, so the penalty shrinks with the data
term when batches grow, as in the article.  ``penalty(params, n_samples) -> float``
and ``backward(params, n_samples)`` *adds* its gradient to each weight's ``grad``
(the data gradient is already there).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


def _weights(params):
    """The weight matrices among ``params`` (biases are never penalized)."""
    return [p for p in params if p.data.ndim == 2]


def _check_lam(name, lam):
    lam = float(lam)
    if not lam >= 0.0 or not np.isfinite(lam):
        raise ValueError(f"{name} strength must be a finite number >= 0, got {lam!r}")
    return lam


class Regularizer(ABC):
    """Base of the weight penalties: ``penalty`` and a ``backward`` that adds its gradient.

    ``formula`` is the penalty over every weight matrix W and ``derivative`` its
    gradient for one matrix ``{W}`` (what ``explain`` prints).
    """

    formula: str = ""
    derivative: str = ""

    @abstractmethod
    def penalty(self, params, n_samples: int) -> float:
        """The penalty of the weight matrices among ``params`` for a batch of ``n_samples``."""

    @abstractmethod
    def backward(self, params, n_samples: int) -> None:
        """Add the penalty's gradient to each weight matrix's ``grad``."""

    def formulas(self, W: str = "W") -> tuple[str, str]:
        return self.formula, self.derivative.format(W=W)


class L2(Regularizer):
    """Ridge: penalty ``lam * sum(W**2) / (2 N)``, gradient ``lam * W / N``."""

    formula, derivative = "lam * sum(W^2) / 2N", "lam * {W} / N"

    def __init__(self, lam: float = 1e-4):
        self.lam = _check_lam("L2", lam)

    def penalty(self, params, n_samples: int) -> float:
        # the filter of _weights written in place: this runs every step
        return self.lam * sum([float(np.vdot(W.data, W.data)) for W in params
                               if W.data.ndim == 2]) / (2 * n_samples)

    def backward(self, params, n_samples: int) -> None:
        scale = self.lam / n_samples
        for W in params:
            if W.data.ndim == 2:  # weights only, as _weights
                W.grad += scale * W.data

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.lam:g})"


class L1(Regularizer):
    """Lasso: penalty ``lam * sum(|W|) / N``, gradient ``lam * sign(W) / N``."""

    formula, derivative = "lam * sum(|W|) / N", "lam * sign({W}) / N"

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


class ElasticNet(Regularizer):
    """The sum of an ``L1(l1)`` and an ``L2(l2)`` penalty."""

    formula = "l1 * sum(|W|) / N + l2 * sum(W^2) / 2N"
    derivative = "l1 * sign({W}) / N + l2 * {W} / N"

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.parts = [L1(l1), L2(l2)]

    def penalty(self, params, n_samples: int) -> float:
        return sum(r.penalty(params, n_samples) for r in self.parts)

    def backward(self, params, n_samples: int) -> None:
        for r in self.parts:
            r.backward(params, n_samples)

    def __repr__(self) -> str:
        return f"ElasticNet(l1={self.parts[0].lam:g}, l2={self.parts[1].lam:g})"
