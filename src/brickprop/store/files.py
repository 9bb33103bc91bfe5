"""Atomic file writes: a user's file is either the old one or the complete new one."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager


@contextmanager
def atomic_path(path, suffix: str | None = None):
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    ``suffix`` defaults to ``path``'s extension, so writers that pick the format
    from the name (matplotlib, Pillow) still see it.  On any error the temporary
    file is removed and ``path`` is left untouched.
    """
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    suffix = os.path.splitext(path)[1] if suffix is None else suffix
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        yield tmp
        fsync_path(tmp)  # the bytes reach the disk before the name points at them
        os.replace(tmp, path)
        fsync_path(folder)  # and the rename itself survives a power cut
    except OSError as e:  # name the file the user asked for, not the temporary one
        _remove(tmp)
        if e.errno is not None and e.filename != path:
            raise OSError(e.errno, e.strerror, path) from None
        raise
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp) -> None:
    if tmp is not None and os.path.exists(tmp):
        os.unlink(tmp)


def fsync_path(path) -> None:
    """Flush a file's (or a folder's entries') data to the disk: ``fsync`` on a read-only fd."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot fsync a folder; the data is still written
        if not os.path.isdir(path):
            raise
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
