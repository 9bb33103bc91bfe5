"""``Features``: engineered inputs computed from the raw ones, as the first brick of a network.

TensorFlow Playground's input column: besides ``x1`` and ``x2`` a network may see
``x1^2``, ``x2^2``, ``x1 x2``, ``sin x1`` and ``sin x2``.  The brick has no
parameters; it maps the raw inputs ``x`` (n_samples, n_raw) to the chosen features
(n_samples, n_features) and passes the gradient back through their derivatives, so
gradcheck and the input gradient see it like any other brick.
"""

from __future__ import annotations

import numpy as np

from .core import Brick

# name -> (raw inputs it reads, f(x1, x2), df/dx1, df/dx2); x2 is None for 1-D data.
FEATURES = {
    "x1": ((0,), lambda a, b: a, lambda a, b: np.ones_like(a), None),
    "x2": ((1,), lambda a, b: b, None, lambda a, b: np.ones_like(b)),
    "x1_sq": ((0,), lambda a, b: a * a, lambda a, b: 2.0 * a, None),
    "x2_sq": ((1,), lambda a, b: b * b, None, lambda a, b: 2.0 * b),
    "x1_x2": ((0, 1), lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
    "sin_x1": ((0,), lambda a, b: np.sin(a), lambda a, b: np.cos(a), None),
    "sin_x2": ((1,), lambda a, b: np.sin(b), None, lambda a, b: np.cos(b)),
}
LABELS = {"x1": "x₁", "x2": "x₂", "x1_sq": "x₁²", "x2_sq": "x₂²", "x1_x2": "x₁x₂",
          "sin_x1": "sin x₁", "sin_x2": "sin x₂"}  # how pages and figures name them


def check_features(names, n_raw: int | None = None) -> list[str]:
    """``names`` as a list, checked: known, no repeats, and (given ``n_raw``) computable."""
    names = list(names)
    bad = [n for n in names if n not in FEATURES]
    if bad:
        raise ValueError(f"unknown feature {bad[0]!r}; choose from {', '.join(FEATURES)}")
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"feature {twice!r} is listed twice; list each feature once")
    if not names:
        raise ValueError(f"Features needs at least one feature, from {', '.join(FEATURES)}")
    if n_raw is not None:
        needs = [n for n in names if max(FEATURES[n][0]) >= n_raw]
        if needs:
            raise ValueError(f"feature {needs[0]!r} needs x{max(FEATURES[needs[0]][0]) + 1} "
                             f"but the data has {n_raw} input column(s); drop it")
    return names


class Features(Brick):
    """Engineered inputs ``f_k(x1, x2)``: ``y[:, k] = FEATURES[names[k]](x)``.

    Local derivative: ``dL/dx_i = sum_k dL/dy_k * df_k/dx_i``, e.g. ``2 x1`` for
    ``x1_sq`` and ``cos x1`` for ``sin_x1``; no parameters.

    Parameters
    ----------
    names : list of str
        Features in output order, from ``FEATURES``: ``["x1", "x2", "x1_x2"]``.
    n_raw : int
        Raw input columns (2 for the plane, 1 for the sine set).

    Shapes: ``x`` (n_samples, n_raw) -> ``y`` (n_samples, len(names)).
    """

    def __init__(self, names, n_raw: int = 2):
        if isinstance(n_raw, bool) or not isinstance(n_raw, (int, np.integer)) or \
                not 1 <= n_raw <= 2:
            raise ValueError(f"Features n_raw must be 1 or 2 (raw input columns), got {n_raw!r}")
        self.names = check_features(names, int(n_raw))
        self.n_in, self.n_out = int(n_raw), len(self.names)
        self._x = None  # cached raw input (n_samples, n_raw)

    def _columns(self, x):
        return x[:, 0], (x[:, 1] if self.n_in > 1 else None)

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(f"{self!r} expects input of shape (n_samples, {self.n_in}), "
                             f"got {x.shape}")
        self._x = x
        a, b = self._columns(x)
        y = np.empty((x.shape[0], self.n_out), dtype=x.dtype)  # (n_samples, n_features)
        for k, name in enumerate(self.names):
            y[:, k] = FEATURES[name][1](a, b)
        return y

    def backward(self, dL_dy: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        if not input_grad:
            return None
        a, b = self._columns(self._x)
        dL_dx = np.zeros_like(self._x)  # (n_samples, n_raw)
        for k, name in enumerate(self.names):
            for i, derivative in enumerate(FEATURES[name][2:4]):
                if derivative is not None:
                    dL_dx[:, i] += dL_dy[:, k] * derivative(a, b)
        return dL_dx

    def spec(self) -> dict:
        """The brick as JSON-ready arguments (what a model file keeps)."""
        return {"type": "Features", "names": list(self.names), "n_raw": self.n_in}

    def __repr__(self) -> str:
        return f"Features({self.names!r})"
