"""One page's training: a worker process that runs ``fit``, and the server's handle on it.

The worker trains through ``fit`` -- the divergence guard, validation, early stopping
and every other callback of a normal run included -- in segments of at most
``SEGMENT`` steps (the first ``steps`` steps are exactly ``brickprop train``'s when
``steps <= SEGMENT``; later segments reshuffle from ``seed + k``), so it never holds
more than one segment's History.  It is a process, not a thread: a step of a small
network is mostly Python, and sharing one interpreter lock with the server and the
frame pictures cost half the steps per second.  Its :class:`Steer` callback reads one
shared flag per step; when the server raised it, the callback reads the commands
that came down the pipe -- send a snapshot of the weights, apply a learning rate,
penalty or clipping changed on the page (``set_lr``, ``set_regularizer``,
``set_clip``), pause (block on the pipe), keep a speed, stop for a new run.  Frames
are made in the server from the snapshots (``viz.frames``), at the browser's pace
and at most 36 a second (``live.js`` acknowledges a frame no sooner): on two cores,
drawing more often took the time of the training.
"""

from __future__ import annotations

import multiprocessing
import threading
from dataclasses import dataclass

SEGMENT = 20_000  # steps per fit call: bounds the History the worker holds
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
    revision: int      # counts changes applied without a reset
    remedies: list = None  # the divergence guard's ranked remedies, while "diverged"
    changes: list = None   # "STEP:KEY=VALUE" of the live changes since the run began
    diag: dict = None      # {"step", "grad_norm": [per layer], "update_ratio": [per layer]}
    rollbacks: list = None  # the guard's rollback lines this run (on_diverge "rollback")
    cfg: object = None     # the RunConfig being trained (filled in by the server)
    source: object = None  # the server's own Run of that config (data, network, loss)

    @property
    def version(self) -> tuple:
        return self.run, self.step, self.state, self.message, self.revision


class Session:
    """The server's handle on one page's worker process (same calls from any thread).

    Parameters
    ----------
    cfg : RunConfig
    run : Run
        The server's ``build(cfg)`` (its data and network draw the frames); the worker
        builds its own from ``cfg``, with ``weights`` (name -> array) loaded if given.
    step : int
        Steps those weights were already trained (0 for a fresh run).
    """

    def __init__(self, cfg, run, step: int = 0, weights=None, start_loss=None):
        from . import worker

        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self._flag = ctx.Value("i", 0, lock=False)  # raised: the worker reads its pipe
        self._commands, commands = ctx.Pipe()
        results, self._results = ctx.Pipe(duplex=False)
        self._lock = threading.Lock()
        self._deliver = None
        self.runs, self.run_id, self.cfg = {}, 0, cfg
        self.process = ctx.Process(target=worker.main, args=(commands, self._results,
                                                             self._flag), daemon=True)
        self.process.start()
        commands.close()  # the worker's ends: closed here, so its exit reads as EOF
        self._results.close()
        self._reader = threading.Thread(target=self._read, args=(results,), daemon=True)
        self._reader.start()
        self.change(cfg, run, step, weights, start_loss)

    def _send(self, *command) -> None:
        with self._lock:
            try:
                self._commands.send(command)
            except (OSError, ValueError):  # the worker is gone; close() says so
                return
            self._flag.value = 1  # after the send: the worker finds the command there

    def _read(self, results) -> None:
        while True:
            try:
                kind, data = results.recv()
            except (EOFError, OSError):
                return
            if kind == "snapshot":
                snap = Snapshot(*data)
                snap.cfg, snap.source = self.runs.get(snap.run, (None, None))
                deliver, self._deliver = self._deliver, None
                if deliver is not None and snap.source is not None:
                    deliver(snap)

    def ask(self, after: tuple | None, deliver) -> None:
        """Call ``deliver(snapshot)`` (in a reader thread) when the state differs from ``after``."""
        self._deliver = deliver
        self._send("ask", after)

    def play(self, playing: bool = True) -> None:
        self._send("play", playing)

    def one_step(self) -> None:
        self._send("step")

    def set_speed(self, steps_per_second: float) -> None:
        self._send("speed", float(steps_per_second))

    def change(self, cfg, run=None, step: int = 0, weights=None, start_loss=None) -> None:
        """Train ``cfg`` from now on: live keys at the next step; with ``run``, a new run.

        A new run's divergence guard measures growth from ``start_loss`` (a run folder's
        first loss, when it goes on from that folder's weights), else from its own first.
        """
        self.cfg = cfg
        if run is None:
            self._send("live", cfg)
            return
        self.run_id += 1
        self.runs = {k: v for k, v in self.runs.items() if k >= self.run_id - 1}
        self.runs[self.run_id] = (cfg, run)
        self._send("run", self.run_id, cfg, weights, step, start_loss)

    def close(self) -> None:
        self._send("close")
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self._commands.close()
