"""Callbacks: everything that watches or steers ``fit``, with one small protocol.

A callback overrides any of five hooks; ``fit`` calls only the hooks a callback
overrides, so one that is not there costs nothing and one that only reads costs a
call per step::

    class StopAt(bp.Callback):
        def on_step_end(self, run, row):
            if run.step % 100 == 0:
                print(run.step, run.value("loss"))
            if run.value("accuracy") >= 0.99:
                run.stop(f"reached 99% accuracy at step {run.step + 1}")

    bp.fit(net, X, Y, steps=5000, callbacks=[StopAt()])

``run`` is the :class:`~brickprop.train.state.FitState` of the call: the network, the
loss, the optimizer, the History, the step, and the levers (``stop``, ``set_lr``,
``set_regularizer``, ``set_clip``).  The standard callbacks below are the ones
``fit``'s own arguments switch on; they run before the caller's, in this order.
"""

from __future__ import annotations

import numpy as np

from . import diagnose
from ._loop import MAX_ROLLBACKS, Checkpoint, EarlyStop, Halved

HOOKS = ("on_begin", "on_step_begin", "on_step_end", "on_epoch_end", "on_end")


class Callback:
    """Base of every callback: five hooks that do nothing.

    ``on_begin(run)`` before the first step (add History columns here);
    ``on_step_begin(run)`` before step ``run.step``'s update; ``on_step_end(run, row)``
    after it, ``row`` being the step's metrics (``run.history.columns`` names them;
    ``run.value(name)`` reads one); ``on_epoch_end(run)`` after the epoch's
    validation, with ``run.monitored`` the loss an epoch is judged by; ``on_end(run)``
    after the last step, also when the run was stopped.
    """

    def on_begin(self, run) -> None:
        pass

    def on_step_begin(self, run) -> None:
        pass

    def on_step_end(self, run, row) -> None:
        pass

    def on_epoch_end(self, run) -> None:
        pass

    def on_end(self, run) -> None:
        pass


def bound_hooks(callbacks) -> dict[str, list]:
    """For each hook, the bound methods of the callbacks that override it, in order."""
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be brickprop.Callback instances, got "
                            f"{type(cb).__name__}; subclass Callback and override its hooks")
    return {name: [getattr(cb, name) for cb in callbacks
                   if getattr(type(cb), name) is not getattr(Callback, name)] for name in HOOKS}


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

    def __init__(self, mode: str = "stop", factor: float = 1e3):
        self.mode, self.factor, self.rollbacks = mode, factor, 0

    def on_begin(self, run):
        with np.errstate(over="ignore", invalid="ignore"):
            # the largest |input|, from two reductions: no copy of X
            scale = max(abs(float(run.X.max())), abs(float(run.X.min()))) if run.X.size else 0.0
        self.guard = diagnose.DivergenceGuard(run.layer_ids, self.factor, data_scale=scale)
        self.good = Checkpoint(run.params)

    def on_step_begin(self, run):
        if self.good.due(run.step):
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


class Interrupt(Callback):
    """Stops the run after the current step once ``request(why)`` was called.

    Made for a signal handler (Ctrl-C, SIGTERM): ``request`` only sets the run's stop
    flag, which ``fit`` reads after every step, so this costs nothing per step.
    ``history.meta["interrupted"]`` then says after how many of ``steps`` it stopped.
    """

    def __init__(self, steps: int | None = None):
        self.steps, self.run, self.requested = steps, None, None

    def on_begin(self, run):
        self.run = run
        if self.requested:  # asked before the first step: that one step still runs
            run.stop(self.requested, key="interrupted")

    def request(self, why: str) -> None:
        """Stop after the current step; ``why`` names the cause ("Ctrl-C")."""
        self.requested = why
        if self.run is not None and not self.run.stopped:
            self.run.stop(why, key="interrupted")

    def on_end(self, run):
        self.run = None  # a request after the last step no longer changes the run
        meta = run.history.meta
        if "interrupted" in meta:
            total = f" of {self.steps}" if self.steps else ""
            meta["interrupted"] = (f"interrupted by {meta['interrupted']} after "
                                   f"{run.steps_done}{total} steps")


def standard(steps, snapshots=0, progress=None, diagnose_every=0, on_diverge="stop",
             diverge_factor=1e3, patience=None, min_delta=0.0) -> list[Callback]:
    """The callbacks that ``fit``'s own arguments ask for, in the order they run."""
    cbs = [Snapshots(snapshots, steps)] if snapshots else []
    cbs += [Diagnostics(diagnose_every)] if diagnose_every else []
    quiet = progress is None or progress is False
    cbs += [] if quiet else [progress_callback(progress, steps)]
    cbs += [Guard(on_diverge, diverge_factor)] if on_diverge != "ignore" else []
    cbs += [EarlyStopping(patience, min_delta)] if patience else []
    return cbs



class Scheduled(Callback):
    """Call ``actions[N]`` (functions of the FitState) once ``N`` steps are done.

    ``N = 0`` runs in ``on_begin``; any other after step ``N``'s ``on_step_end``, where
    a callback that steers a run by hand (the live page) makes its changes, so a
    recorded session replays step for step.
    """

    def __init__(self, actions: dict):
        self.actions = actions

    def on_begin(self, run):
        for action in self.actions.get(0, []):
            action(run)

    def on_step_end(self, run, row):
        for action in self.actions.get(run.step + 1, []):
            action(run)
