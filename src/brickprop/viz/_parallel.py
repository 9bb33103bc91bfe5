"""Drawing on every core: run independent drawing tasks at once in forked processes.

A run's pictures (the three panels, the diagnostics, the animation's frames) do not
depend on each other, and matplotlib draws on one core.  ``at_once(tasks)`` runs the
first task here and each other one in a child made by ``os.fork``, which starts in
microseconds with matplotlib already imported and the figures already built; the
children write files (atomically) or into ``shared_array`` memory, and their errors
come back to the parent as the exceptions they were.  Where forking is not safe --
not Linux, or other threads running (a server, a progress bar's monitor) -- the tasks
run one after another, with the same results.

``Warm(modules)`` forks a child at once that imports ``modules`` (matplotlib costs
about as long as the default run's training) and then waits for the one task it will
be given: a run's pictures are drawn by a process that got ready while the run trained.
``drawer()`` is the one ``brickprop train`` forks first thing, before NumPy is
imported, which is why this module imports NumPy only where it uses it.
"""

from __future__ import annotations

import contextlib
import importlib
import mmap
import os
import pickle
import signal
import struct
import sys
import tempfile
import threading

# What drawing a run's pictures imports, and then has ready: matplotlib takes about as
# long to import as the default run takes to train.
DRAWING_MODULES = ("matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.colors",
                   "matplotlib.ticker", "PIL.Image", "PIL.GifImagePlugin", "PIL.PngImagePlugin",
                   "brickprop.viz.plots")
DRAWING_READY = "brickprop.viz._figures:warm_up"


def can_fork() -> bool:
    """Whether ``at_once`` runs tasks in forked children: Linux, and no other thread."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def shared_array(shape, dtype="uint8"):
    """A zeroed array in anonymous shared memory: what a forked child writes, the parent sees."""
    import numpy as np

    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    return np.frombuffer(mmap.mmap(-1, max(size, 1)), dtype=dtype, count=int(np.prod(shape))
                         ).reshape(shape)


def at_once(tasks) -> None:
    """Call each of ``tasks`` (no arguments); at once when ``can_fork()``, else in turn.

    The first raised error is raised here after every task has ended; a child that
    died without one (killed) is a ``RuntimeError``.  An interrupt in the parent kills
    the children.
    """
    tasks = list(tasks)
    if len(tasks) < 2 or not can_fork():
        for task in tasks:
            task()
        return
    children = []
    try:
        for task in tasks[1:]:
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns, never runs the parent's cleanup
                os.close(read)
                _child(task, write)
            os.close(write)
            children.append((pid, read))
        try:
            tasks[0]()
            here = None
        except Exception as e:  # wait for the children first: they may be mid-write
            here = e
        errors = [_reap(pid, read) for pid, read in children]
        children = []
    finally:
        for pid, read in children:  # only after an interrupt or a failed fork
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read)
    for error in [here, *errors]:
        if error is not None:
            raise error


def unhurried(task):
    """Mark ``task`` as one that ``at_once`` runs at a lower priority in its child.

    For a drawing nothing else waits on, beside one that everything waits on: where
    the tasks outnumber the cores, the one waited on gets a core first.  A task run in
    this process (the first, or any without ``os.fork``) keeps its priority.
    """
    task.unhurried = True
    return task


def _child(task, write) -> None:
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends a child at once
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if getattr(task, "unhurried", False):
            os.nice(10)
        task()
    except BaseException as e:
        code = 1
        try:
            data = pickle.dumps(e)
        except BaseException:  # an exception that does not pickle: its words will do
            data = pickle.dumps(RuntimeError(f"{type(e).__name__}: {e}"))
        view = memoryview(data)
        while view:
            view = view[os.write(write, view):]
    finally:
        os._exit(code)


def _reap(pid, read):
    """Wait for child ``pid``; its error, if it failed, else None."""
    chunks = []
    while chunk := os.read(read, 1 << 16):  # read before waiting: a long error fills the pipe
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    if chunks:
        return pickle.loads(b"".join(chunks))
    if os.waitstatus_to_exitcode(status):
        return RuntimeError(f"a drawing process ended with status "
                            f"{os.waitstatus_to_exitcode(status)}")
    return None


class Warm:
    """A child, forked now, that imports ``modules`` and then runs the one task it is given.

    ``ready``, ``"module:function"``, is called after the imports, while the child waits:
    work every task would do first (a first drawing's font and text set-up), done once.

    ``run(fn, *args, **kwargs)`` hands it ``fn(*args, **kwargs)`` -- pickled, so ``fn``
    is a module-level function -- and returns at once; ``wait()`` returns when the task
    is done and raises its error.  ``close()`` ends the child at once: one that was
    given nothing, or one still at work after an error here.  The child ignores Ctrl-C while it
    waits (a run stopped by Ctrl-C is still drawn) and ends with its parent.  Where
    ``can_fork()`` is false there is no child: ``run`` calls the task here, at once.
    """

    def __init__(self, modules=(), ready=None):
        self.pid = None
        if not can_fork():
            return
        self._file = tempfile.TemporaryFile()  # the task, too large for a pipe's buffer
        go_read, self._go = os.pipe()
        self._done, done_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(self._go)
            os.close(self._done)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            _child(lambda: self._serve(modules, ready, go_read), done_write)
        os.close(go_read)
        os.close(done_write)
        self.pid = pid

    def _serve(self, modules, ready, go_read) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # _child reset it: ignore it until the task
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError:  # the task, if it needs the module, says so itself
                pass
        if ready:
            module, name = ready.split(":")
            try:
                getattr(importlib.import_module(module), name)()
            except Exception:  # only a head start: the task meets any real problem itself
                pass
        header = os.read(go_read, 8)
        if len(header) < 8:  # closed unused: nothing to do
            return
        data = os.pread(self._file.fileno(), struct.unpack("<Q", header)[0], 0)
        fn, args, kwargs = pickle.loads(data)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        fn(*args, **kwargs)

    def run(self, fn, *args, **kwargs) -> None:
        """Start ``fn(*args, **kwargs)`` in the child (here, at once, without one)."""
        if self.pid is None:
            fn(*args, **kwargs)
            return
        data = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        os.pwrite(self._file.fileno(), data, 0)
        os.write(self._go, struct.pack("<Q", len(data)))

    def wait(self) -> None:
        """Wait for the task; raise its error, if it failed."""
        pid = self._let_go()
        if pid is not None and (error := _reap(pid, self._done)) is not None:
            raise error

    def close(self) -> None:
        """End the child, if ``wait`` has not: at once, whatever it is doing."""
        pid = self._let_go()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):  # it may have ended by itself
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(self._done)

    def _let_go(self):
        """The child's pid, once (None after that, or without a child); no more tasks."""
        pid, self.pid = self.pid, None
        if pid is not None:
            os.close(self._go)
            self._file.close()
        return pid

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def drawer() -> Warm:
    """A process, forked now, that imports what ``plots.draw_run`` needs and then draws a run.

    ``brickprop train`` makes one before anything else and hands it ``draw_run`` after the
    training: ``drawer().run(draw_run, history, net, X, y, ...)`` returns at once,
    ``wait()`` when the pictures are written.  Without ``os.fork`` (see ``can_fork``)
    ``run`` draws here and then.  Use it as a context manager, which ends the process.
    """
    return Warm(DRAWING_MODULES, DRAWING_READY)
