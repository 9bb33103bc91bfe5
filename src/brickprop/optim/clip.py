"""Gradient clipping, in place on ``p.grad``, as ``torch.nn.utils.clip_grad_*_``.

Call it between ``net.backward`` and ``opt.step()``: it is one remedy for exploding
gradients (a better-scaled initialization or a smaller learning rate are others).
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_number


def _grads(params, caller):
    params = [params] if hasattr(params, "grad") else list(params)
    for i, p in enumerate(params):
        if not hasattr(p, "grad"):
            raise ValueError(f"{caller} takes Parameters (pass net.parameters()); "
                             f"item {i} is a {type(p).__name__}")
    return [p.grad for p in params if p.grad is not None]


def clip_grad_norm(params, max_norm, error_if_nonfinite=False) -> float:
    """Rescale all gradients together so their global L2 norm is at most ``max_norm``.

    ``total = sqrt(sum_p sum(p.grad**2))``; when ``c = max_norm / (total + 1e-6)`` is
    below 1 every ``p.grad`` is multiplied by ``c`` (the direction is kept).  Returns
    ``total``, measured before clipping.  An infinite total zeroes the finite gradients
    (and turns infinite ones into NaN), as in PyTorch; a NaN total leaves the gradients
    as they are (PyTorch makes them all NaN), so the faulty one can still be found.  With
    ``error_if_nonfinite=True`` either raises ``FloatingPointError`` instead.
    """
    max_norm = check_number("max_norm", max_norm, low_open=True)
    grads = _grads(params, "clip_grad_norm")
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if error_if_nonfinite and not math.isfinite(total):
        raise FloatingPointError(f"the total gradient norm is {total}; some gradient holds a "
                                 "NaN or an infinity, so it cannot be clipped")
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        with np.errstate(invalid="ignore"):  # inf * 0 = NaN is the documented outcome
            for g in grads:
                g *= coef
    return total


def clip_grad_value(params, clip_value) -> None:
    """Clip every gradient entry to ``[-clip_value, clip_value]`` in place."""
    clip_value = check_number("clip_value", clip_value, low_open=True)
    for g in _grads(params, "clip_grad_value"):
        np.clip(g, -clip_value, clip_value, out=g)
