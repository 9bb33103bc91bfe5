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
``set_regularizer``, ``set_clip``).  The standard callbacks, the ones ``fit``'s own
arguments switch on (snapshots, diagnostics, progress, the divergence guard, early
stopping), are in ``standard``; here are the protocol and the two callbacks that
others add to a run: ``Interrupt`` (Ctrl-C) and ``Scheduled`` (replayed changes).
"""

from __future__ import annotations

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
