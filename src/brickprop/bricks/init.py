"""Weight initializers: ``initialize(name, n_in, n_out, rng, dtype) -> (n_in, n_out) array``.

``article``  uniform(-1, 1) / sqrt(n_in), the scale used by the article's script;
``glorot``   uniform(-a, a), a = sqrt(6 / (n_in + n_out))  (Glorot & Bengio, 2010);
``he``       normal(0, sqrt(2 / n_in))                      (He et al., 2015), for ReLU;
``normal``   normal(0, 1), deliberately too large for deep nets (shows vanishing/exploding);
``zeros``    all zeros (every hidden unit stays identical: a classic mistake to watch).
"""

from __future__ import annotations

import numpy as np


def _article(rng, n_in, n_out):
    return rng.uniform(-1.0, 1.0, size=(n_in, n_out)) / np.sqrt(n_in)


def _glorot(rng, n_in, n_out):
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out))


def _he(rng, n_in, n_out):
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


def _normal(rng, n_in, n_out):
    return rng.normal(0.0, 1.0, size=(n_in, n_out))


def _zeros(rng, n_in, n_out):
    return np.zeros((n_in, n_out))


INITIALIZERS = {
    "article": _article,
    "glorot": _glorot,
    "he": _he,
    "normal": _normal,
    "zeros": _zeros,
}


def as_rng(rng) -> np.random.Generator:
    """An ``np.random.Generator`` from a seed (int), a Generator, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be an int seed or a numpy Generator, got {type(rng).__name__}")


def initialize(name: str, n_in: int, n_out: int, rng=None, dtype=np.float64) -> np.ndarray:
    """A fresh ``(n_in, n_out)`` weight matrix drawn by the initializer ``name``."""
    try:
        draw = INITIALIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown initializer {name!r}; choose one of {', '.join(INITIALIZERS)}"
        ) from None
    return draw(as_rng(rng), n_in, n_out).astype(dtype)
