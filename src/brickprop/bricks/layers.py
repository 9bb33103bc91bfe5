"""Layers with parameters.  ``Linear``: ``z = x @ W + b``."""

from __future__ import annotations

import numpy as np

from .core import Brick, Parameter
from .init import initialize


def _product(a, b, out=None):
    """``a @ b`` for 2-D arrays (into ``out``), by the cheaper of NumPy's two ways to BLAS.

    Both give the same numbers (the same BLAS call).  ``ndarray.dot`` costs the least
    per call, which is most of a small layer's time, but it zeroes its output before
    BLAS writes it; ``np.matmul`` skips that pass, which pays from about 32 KiB of
    output on (an MNIST-sized layer's weight gradient is 784 KiB).
    """
    if a.shape[0] * b.shape[1] * a.itemsize < 32768:
        return a.dot(b, out=out)
    return np.matmul(a, b, out=out)


class Linear(Brick):
    """Affine map ``z = x @ W + b`` with ``W`` of shape (n_in, n_out), as in the article.

    Local derivatives: ``dz/dW = x`` so ``dL/dW = x.T @ dL/dz`` (n_in, n_out);
    ``dL/db = sum over samples of dL/dz`` (n_out,); ``dz/dx = W`` so
    ``dL/dx = dL/dz @ W.T`` (n_samples, n_in).

    Parameters
    ----------
    n_in, n_out : int
        Input and output features.
    bias : bool
        Whether to add ``b`` (default True).
    init : str
        Weight initializer: article, glorot, he, normal, zeros (see ``brickprop.init``).
        Biases start at zero.
    rng : int, numpy.random.Generator or numpy.random.RandomState, optional
        Seed or generator for the initializer (an int seed: see ``brickprop.init``).
    dtype : numpy dtype
        float64 (default) or float32.
    """

    def __init__(self, n_in: int, n_out: int, bias: bool = True, init: str = "article",
                 rng=None, dtype=np.float64):
        for label, n in (("n_in", n_in), ("n_out", n_out)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"Linear {label} must be a positive integer, got {n!r}")
        self.n_in, self.n_out, self.init = int(n_in), int(n_out), init
        self.W = Parameter(initialize(init, self.n_in, self.n_out, rng, dtype), "W")
        self.b = Parameter(np.zeros(self.n_out, dtype=dtype), "b") if bias else None
        self._x = None  # cached input (n_samples, n_in)
        self._ones = np.ones(0, dtype=dtype)  # (n_samples,): 1.T @ dL/dz sums over samples

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(
                f"{self!r} expects input of shape (n_samples, {self.n_in}), got {x.shape}"
            )
        self._x = x
        z = _product(x, self.W.data)  # (n_samples, n_out)
        if self.b is not None:
            z += self.b.data
        return z

    def backward(self, dL_dz: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        _product(self._x.T, dL_dz, out=self.W.grad)  # (n_in, n_out)
        if self.b is not None:
            ones = self._ones
            if ones.shape[0] != dL_dz.shape[0] or ones.dtype != dL_dz.dtype:
                ones = self._ones = np.ones(dL_dz.shape[0], dtype=dL_dz.dtype)
            # A matrix product sums a tall, narrow array several times faster than .sum(axis=0).
            ones.dot(dL_dz, out=self.b.grad)  # (n_out,)
        return _product(dL_dz, self.W.data.T) if input_grad else None  # (n_samples, n_in)

    def parameters(self) -> list[Parameter]:
        return [self.W] if self.b is None else [self.W, self.b]

    def spec(self) -> dict:
        return {**super().spec(), "n_in": self.n_in, "n_out": self.n_out,
                "bias": self.b is not None, "init": self.init}

    @classmethod
    def from_args(cls, n_in, n_out, bias=True, init="zeros"):
        return cls(n_in, n_out, bias=bias, init="zeros")  # the file's arrays replace W

    def __repr__(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        return f"{type(self).__name__}({self.n_in}, {self.n_out}{bias})"
