"""The training loop: one step in ``train_step``, many in ``fit``, recorded in a ``History``.

A step is forward -> loss -> backward -> penalty -> clipping -> optimizer update,
through the bricks' own forward and backward.  ``fit`` is a short loop over
``train_step``: it draws the batches, records each step's metrics row, runs the
validation at each epoch's end, and hands every step to its callbacks
(``brickprop.train.callbacks``), which do everything else -- the standard ones
(``train.standard``: the divergence guard, early stopping, snapshots, diagnostics,
progress), and whatever the caller adds.
Plots and reports only read the ``History``.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

import numpy as np

from .._checks import check_int, check_number
from ..bricks.core import Sequential
from ..bricks.losses import Loss
from ..optim.clip import clip_grad_norm, clip_grad_value
from ..optim.optimizers import SGD, Optimizer
from . import standard
from ._loop import Batches, SameFirstBatch, gather
from .callbacks import bound_hooks
from .history import History
from .metrics import accuracy, labels_of, r2
from .state import FitState


class Step(NamedTuple):
    """What one ``train_step`` computed."""

    data_loss: float
    penalty: float
    pred: np.ndarray     # (n_samples, n_out), the output before the update
    grad_sq: list        # squared L2 norm of each parameter's gradient, before clipping
    applied: bool        # False when the loss or a gradient was not finite: no update

    @property
    def grad_norm(self) -> float:
        """Global gradient norm before clipping."""
        return math.sqrt(sum(self.grad_sq))


def train_step(net, loss, optimizer, X, Y, regularizer=None, clip_norm=None,
               clip_value=None) -> Step:
    """One training iteration on the batch ``(X, Y)``.

    After the call every ``p.grad`` holds the gradient that the update used
    (clipped, when ``clip_norm`` or ``clip_value`` is given).  A non-finite loss
    or gradient is never applied: the weights stay the last finite ones.
    """
    pred = net.forward(X)  # (n_samples, n_out)
    data_loss = loss.forward(pred, Y)
    net.backward(loss.backward(), input_grad=False)
    params = optimizer.params
    penalty = 0.0
    if regularizer is not None:
        penalty = regularizer.penalty(params, X.shape[0])
        regularizer.backward(params, X.shape[0])
    vdot = np.vdot
    grad_sq = [float(vdot(p.grad, p.grad)) for p in params]
    if not (math.isfinite(data_loss + penalty) and math.isfinite(sum(grad_sq))):
        return Step(data_loss, penalty, pred, grad_sq, False)
    if clip_value is not None:
        clip_grad_value(params, clip_value)
    if clip_norm is not None:
        clip_grad_norm(params, clip_norm)
    optimizer.step()
    return Step(data_loss, penalty, pred, grad_sq, True)


def _check_data(X, Y, dtype, what="X", what_y="Y"):
    for name, a in ((what, X), (what_y, Y)):
        if not isinstance(a, np.ndarray) or not np.issubdtype(a.dtype, np.floating):
            raise TypeError(f"{name} must be a float numpy array, got {type(a).__name__}"
                            f"{'' if not isinstance(a, np.ndarray) else ' of ' + str(a.dtype)}")
        if a.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {a.shape}; "
                             "use one_hot(y) for labels or reshape(-1, 1)")
        # One sum carries any NaN or inf through, without a full boolean copy.  A sum
        # that overflowed without a bad value is told apart below.
        with np.errstate(over="ignore", invalid="ignore"):
            total = _sum_all(a)
        if not math.isfinite(total):
            bad = np.argwhere(~np.isfinite(a))  # empty when only the sum overflowed
            if bad.size:
                raise ValueError(f"{name} has a NaN or inf value at row {bad[0, 0]}, column "
                                 f"{bad[0, 1]}; clean or drop it before training")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"{what} has {X.shape[0]} samples but {what_y} has {Y.shape[0]}; "
                         "they must match")
    if X.dtype != dtype or Y.dtype != dtype:
        raise TypeError(f"{what} is {X.dtype} and {what_y} is {Y.dtype} but the network's "
                        f"parameters are {dtype}; cast the data or call net.astype(np.{X.dtype})")


def _sum_all(a) -> float:
    """The sum of every value of ``a``, in its own dtype (float16 in float32).

    For float32 and float64 rows in order, a product with a vector of ones: BLAS
    summed an MNIST-sized X in 0.5-0.7 of the time of ``np.add.reduce`` (on two
    cores, and also on one), and every ``fit`` call pays this before its first step.
    """
    if a.dtype in (np.float32, np.float64) and a.flags.c_contiguous and a.size:
        return float(a.dot(np.ones(a.shape[1], a.dtype)).sum())  # (n_samples,) row sums
    return float(np.add.reduce(a, axis=None, dtype=np.result_type(a.dtype, np.float32)))


def _check_fit(net, X, Y, steps, batch_size, clip_norm, clip_value, validation, patience,
               metric, on_diverge, diagnose_every, diverge_factor, log_every=1):
    """Raise a one-line error for any argument of ``fit`` that cannot be used."""
    _check_data(X, Y, net.dtype)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    n = X.shape[0]
    if batch_size is not None and (isinstance(batch_size, bool) or
                                   not isinstance(batch_size, (int, np.integer))
                                   or not 1 <= batch_size <= n):
        raise ValueError(f"batch_size must be an integer from 1 to {n} (the number of "
                         f"samples) or None for full batch, got {batch_size!r}")
    for name, value in (("clip_norm", clip_norm), ("clip_value", clip_value)):
        if value is not None:
            check_number(name, value, low_open=True)
    if validation is not None:
        _check_data(*validation, net.dtype, "X_val", "Y_val")
    if patience is not None:
        check_int("patience", patience, 1)
        if validation is None:
            raise ValueError("early stopping (patience) needs validation data; "
                             "pass validation=(X_val, Y_val) or a validation split")
    if metric not in ("accuracy", "r2"):
        raise ValueError(f"metric must be 'accuracy' or 'r2', got {metric!r}")
    if on_diverge not in ("stop", "rollback", "ignore"):
        raise ValueError(f"on_diverge must be 'stop', 'rollback' or 'ignore', got {on_diverge!r}")
    check_int("diagnose_every", diagnose_every)
    check_int("log_every", log_every)
    check_number("diverge_factor", diverge_factor, low=1.0, low_open=True)


def _end_epoch(run, metric, epoch_loss, validation, val_labels, observe):
    """The loss an epoch is judged by: the validation loss (recorded), else the mean loss."""
    run.monitored = epoch_loss
    if validation is not None:
        X_val, Y_val = validation
        val_pred = run.net.forward(X_val)
        run.monitored = run.loss.forward(val_pred, Y_val)
        run.history.put("val_loss", run.monitored)
        run.history.put(f"val_{metric}", accuracy(val_pred, val_labels, run.loss.threshold)
                        if metric == "accuracy" else r2(val_pred, Y_val))
    if observe is not None:
        observe(run.monitored)


def fit(net: Sequential, X, Y, loss: Loss | None = None, optimizer: Optimizer | None = None,
        regularizer=None, steps: int = 1000, batch_size: int | None = None, seed: int = 0,
        snapshots: int = 0, progress=None, clip_norm: float | None = None,
        clip_value: float | None = None, validation=None, patience: int | None = None,
        min_delta: float = 0.0, drop_last: bool = False, diagnose_every: int = 0,
        on_diverge: str = "stop", diverge_factor: float = 1e3, shuffle: bool = True,
        metric: str = "accuracy", callbacks=(), log_every: int = 1,
        diverge_start: float | None = None) -> History:
    """Train ``net`` on ``(X, Y)`` for up to ``steps`` updates and return the ``History``.

    Parameters
    ----------
    net : Sequential;  X : (n_samples, n_in) float array;  Y : (n_samples, n_out) targets
    loss : Loss, default MSE();  regularizer : L2, L1 or ElasticNet, optional
    optimizer : Optimizer, default SGD(net.parameters(), lr=0.1)
        Its ``lr`` may be a schedule; one with ``observe`` (ReduceOnPlateau) is fed
        the validation loss (or the epoch's mean training loss) after every epoch.
    steps : int, updates (one per minibatch)
    batch_size, seed, drop_last, shuffle : minibatches
        None: full batch; else batches of a permutation reshuffled every epoch from
        ``seed``; ``drop_last`` skips a short last batch; ``shuffle=False`` trains every
        step on the first ``batch_size`` samples (the article script's mistake).
    snapshots : int, copies of the parameters (and of the gradients each of those steps
        computed) at evenly spaced steps, for animations
    progress : True (a ``tqdm.auto`` bar with the loss and metric; off when standard error
        is not a terminal), an open tqdm bar to drive, or ``progress(n_steps_done)``,
        called about 100 times
    clip_norm, clip_value : float, optional, clip the global norm or each entry
    validation : (X_val, Y_val), optional, evaluated at the end of every epoch
    patience, min_delta : stop when the validation loss has not fallen by more than
        ``min_delta`` for ``patience`` epochs, and restore the best weights
    diagnose_every : int, record ``train.diagnose.layer_stats`` every this many steps (0: never)
    on_diverge, diverge_factor : on a non-finite loss or gradient, or a loss above
        ``diverge_factor`` x its start: "stop" (``history.meta["diverged"]`` says why and
        what to try), "rollback" (restore weights at most 10 steps old, halve the
        learning rate, at most 10 times) or "ignore".  A non-finite update is never applied.
    diverge_start : float, optional, the loss that "its start" means (default: this call's
        first loss): a run trained in several calls passes its first call's, since a
        trained network's first minibatch loss can be a thousandth of a later one's
    metric : "accuracy" or "r2", what the ``metric`` column records per step
    callbacks : list of Callback, run after the standard ones the arguments above ask for
    log_every : int, keep every this many steps' rows in the History (and the newest
        step's); 0 picks ``log_interval(steps)``.  Callbacks still see every row.
    """
    from ..bricks.losses import MSE

    _check_fit(net, X, Y, steps, batch_size, clip_norm, clip_value, validation, patience,
               metric, on_diverge, diagnose_every, diverge_factor, log_every)
    if diverge_start is not None:
        check_number("diverge_start", diverge_start, low=0.0, low_open=True)
    loss = MSE() if loss is None else loss
    optimizer = SGD(net.parameters(), lr=0.1) if optimizer is None else optimizer
    columns = ["step", "loss", "data_loss", "penalty", metric, "lr",
               *(f"grad_norm_{k}" for k, _ in net.layers()), "grad_norm"]
    history = History(columns + ["val_loss", f"val_{metric}"] * (validation is not None),
                      every=log_every or log_interval(steps))
    run = FitState(net, X, Y, loss, optimizer, regularizer, history, clip_norm, clip_value)
    hooks = bound_hooks([*standard.callbacks(steps, snapshots, progress, diagnose_every,
                                             on_diverge, diverge_factor, patience, min_delta,
                                             diverge_start),
                         *callbacks])
    for hook in hooks["on_begin"]:
        hook(run)
    _train(run, steps, metric, batch_size, drop_last, seed, shuffle, validation, hooks)
    for hook in hooks["on_end"]:
        hook(run)
    return history


def _train(run, steps, metric, batch_size, drop_last, seed, shuffle, validation, hooks):
    """``fit``'s loop: a step, its row, its callbacks; at each epoch's end, validation."""
    X, Y, history, optimizer, loss = run.X, run.Y, run.history, run.optimizer, run.loss
    n, classify = X.shape[0], metric == "accuracy"
    index = {id(p): i for i, p in enumerate(run.params)}
    layer_params = [[index[id(p)] for p in brick.parameters()] for _, brick in run.net.layers()]
    blank = [math.nan] * (len(history.columns) - 7 - len(layer_params))  # filled later
    labels = labels_of(Y) if classify else np.zeros(n, dtype=np.intp)
    val_labels = labels_of(validation[1]) if validation is not None and classify else None
    batches = Batches(n, batch_size, drop_last, seed) if shuffle else SameFirstBatch(n, batch_size)
    observe = getattr(optimizer.lr, "observe", None)
    step_begin, step_end, epoch_end = hooks["on_step_begin"], hooks["on_step_end"], \
        hooks["on_epoch_end"]
    epoch_loss, epoch_steps, buffers, whole = 0.0, 0, {}, (X, Y, labels)
    started = time.perf_counter()
    # Saturated sigmoids overflow exp() to the right limit; a diverging run shows in
    # its recorded values and the guard's message, not in a stream of NumPy warnings.
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        for step in range(steps):
            run.step = step
            idx, epoch_done = batches.next()
            run.batch = xb, yb, lb = whole if idx is None else gather(whole, idx, buffers)
            for hook in step_begin:
                hook(run)
            lr = optimizer.current_lr()
            loss = run.loss  # a callback may swap it (the live page's bug toggles)
            run.last = s = train_step(run.net, loss, optimizer, xb, yb, run.regularizer,
                                      run.clip_norm, run.clip_value)
            run.steps_done = step + 1
            acc = accuracy(s.pred, lb, loss.threshold) if classify else r2(s.pred, yb)
            grad_sq, total = s.grad_sq, s.data_loss + s.penalty
            run.layer_norms = norms = [math.sqrt(sum([grad_sq[i] for i in ids]))
                                       for ids in layer_params]
            run.row = row = [step, total, s.data_loss, s.penalty, acc, lr, *norms,
                             math.sqrt(sum(grad_sq)), *blank]
            history.record(row)
            for hook in step_end:
                hook(run, row)
            if run.stopped:
                break
            if run.skip_epoch:
                run.skip_epoch = False
                continue
            epoch_loss, epoch_steps = epoch_loss + s.data_loss + s.penalty, epoch_steps + 1
            if epoch_done:
                _end_epoch(run, metric, epoch_loss / epoch_steps, validation, val_labels,
                           observe)
                epoch_loss, epoch_steps = 0.0, 0
                for hook in epoch_end:
                    hook(run)
                if run.stopped:
                    break
    history.meta["seconds"] = time.perf_counter() - started
    history.meta["steps"] = run.steps_done  # with log_every > 1, more than len(history)


def log_interval(steps: int, rows: int = 10_000) -> int:
    """The automatic ``log_every``: every step up to ``rows`` steps, then about ``rows`` rows."""
    return max(1, steps // rows)
