"""Network builders: ``mlp`` stacks ``Linear`` and activation bricks into a ``Sequential``."""

from __future__ import annotations

import numpy as np

from .activations import activation as make_activation
from .core import Sequential
from .features import Features
from .init import LEGACY, as_rng
from .layers import Linear


def mlp(n_in: int, hidden, n_out: int, activation: str = "sigmoid",
        output: str = "sigmoid", init: str = "article", bias: bool = True,
        seed=2017, dtype=np.float64, features=None) -> Sequential:
    """A multi-layer perceptron ``n_in -> hidden[0] -> ... -> n_out``.

    ``mlp(2, [3], 2)`` is the article's network: Linear(2, 3), Sigmoid,
    Linear(3, 2), Sigmoid, with its weights (seed 2017) and zero biases.  Every hidden
    layer uses ``activation``; the last uses ``output`` ("identity" to feed logits to
    CrossEntropy).  Weights are drawn from one generator seeded by ``seed``, layer
    after layer (``article``: one legacy ``RandomState``, as the article's script drew
    W1 then W2 after ``np.random.seed(2017)``; see ``brickprop.init``).  ``features``
    (names from ``brickprop.bricks.features.FEATURES``) puts a :class:`Features` brick
    first, mapping the ``n_in`` raw inputs to those engineered inputs.
    """
    hidden = [hidden] if isinstance(hidden, (int, np.integer)) else list(hidden)
    bricks = [Features(features, n_raw=n_in)] if features else []
    sizes = [bricks[0].n_out if bricks else n_in, *hidden, n_out]
    rng = as_rng(seed, legacy=init in LEGACY)
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        bricks.append(Linear(a, b, bias=bias, init=init, rng=rng, dtype=dtype))
        bricks.append(make_activation(output if k == len(sizes) - 2 else activation))
    return Sequential(*bricks)
