"""A comparison's tables, figure and page made in a process of their own.

``outputs(...)`` gives what ``compare`` tells as its runs finish (an
``output.Outputs``, or its stand-in here).  When forking is safe (``pool.fork_is_safe``:
Linux, one thread) the ``Outputs`` lives in a child forked from the compare process,
before the workers: it imports matplotlib and Jinja2, draws each run's row as soon as
a forked worker leaves its trained variant (or as the compare process tells it the
run's folder is written), renders while the last run trains, and writes the tables,
``comparison.png`` and ``report.html`` when asked.  The compare process never loads those libraries,
so it does not spend the third of a second it would take to free them when it
exits, after the last run -- the time a user waits.  A child that is gone leaves the
work to this process, as when forking is not safe.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
from multiprocessing.connection import wait

from ..store.model import load
from .output import Outputs
from .pool import fork_is_safe
from .worker import _die_with_parent


def outputs(out, variants, varied=(), title=None, figure: bool = True):
    """An ``Outputs`` for ``compare(..., outputs=)``: in a forked child when that is safe."""
    args = (out, list(variants), list(varied), title, figure)
    return Apart(*args) if fork_is_safe() else Outputs(*args)


def _serve(conn, others, parent: int, args, trained) -> None:
    """The child: an ``Outputs`` that does what the compare process sends, until ``write``.

    ``trained`` is the end of the pipe where forked workers name each file that holds a
    trained variant's panel (``worker.Trained``); its row is drawn from it at once.
    """
    for end in others:  # the compare process's ends
        end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the compare process's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    outputs = Outputs(*args)
    if outputs.figure:  # nothing else to do before the first run finishes
        from .grid import import_drawing

        import_drawing()
    sources = [trained, conn]
    while True:
        ready = wait(sources)
        if trained in ready:
            try:
                _draw_trained(outputs, *trained.recv())
            except (EOFError, OSError):  # no worker left to tell it anything
                sources.remove(trained)
            continue
        try:
            method, call = conn.recv()
        except EOFError:  # the compare process let go of it: nothing more to write
            return
        if method == "done":
            outputs.done(*call)  # never raises but for Ctrl-C: write() reports a failure
            continue
        try:
            reply = ("ok", outputs.write(*call))
        except Exception as e:
            reply = ("error", e)
        try:
            conn.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError):
            conn.send(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))
        return


def _draw_trained(outputs, name: str, path: str) -> None:
    """Read one trained variant's panel from the file a worker named, draw it, remove it."""
    try:
        with open(path, "rb") as f:
            panel = pickle.load(f)
        panel["net"], net = load(panel["net"]), panel["net"]
        os.remove(net)
        os.remove(path)
    except (OSError, ValueError, pickle.UnpicklingError, EOFError):  # drawn from its folder
        return
    outputs.trained(name, panel)


class Apart:
    """The compare process's handle on the child's ``Outputs``: the same three calls."""

    def __init__(self, *args):
        self.args = args
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        told, tell = context.Pipe(duplex=False)
        self.folder = tempfile.mkdtemp(prefix="brickprop-compare-trained-")
        self.tell = (tell, self.folder)  # for the forked workers (pool.Pool's tell)
        self.process = context.Process(
            target=_serve, args=(child, (self.conn, tell), os.getpid(), args, told),
            name="brickprop-compare-outputs", daemon=True)
        self.process.start()
        child.close()
        told.close()

    def started(self) -> None:
        """The child imports the drawing libraries from its start."""

    def done(self, v, row: dict) -> None:
        """Tell the child that ``v`` finished as ``row``; it draws while this goes on."""
        try:
            self.conn.send(("done", (v, row)))
        except OSError:  # the child is gone: write() draws here
            pass

    def write(self, rows) -> list[str]:
        """The tables, figure and page, from the child; here when the child is gone."""
        try:
            self.conn.send(("write", (rows,)))
            kind, result = self.conn.recv()
        except (OSError, EOFError):
            self.close()
            return Outputs(*self.args).write(rows)
        self.close()
        if kind == "error":
            raise result
        return result

    def close(self) -> None:
        """End the child (it exits by itself after ``write``, or when this lets go)."""
        self.conn.close()
        self.tell[0].close()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        shutil.rmtree(self.folder, ignore_errors=True)
