"""What a worker process of ``brickprop compare`` runs: one variant, and a watch on its parent.

A forked local worker may also be told (``tell_trained``) where the comparison's figure
is drawn: then each variant, once trained and before its run folder is written, leaves
its curves and network there (``Trained``), so its row is drawn while the worker writes.
"""

from __future__ import annotations

import math
import os
import pickle
import re
import tempfile
import threading
import time
import warnings

import numpy as np

from ..runs.config import ConfigError
from ..store.model import save
from ..train.callbacks import Callback


def run_metrics(history) -> dict:
    """The table's numbers for one ``History``: accuracy, loss, steps to 95%, gradient peak."""
    metric = "accuracy" if "accuracy" in history.columns else "r2"
    acc, loss = history[metric], history["loss"]
    norms = [history[c] for c in history.columns if re.fullmatch(r"grad_norm_\d+", c)]
    total = np.sqrt(np.sum(np.square(norms), axis=0)) if norms else np.full(len(loss), np.nan)
    bad = np.flatnonzero(~np.isfinite(loss) | ~np.isfinite(total))
    reached = np.flatnonzero(acc >= 0.95)
    finite_loss, finite_norm = loss[np.isfinite(loss)], total[np.isfinite(total)]
    return {"final_accuracy": float(acc[-1]), "best_accuracy": float(np.nanmax(acc)),
            "final_loss": float(loss[-1]),
            "best_loss": float(finite_loss.min()) if finite_loss.size else math.nan,
            "steps_to_95": int(reached[0] + 1) if reached.size else None,
            "first_nonfinite_step": int(bad[0] + 1) if bad.size else None,
            "peak_grad_norm": float(finite_norm.max()) if finite_norm.size else math.nan,
            "steps_run": history.meta.get("steps", len(history)),
            "seconds": history.meta["seconds"]}


_WATCHED: list = []  # the parent pid a worker's watchdog thread follows


def _die_with_parent(parent: int | None) -> None:
    """In a worker process: exit as soon as ``parent`` (the compare process) is gone.

    A daemon thread polls every half second: a parent killed even by SIGKILL
    reparents its child (``os.getppid()`` changes) and leaves no process to signal,
    so the worker exits instead of training on for minutes.
    """
    if parent is None or _WATCHED or os.getpid() == parent:
        return  # on a cluster, in the parent itself, or watching already
    _WATCHED.append(parent)
    direct = os.getppid() == parent

    def gone() -> bool:
        if direct and os.getppid() != parent:
            return True
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
        return False

    if gone():  # died while this worker was starting
        os._exit(1)

    def watch():
        while not gone():
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="brickprop-parent-watch", daemon=True).start()


_TELL: list = []  # (connection, folder): where a forked worker leaves its trained variants


def tell_trained(conn, folder: str) -> None:
    """In a worker: after each training, leave its panel in ``folder`` and its path on ``conn``."""
    _TELL[:] = [(conn, folder)]


def status(meta: dict) -> str:
    """A trained variant's status in the table: ``diverged``, ``stopped`` or ``ok``."""
    return "diverged" if "diverged" in meta else "stopped" if "stopped" in meta else "ok"


class Trained(Callback):
    """At the end of a variant's training: its curves, network and status, for the figure.

    The network is saved as a model file (its weights only: a pickled network would
    carry the inputs its layers cached) and the rest pickled beside it, in the folder
    ``tell_trained`` gave; the pickle's path, a short message written to the pipe at
    once, goes to the process drawing the figure.  A worker never waits on the drawing.
    """

    def __init__(self, name: str):
        self.name = name

    def on_end(self, run) -> None:
        conn, folder = _TELL[0]
        h = run.history
        metric = "accuracy" if "accuracy" in h.columns else "r2"
        try:
            fd, path = tempfile.mkstemp(dir=folder, suffix=".pkl")
            os.close(fd)
            save(run.net, path[:-4] + ".npz")
            panel = {"status": status(h.meta), "steps": h["step"], "accuracy": h[metric],
                     "loss": h["loss"], "grad_norm": h["grad_norm"], "net": path[:-4] + ".npz"}
            with open(path, "wb") as f:
                pickle.dump(panel, f, protocol=pickle.HIGHEST_PROTOCOL)
            conn.send((self.name, path))
        except (OSError, ValueError, pickle.PicklingError):  # the figure reads the folder
            pass


def run_variant(v, parent: int | None = None, figures: bool = True) -> tuple[dict, dict]:
    """Train one variant in a temporary folder: ``(row, {file name: bytes})``.

    Never raises for a bad variant: its row says what went wrong.  ``parent`` is the
    pid of the compare process, which a local worker dies with.  ``figures=False``
    writes no pictures or page for it (``write_run``).
    """
    _die_with_parent(parent)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # a worker's warnings would reach the terminal raw
        return _run_variant(v, figures)


def _run_variant(v, figures: bool) -> tuple[dict, dict]:
    from ..jobs.run import train_run

    row = {"variant": v.name, "group": v.group, "seed": v.seed, **v.values}
    if v.cfg is None:
        return {**row, "status": "bad config", "message": v.error}, {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="brickprop-compare-") as tmp:
        try:
            history, lines, names = train_run(v.cfg, tmp, shown=v.folder or None,
                                              figures=figures,
                                              callbacks=[Trained(v.name)] if _TELL else ())
        except ConfigError as e:
            return {**row, "status": "bad config", "message": str(e)}, {}
        except Exception as e:  # one broken variant must not stop the grid
            return {**row, "status": "failed", "message": f"{type(e).__name__}: {e}"}, {}
        files = {}
        for name in names:
            with open(os.path.join(tmp, name), "rb") as f:
                files[name] = f.read()
    return {**row, **run_metrics(history), "status": status(history.meta), "message": lines[-1],
            "total_seconds": time.perf_counter() - started}, files
