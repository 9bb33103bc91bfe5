"""Drawing on every core: run independent drawing tasks at once in forked processes.

A run's pictures (the three panels, the diagnostics, the animation's frames) do not
depend on each other, and matplotlib draws on one core.  ``at_once(tasks)`` runs the
first task here and each other one in a child made by ``os.fork``, which starts in
microseconds with matplotlib already imported and the figures already built; the
children write files (atomically) or into ``shared_array`` memory, and their errors
come back to the parent as the exceptions they were.  Where forking is not safe --
not Linux, or other threads running (a server, a progress bar's monitor) -- the tasks
run one after another, with the same results.
"""

from __future__ import annotations

import mmap
import os
import pickle
import signal
import sys
import threading

import numpy as np


def can_fork() -> bool:
    """Whether ``at_once`` runs tasks in forked children: Linux, and no other thread."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def shared_array(shape, dtype=np.uint8) -> np.ndarray:
    """A zeroed array in anonymous shared memory: what a forked child writes, the parent sees."""
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


def _child(task, write) -> None:
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends a child at once
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
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
