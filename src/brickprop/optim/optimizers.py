"""Optimizers with PyTorch's names, arguments and update rules.

``opt.step()`` updates every ``p.data`` in place from ``p.grad`` (left unchanged); ``lr`` is
a float or a schedule ``step -> lr`` (``brickprop.schedules``) called with the number of
steps taken so far, ``opt.t``.  ``opt.state[i]`` holds parameter ``i``'s state (``_`` keys
are scratch buffers); ``state_dict()`` and ``load_state_dict()`` save and restore it.

Every update rule is element-wise, so an optimizer gathers its parameters into one flat
array (``flatten``): each ``p.data``, ``p.grad`` and state array becomes a view of a slice
of a flat one, and a step is one pass of the rule over the flat arrays, a few NumPy calls
however many parameters the network has.
"""

from __future__ import annotations

import functools

import numpy as np

from .base import Optimizer


def _buffer(state, key, like):
    """The scratch array ``state[key]``, (re)allocated to match ``like``."""
    buf = state.get(key)
    if buf is None or buf.shape != like.shape or buf.dtype != like.dtype:
        buf = state[key] = np.empty_like(like)
    return buf


def _decayed_grad(p, state, weight_decay):
    """``p.grad + weight_decay * p.data`` (PyTorch's coupled L2 term), in a scratch buffer."""
    if not weight_decay:
        return p.grad
    g = np.multiply(p.data, weight_decay, out=_buffer(state, "_g", p.data))
    g += p.grad
    return g


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``.

    ``g = grad + weight_decay * p``; with momentum ``mu``:
    ``v = mu * v + (1 - dampening) * g`` (``v = g`` on the first step), then
    ``g = g + mu * v`` (nesterov) or ``g = v``; finally ``p -= lr * g``.
    """

    def __init__(self, params, lr=0.1, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0):
        super().__init__(params, lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                         weight_decay=weight_decay)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening = 0")

    def _state_keys(self):
        return {"momentum_buffer"} if self.momentum else set()

    def _update(self, p, state, lr):
        s = _buffer(state, "_s", p.data)
        if not (self.momentum or self.weight_decay):  # plain SGD: p -= lr * grad
            p.data -= np.multiply(p.grad, lr, out=s)
            return
        g = _decayed_grad(p, state, self.weight_decay)
        if self.momentum:
            v = state["momentum_buffer"]
            if self.t == 0:
                np.copyto(v, g)
            else:
                v *= self.momentum
                v += g if not self.dampening else np.multiply(g, 1.0 - self.dampening, out=s)
            g = np.add(g, np.multiply(v, self.momentum, out=s), out=s) if self.nesterov else v
        p.data -= np.multiply(g, lr, out=s)


class RMSProp(Optimizer):
    """RMSProp, as ``torch.optim.RMSprop``.

    ``g = grad + weight_decay * p``; ``s = alpha * s + (1 - alpha) * g**2``;
    ``d = sqrt(s) + eps``, or ``sqrt(s - m**2) + eps`` with ``m = alpha * m + (1 - alpha) * g``
    (centered); then ``p -= lr * g / d``, or with momentum ``mu``: ``b = mu * b + g / d``
    (``b`` starts at 0) and ``p -= lr * b``.
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        super().__init__(params, lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                         momentum=momentum, centered=centered)

    def _state_keys(self):
        return ({"square_avg"} | ({"grad_avg"} if self.centered else set())
                | ({"momentum_buffer"} if self.momentum else set()))

    def _update(self, p, state, lr):
        g = _decayed_grad(p, state, self.weight_decay)
        s, a = _buffer(state, "_s", p.data), self.alpha
        sq = state["square_avg"]
        sq *= a
        sq += np.multiply(np.multiply(g, g, out=s), 1.0 - a, out=s)
        if self.centered:
            m = state["grad_avg"]
            m += np.multiply(np.subtract(g, m, out=s), 1.0 - a, out=s)
            np.sqrt(np.subtract(sq, np.multiply(m, m, out=s), out=s), out=s)
        else:
            np.sqrt(sq, out=s)
        s += self.eps
        np.divide(g, s, out=s)  # (n_in, n_out) step direction g / d
        if self.momentum:
            b = state["momentum_buffer"]
            b *= self.momentum
            s = np.add(b, s, out=s)
            np.copyto(b, s)
        p.data -= np.multiply(s, lr, out=s)


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (``amsgrad`` included).

    ``g = grad + weight_decay * p``; ``m = b1 * m + (1 - b1) * g``;
    ``v = b2 * v + (1 - b2) * g**2`` (amsgrad: ``v_max = max(v_max, v)`` replaces ``v``
    below); at step ``k = t + 1``:
    ``p -= lr / (1 - b1**k) * m / (sqrt(v) / sqrt(1 - b2**k) + eps)``.
    """

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False):
        super().__init__(params, lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)

    def _state_keys(self):
        return {"exp_avg", "exp_avg_sq"} | ({"max_exp_avg_sq"} if self.amsgrad else set())

    def _update(self, p, state, lr):
        if self.decoupled and self.weight_decay:
            p.data *= 1.0 - lr * self.weight_decay
        g = p.grad if self.decoupled else _decayed_grad(p, state, self.weight_decay)
        s, (b1, b2), k = _buffer(state, "_s", p.data), self.betas, self.t + 1
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += np.multiply(np.subtract(g, m, out=s), 1.0 - b1, out=s)  # PyTorch's lerp
        v *= b2
        v += np.multiply(np.multiply(g, g, out=s), 1.0 - b2, out=s)
        if self.amsgrad:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        np.sqrt(v, out=s)
        s /= (1.0 - b2**k) ** 0.5
        s += self.eps
        np.divide(m, s, out=s)
        s *= lr / (1.0 - b1**k)
        p.data -= s


class AdamW(Adam):
    """AdamW, as ``torch.optim.AdamW``: ``p *= 1 - lr * weight_decay``, then Adam on ``grad``."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
                 amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


OPTIMIZERS = {
    "sgd": SGD,
    "momentum": functools.partial(SGD, momentum=0.9),
    "nesterov": functools.partial(SGD, momentum=0.9, nesterov=True),
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
}


def make_optimizer(name: str, params, lr=None, **kw) -> Optimizer:
    """``OPTIMIZERS[name](params, lr=lr, **kw)``; ``lr=None`` keeps the optimizer's default.

    ``"momentum"`` is SGD with ``momentum=0.9``, ``"nesterov"`` adds ``nesterov=True``.
    """
    factory = OPTIMIZERS.get(name.lower()) if isinstance(name, str) else None
    if factory is None:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    return factory(params, **kw) if lr is None else factory(params, lr=lr, **kw)
