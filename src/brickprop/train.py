"""The training loop: one step in ``train_step``, many in ``fit``, recorded in a ``History``.

A step is forward -> loss -> backward -> penalty -> optimizer update, through the
bricks' own forward and backward; ``fit`` adds minibatches, bookkeeping and the
snapshots the animation needs.  Plots and reports only read the ``History``.
"""

from __future__ import annotations

import csv
import io
import math
import time

import numpy as np

from ._files import atomic_write_text
from .core import Sequential
from .losses import Loss
from .optim import SGD, Optimizer


def train_step(net, loss, optimizer, X, Y, regularizer=None):
    """One training iteration on the batch ``(X, Y)``; returns ``(data_loss, penalty, pred)``.

    ``pred`` is the network's output before the update (n_samples, n_out).  After
    the call every ``p.grad`` holds the gradient that the update used.
    """
    pred = net.forward(X)  # (n_samples, n_out)
    data_loss = loss.forward(pred, Y)
    net.backward(loss.backward(), input_grad=False)
    penalty = 0.0
    if regularizer is not None:
        params = optimizer.params
        penalty = regularizer.penalty(params, X.shape[0])
        regularizer.backward(params, X.shape[0])
    optimizer.step()
    return data_loss, penalty, pred


def labels_of(Y) -> np.ndarray:
    """Class labels (n_samples,) of one-hot or single-column 0/1 targets."""
    return Y.argmax(axis=1) if Y.shape[1] > 1 else (Y[:, 0] > 0.5).astype(np.intp)


def accuracy(pred, labels, threshold: float = 0.5) -> float:
    """Share of rows whose predicted class equals ``labels``."""
    guess = pred.argmax(axis=1) if pred.shape[1] > 1 else pred[:, 0] > threshold
    return float(np.count_nonzero(guess == labels)) / labels.shape[0]


class History:
    """One row per step: ``step, loss, data_loss, penalty, accuracy, lr, grad_norm_<k>``.

    ``grad_norm_<k>`` is the L2 norm of the gradient of all parameters of brick
    ``k`` (its weights and bias together).  ``snapshots`` holds copies of the
    parameters at evenly spaced steps, ``(step, [arrays])``, for animations.
    """

    def __init__(self, columns, n_rows: int):
        self.columns = list(columns)
        self._data = np.full((n_rows, len(self.columns)), np.nan)
        self.n = 0
        self.snapshots: list[tuple[int, list[np.ndarray]]] = []
        self.meta: dict = {}

    def record(self, row) -> None:
        self._data[self.n] = row
        self.n += 1

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, column: str) -> np.ndarray:
        try:
            return self._data[: self.n, self.columns.index(column)]
        except ValueError:
            raise KeyError(f"History has no column {column!r}; it has {self.columns}") from None

    def last(self) -> dict:
        """The final row as a dict."""
        return dict(zip(self.columns, self._data[self.n - 1].tolist())) if self.n else {}

    def to_csv(self, path=None) -> str:
        """Write the rows as CSV (atomically, when ``path`` is given); returns the text."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self._data[: self.n]:
            writer.writerow([int(row[0]), *(repr(float(v)) for v in row[1:])])
        text = buf.getvalue()
        if path is not None:
            atomic_write_text(path, text)
        return text


def _check_data(X, Y):
    for name, a in (("X", X), ("Y", Y)):
        if not isinstance(a, np.ndarray) or not np.issubdtype(a.dtype, np.floating):
            raise TypeError(f"{name} must be a float numpy array, got {type(a).__name__}"
                            f"{'' if not isinstance(a, np.ndarray) else ' of ' + str(a.dtype)}")
        if a.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {a.shape}; "
                             "use one_hot(y) for labels or reshape(-1, 1)")
        if not np.isfinite(a).all():
            bad = np.argwhere(~np.isfinite(a))[0]
            raise ValueError(f"{name} has a NaN or inf value at row {bad[0]}, column {bad[1]}; "
                             "clean or drop it before training")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but Y has {Y.shape[0]}; they must match")


def fit(net: Sequential, X, Y, loss: Loss | None = None, optimizer: Optimizer | None = None,
        regularizer=None, steps: int = 1000, batch_size: int | None = None, seed: int = 0,
        snapshots: int = 0, progress=None) -> History:
    """Train ``net`` on ``(X, Y)`` for ``steps`` updates and return the ``History``.

    Parameters
    ----------
    net : Sequential
    X : (n_samples, n_in) float array;  Y : (n_samples, n_out) float targets
    loss : Loss, default MSE()
    optimizer : Optimizer, default SGD(net.parameters(), lr=0.1)
    regularizer : L2, L1 or ElasticNet, optional
    steps : int
        Number of updates (one per minibatch).
    batch_size : int, optional
        None for full batch; otherwise minibatches drawn from a permutation that is
        reshuffled every epoch from ``seed``.
    snapshots : int
        Copies of the parameters to keep at evenly spaced steps (for animations).
    progress : callable, optional
        Called as ``progress(n_steps_done)`` about 100 times during training.
    """
    from .losses import MSE

    _check_data(X, Y)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    n = X.shape[0]
    if batch_size is not None and (isinstance(batch_size, bool) or
                                   not isinstance(batch_size, (int, np.integer))
                                   or not 1 <= batch_size <= n):
        raise ValueError(f"batch_size must be an integer from 1 to {n} (the number of "
                         f"samples) or None for full batch, got {batch_size!r}")
    dtype = net.dtype
    if X.dtype != dtype or Y.dtype != dtype:
        raise TypeError(f"X is {X.dtype} and Y is {Y.dtype} but the network's parameters are "
                        f"{dtype}; cast the data or call net.astype(np.{X.dtype})")
    loss = MSE() if loss is None else loss
    optimizer = SGD(net.parameters(), lr=0.1) if optimizer is None else optimizer

    layers = [[p for p in brick.parameters()] for _, brick in net.layers()]
    columns = ["step", "loss", "data_loss", "penalty", "accuracy", "lr",
               *(f"grad_norm_{k}" for k, _ in net.layers())]
    history = History(columns, steps)
    labels = labels_of(Y)
    snap_at = set(np.linspace(0, steps, snapshots).round().astype(int)) if snapshots else set()
    rng = np.random.default_rng(seed)
    full = batch_size is None or batch_size == n
    order, pos = None, n
    report_every = max(1, steps // 100)
    started = time.perf_counter()
    # Saturated sigmoids overflow exp() to the right limit; a diverging run shows in
    # its recorded values, not in a stream of NumPy warnings.
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for step in range(steps):
            if step in snap_at:
                history.snapshots.append((step, [p.data.copy() for p in optimizer.params]))
            if full:
                xb, yb, lb = X, Y, labels
            else:
                if pos + batch_size > n:
                    order, pos = rng.permutation(n), 0
                idx = order[pos:pos + batch_size]
                pos += batch_size
                xb, yb, lb = X[idx], Y[idx], labels[idx]
            lr = optimizer.current_lr()
            data_loss, penalty, pred = train_step(net, loss, optimizer, xb, yb, regularizer)
            acc = accuracy(pred, lb, loss.threshold)
            norms = [math.sqrt(sum(float(np.vdot(p.grad, p.grad)) for p in ps)) for ps in layers]
            history.record((step, data_loss + penalty, data_loss, penalty, acc, lr, *norms))
            if progress is not None and (step + 1) % report_every == 0:
                progress(step + 1)
    if steps in snap_at:
        history.snapshots.append((steps, [p.data.copy() for p in optimizer.params]))
    history.meta["seconds"] = time.perf_counter() - started
    return history
