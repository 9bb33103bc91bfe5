"""Output folders that are never mixed or half-written: claimed, locked, written aside, swapped.

``claim(out, kind, marker)`` checks the folder a command is about to write (an
existing one is refused unless ``overwrite``), locks it against a second writer
(``fcntl.flock`` on ``.<name>.lock`` beside it) and returns a :class:`Staged`
folder: the command writes into the hidden sibling ``.<name>.partial-XXXX``, and
``commit`` swaps it into place (one ``renameat2(RENAME_EXCHANGE)`` on Linux, else
rename the old away, rename the new in), then deletes the old.  A run killed at any
moment leaves the old folder or the complete new one under the name, never a mix.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import shutil
import signal
import sys
import tempfile
import time

from .files import fsync_path


class FolderError(ValueError):
    """An output folder that cannot be used; the message is one line saying what to do."""


class Lock:
    """An exclusive, non-blocking ``flock`` on a lock file; the file is removed on release."""

    def __init__(self, path: str):
        self.path, self.fd = path, None

    def acquire(self) -> bool:
        """Take the lock; False when another process holds it."""
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            try:  # the holder before us may have unlinked the file: lock the one on disk
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                try:
                    os.ftruncate(fd, 0)
                    os.write(fd, f"{os.getpid()}\n".encode())
                except OSError:  # a full disk: no lock file left behind
                    self.release()
                    raise
                return True
            os.close(fd)

    def holder(self) -> str:
        try:
            with open(self.path, encoding="ascii", errors="replace") as f:
                pid = f.read(20).strip()
        except OSError:
            pid = ""
        return f" (pid {pid})" if pid.isdigit() else ""

    def release(self) -> None:
        if self.fd is not None:
            try:
                os.unlink(self.path)  # before unlocking: a waiter then retries on a new file
            except FileNotFoundError:
                pass
            os.close(self.fd)
            self.fd = None


def lock_path(folder: str) -> str:
    parent, name = os.path.split(os.path.normpath(folder))
    return os.path.join(parent, f".{name}.lock")


class Staged:
    """A claimed output folder: write into ``path``; ``commit`` puts it at ``folder``.

    Used as a context manager, an exit without ``commit`` (an error, Ctrl-C) deletes
    ``path`` and leaves ``folder`` as it was.
    """

    def __init__(self, folder: str, path: str, lock: Lock):
        self.folder, self.path, self.lock, self.committed = folder, path, lock, False

    def commit(self) -> None:
        """Swap the written folder into place, delete the old one, release the lock."""
        blocked = _block_signals()  # a Ctrl-C between the renames must wait for them
        try:
            fsync_path(self.path)
            if os.path.lexists(self.folder):
                parent, name = os.path.split(self.folder)
                if _exchange(self.path, self.folder):
                    old = self.path
                else:
                    old = tempfile.mkdtemp(prefix=f".{name}.old-", dir=parent or ".")
                    old = os.path.join(old, name)
                    os.rename(self.folder, old)
                    os.rename(self.path, self.folder)
                    old = os.path.dirname(old)
            else:
                old = None
                os.rename(self.path, self.folder)
            fsync_path(os.path.dirname(self.folder) or ".")
            self.committed = True
        finally:
            _unblock_signals(blocked)
        if old is not None and os.path.islink(old):  # --out was a symlink: drop the link
            os.unlink(old)
        elif old is not None:
            shutil.rmtree(old, ignore_errors=True)
        self.lock.release()

    def abandon(self) -> None:
        """Delete what was written and release the lock; ``folder`` stays as it was."""
        if not self.committed:
            shutil.rmtree(self.path, ignore_errors=True)
        self.lock.release()

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *exc) -> None:
        self.abandon()


def _block_signals():
    if sys.platform == "win32" or not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _unblock_signals(previous) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _exchange(a: str, b: str) -> bool:
    """Atomically swap the paths ``a`` and ``b`` (Linux ``renameat2``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), b)


def _why(e: OSError) -> str:
    return e.strerror or str(e)


def claim(out: str | None, kind: str, marker: str, overwrite: bool = False,
          allowed=None, reads=(), prefix: str = "") -> Staged:
    """Check, lock and stage the output folder ``out`` of a ``kind`` ("run", "comparison").

    Parameters
    ----------
    out : str or None
        The folder; None picks a fresh ``runs/<prefix><date-time>[-k]``.
    marker : str
        The file every folder of this kind holds (``config.toml``, ``table.csv``).
    overwrite : bool
        Replace an existing folder of this kind whole.  Without it one is refused.
    allowed : callable, optional
        ``allowed(folder, entry)``: whether ``--overwrite`` may delete that entry of the
        old folder (a file brickprop wrote); anything else makes it refuse.
    reads : paths
        Files the command reads (its config, its data): an ``out`` holding one of them
        is refused even with ``overwrite``.

    Raises ``FolderError`` (one line) for a folder that cannot be used.
    """
    if out is None:
        stamp = prefix + time.strftime("%Y%m%d-%H%M%S")
        for k in range(1, 10_000):
            name = os.path.join("runs", stamp if k == 1 else f"{stamp}-{k}")
            if os.path.lexists(name):
                continue
            staged = _stage(name, kind, marker, False, allowed, reads, fresh=True)
            if staged is not None:
                return staged
        raise FolderError(f"no free {kind} folder name under runs/; give one with --out")
    return _stage(os.path.normpath(out), kind, marker, overwrite, allowed, reads)


def _stage(out, kind, marker, overwrite, allowed, reads, fresh=False):
    parent, name = os.path.split(out)
    if name in ("", ".", ".."):
        raise FolderError(f"--out {out!r} does not name a folder to create; give a new "
                          "folder name, e.g. --out runs/mine")
    if os.path.lexists(out) and not os.path.isdir(out):
        raise FolderError(f"--out {out!r} is a file; give a folder path")
    try:
        os.makedirs(parent or ".", exist_ok=True)
    except OSError as e:
        raise FolderError(f"cannot write to {kind} folder {out!r}: {_why(e)}; choose another "
                          "--out") from None
    lock = Lock(lock_path(out))
    try:
        got = lock.acquire()
    except OSError as e:
        raise FolderError(f"cannot write to {kind} folder {out!r}: {_why(e)}; choose another "
                          "--out") from None
    if not got:
        if fresh:
            return None
        raise FolderError(f"{kind} folder {out!r} is being written by another brickprop "
                          f"process{lock.holder()}; wait for it to finish or choose another --out")
    try:
        _check_existing(out, kind, marker, overwrite, allowed, reads)
        if fresh and os.path.lexists(out):
            lock.release()
            return None
        stale = re.compile(re.escape(f".{name}.") + r"(partial|old)-[A-Za-z0-9_]{8}")
        for entry in os.listdir(parent or "."):  # left by a writer that was killed
            if stale.fullmatch(entry):
                shutil.rmtree(os.path.join(parent, entry), ignore_errors=True)
        path = tempfile.mkdtemp(prefix=f".{name}.partial-", dir=parent or ".")
        os.chmod(path, 0o777 & ~_umask())
    except OSError as e:
        lock.release()
        raise FolderError(f"cannot write to {kind} folder {out!r}: {_why(e)}; choose another "
                          "--out") from None
    except BaseException:
        lock.release()
        raise
    return Staged(out, path, lock)


def _check_existing(out, kind, marker, overwrite, allowed, reads) -> None:
    if not os.path.isdir(out):
        return
    here = os.path.realpath(out)
    for path in reads:
        if path and os.path.realpath(path).startswith(here + os.sep):
            raise FolderError(f"--out {out!r} holds {path}, which this {kind} reads; "
                              "choose another --out")
    entries = sorted(os.listdir(out))
    if not entries:
        return
    if marker not in entries:
        raise FolderError(f"folder {out!r} already holds files that are not a brickprop {kind}; "
                          "choose another --out")
    if not overwrite:
        raise FolderError(f"{kind} folder {out!r} already exists; choose another --out, or add "
                          "--overwrite to replace it")
    foreign = [e for e in entries if allowed is not None and not allowed(out, e)]
    if foreign:
        raise FolderError(f"--overwrite would delete {os.path.join(out, foreign[0])!r}, which "
                          f"brickprop did not write; move it out of {out!r} first")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def refuse_inputs(out, inputs=(), allowed=()) -> None:
    """Raise ``FolderError`` if the output file ``out`` would overwrite something read or kept.

    Refused: ``out`` is one of ``inputs`` (the model, the data), a folder, or an
    existing file inside a brickprop run or comparison folder (one holding
    ``config.toml`` or ``table.csv``), unless it is one of ``allowed``.
    """
    out = os.fspath(out)
    if os.path.isdir(out):
        raise FolderError(f"--out {out!r} is a folder; give a file path")
    if not os.path.exists(out):
        return
    for path in inputs:
        if path and os.path.exists(path) and os.path.samefile(out, path):
            raise FolderError(f"--out {out!r} is {os.fspath(path)!r}, which this command reads; "
                              "choose another file name")
    if any(os.path.exists(a) and os.path.samefile(out, a) for a in allowed):
        return
    folder = os.path.dirname(os.path.realpath(out))
    for marker, kind in (("config.toml", "run"), ("table.csv", "comparison")):
        if os.path.isfile(os.path.join(folder, marker)):
            raise FolderError(f"--out {out!r} is a file of the {kind} folder "
                              f"{os.path.dirname(out) or '.'!r}; write it elsewhere")
