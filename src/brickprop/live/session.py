"""One page's training: a config, its run, a worker thread, and snapshots for frames.

The worker thread trains through ``fit`` -- the divergence guard, validation, early
stopping and every other callback of a normal run included -- in segments of at most
``SEGMENT`` steps (the first ``steps`` steps are exactly ``brickprop train``'s when
``steps <= SEGMENT``; later segments reshuffle from ``seed + k``), so a session's
History never holds more than one segment.  Its :class:`Steer` callback, called after
every step, is where the page reaches the training: it hands a snapshot of the
weights to the frame sender when one is asked for, applies a learning rate,
penalty or clipping changed on the page (``set_lr``, ``set_regularizer``,
``set_clip``), blocks while paused, keeps the chosen speed, and stops the run on a
reset.  Everything else happens at the browser's pace in the server's thread:
frames are computed from the snapshots (``viz.frames``), never from the network
being trained.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ..runs.build import make_lr, make_regularizer
from ..train.callbacks import Callback
from ..train.loop import fit
from .options import LIVE_KEYS  # noqa: F401  (the keys Steer applies without a reset)

SEGMENT = 20_000  # steps per fit call: bounds the History a session holds
LIVE_STOP = "stopped by the live page (a reset, a change, or the end of steps)"


@dataclass
class Snapshot:
    """The weights at one moment, and what the page shows beside them."""

    run: int           # which run (counts resets)
    step: int          # steps done in this run
    params: list       # copies of the parameters, in ``net.parameters()`` order
    state: str         # "paused", "playing", "finished" or "diverged"
    message: str       # why it stopped, or ""
    lr: float
    cfg: object        # the RunConfig being trained
    source: object     # the Run (data, network, loss) the weights belong to

    revision: int      # counts changes applied without a reset

    @property
    def version(self) -> tuple:
        return self.run, self.step, self.state, self.message, self.revision


class Steer(Callback):
    """The callback through which a :class:`Session` steers ``fit``: one flag per step."""

    def __init__(self, session):
        self.session = session

    def on_step_end(self, run, row) -> None:
        s = self.session
        s.step += 1
        if s.attention:
            s._attend(run)


class Session:
    """Trains a built run in a worker thread while the page watches and steers.

    Parameters
    ----------
    cfg : RunConfig
    run : Run
        ``runs.build.build(cfg)``; its network may hold opened weights.
    step : int
        Steps the opened weights were already trained (0 for a fresh run).
    """

    def __init__(self, cfg, run, step: int = 0):
        self._cond = threading.Condition()
        self.closed = False
        self.speed = 0.0  # steps per second; 0: as fast as it goes
        self.run_id = 0
        self._asks: list = []  # (after_version, callback) of frame senders waiting
        self._install(cfg, run, step)
        self.thread = threading.Thread(target=self._work, name="brickprop-live", daemon=True)
        self.thread.start()

    # -- called from the server's thread -------------------------------------------------
    def ask(self, after: tuple | None, deliver) -> None:
        """Call ``deliver(snapshot)`` (from the worker) once the state differs from ``after``."""
        with self._cond:
            self._asks.append((after, deliver))
            self._flag()

    def play(self, playing: bool = True) -> None:
        with self._cond:
            if self.state in ("finished",) and playing:
                return
            self.playing, self.single = playing, 0
            self.state = "playing" if playing else "paused"
            self._flag()

    def one_step(self) -> None:
        with self._cond:
            if self.state != "finished":
                self.playing, self.single, self.state = True, 1, "playing"
                self._flag()

    def set_speed(self, steps_per_second: float) -> None:
        with self._cond:
            self.speed = float(steps_per_second)
            self._pace = None
            self._flag()

    def change(self, cfg, run=None, step: int = 0) -> None:
        """Train ``cfg`` from now on: live keys at the next step, anything else a new run."""
        with self._cond:
            if run is None:
                self.cfg, self._live = cfg, True
                if self.state == "finished" and self.step < cfg.steps:
                    self.state, self.message = "paused", ""
            else:
                self._next = (cfg, run, step)
            self._flag()

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._flag()
        self.thread.join(timeout=5)

    # -- the worker thread ---------------------------------------------------------------
    def _install(self, cfg, run, step):
        playing = getattr(self, "playing", False)  # a new run keeps playing if this one was
        self.cfg, self.run, self.step = cfg, run, step
        self.params = run.net.parameters()
        self.optimizer = run.fit_kwargs["optimizer"]
        self.run_id += 1
        self.single, self.segment = 0, 0
        self.playing = playing and step < cfg.steps
        self.state = "finished" if step >= cfg.steps else "playing" if self.playing else "paused"
        self.message = f"trained all {cfg.steps} steps" if self.state == "finished" else ""
        self._next, self._live, self._pace, self.revision = None, False, None, 0
        self.attention = True  # the callback looks at the first step; _flag decides after

    def _flag(self):
        """Ask the callback to look (caller holds the lock), and wake a waiting worker."""
        self.attention = bool(self._asks or self._live or self._next or self.closed or
                              not self.playing or self.single or self.speed)
        self._cond.notify_all()

    def snapshot(self) -> Snapshot:
        return Snapshot(self.run_id, self.step, [p.data.copy() for p in self.params],
                        self.state, self.message, float(self.optimizer.current_lr()),
                        self.cfg, self.run, self.revision)

    def _serve(self):
        """Deliver a snapshot to every sender whose view is out of date (lock held)."""
        if not self._asks:
            return
        snap, waiting = None, []
        for after, deliver in self._asks:
            now = (self.run_id, self.step, self.state, self.message, self.revision)
            if now == after:
                waiting.append((after, deliver))
                continue
            snap = snap or self.snapshot()
            deliver(snap)
        self._asks = waiting

    def _live_values(self):
        cfg = self.cfg
        return make_lr(cfg), make_regularizer(cfg), cfg.clip_norm or None, cfg.clip_value or None

    def _attend(self, fit_state) -> None:
        """Everything the page asked for, after one step (in the worker, inside ``fit``)."""
        with self._cond:
            if self.single:
                self.single -= 1
                if not self.single:
                    self.playing, self.state = False, "paused"
            if self.step >= self.cfg.steps:
                self.playing, self.state = False, "finished"
                self.message = f"trained all {self.cfg.steps} steps; raise steps to go on"
            while True:
                self._serve()
                if self._live:
                    self._live = False
                    lr, regularizer, clip_norm, clip_value = self._live_values()
                    fit_state.set_lr(lr)
                    fit_state.set_regularizer(regularizer)
                    fit_state.set_clip(clip_norm, clip_value)
                    self.revision += 1
                if self.closed or self._next or self.state == "finished":
                    fit_state.stop(LIVE_STOP)
                    break
                if self.playing:
                    break
                self._cond.wait()
            self._flag()
        if self.speed and self.playing:
            self._keep_pace()

    def _keep_pace(self):
        """Sleep so that steps run at ``speed`` per second (in bursts of 10 ms at most)."""
        now = time.perf_counter()
        if self._pace is None or now - self._pace > 0.2:
            self._pace = now
        self._pace += 1.0 / self.speed
        if self._pace - now > 0.01 or self.speed < 100:
            with self._cond:
                self._cond.wait_for(lambda: self.closed or self._next or not self.playing,
                                    timeout=max(self._pace - now, 0.0))

    def _wait_outside_fit(self):
        """Between fit calls: serve snapshots and changes until there is a step to train."""
        with self._cond:
            while True:
                self._serve()
                if self.closed:
                    return False
                if self._next:
                    self._install(*self._next)
                    continue
                if self._live:
                    self._live = False
                    self.optimizer.lr = make_lr(self.cfg)  # the rest is read at fit's start
                    self.revision += 1
                if self.playing and self.state != "finished" and self.step < self.cfg.steps:
                    return True
                self._cond.wait()

    def _work(self):
        while self._wait_outside_fit():
            kw = dict(self.run.fit_kwargs)
            lr, regularizer, clip_norm, clip_value = self._live_values()
            self.optimizer.lr = lr
            kw.update(regularizer=regularizer, clip_norm=clip_norm, clip_value=clip_value,
                      steps=min(SEGMENT, self.cfg.steps - self.step), snapshots=0,
                      seed=self.cfg.seed + self.segment, progress=None)
            self.segment += 1
            with self._cond:
                self._flag()
            history = fit(self.run.net, self.run.X, self.run.Y, **kw, callbacks=[Steer(self)])
            with self._cond:
                meta = history.meta
                if meta.get("stopped") == LIVE_STOP:
                    meta.pop("stopped")
                if meta.get("diverged") or meta.get("stopped"):
                    self.playing = False
                    self.state = "diverged" if meta.get("diverged") else "finished"
                    self.message = meta.get("diverged") or meta.get("stopped")
                self._flag()
