"""Element-wise activations and ``Softmax``.  None has parameters.

Each caches what its derivative needs: sigmoid and tanh cache their output ``h``
(the derivative is cheapest in terms of ``h``), ReLU-like bricks cache the mask.
"""

from __future__ import annotations

import numpy as np

from .core import Brick
from .functional import softmax


class _Activation(Brick):
    keeps_shape = True
    elementwise = True
    output_range = None  # (lo, hi) of h when it is bounded

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(_Activation):
    """``h = 1 / (1 + exp(-z))``; local derivative ``dh/dz = h * (1 - h)``."""

    formula, derivative = "sigmoid({z}) = 1 / (1 + exp(-{z}))", "{h} * (1 - {h})"

    def health(self, h):
        return {"saturated": float(np.count_nonzero((h < 0.01) | (h > 0.99))) / h.size,
                "dead": float("nan")}
    output_range = (0.0, 1.0)  # what pictures of a unit's output scale to

    def forward(self, z):
        h = -z  # operators where they do: a call with out= costs more on small arrays
        np.exp(h, out=h)  # inf for z < -709, and 1 / (1 + inf) = 0 is the right limit
        h += 1.0
        np.divide(1.0, h, out=h)
        self._h = h
        return h

    def backward(self, dL_dh, input_grad=True):
        h = self._h
        dL_dz = 1.0 - h
        dL_dz *= h
        dL_dz *= dL_dh
        return dL_dz


class Tanh(_Activation):
    """``h = tanh(z)``; local derivative ``dh/dz = 1 - h**2``."""

    formula, derivative = "tanh({z})", "1 - {h}^2"

    def health(self, h):
        return {"saturated": float(np.count_nonzero(np.abs(h) > 0.99)) / h.size,
                "dead": float("nan")}
    output_range = (-1.0, 1.0)

    def forward(self, z):
        self._h = np.tanh(z)
        return self._h

    def backward(self, dL_dh, input_grad=True):
        dL_dz = np.square(self._h)
        np.subtract(1.0, dL_dz, out=dL_dz)
        dL_dz *= dL_dh
        return dL_dz


def _dead_share(h) -> float:
    """Share of units that are zero (or below) for every sample of the batch."""
    return float(np.count_nonzero((h <= 0).all(axis=0))) / h.shape[1]


class ReLU(_Activation):
    """``h = max(z, 0)``; local derivative ``dh/dz = 1 if z > 0 else 0``."""

    formula, derivative = "max({z}, 0)", "1 where {z} > 0, else 0"

    def health(self, h):
        return {"saturated": float("nan"), "dead": _dead_share(h)}

    _zeros = np.zeros(0)

    def forward(self, z):
        # The mask in z's dtype, 1 where z > 0: a product with a float mask ran 3x faster
        # than with a boolean one, which NumPy casts on the fly (NumPy 2.4, AVX2).
        self._mask = (z > 0).astype(z.dtype)
        if self._zeros.shape != z.shape or self._zeros.dtype != z.dtype:
            # np.maximum against an array of zeros ran several times faster than
            # against the scalar 0 (NumPy 2.4, AVX2).
            self._zeros = np.zeros_like(z)
        return np.maximum(z, self._zeros)

    def backward(self, dL_dh, input_grad=True):
        return dL_dh * self._mask


class LeakyReLU(_Activation):
    """``h = z if z > 0 else slope * z``; local derivative ``1`` or ``slope``."""

    formula = "{z} where {z} > 0, else {slope} * {z}"
    derivative = "1 where {z} > 0, else {slope}"

    def health(self, h):
        return {"saturated": float("nan"), "dead": _dead_share(h)}

    def spec(self):
        return {**super().spec(), "slope": self.slope}

    def __init__(self, slope: float = 0.01):
        if not 0.0 <= slope < 1.0:
            raise ValueError(f"LeakyReLU slope must be in [0, 1), got {slope!r}")
        self.slope = float(slope)

    def forward(self, z):
        self._mask = z > 0
        return np.where(self._mask, z, self.slope * z)

    def backward(self, dL_dh, input_grad=True):
        return np.where(self._mask, dL_dh, self.slope * dL_dh)

    def __repr__(self) -> str:
        return f"LeakyReLU(slope={self.slope})"


class Identity(_Activation):
    """``h = z``; local derivative ``1`` (a linear output, e.g. for regression)."""

    formula, derivative = "{z}", "1"

    def forward(self, z):
        return z

    def backward(self, dL_dh, input_grad=True):
        return dL_dh


class Softmax(_Activation):
    """``h_j = exp(z_j) / sum_k exp(z_k)`` per sample (shifted by max z for stability).

    Local derivative (Jacobian per sample) ``dh_j/dz_k = h_j (delta_jk - h_k)``, so
    ``dL/dz = h * (dL/dh - sum_k dL/dh_k h_k)``.  To train a classifier prefer
    raw logits with ``CrossEntropy``, which fuses softmax and log into one stable brick.
    """

    elementwise = False  # a full Jacobian per sample: no local derivative to print
    formula = "softmax({z})"

    def forward(self, z):
        self._h = softmax(z)
        return self._h

    def backward(self, dL_dh, input_grad=True):
        h = self._h
        dL_dz = dL_dh - np.sum(dL_dh * h, axis=1, keepdims=True)  # (n_samples, n_classes)
        dL_dz *= h
        return dL_dz


ACTIVATIONS = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky-relu": LeakyReLU,
    "identity": Identity,
    "softmax": Softmax,
}


def activation(name: str) -> Brick:
    """A fresh activation brick by name (sigmoid, tanh, relu, leaky-relu, identity, softmax)."""
    try:
        return ACTIVATIONS[name]()
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}"
        ) from None
