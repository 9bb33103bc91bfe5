"""Where ``compare`` runs its variants: forked local workers, loky's, or a Dask cluster.

``Pool(fn, tasks, jobs, dask)`` starts the workers and hands them ``fn(*task)`` for
each task, in the order given; iterating over it yields each result as it finishes.

Local workers are forked from the compare process when that is safe -- on Linux, with
no other thread alive -- so they start with NumPy and brickprop already imported, in
a few milliseconds instead of the second or more that a fresh interpreter takes (a
grid's start-up is what a user waits for before any run trains).  Otherwise they are
loky's fresh processes, through joblib, as on a Dask cluster.  One job runs the tasks
in this process, one after the other.  Either way each worker exits as soon as the
compare process is gone (``_die_with_parent``), and Ctrl-C in the compare process
ends its workers with it.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sys
import threading

from .worker import _die_with_parent, tell_trained


class CompareError(ValueError):
    """A grid that cannot be run at all (as opposed to one failing variant)."""


def check_dask(address: str) -> None:
    """Raise ``CompareError`` if ``address`` is malformed or dask.distributed is missing."""
    if address != "local" and not re.fullmatch(r"(tcp|tls)://[^\s/:]+:\d+", address):
        raise CompareError(f"--dask {address!r}: give a scheduler address like "
                           "tcp://HOST:8786, or 'local'")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise CompareError("--dask needs dask.distributed, which is not installed: "
                           "pip install 'brickprop[dask]'") from None


def _dask_client(address: str, n_workers: int | None):
    """``(client, cluster)`` for ``address``; ``"local"`` starts a LocalCluster of processes."""
    from distributed import Client, LocalCluster

    check_dask(address)
    if address == "local":
        cluster = LocalCluster(n_workers=n_workers or os.cpu_count(), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(address, timeout="10s"), None
    except (OSError, TimeoutError) as e:
        raise CompareError(f"cannot reach the Dask scheduler at {address}: {e}") from None


def fork_is_safe() -> bool:
    """Whether this process may fork its workers: Linux, and no thread but this one.

    A thread holding a lock (an import, the allocator, I/O) at the fork would leave the
    child's copy of that lock held for ever.  macOS's system libraries are not safe to
    use in a forked child at all.
    """
    return (sys.platform.startswith("linux") and threading.active_count() == 1
            and "fork" in multiprocessing.get_all_start_methods())


def _start_forked(parent: int, threads: int, tell=None) -> None:
    """A forked worker's first act: its signal handlers, BLAS threads and parent watch.

    Ctrl-C at a terminal reaches every process of the group: the compare process
    handles it (and ends the workers), so a worker ignores it; SIGTERM, which the
    compare process turned into Ctrl-C for itself, ends a worker at once again.  The
    BLAS library keeps ``threads`` threads (the cores over the workers, as joblib gives
    loky's workers), so that big matrix products of several workers do not fight over
    the cores (threadpoolctl, what joblib itself uses for that).
    """
    from threadpoolctl import threadpool_limits

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    threadpool_limits(threads)
    if tell is not None:
        tell_trained(*tell)


class Pool:
    """The running tasks of a grid; iterate to get each result as it finishes.

    Use as a context manager: leaving it (normally, or by Ctrl-C) ends the workers.
    ``fork`` is None to choose (forking when ``fork_is_safe()``), or True / False.
    ``tell``, ``(connection, folder)``, is where forked workers leave each trained
    variant for the figure (``worker.tell_trained``).
    """

    def __init__(self, fn, tasks, jobs: int | None = None, dask: str | None = None,
                 fork: bool | None = None, tell=None):
        self.fn, self.tasks, self.dask, self.tell = fn, list(tasks), dask, tell
        self.jobs = jobs or (-1 if dask else os.cpu_count() or 1)
        self.forked = (not dask and self.jobs > 1 and bool(self.tasks)
                       and (fork_is_safe() if fork is None else fork))
        self._executor = self._futures = self._client = self._cluster = None
        self._results = None

    def __enter__(self) -> Pool:
        if self.forked:  # every worker is forked now, before any other thread starts
            from concurrent.futures import ProcessPoolExecutor

            workers = min(self.jobs, len(self.tasks))
            threads = max(1, (os.cpu_count() or 1) // workers)
            self._executor = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("fork"),
                initializer=_start_forked, initargs=(os.getpid(), threads, self.tell))
            self._futures = [self._executor.submit(self.fn, *t) for t in self.tasks]
        elif self.dask:
            self._client, self._cluster = _dask_client(self.dask, self.jobs if self.jobs > 0
                                                       else None)
        return self

    def __iter__(self):
        self._results = self._forked() if self.forked else self._joblib()
        return self._results

    def _forked(self):
        from concurrent.futures import as_completed

        for future in as_completed(self._futures):
            yield future.result()

    def _joblib(self):
        from joblib import Parallel, delayed, parallel_config

        # loky workers watch their parent from the moment they start, before any task
        watch = {} if self.dask else {"initializer": _die_with_parent,
                                      "initargs": (os.getpid(),)}
        with parallel_config(backend="dask" if self.dask else "loky",
                             n_jobs=-1 if self.dask else self.jobs, **watch):
            yield from Parallel(return_as="generator_unordered")(
                delayed(self.fn)(*t) for t in self.tasks)

    def __exit__(self, kind, error, tb) -> None:
        if self._results is not None:
            self._results.close()  # joblib ends its workers when its generator is closed
        if self._executor is not None:
            if kind is not None:  # interrupted: the workers stop mid-task
                for process in list(getattr(self._executor, "_processes", {}).values()):
                    process.terminate()
            self._executor.shutdown(wait=kind is None, cancel_futures=True)
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
