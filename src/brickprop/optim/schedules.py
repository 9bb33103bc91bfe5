"""Learning-rate schedules: callables ``step -> lr``, as ``torch.optim.lr_scheduler``.

``step`` is the number of updates already taken (0 for the first), so an optimizer calls
``schedule(opt.t)`` before each update.  Schedules are pure functions of ``step`` except
``ReduceOnPlateau``, which the training loop drives through ``observe(loss)``.  Pass one
as an optimizer's ``lr``: ``bp.Adam(params, lr=bp.Cosine(0.01, t_max=1000))``.
"""

from __future__ import annotations

import inspect
import math
from bisect import bisect_right

import numpy as np

from .._checks import check_int, check_number


class Schedule:
    """Base class: ``schedule(step) -> lr``; ``repr`` shows the constructor's arguments."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        names = inspect.signature(type(self)).parameters
        return f"{type(self).__name__}({', '.join(f'{k}={getattr(self, k)!r}' for k in names)})"


def _lr(value, name="lr"):
    return check_number(name, value, low_open=True)


class Constant(Schedule):
    """``lr(step) = lr``."""

    def __init__(self, lr):
        self.lr = _lr(lr)

    def __call__(self, step):
        return self.lr


class StepDecay(Schedule):
    """``lr * gamma ** (step // step_size)``, as ``StepLR``."""

    def __init__(self, lr, step_size, gamma=0.1):
        self.lr, self.gamma = _lr(lr), _lr(gamma, "gamma")
        self.step_size = check_int("step_size", step_size, 1)

    def __call__(self, step):
        return self.lr * self.gamma ** (step // self.step_size)


class MultiStep(Schedule):
    """``lr * gamma ** (number of milestones <= step)``, as ``MultiStepLR``."""

    def __init__(self, lr, milestones, gamma=0.1):
        self.lr, self.gamma = _lr(lr), _lr(gamma, "gamma")
        if isinstance(milestones, (int, np.integer)):
            raise ValueError(f"milestones must be a list of steps, got {milestones!r}")
        self.milestones = sorted(check_int("each milestone", m, 1) for m in milestones)

    def __call__(self, step):
        return self.lr * self.gamma ** bisect_right(self.milestones, step)


class Exponential(Schedule):
    """``lr * gamma ** step``, as ``ExponentialLR``."""

    def __init__(self, lr, gamma):
        self.lr, self.gamma = _lr(lr), _lr(gamma, "gamma")

    def __call__(self, step):
        return self.lr * self.gamma**step


class InverseTime(Schedule):
    """``lr / (step + 1) ** power_t``, scikit-learn's ``learning_rate="invscaling"``."""

    def __init__(self, lr, power_t=0.5):
        self.lr, self.power_t = _lr(lr), check_number("power_t", power_t)

    def __call__(self, step):
        return self.lr / (step + 1) ** self.power_t


class Cosine(Schedule):
    """``eta_min + (lr - eta_min) * (1 + cos(pi * t / T)) / 2``, as ``CosineAnnealingLR``.

    Without restarts ``t = step`` and ``T = t_max``: the rate reaches ``eta_min`` at
    ``t_max`` and then, as in PyTorch, climbs back along the cosine.  With ``restarts``
    (``CosineAnnealingWarmRestarts``, SGDR) ``t`` is the step since the last restart and
    the period ``T`` starts at ``t_max`` and is multiplied by ``t_mult`` at each restart.
    """

    def __init__(self, lr, t_max, eta_min=0.0, restarts=False, t_mult=1):
        self.lr, self.t_max = _lr(lr), check_int("t_max", t_max, 1)
        self.eta_min = check_number("eta_min", eta_min, 0.0, self.lr, high_open=False)
        if not isinstance(restarts, (bool, np.bool_)):
            raise ValueError(f"restarts must be True or False, got {restarts!r}")
        self.restarts, self.t_mult = bool(restarts), check_int("t_mult", t_mult, 1)
        if self.t_mult != 1 and not self.restarts:
            raise ValueError("t_mult only applies with restarts=True")

    def __call__(self, step):
        t, period = step, self.t_max
        if self.restarts and self.t_mult == 1:
            t = step % period
        elif self.restarts:
            while t >= period:
                t, period = t - period, period * self.t_mult
        return self.eta_min + (self.lr - self.eta_min) * (1 + math.cos(math.pi * t / period)) / 2


class Warmup(Schedule):
    """Linear warm-up, then ``schedule``; as ``SequentialLR([LinearLR, schedule])``.

    For ``step < warmup_steps``: ``schedule(0) * (f + (1 - f) * step / warmup_steps)`` with
    ``f = start_factor``; afterwards ``schedule(step - warmup_steps)``.  ``schedule`` is any
    schedule or a float (a constant rate).
    """

    def __init__(self, schedule, warmup_steps, start_factor=1.0 / 3):
        self.schedule = schedule if callable(schedule) else Constant(schedule)
        self.warmup_steps = check_int("warmup_steps", warmup_steps, 1)
        self.start_factor = check_number("start_factor", start_factor, 0.0, 1.0, high_open=False)

    def __call__(self, step):
        w, f = self.warmup_steps, self.start_factor
        return self.schedule(0) * (f + (1 - f) * step / w) if step < w else self.schedule(step - w)

    def observe(self, loss):
        """Passed on to the inner schedule (``ReduceOnPlateau``), if it observes."""
        if hasattr(self.schedule, "observe"):
            self.schedule.observe(loss)


class OneCycle(Schedule):
    """The 1cycle policy, as ``OneCycleLR`` (learning rate only, no momentum cycling).

    From ``max_lr / div_factor`` up to ``max_lr`` over the first ``pct_start`` of
    ``total_steps``, then down to ``max_lr / div_factor / final_div_factor`` at step
    ``total_steps - 1``, along a half cosine (``anneal="cos"``) or a line (``"linear"``).
    Later steps keep the final rate.
    """

    def __init__(self, max_lr, total_steps, pct_start=0.3, div_factor=25.0,
                 final_div_factor=1e4, anneal="cos"):
        self.max_lr = _lr(max_lr, "max_lr")
        self.total_steps = check_int("total_steps", total_steps, 1)
        self.pct_start = check_number("pct_start", pct_start, 0.0, 1.0, high_open=False)
        self.div_factor = check_number("div_factor", div_factor, low_open=True)
        self.final_div_factor = check_number("final_div_factor", final_div_factor, low_open=True)
        if anneal not in ("cos", "linear"):
            raise ValueError(f"anneal must be 'cos' or 'linear', got {anneal!r}")
        self.anneal = anneal
        self._peak = float(self.pct_start * self.total_steps) - 1  # step of max_lr, as PyTorch
        if self._peak == 0:
            raise ValueError(f"pct_start * total_steps = 1 leaves the warm-up phase no length; "
                             f"change pct_start ({pct_start}) or total_steps ({total_steps})")

    def __call__(self, step):
        initial = self.max_lr / self.div_factor
        step, last = min(step, self.total_steps - 1), self.total_steps - 1
        if step <= self._peak:
            start, end, pct = initial, self.max_lr, step / self._peak
        else:
            start, end = self.max_lr, initial / self.final_div_factor
            pct = (step - self._peak) / (last - self._peak)
        if self.anneal == "linear":
            return (end - start) * pct + start
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


class ReduceOnPlateau(Schedule):
    """Divide the rate when the loss stops improving, as ``ReduceLROnPlateau`` (mode 'min').

    ``observe(loss)`` is called by the training loop.  A loss improves when it is below
    ``best * (1 - threshold)``; after more than ``patience`` observations without
    improvement the rate becomes ``max(lr * factor, min_lr)`` (ignored when the change is
    at most ``eps``), then ``cooldown`` observations are not counted.
    """

    def __init__(self, lr, factor=0.1, patience=10, threshold=1e-4, cooldown=0, min_lr=0.0,
                 eps=1e-8):
        self.lr = _lr(lr)
        self.factor = check_number("factor", factor, 0.0, 1.0, low_open=True)
        self.patience = check_int("patience", patience)
        self.threshold = check_number("threshold", threshold, 0.0, 1.0)
        self.cooldown = check_int("cooldown", cooldown)
        self.min_lr = check_number("min_lr", min_lr)
        self.eps = check_number("eps", eps)
        self.current_lr, self.best = self.lr, math.inf
        self.num_bad_epochs = self.cooldown_counter = 0

    def __call__(self, step):
        return self.current_lr

    def observe(self, loss) -> float:
        """Record one loss value; returns the learning rate from now on."""
        loss = float(loss)
        if loss < self.best * (1.0 - self.threshold):
            self.best, self.num_bad_epochs = loss, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.current_lr * self.factor, self.min_lr)
            if self.current_lr - new_lr > self.eps:
                self.current_lr = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        return self.current_lr

    _STATE = ("current_lr", "best", "num_bad_epochs", "cooldown_counter")

    def state_dict(self) -> dict:
        """The observed state (numbers), to resume a run."""
        return {k: getattr(self, k) for k in self._STATE}

    def load_state_dict(self, d) -> None:
        if set(d) != set(self._STATE):
            raise ValueError(f"a ReduceOnPlateau state needs keys {self._STATE}, got {sorted(d)}")
        for k in self._STATE:
            setattr(self, k, type(getattr(self, k))(d[k]))


SCHEDULES = {
    "constant": Constant,
    "step": StepDecay,
    "multistep": MultiStep,
    "exponential": Exponential,
    "inverse_time": InverseTime,
    "cosine": Cosine,
    "onecycle": OneCycle,
    "plateau": ReduceOnPlateau,
}


def make_schedule(name: str, lr, warmup_steps=0, warmup_start_factor=1.0 / 3, **kw) -> Schedule:
    """``SCHEDULES[name](lr, **kw)``, wrapped in ``Warmup`` when ``warmup_steps > 0``.

    ``lr`` is the first argument of the schedule (``max_lr`` for ``"onecycle"``).
    """
    cls = SCHEDULES.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")
    takes = list(inspect.signature(cls).parameters)[1:]
    unknown = sorted(set(kw) - set(takes))
    if unknown:
        raise ValueError(f"schedule {name!r} takes no argument {unknown[0]!r}; "
                         f"it takes {', '.join(takes) or 'only lr'}")
    schedule = cls(lr, **kw)
    if check_int("warmup_steps", warmup_steps) == 0:
        return schedule
    return Warmup(schedule, warmup_steps, warmup_start_factor)


def lr_curve(schedule, steps: int) -> np.ndarray:
    """The rates ``schedule(0) ... schedule(steps - 1)`` (steps,); a float gives a flat curve.

    ``ReduceOnPlateau`` shows its current rate, since the curve observes no loss.
    """
    steps = check_int("steps", steps)
    if not callable(schedule):
        schedule = Constant(schedule)
    return np.array([float(schedule(t)) for t in range(steps)], dtype=np.float64)
