"""scikit-learn estimators: ``BrickClassifier`` and ``BrickRegressor``.

An optional layer: it needs scikit-learn (``pip install scikit-learn``) and
``import brickprop`` never imports it.  Each estimator builds a ``brickprop.mlp`` and
trains it with ``brickprop.fit``, so Pipeline, GridSearchCV and cross_val_score tune
the same bricks, loss and update rule that the rest of brickprop explains.

Parameters are named after ``sklearn.neural_network.MLPClassifier`` where they mean the
same.  ``alpha`` *is* scikit-learn's: its MLP adds ``0.5 * alpha * sum(W**2) / N`` to
the loss of a batch of ``N`` samples (weights only) and ``alpha * W / N`` to the weight
gradient, which is ``brickprop.L2(alpha)`` exactly.  Differences: ``solver="sgd"`` is
plain SGD (``"momentum"`` and ``"nesterov"`` add momentum 0.9), there is no "lbfgs", and
``tol`` / ``n_iter_no_change`` only drive early stopping on the validation loss, so
without ``early_stopping`` training runs all ``max_iter`` epochs.
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np

try:  # absolute imports: the top-level scikit-learn, never this module
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted
except ImportError as error:
    raise ImportError(
        f"brickprop.sklearn needs scikit-learn: pip install scikit-learn ({error})"
    ) from error

try:
    from sklearn.utils.validation import validate_data  # scikit-learn >= 1.6
except ImportError:  # older releases: the same checks as an estimator method
    def validate_data(estimator, X="no_validation", y="no_validation", **kw):
        return estimator._validate_data(X, y, **kw)

from ._checks import check_int, check_number
from .datasets import one_hot
from .history import History
from .init import INITIALIZERS
from .losses import MSE, CrossEntropy
from .models import mlp
from .optim import OPTIMIZERS, make_optimizer
from .regularizers import L1, L2, ElasticNet
from .schedules import make_schedule
from .train import fit as bp_fit

__all__ = ["BrickClassifier", "BrickRegressor"]

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


class _BrickEstimator(BaseEstimator):
    """Shared parameters, network building and the training loop of both estimators."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", solver="adam",
                 alpha=1e-4, batch_size="auto", learning_rate_init=1e-3, max_iter=200,
                 random_state=None, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, tol=1e-4, schedule=None, clip_norm=None, l1=0.0,
                 init="glorot"):
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
            min_delta=float(self.tol), clip_norm=self.clip_norm)
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


_PARAMS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer; ``()`` gives a linear model.
    activation : {"relu", "tanh", "sigmoid", "logistic", "leaky-relu", "identity"}
        Hidden activation ("logistic" is scikit-learn's name for sigmoid).
    solver : {"adam", "adamw", "sgd", "momentum", "nesterov", "rmsprop"}, default="adam"
        A ``brickprop.OPTIMIZERS`` name; "sgd" is plain SGD.
    alpha : float, default=1e-4
        L2 strength, the same as scikit-learn's: penalty ``alpha * sum(W**2) / (2 N)``.
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    learning_rate_init : float, default=1e-3
        Learning rate (the first argument of ``schedule``, when given).
    max_iter : int, default=200
        Epochs (passes over the training data).
    random_state : int, RandomState or None
        Seeds the weights, the shuffling and the validation split.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its loss has not
        fallen by more than ``tol`` for ``n_iter_no_change`` epochs (best weights kept).
    validation_fraction, n_iter_no_change, tol
        Early-stopping settings.
    schedule : str or callable, optional
        A ``brickprop.schedules`` name (step counts are derived from ``max_iter``:
        cosine and onecycle span the run, exponential ends at lr / 100) or a callable
        ``step -> lr``.
    clip_norm : float, optional
        Clip the global gradient norm before each update.
    l1 : float, default=0.0
        L1 strength ``l1 * sum(|W|) / N``, added to the L2 penalty.
    init : str, default="glorot"
        Weight initializer: article, glorot, he, normal, zeros.

    Attributes
    ----------
    net_ : brickprop.Sequential
        The trained network (identity output).
    loss_curve_ : list of float
        Mean training loss (with penalty) of each epoch.
    history_ : brickprop.History
        One row per step; ``partial_fit`` calls are concatenated.
    validation_loss_curve_ : list of float or None
        Validation loss after each epoch, with ``early_stopping``.
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
    coefs_, intercepts_ : lists of arrays
        The weights and biases of each Linear brick.
"""


class BrickClassifier(ClassifierMixin, _BrickEstimator):
    """A brickprop MLP classifier: softmax cross-entropy on logits, any number of classes.
    """

    __doc__ += _PARAMS_DOC + """    classes_ : ndarray of shape (n_classes,)
    """

    def _loss(self):
        return CrossEntropy()

    def _targets(self, y) -> np.ndarray:
        """One-hot rows (n_samples, n_classes) of labels already in ``classes_``."""
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(f"y has labels {unseen.tolist()} not in classes_ "
                             f"{self.classes_.tolist()}; pass every class on the first "
                             "partial_fit call (classes=...)")
        return one_hot(np.searchsorted(self.classes_, y), len(self.classes_))

    def fit(self, X, y):
        """Train a fresh network on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,)."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, labels = np.unique(y, return_inverse=True)
        return self._fit(X, one_hot(labels.reshape(-1), len(self.classes_)), stratify=labels)

    def partial_fit(self, X, y, classes=None):
        """One epoch on ``(X, y)``, continuing from the previous call (or ``fit``).

        ``classes`` lists every label; it is needed on the first call when this batch does
        not show them all (default: the labels in ``y``).  Early stopping is not used.
        """
        first = not hasattr(self, "net_")
        X, y = validate_data(self, X, y, dtype=np.float64, reset=first)
        check_classification_targets(y)
        known = np.unique(y if classes is None else classes)
        if first:
            self.classes_ = known
        elif classes is not None and not np.array_equal(known, self.classes_):
            raise ValueError(f"classes={known.tolist()} differs from the classes of the "
                             f"first call, {self.classes_.tolist()}")
        return self._partial_fit(X, self._targets(y))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n_samples, n_classes): the softmax of the logits."""
        z = self._forward(X)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return p

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample (n_samples,)."""
        z = self._forward(X)  # (n_samples, n_classes) logits; checks fitted first
        return self.classes_[z.argmax(axis=1)]


class BrickRegressor(RegressorMixin, _BrickEstimator):
    """A brickprop MLP regressor: squared error ``sum((pred - y)**2) / (2 N)``, identity output.

    ``y`` may be 1-D (n_samples,) or 2-D (n_samples, n_outputs); ``predict`` returns the
    same number of dimensions.
    """

    __doc__ += _PARAMS_DOC + """    n_outputs_ : int
    """

    def _loss(self):
        return MSE()

    def _targets(self, X, y, reset):
        X, y = validate_data(self, X, y, dtype=np.float64, multi_output=True,
                             y_numeric=True, reset=reset)
        Y = np.asarray(y, dtype=np.float64)
        return X, Y.reshape(-1, 1) if Y.ndim == 1 else Y, Y.ndim == 1

    def fit(self, X, y):
        """Train a fresh network on ``X`` (n_samples, n_features) and ``y``."""
        X, Y, self._y_1d = self._targets(X, y, reset=True)
        self.n_outputs_ = Y.shape[1]
        return self._fit(X, Y)

    def partial_fit(self, X, y):
        """One epoch on ``(X, y)``, continuing from the previous call (or ``fit``).

        Early stopping is not used.
        """
        first = not hasattr(self, "net_")
        X, Y, y_1d = self._targets(X, y, reset=first)
        if first:
            self.n_outputs_, self._y_1d = Y.shape[1], y_1d
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs but the network was fitted with "
                             f"{self.n_outputs_}")
        return self._partial_fit(X, Y)

    def predict(self, X) -> np.ndarray:
        """Predictions (n_samples,) or (n_samples, n_outputs), shaped like the fitted ``y``."""
        pred = self._forward(X)
        return pred[:, 0] if self._y_1d else pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multioutput": True}
