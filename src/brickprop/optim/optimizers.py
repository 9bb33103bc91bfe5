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
import math
from abc import ABC, abstractmethod

import numpy as np

from .._checks import check_int, check_number
from ._flat import flatten, spans

# hyper-parameter -> allowed interval (low, high, low_open, high_open), or bool for a flag
_RULES = {
    "momentum": (0.0, 1.0, False, True), "dampening": (0.0, 1.0, False, False),
    "alpha": (0.0, 1.0, False, True), "betas": (0.0, 1.0, False, True),
    "eps": (0.0, math.inf, True, True), "weight_decay": (0.0, math.inf, False, True),
    "nesterov": bool, "centered": bool, "amsgrad": bool,
}


def _check_hyper(name, value):
    """``value`` if it obeys ``_RULES[name]`` (as a float, bool or pair), else raise."""
    rule = _RULES[name]
    if rule is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, got {value!r}")
        return bool(value)
    if name != "betas":
        return check_number(name, value, *rule)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {value!r}")
    return tuple(check_number(f"betas[{i}]", b, *rule) for i, b in enumerate(value))


def _plain(value):
    """A saved value as a Python number, bool, str or tuple (undoes ``np.savez``)."""
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else tuple(value.tolist())
    return value.item() if isinstance(value, np.generic) else value


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


class Optimizer(ABC):
    """Base class: parameters, learning rate, step count ``t`` and per-parameter ``state``.

    Subclasses pass hyper-parameters by name (checked against ``_RULES``), name the state
    arrays they keep in ``_state_keys()`` and update one parameter in ``_update()``; ``step``
    calls ``_update`` once on all the parameters gathered flat (``flatten``), or once per
    parameter when something has replaced a parameter's arrays since.
    """

    def __init__(self, params, lr, **hyper):
        self.params = [params] if hasattr(params, "grad") else list(params)
        if not self.params:
            raise ValueError("optimizer got no parameters; pass net.parameters()")
        for i, p in enumerate(self.params):
            if not isinstance(getattr(p, "data", None), np.ndarray):
                raise ValueError(f"optimizer params must be Parameters (pass net.parameters()); "
                                 f"item {i} is a {type(p).__name__}")
        self.lr = lr if callable(lr) else check_number("lr", lr, low_open=True)
        self.hyper = tuple(hyper)
        for k, v in hyper.items():
            setattr(self, k, _check_hyper(k, v))
        self.t, self.state = 0, [{} for _ in self.params]  # steps taken, per-parameter state
        self.flat, self.flat_state = flatten(self.params), {}

    def current_lr(self) -> float:
        """The learning rate the next ``step()`` will use."""
        return float(self.lr(self.t)) if callable(self.lr) else self.lr

    def step(self) -> None:
        lr = self.current_lr()
        if self.t == 0:  # PyTorch creates the state on the first step
            for p, state in zip(self.params, self.state):
                state.update({k: np.zeros_like(p.data) for k in self._state_keys()})
            self._link_state()
        if self.flat is not None and self.flat.holds(self.params):
            self._update(self.flat, self.flat_state, lr)
        else:
            for p, state in zip(self.params, self.state):
                self._update(p, state, lr)
        self.t += 1

    def _link_state(self) -> None:
        """Gather each state array into a flat one that the per-parameter arrays view."""
        if self.flat is None:
            return
        self.flat_state = {k: np.concatenate([s[k] for s in self.state], axis=None)
                           for k in self._state_keys()}
        for k, flat in self.flat_state.items():
            for state, p, (start, stop) in zip(self.state, self.params, spans(self.params)):
                state[k] = flat[start:stop].reshape(p.data.shape)

    @abstractmethod
    def _update(self, p, state, lr):
        """Update one parameter in place from its gradient with learning rate ``lr``."""

    def state_dict(self) -> dict:
        """All a resumed run needs, as a flat dict of numbers and array copies.

        Keys: ``optimizer`` (class name), ``t``, ``n_params``, ``lr`` (when a float), the
        hyper-parameters and ``state.<i>.<name>``; ``np.savez(f, **d)`` can write it.
        """
        d = {"optimizer": type(self).__name__, "t": self.t, "n_params": len(self.params),
             **({} if callable(self.lr) else {"lr": self.lr})}
        d.update({k: getattr(self, k) for k in self.hyper})
        for i, state in enumerate(self.state):
            d.update({f"state.{i}.{k}": v.copy() for k, v in state.items() if k[0] != "_"})
        return d

    def load_state_dict(self, d) -> None:
        """Restore what ``state_dict()`` returned (or ``np.load`` of it), copying arrays.

        The hyper-parameters and a float ``lr`` are restored; a schedule is kept.
        """
        me, n = type(self).__name__, len(self.params)
        d = {k: v if k.startswith("state.") else _plain(v) for k, v in dict(d).items()}
        name, n_saved = d.pop("optimizer", None), d.pop("n_params", None)
        if (name, n_saved) != (me, n):
            raise ValueError(f"this state_dict is from {name} with {n_saved} parameters, not {me} "
                             f"with {n}; build the same optimizer on the same network")
        t = check_int("state_dict['t']", d.pop("t", None))
        hyper = {k: d.pop(k, None) for k in self.hyper}  # a missing one fails its check
        fresh = type(self)(self.params, d.pop("lr", self.lr), **hyper)  # checks saved values
        states = [{} for _ in self.params]
        for i, (p, state) in enumerate(zip(self.params, states)):
            for k in sorted(fresh._state_keys()) if t else ():
                v = d.pop(f"state.{i}.{k}", None)
                if v is None or np.shape(v) != p.data.shape:
                    raise ValueError(f"state.{i}.{k} must be an array of shape {p.data.shape} like "
                                     f"parameter {p.name!r}, got {v if v is None else np.shape(v)}")
                state[k] = np.array(v, dtype=p.data.dtype)
        if d:
            raise ValueError(f"unexpected keys in the state_dict: {sorted(d)}")
        vars(self).update({k: getattr(fresh, k) for k in ("lr", *self.hyper)}, t=t, state=states)
        if t:
            self._link_state()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in ("lr", *self.hyper))
        return f"{type(self).__name__}({args})"


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
