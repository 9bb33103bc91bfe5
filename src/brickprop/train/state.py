"""``FitState``: what one ``fit`` call trains, where it is, and the levers callbacks pull."""

from __future__ import annotations

import math

from ..bricks.regularizers import Regularizer
from .history import History


class FitState:
    """The run a callback sees as ``run``.

    Attributes
    ----------
    net, loss, optimizer, regularizer, X, Y, history
        What ``fit`` trains and records; ``params`` is ``optimizer.params``.
    step : int
        The current step, 0-based (during ``on_step_begin`` the one about to run).
    steps_done : int
        Steps trained so far.
    batch : (xb, yb, labels) of the current step.
    last : ``Step``, what ``train_step`` computed this step (loss, gradients' norms).
    layer_norms : list of float, each layer's gradient norm this step.
    monitored : float, in ``on_epoch_end``: the validation loss, else the epoch's mean loss.
    """

    def __init__(self, net, X, Y, loss, optimizer, regularizer, history: History,
                 clip_norm=None, clip_value=None):
        self.net, self.X, self.Y = net, X, Y
        self.loss, self.optimizer, self.regularizer = loss, optimizer, regularizer
        self.history, self.params = history, optimizer.params
        self.clip_norm, self.clip_value = clip_norm, clip_value
        self.layer_ids = [k for k, _ in net.layers()]
        self.step, self.steps_done = 0, 0
        self.batch = self.last = self.row = None
        self.layer_norms: list[float] = []
        self.monitored = math.nan
        self.stopped = False
        self.skip_epoch = False  # set by a rollback: this step does not count in its epoch

    def value(self, column: str) -> float:
        """This step's value of a History column (``"loss"``, ``"accuracy"``, ...)."""
        return self.row[self.history.columns.index(column)]

    def stop(self, reason: str, key: str = "stopped") -> None:
        """End the run after this step; ``reason`` lands in ``history.meta[key]``."""
        self.history.meta[key] = reason
        self.stopped = True

    def _change(self, **what) -> None:
        self.history.meta.setdefault("changes", []).append({"step": self.step + 1, **what})

    def set_lr(self, lr) -> None:
        """Train with learning rate ``lr`` (a float or a schedule) from the next step on."""
        if not callable(lr):
            lr = float(lr)
            if not (math.isfinite(lr) and lr > 0):
                raise ValueError(f"the learning rate must be a finite number > 0, got {lr!r}")
        self.optimizer.lr = lr
        self._change(lr=lr if not callable(lr) else repr(lr))

    def set_regularizer(self, regularizer) -> None:
        """Penalize with ``regularizer`` (L1, L2, ElasticNet or None) from the next step on."""
        if regularizer is not None and not isinstance(regularizer, Regularizer):
            raise TypeError(f"regularizer must be L1, L2, ElasticNet or None, got "
                            f"{type(regularizer).__name__}")
        self.regularizer = regularizer
        self._change(regularizer=repr(regularizer))

    def set_clip(self, norm: float | None = None, value: float | None = None) -> None:
        """Clip the global gradient norm to ``norm`` and each entry to ``value`` (None: off)."""
        for name, v in (("norm", norm), ("value", value)):
            if v is not None and not (math.isfinite(v) and v > 0):
                raise ValueError(f"clip {name} must be a finite number > 0 or None, got {v!r}")
        self.clip_norm, self.clip_value = norm, value
        self._change(clip_norm=norm, clip_value=value)
