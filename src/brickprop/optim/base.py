"""The ``Optimizer`` base: hyper-parameter checks, the flat-array step, state to save.

Subclasses (``optimizers.py``) write only their update rule; see that module for the
contract every optimizer follows.
"""

from __future__ import annotations

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
