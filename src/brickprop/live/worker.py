"""The worker process of a live page: builds runs, trains them with ``fit``, obeys the pipe.

Commands (tuples from :class:`~brickprop.live.session.Session`): ``("ask", version)``
send a snapshot once the state differs from ``version``; ``("play", bool)``;
``("step",)`` one step then pause; ``("speed", steps_per_second)`` (0: no limit);
``("live", cfg)`` a learning rate, penalty or clipping from the next step;
``("run", id, cfg, weights, step, start_loss)`` a new run (``start_loss``: the loss
its divergence guard measures growth from, or None for its first); ``("close",)``.  Replies:
``("snapshot", fields of Snapshot)``.
"""

from __future__ import annotations

import math
import time

from ..runs.build import make_lr, make_regularizer, rebug
from ..runs.config import CHANGE_KEYS
from ..train.callbacks import Callback
from ..train.loop import fit
from .session import LIVE_STOP, SEGMENT


class Steer(Callback):
    """After every step: count it, and when the flag is up, do what the page asked."""

    def __init__(self, worker):
        self.worker, self.history = worker, None

    def on_step_end(self, run, row) -> None:
        w = self.worker
        w.step += 1
        if run.history is not self.history:  # a new fit call: find its columns once
            self.history, cols, self.rolled = run.history, run.history.columns, 0
            self.norms = [cols.index(c) for c in cols if c.startswith("grad_norm_")]
            self.ratios = [cols.index(c) for c in cols if c.startswith("update_ratio_")]
        ratios = [row[i] for i in self.ratios]
        if ratios and ratios[0] == ratios[0]:  # a diagnostics step (else NaN)
            w.diag = {"step": w.step, "grad_norm": [row[i] for i in self.norms],
                      "update_ratio": ratios}
        rolled = run.history.meta.get("rollbacks", ())
        if len(rolled) > self.rolled:  # --on-diverge rollback: the guard went back, as in train
            w.rollbacks += rolled[self.rolled:]
            self.rolled = len(rolled)
            w.revision += 1  # the page says so at once
        if w.flag.value or w.attend_always:
            w.attend(run)


class Worker:
    def __init__(self, commands, results, flag):
        self.commands, self.results, self.flag = commands, results, flag
        self.run = self.cfg = None
        self.run_id = self.step = self.revision = self.segment = self.single = 0
        self.playing, self.state, self.message = False, "paused", ""
        self.speed, self.pace, self.ask_after = 0.0, None, False
        self.closed, self.next, self.live = False, None, None
        self.attend_always = False
        self.remedies = []  # the guard's ranked remedies, while diverged
        self.changes = []   # "STEP:KEY=VALUE" of each live change since the run began
        self.diag = None    # per-layer gradient norms and update ratios, last diagnosed
        self.rollbacks = []  # the guard's rollback lines (on_diverge "rollback") this run

    # -- commands ----------------------------------------------------------------------
    def read(self, block: bool = False) -> None:
        """Handle the commands in the pipe (waiting for one when ``block``)."""
        self.flag.value = 0  # before reading: a command sent after this raises it again
        try:
            while block or self.commands.poll():
                block = False
                command = self.commands.recv()
                getattr(self, "do_" + command[0])(*command[1:])
        except (EOFError, OSError):  # the server is gone
            self.closed = True

    def do_ask(self, after):
        self.ask_after = after

    def do_play(self, playing):
        if playing and self.state == "diverged":  # going on after a remedy (or as it is)
            self.message, self.remedies = "", []
        if self.state != "finished" or not playing:
            self.playing, self.single = playing, 0
            self.state = "playing" if playing else "paused"

    def do_step(self):
        if self.state != "finished":
            self.playing, self.single, self.state = True, 1, "playing"

    def do_speed(self, speed):
        self.speed, self.pace = speed, None
        self.attend_always = speed > 0

    def do_live(self, cfg):
        self.live = cfg

    def do_run(self, run_id, cfg, weights, step, start_loss=None):
        self.next = (run_id, cfg, weights, step, start_loss)

    def do_close(self):
        self.closed = True

    def version(self) -> tuple:
        return self.run_id, self.step, self.state, self.message, self.revision

    def serve(self) -> None:
        """Send a snapshot if one is asked for and the state moved on."""
        if self.ask_after is not False and self.run is not None and \
                self.version() != self.ask_after:
            self.ask_after = False
            params = [p.data.copy() for p in self.params]
            try:
                self.results.send(("snapshot", (self.run_id, self.step, params, self.state,
                                                self.message, float(self.optimizer.current_lr()),
                                                self.revision, self.remedies
                                                if self.state == "diverged" else [],
                                                list(self.changes), self.diag,
                                                list(self.rollbacks))))
            except (BrokenPipeError, OSError):  # the server is gone
                self.closed = True

    # -- runs ----------------------------------------------------------------------------
    def install(self):
        from ..live.page import start_run

        run_id, cfg, weights, step, start_loss = self.next
        self.next = None
        self.run, self.cfg, self.run_id, self.step = start_run(cfg, weights), cfg, run_id, step
        self.params = self.run.net.parameters()
        self.optimizer = self.run.fit_kwargs["optimizer"]
        self.segment = self.revision = self.single = 0
        self.changes, self.diag, self.rollbacks = [], None, []
        # the run's first loss, "its start" for every segment's guard: a run folder's own
        # first loss when it goes on from there, else taken from the first segment
        self.start_loss = start_loss
        self.playing = self.playing and step < cfg.steps
        self.state = "finished" if step >= cfg.steps else \
            "playing" if self.playing else "paused"
        self.message = f"trained all {cfg.steps} steps" if self.state == "finished" else ""

    def set_bugs(self, cfg, fit_state=None):
        """Switch the live bugs of ``cfg`` on (and the others off) in the net and the loss."""
        net, loss = rebug(cfg, self.run.net)
        self.run.net, self.run.fit_kwargs["loss"] = net, loss
        if fit_state is not None:
            fit_state.net, fit_state.loss = net, loss

    def apply_live(self, fit_state=None):
        cfg, self.live = self.live, None
        if cfg.bugs != self.cfg.bugs:
            self.set_bugs(cfg, fit_state)
        for key in CHANGE_KEYS:  # recorded as config.toml's changes, replayed by train
            if getattr(cfg, key) != getattr(self.cfg, key):
                text = ",".join(cfg.bugs) or "none" if key == "bugs" else repr(getattr(cfg, key))
                self.changes.append(f"{self.step}:{key}={text}")
        self.cfg = cfg
        self.revision += 1
        if self.state == "finished" and self.step < cfg.steps:
            self.state, self.message = "paused", ""
        if fit_state is None:  # between fit calls: the next call reads the config
            self.optimizer.lr = make_lr(cfg)
            return
        fit_state.set_lr(make_lr(cfg))
        fit_state.set_regularizer(make_regularizer(cfg))
        fit_state.set_clip(cfg.clip_norm or None, cfg.clip_value or None)

    def attend(self, fit_state) -> None:
        """After a step inside ``fit``: commands, snapshots, pause, pace, stop."""
        if self.single:
            self.single -= 1
            if not self.single:
                self.playing, self.state = False, "paused"
        if self.step >= self.cfg.steps:
            self.playing, self.state = False, "finished"
            self.message = f"trained all {self.cfg.steps} steps; raise steps to go on"
        while True:
            self.read()
            if self.live is not None:
                self.apply_live(fit_state)
            self.serve()
            if self.closed or self.next or self.state == "finished":
                fit_state.stop(LIVE_STOP)
                return
            if self.playing:
                break
            self.read(block=True)
            if self.closed:
                fit_state.stop(LIVE_STOP)
                return
        if self.speed:
            self.keep_pace()

    def keep_pace(self):
        """Sleep so that steps run at ``speed`` per second (in bursts of 10 ms at most)."""
        now = time.perf_counter()
        if self.pace is None or now - self.pace > 0.2:
            self.pace = now
        self.pace += 1.0 / self.speed
        if self.pace - now > 0.01 or self.speed < 100:
            time.sleep(max(self.pace - now, 0.0))

    def loop(self) -> None:
        while not self.closed:
            trainable = self.playing and self.run is not None and \
                self.state != "finished" and self.step < self.cfg.steps
            self.read(block=not (self.next or trainable or self.live is not None))
            if self.next:
                self.install()
            if self.live is not None:
                self.apply_live()
            self.serve()
            if self.playing and self.state != "finished" and self.step < self.cfg.steps:
                self.train_segment()

    def train_segment(self) -> None:
        cfg = self.cfg
        kw = dict(self.run.fit_kwargs)
        kw.pop("callbacks", None)  # an opened config's changes: the page steers by hand
        # optimizer.lr is the config's (set by install and apply_live), or the guard's halving
        # of it after a rollback, which holds for the rest of the run, as in train
        kw.update(regularizer=make_regularizer(cfg), clip_norm=cfg.clip_norm or None,
                  clip_value=cfg.clip_value or None, steps=min(SEGMENT, cfg.steps - self.step),
                  snapshots=0, seed=cfg.seed + self.segment, progress=None,
                  diverge_start=self.start_loss)
        self.segment += 1
        self.flag.value = 1  # the first step looks at the pipe
        history = fit(self.run.net, self.run.X, self.run.Y, **kw, callbacks=[Steer(self)])
        first = float(history["loss"][0]) if len(history) else math.nan
        if self.start_loss is None and math.isfinite(first) and first > 0:
            self.start_loss = first
        meta = history.meta
        if meta.get("stopped") == LIVE_STOP:
            meta.pop("stopped")
        if meta.get("diverged") or meta.get("stopped"):
            self.playing = False
            self.state = "diverged" if meta.get("diverged") else "finished"
            self.message = meta.get("diverged") or meta.get("stopped")
            self.remedies = meta.get("remedies", [])
        elif self.step >= self.cfg.steps:  # fit ended on its last step with no attend after it
            self.playing, self.state = False, "finished"
            self.message = f"trained all {self.cfg.steps} steps; raise steps to go on"
        self.serve()


def main(commands, results, flag) -> None:
    """The worker process's entry point."""
    worker = Worker(commands, results, flag)
    try:
        worker.loop()
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; the server reports
        pass
    finally:
        results.close()
