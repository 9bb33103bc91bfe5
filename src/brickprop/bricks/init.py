"""Weight initializers: ``initialize(name, n_in, n_out, rng, dtype) -> (n_in, n_out) array``.

``article``  (2 u - 1) / sqrt(n_in), u uniform in [0, 1): the article's script, draw for draw;
``glorot``   uniform(-a, a), a = sqrt(6 / (n_in + n_out))  (Glorot & Bengio, 2010);
``he``       normal(0, sqrt(2 / n_in))                      (He et al., 2015), for ReLU;
``normal``   normal(0, 1), deliberately too large for deep nets (shows vanishing/exploding);
``zeros``    all zeros (every hidden unit stays identical: a classic mistake to watch).

An int seed gives ``article`` NumPy's legacy ``RandomState(seed)``, the generator behind the
article's ``np.random.seed(2017)``, and every other initializer a ``default_rng(seed)``
``Generator``; passed an existing generator of either kind, each draws from it.
"""

from __future__ import annotations

import numpy as np


def _article(rng, n_in, n_out):
    # 2 u - 1 from random(), not uniform(-1, 1): the article's script wrote it this way,
    # and only the same calls on a RandomState give its weights bit for bit.
    return (2.0 * rng.random((n_in, n_out)) - 1.0) / np.sqrt(n_in)


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


LEGACY = frozenset({"article"})  # initializers whose int seed means RandomState(seed)


def as_rng(rng, legacy: bool = False):
    """A generator from a seed (int), a Generator or RandomState (kept), or None (entropy).

    A seed gives ``np.random.default_rng(seed)``, or with ``legacy`` NumPy's
    ``np.random.RandomState(seed)``: the stream of ``np.random.seed(seed)`` that the
    article's script drew its weights from.
    """
    if isinstance(rng, (np.random.Generator, np.random.RandomState)):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.RandomState(rng) if legacy else np.random.default_rng(rng)
    raise TypeError("rng must be an int seed, a numpy Generator or a RandomState, got "
                    f"{type(rng).__name__}")


def initialize(name: str, n_in: int, n_out: int, rng=None, dtype=np.float64) -> np.ndarray:
    """A fresh ``(n_in, n_out)`` weight matrix drawn by the initializer ``name``."""
    try:
        draw = INITIALIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown initializer {name!r}; choose one of {', '.join(INITIALIZERS)}"
        ) from None
    return draw(as_rng(rng, legacy=name in LEGACY), n_in, n_out).astype(dtype)
