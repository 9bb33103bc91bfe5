"""Optimizers with PyTorch's names, arguments and update rules.

``opt.step()`` updates every ``p.data`` in place from ``p.grad``.  ``lr`` is a float
or a schedule: any callable ``step -> lr`` (see ``brickprop.schedules``), called
with the number of steps taken so far (0 for the first).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


def _check_number(name, value, low=0.0, low_inclusive=True, high=None):
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    ok = ok and np.isfinite(value) and (value >= low if low_inclusive else value > low)
    ok = ok and (high is None or value < high)
    if not ok:
        bound = f"{'>=' if low_inclusive else '>'} {low:g}" + (f" and < {high:g}" if high else "")
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return float(value)


class Optimizer(ABC):
    """Base class: holds the parameters, the step count and the learning rate."""

    def __init__(self, params, lr):
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got no parameters; pass net.parameters()")
        if not callable(lr):
            lr = _check_number("learning rate", lr, low_inclusive=False)
        self.lr = lr
        self.t = 0  # steps taken
        self.state = [{} for _ in self.params]

    def current_lr(self) -> float:
        """The learning rate the next ``step()`` will use."""
        return float(self.lr(self.t)) if callable(self.lr) else self.lr

    def step(self) -> None:
        lr = self.current_lr()
        for p, state in zip(self.params, self.state):
            self._update(p, state, lr)
        self.t += 1

    @abstractmethod
    def _update(self, p, state, lr):
        """Update one parameter in place from its gradient with learning rate ``lr``."""


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``.

    ``g = grad + weight_decay * p``; with momentum ``mu``:
    ``v = mu * v + (1 - dampening) * g`` (``v = g`` on the first step), then
    ``g = g + mu * v`` (nesterov) or ``g = v``; finally ``p -= lr * g``.
    """

    def __init__(self, params, lr=0.1, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum = _check_number("momentum", momentum)
        self.dampening = _check_number("dampening", dampening)
        self.weight_decay = _check_number("weight_decay", weight_decay)
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("nesterov needs momentum > 0 and dampening = 0")
        self.nesterov = bool(nesterov)

    def _update(self, p, state, lr):
        g = p.grad
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.momentum:
            v = state.get("momentum_buffer")
            if v is None:
                v = state["momentum_buffer"] = g.copy()
            else:
                v *= self.momentum
                v += (1.0 - self.dampening) * g
            g = g + self.momentum * v if self.nesterov else v
        scratch = state.get("scratch")
        if scratch is None or scratch.shape != g.shape:
            scratch = state["scratch"] = np.empty_like(p.data)
        np.multiply(g, lr, out=scratch)  # no fresh temporary on the hot path
        p.data -= scratch
