"""The shared base of ``brickprop.sklearn``'s estimators, and its helpers.

``_BrickEstimator`` holds the parameters both estimators take, their checks, the
network and optimizer they build, and the training loop over ``brickprop.fit``.
Only ``brickprop.sklearn`` imports this module, after it has checked that
scikit-learn is installed.
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

try:
    from sklearn.utils.validation import validate_data  # scikit-learn >= 1.6
except ImportError:  # older releases: the same checks as an estimator method
    def validate_data(estimator, X="no_validation", y="no_validation", **kw):
        return estimator._validate_data(X, y, **kw)

from .._checks import check_int, check_number
from ..bricks.init import INITIALIZERS
from ..bricks.models import mlp
from ..bricks.regularizers import L1, L2, ElasticNet
from ..optim.optimizers import OPTIMIZERS, make_optimizer
from ..optim.schedules import make_schedule
from ..train.callbacks import Callback
from ..train.history import History
from ..train.loop import fit as bp_fit

#: sklearn's activation names -> brickprop's ("logistic" is scikit-learn's sigmoid)
ACTIVATIONS = {"sigmoid": "sigmoid", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu",
               "leaky-relu": "leaky-relu", "identity": "identity"}


def _schedule(name, lr, total_steps):
    """A schedule by name, its step counts derived from the ``total_steps`` of training."""
    auto = {"cosine": {"t_max": total_steps}, "onecycle": {"total_steps": total_steps},
            "step": {"step_size": max(1, total_steps // 3)},
            "multistep": {"milestones": [max(1, total_steps // 2),
                                         max(1, 3 * total_steps // 4)]},
            "exponential": {"gamma": 0.01 ** (1.0 / total_steps)}}  # lr / 100 at the end
    return make_schedule(name, lr, **auto.get(name, {}) if isinstance(name, str) else {})


def _epoch_means(losses, n_samples, batch_size) -> list:
    """Per-epoch mean of per-batch losses, weighted by batch size (the last may be short)."""
    per_epoch = math.ceil(n_samples / batch_size)
    sizes = np.full(per_epoch, float(batch_size))
    sizes[-1] = n_samples - batch_size * (per_epoch - 1)
    means = []
    for start in range(0, len(losses), per_epoch):
        chunk = losses[start:start + per_epoch]
        w = sizes[:len(chunk)]
        means.append(float(np.dot(chunk, w) / w.sum()))
    return means


def _concat(old: History | None, new: History) -> History:
    """``old`` then ``new`` as one History, steps renumbered (``new`` if they differ)."""
    if old is None or old.columns != new.columns:
        return new
    both = History(new.columns, old.n + new.n)
    for part, offset in ((old, 0), (new, old.n)):
        rows = np.column_stack([part[c] for c in part.columns])
        rows[:, 0] += offset
        for row in rows:
            both.record(row)
    both.meta = {**old.meta, **new.meta,
                 "seconds": old.meta.get("seconds", 0.0) + new.meta.get("seconds", 0.0)}
    return both


class EpochLines(Callback):
    """``verbose``: scikit-learn's MLP lines on stdout, ``Iteration k, loss = ...`` per epoch.

    The loss is the epoch's mean training loss (penalty included), as in
    ``loss_curve_``; with early stopping the validation loss follows on its own line.
    """

    def __init__(self, epochs_before: int):
        self.epoch, self.total, self.count = epochs_before, 0.0, 0

    def on_step_end(self, run, row):
        n = run.batch[0].shape[0]  # weighted by batch size: the last batch may be short
        self.total, self.count = self.total + n * run.value("loss"), self.count + n

    def on_epoch_end(self, run):
        self.epoch += 1
        print(f"Iteration {self.epoch}, loss = {self.total / max(self.count, 1):.8f}",
              flush=True)
        if "val_loss" in run.history.columns:
            print(f"Validation loss: {run.monitored:.8f}", flush=True)
        self.total, self.count = 0.0, 0


class _BrickEstimator(BaseEstimator):
    """Shared parameters, network building and the training loop of both estimators."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", solver="adam",
                 alpha=1e-4, batch_size="auto", learning_rate_init=1e-3, max_iter=200,
                 random_state=None, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, tol=1e-4, schedule=None, clip_norm=None, l1=0.0,
                 init="glorot", verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.schedule = schedule
        self.clip_norm = clip_norm
        self.l1 = l1
        self.init = init
        self.verbose = verbose

    # -- checks and building -------------------------------------------------------------
    def _hidden(self) -> list:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, (int, np.integer)) else sizes
        try:
            return [check_int("each hidden layer size", h, 1) for h in sizes]
        except (TypeError, ValueError):
            raise ValueError(f"hidden_layer_sizes must be a positive integer or a tuple of "
                             f"them, e.g. (100,) or (64, 32); got {self.hidden_layer_sizes!r}"
                             ) from None

    def _check_params(self) -> None:
        self._hidden()
        choices = (("activation", ACTIVATIONS), ("solver", OPTIMIZERS), ("init", INITIALIZERS))
        for name, allowed in choices:
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; "
                                 f"got {getattr(self, name)!r}")
        check_number("alpha", self.alpha)
        check_number("l1", self.l1)
        check_number("learning_rate_init", self.learning_rate_init, low_open=True)
        check_number("validation_fraction", self.validation_fraction, 0.0, 1.0, low_open=True)
        check_number("tol", self.tol)
        check_int("max_iter", self.max_iter, 1)
        check_int("n_iter_no_change", self.n_iter_no_change, 1)
        if self.batch_size != "auto":
            check_int("batch_size (an integer or 'auto')", self.batch_size, 1)
        if self.clip_norm is not None:
            check_number("clip_norm", self.clip_norm, low_open=True)
        if not isinstance(self.early_stopping, (bool, np.bool_)):
            raise ValueError(f"early_stopping must be True or False, got {self.early_stopping!r}")
        if self.schedule is not None and not callable(self.schedule):
            _schedule(self.schedule, self.learning_rate_init, 1)  # raises on an unknown name

    def _batch_size(self, n_samples: int) -> int:
        if self.batch_size == "auto":
            return min(200, n_samples)
        return min(int(self.batch_size), n_samples)

    def _regularizer(self):
        alpha, l1 = float(self.alpha), float(self.l1)
        if alpha and l1:
            return ElasticNet(l1=l1, l2=alpha)
        return L2(alpha) if alpha else L1(l1) if l1 else None

    def _start(self, n_in: int, n_out: int) -> None:
        """A fresh network; resets every fitted attribute."""
        self._check_params()
        self._rng = check_random_state(self.random_state)
        self.net_ = mlp(n_in, self._hidden(), n_out, activation=ACTIVATIONS[self.activation],
                        output="identity", init=self.init,
                        seed=int(self._rng.randint(np.iinfo(np.int32).max)))
        self.loss_curve_, self.history_, self.n_iter_ = [], None, 0
        self.validation_loss_curve_ = None

    def _start_optimizer(self, n_samples: int) -> None:
        """The optimizer; a named schedule spans ``max_iter`` epochs of ``n_samples``."""
        total = self.max_iter * math.ceil(n_samples / self._batch_size(n_samples))
        if self.schedule is None:
            lr = float(self.learning_rate_init)
        elif callable(self.schedule):
            lr = copy.deepcopy(self.schedule)  # a stateful schedule must not leak between fits
        else:
            lr = _schedule(self.schedule, self.learning_rate_init, total)
        self._optimizer = make_optimizer(self.solver, self.net_.parameters(), lr=lr)

    def _train(self, X, Y, epochs: int, validation=None) -> None:
        """``epochs`` passes of ``brickprop.fit`` over ``(X, Y)``; updates the curves."""
        n = X.shape[0]
        batch = self._batch_size(n)
        if self.batch_size != "auto" and self.batch_size > n:
            warnings.warn(f"batch_size {self.batch_size} is larger than the {n} training "
                          "samples; it is clipped to that", UserWarning, stacklevel=4)
        early = validation is not None
        history = bp_fit(
            self.net_, X, Y, loss=self._loss(), optimizer=self._optimizer,
            regularizer=self._regularizer(), steps=epochs * math.ceil(n / batch),
            batch_size=batch, seed=int(self._rng.randint(np.iinfo(np.int32).max)),
            validation=validation, patience=self.n_iter_no_change if early else None,
            min_delta=float(self.tol), clip_norm=self.clip_norm,
            callbacks=[EpochLines(self.n_iter_)] if self.verbose else [])
        curve = _epoch_means(history["loss"], n, batch)
        self.loss_curve_ = [*self.loss_curve_, *curve]
        self.n_iter_ += len(curve)
        self.history_ = _concat(self.history_, history)
        if early:
            val = history["val_loss"]
            self.validation_loss_curve_ = val[np.isfinite(val)].tolist()
        name = type(self).__name__
        if "diverged" in history.meta:
            warnings.warn(f"{name} training diverged: {history.meta['diverged']} Here those "
                          "settings are learning_rate_init, schedule, clip_norm, init and "
                          "activation.", ConvergenceWarning, stacklevel=4)
        elif early and "stopped" not in history.meta:
            warnings.warn(f"{name}: max_iter ({self.max_iter}) epochs reached and the "
                          f"validation loss is still falling; raise max_iter",
                          ConvergenceWarning, stacklevel=4)

    def _fit(self, X, Y, stratify=None):
        self._start(X.shape[1], Y.shape[1])
        validation = None
        if self.early_stopping:
            if X.shape[0] < 2:
                raise ValueError("early_stopping needs at least 2 samples to hold some out")
            counts = np.unique(stratify, return_counts=True)[1] if stratify is not None else ()
            X, X_val, Y, Y_val = train_test_split(
                X, Y, test_size=self.validation_fraction, random_state=self._rng,
                stratify=stratify if len(counts) and counts.min() >= 2 else None)
            validation = (X_val, Y_val)
        self._start_optimizer(X.shape[0])
        self._train(X, Y, self.max_iter, validation)
        return self

    def _partial_fit(self, X, Y):
        if not hasattr(self, "net_"):
            self._start(X.shape[1], Y.shape[1])
            self._start_optimizer(X.shape[0])
        self._train(X, Y, 1)  # one epoch, continuing the optimizer's state and step count
        return self

    def _forward(self, X) -> np.ndarray:
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        with np.errstate(over="ignore"):
            return self.net_.forward(X)  # (n_samples, n_out)

    @property
    def coefs_(self) -> list:
        """Weight matrices ``W`` (n_in, n_out) of the fitted network, as in MLPClassifier."""
        return [brick.W.data for _, brick in self.net_.layers()]

    @property
    def intercepts_(self) -> list:
        """Bias vectors ``b`` (n_out,) of the fitted network, as in MLPClassifier."""
        return [brick.b.data for _, brick in self.net_.layers()]
