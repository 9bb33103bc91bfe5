"""Losses: ``forward(pred, target) -> float`` and ``backward() -> dL/dpred``.

Each averages over the ``n_samples`` rows of the batch, so the gradient carries
the ``1/N`` of the loss (the factor the article's script forgot).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from .functional import log_softmax


class Loss(ABC):
    """Base class: a scalar loss of predictions (n_samples, n_out) against targets."""

    #: Predictions above this count as the positive class for a single output.
    threshold = 0.5
    #: The loss and its derivative dL/dpred, ``{h}`` the network's output (``explain``).
    formula: str = ""
    derivative: str = ""

    @abstractmethod
    def forward(self, pred, target) -> float:
        """The loss of ``pred`` (n_samples, n_out) against ``target``; caches for backward."""

    @abstractmethod
    def backward(self) -> np.ndarray:
        """``dL/dpred`` (n_samples, n_out) of the last ``forward``."""

    def formulas(self, h: str = "h") -> tuple[str, str]:
        """``(loss formula, dL/dpred)`` written with the output's name ``h``."""
        return (self.formula or f"{type(self).__name__}({{h}}, y)").format(h=h), \
            self.derivative.format(h=h)

    def __call__(self, pred, target) -> float:
        return self.forward(pred, target)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSE(Loss):
    """The article's squared error: ``L = sum((pred - target)**2) / (2 N)``.

    Derivative: ``dL/dpred = (pred - target) / N``, shape (n_samples, n_out).
    """

    formula, derivative = "sum(({h} - y)^2) / 2N", "({h} - y) / N"

    def forward(self, pred, target):
        self._diff = diff = pred - target  # (n_samples, n_out)
        return float(np.vdot(diff, diff)) / (2 * pred.shape[0])

    def backward(self):
        return self._diff * (1.0 / self._diff.shape[0])  # (n_samples, n_out)


def _as_one_hot(target, n_classes, dtype):
    target = np.asarray(target)
    if target.ndim == 1 or target.shape[1:] == (1,) and n_classes > 1:
        labels = target.reshape(-1).astype(np.intp)
        one_hot = np.zeros((labels.size, n_classes), dtype=dtype)
        one_hot[np.arange(labels.size), labels] = 1
        return one_hot
    return target


class CrossEntropy(Loss):
    """Softmax cross-entropy on logits: ``L = -sum(y * log_softmax(z)) / N``.

    ``target`` is one-hot (n_samples, n_classes) or integer labels (n_samples,).
    Fused for stability: ``dL/dz = (softmax(z) - y) / N``.
    """

    formula, derivative = "-sum(y * log_softmax({h})) / N", "(softmax({h}) - y) / N"

    threshold = 0.0

    def forward(self, logits, target):
        y = _as_one_hot(target, logits.shape[1], logits.dtype)
        log_p = log_softmax(logits)  # (n_samples, n_classes)
        self._y, self._log_p = y, log_p
        return -float(np.vdot(y, log_p)) / logits.shape[0]

    def backward(self):
        dL_dz = np.exp(self._log_p)
        dL_dz -= self._y
        dL_dz /= dL_dz.shape[0]
        return dL_dz


class BinaryCrossEntropy(Loss):
    """Sigmoid cross-entropy on logits, summed over outputs and averaged over samples.

    ``L = sum(softplus(z) - y * z) / N`` (equal to ``-y log s - (1-y) log(1-s)`` with
    ``s = sigmoid(z)``, computed without overflow); ``dL/dz = (sigmoid(z) - y) / N``.
    """

    formula, derivative = "sum(softplus({h}) - y * {h}) / N", "(sigmoid({h}) - y) / N"

    threshold = 0.0

    def forward(self, logits, target):
        target = np.asarray(target, dtype=logits.dtype).reshape(logits.shape)
        self._z, self._y = logits, target
        softplus = np.logaddexp(0.0, logits)  # log(1 + exp(z)), stable
        return float(np.sum(softplus - target * logits)) / logits.shape[0]

    def backward(self):
        z = self._z
        s = np.exp(-np.logaddexp(0.0, -z))  # sigmoid(z) without overflow
        s -= self._y
        s /= z.shape[0]
        return s


LOSSES = {"mse": MSE, "cross-entropy": CrossEntropy, "binary-cross-entropy": BinaryCrossEntropy}


def loss_by_name(name: str) -> Loss:
    """A loss by name: mse, cross-entropy, binary-cross-entropy."""
    try:
        return LOSSES[name]()
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None
