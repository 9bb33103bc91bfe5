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

import numpy as np

try:  # absolute imports: the top-level scikit-learn, never this module
    from sklearn.base import ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
except ImportError as error:
    raise ImportError(
        f"brickprop.sklearn needs scikit-learn: pip install scikit-learn ({error})"
    ) from error

from ..bricks.functional import one_hot, softmax
from ..bricks.losses import MSE, CrossEntropy
from ._base import _BrickEstimator, validate_data

__all__ = ["BrickClassifier", "BrickRegressor"]


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
    verbose : bool, default=False
        Print progress messages to stdout, scikit-learn's way: ``Iteration k, loss = ...``
        after every epoch (and the validation loss, with early stopping).

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
        return softmax(self._forward(X))

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
