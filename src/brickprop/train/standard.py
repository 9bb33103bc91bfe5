"""The standard callbacks: the ones ``fit``'s own arguments switch on.

Snapshots of the weights, layer diagnostics, progress (a bar or a report function),
the divergence guard and early stopping.  ``callbacks(...)`` makes those that
``fit``'s arguments ask for; they run before the caller's, in that order.
"""

from __future__ import annotations

import numpy as np

from . import diagnose
from ._loop import MAX_ROLLBACKS, Checkpoint, EarlyStop, Halved
from .callbacks import Callback


class Snapshots(Callback):
    """Copies of the parameters at ``count`` evenly spaced steps, and each one's gradients."""

    def __init__(self, count: int, steps: int):
        self.at = set(np.linspace(0, steps, count).round().astype(int).tolist())
        self.taking = False

    def on_step_begin(self, run):
        self.taking = run.step in self.at
        if self.taking:
            run.history.snapshots.append((run.step, [p.data.copy() for p in run.params]))

    def on_step_end(self, run, row):
        if self.taking:  # the gradient this snapshot's weights produced
            run.history.snapshot_grads[run.step] = [p.grad.copy() for p in run.params]

    def on_end(self, run):
        meta = run.history.meta
        if run.steps_done in self.at or {"stopped", "diverged", "interrupted"} & meta.keys():
            run.history.snapshots.append((run.steps_done, [p.data.copy() for p in run.params]))


class Diagnostics(Callback):
    """Every ``every`` steps, each layer's health (``diagnose.STATS``) into the History."""

    def __init__(self, every: int):
        self.every, self.before = every, None

    def on_begin(self, run):
        self.names = diagnose.columns(run.net)
        for name in self.names:
            run.history.add_column(name)
        self.weights = [brick.parameters()[0] for _, brick in run.net.layers()]

    def on_step_begin(self, run):  # the weights before the update, for the update ratios
        due = run.step % self.every == 0
        self.before = [W.data.copy() for W in self.weights] if due else None

    def on_step_end(self, run, row):
        if self.before is not None and run.last.applied:
            stats = diagnose.layer_stats(run.net, run.batch[0], self.before)
            for name, value in zip(self.names, stats):
                run.history.put(name, value)


class Progress(Callback):
    """Calls ``report(n_steps_done)`` about 100 times over ``steps``."""

    def __init__(self, report, steps: int):
        self.report, self.every = report, max(1, steps // 100)

    def on_step_end(self, run, row):
        if (run.step + 1) % self.every == 0:
            self.report(run.step + 1)


class Bar(Callback):
    """A ``tqdm.auto`` bar with the current loss and metric as its postfix.

    A widget in a notebook, text in a terminal, nothing when standard error goes to a
    file or a pipe.  ``bar`` is an open tqdm bar to drive (the caller closes it); None opens one, on
    standard error, and closes it at the end.  The postfix is written about 100 times
    over ``steps``; tqdm redraws at most every 0.1 s.
    """

    def __init__(self, steps: int, bar=None):
        self.steps, self.bar, self.own = steps, bar, bar is None
        self.every = max(1, steps // 100)

    def on_begin(self, run):
        if self.bar is None:
            import sys

            from tqdm.auto import tqdm

            # disable=None: off when stderr is not a terminal (tqdm's notebook bar is on)
            self.bar = tqdm(total=self.steps, desc="training", unit="step", disable=None,
                            file=sys.stderr, leave=True)
        self.metric = run.history.columns[4]  # "accuracy" or "r2"

    def on_step_end(self, run, row):
        if (run.step + 1) % self.every == 0:
            self.show(run)

    def show(self, run):
        self.bar.set_postfix({"loss": f"{run.value('loss'):.4g}",
                              self.metric: f"{run.value(self.metric):.4g}"}, refresh=False)
        self.bar.update(run.steps_done - self.bar.n)

    def on_end(self, run):
        if run.row is not None:  # the last step, also of a run stopped early, drawn once
            self.show(run)
            self.bar.refresh()
        if self.own:
            self.bar.close()


def progress_callback(progress, steps: int):
    """``fit``'s ``progress``: True (a bar), a tqdm bar to drive, or ``report(n_done)``."""
    if progress is True:
        return Bar(steps)
    if hasattr(progress, "set_postfix") and hasattr(progress, "update"):
        return Bar(steps, progress)
    if not callable(progress):
        raise TypeError(f"progress must be True, a tqdm bar or a callable report(n_steps_done), "
                        f"got {type(progress).__name__}")
    return Progress(progress, steps)


class Guard(Callback):
    """The divergence guard: on a non-finite or runaway loss, stop or roll back.

    ``mode="stop"`` restores the newest weights copied before the bad step (a copy is
    kept every 10 steps) and stops, with the guard's message in ``history.meta``;
    ``"rollback"`` restores them, halves the learning rate and goes on, at most
    ``MAX_ROLLBACKS`` times, then stops.
    """

    def __init__(self, mode: str = "stop", factor: float = 1e3, start: float | None = None):
        self.mode, self.factor, self.start, self.rollbacks = mode, factor, start, 0

    def on_begin(self, run):
        X = run.X
        self.guard = diagnose.DivergenceGuard(run.layer_ids, self.factor,
                                              data_scale=lambda: _largest_abs(X),
                                              start=self.start)
        self.good = Checkpoint(run.params)

    def on_step_begin(self, run):
        if run.step % self.good.every == 0:  # self.good.due(run.step), without the call
            self.good.save(run.step)

    def on_step_end(self, run, row):
        problem = self.guard.check(run.step, run.last.data_loss + run.last.penalty,
                                   run.layer_norms, run.history)
        if problem is None:
            return
        back_to = self.good.restore(run.step)
        if self.mode == "rollback" and self.rollbacks < MAX_ROLLBACKS:
            self.rollbacks += 1
            run.optimizer.lr = Halved(run.optimizer.lr)
            run.history.meta.setdefault("rollbacks", []).append(
                f"step {run.step + 1}: restored the weights from before step {back_to + 1} and "
                f"halved the learning rate to {run.optimizer.current_lr():.4g} "
                f"({problem.split('. ')[0]})")
            run.skip_epoch = True
            return
        run.history.meta["diverged_step"] = run.step + 1
        run.history.meta["remedies"] = list(self.guard.remedies)
        run.stop(problem + f" The model holds the weights from before step {back_to + 1}.",
                 key="diverged")


def _largest_abs(X) -> float:
    """The largest ``|value|`` of ``X``, from two reductions: no copy of ``X``."""
    if not X.size:
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        return max(abs(float(X.max())), abs(float(X.min())))


class EarlyStopping(Callback):
    """Stop when ``run.monitored`` has not fallen by ``min_delta`` for ``patience`` epochs.

    The best weights seen are restored when it stops.
    """

    def __init__(self, patience: int, min_delta: float = 0.0):
        self.patience, self.min_delta = patience, min_delta

    def on_begin(self, run):
        self.stopper = EarlyStop(self.patience, self.min_delta, run.params)

    def on_epoch_end(self, run):
        stopper = self.stopper
        if not stopper.should_stop(run.monitored, run.step):
            return
        stopper.restore()
        run.stop(f"early stopping at step {run.step + 1}: the validation loss did not fall by "
                 f"more than {self.min_delta:g} for {self.patience} epochs; restored the best "
                 f"weights, from step {stopper.best_step + 1} (validation loss "
                 f"{stopper.best:.6g})")


def callbacks(steps, snapshots=0, progress=None, diagnose_every=0, on_diverge="stop",
             diverge_factor=1e3, patience=None, min_delta=0.0,
              diverge_start=None) -> list[Callback]:
    """The callbacks that ``fit``'s own arguments ask for, in the order they run."""
    cbs = [Snapshots(snapshots, steps)] if snapshots else []
    cbs += [Diagnostics(diagnose_every)] if diagnose_every else []
    quiet = progress is None or progress is False
    cbs += [] if quiet else [progress_callback(progress, steps)]
    cbs += [Guard(on_diverge, diverge_factor, diverge_start)] if on_diverge != "ignore" else []
    cbs += [EarlyStopping(patience, min_delta)] if patience else []
    return cbs
