"""The fast path of the CSV readers: a valid numeric file in one pass of NumPy's C reader.

``csvfile.from_csv`` and ``predict.read_features`` try ``load`` first.  Whenever it
cannot read a file exactly as their careful row-by-row reader would -- a cell that is
not a finite number, a ragged row, quotes, a line of blank cells, a header it cannot
tell from data -- it returns None, and the careful reader reads the file again to say
which row and column are wrong (or to read what only it can).  A valid file never
reaches the careful reader, so it loads in about ``np.loadtxt``'s time and memory.
"""

from __future__ import annotations

import csv
import warnings
from typing import NamedTuple

import numpy as np


def _float(cell: str):
    """``float(cell)``, or None when the cell is not a number."""
    try:
        return float(cell)
    except ValueError:
        return None


class Table(NamedTuple):
    """A numeric CSV file as ``load`` read it."""

    first: list          # the stripped cells of the first line
    header: bool         # whether the first line names the columns (it is not in values)
    label: int | None    # the column of labels, kept as text (None: all columns are numbers)
    values: np.ndarray   # (n_rows, n_columns); the label column, if any, holds codes
    codes: np.ndarray | None  # (n_rows,) int64: row i's label is cells[codes[i]]
    cells: list | None   # the distinct label cells (stripped), in order of appearance


def load(path, plan, dtype=np.float64) -> Table | None:
    """Read ``path`` with ``np.loadtxt``, or return None for the careful reader to do it.

    ``plan(first_cells)`` decides from the first line alone: ``(header, label)``,
    whether that line is a header and which column holds labels (kept as text; None
    for none), or None when it cannot tell.  Every other column must hold finite
    numbers on every line; blank lines are skipped.
    """
    try:
        with open(path, encoding="utf-8-sig") as f:
            line = f.readline()
            if line.count('"') % 2:  # a quoted cell that goes on in the next line
                return None
            first = [c.strip() for c in next(csv.reader([line]), [])]
            decided = plan(first) if any(first) else None  # blank rows are skipped, not first
            if decided is None:
                return None
            header, label = decided
            if not header:
                f.seek(0)
            cells: dict = {}

            def code(cell: str) -> int:  # the label's number, in order of appearance
                cell = cell.strip()
                if not cell or '"' in cell or len(cells) >= 2 ** 24:  # 2**24: exact in float32
                    raise ValueError("a label the careful reader must see")
                return cells.setdefault(cell, len(cells))

            with warnings.catch_warnings():  # "input contained no data": handled below
                warnings.simplefilter("ignore", UserWarning)
                values = np.loadtxt(f, dtype=dtype, delimiter=",", comments=None, ndmin=2,
                                    converters=None if label is None else {label: code})
    except (OSError, ValueError, csv.Error):  # UnicodeDecodeError is a ValueError
        return None
    # A header wider or narrower than the rows, no rows, or a NaN or inf anywhere: the
    # careful reader words each.  One sum carries a NaN or inf without a boolean copy.
    if values.shape[1] != len(first) or not len(values) or not np.isfinite(values.sum()):
        return None
    codes = None if label is None else values[:, label].astype(np.int64)
    return Table(first, header, label, values, codes, None if label is None else list(cells))


def training_plan(first: list, target):
    """``plan`` for ``from_csv``: its header rule, decided from the first line alone.

    The careful reader calls the first row a header when it names the target, or
    holds only words in the columns whose other rows are numbers.  When ``load``
    succeeds, every feature column below the first line is numbers, so the rule needs
    only the first line: a header if it names the target or holds only words.  A
    first line of words in the features but a number in the target is read as data,
    which fails in NumPy's reader, so the careful reader decides it.  A target that
    is no column gives ``(header, None)``: the file is still read, to know that the
    missing column is its first problem.
    """
    if len(first) < 2:  # no feature besides the target
        return None
    words = [_float(c) is None for c in first]
    name = target.strip() if isinstance(target, str) else None
    if name is not None and name in first:
        j = first.index(name)
        # "1" names a column only beside words, as in the careful reader's rule
        if _float(name) is None or any(w for k, w in enumerate(words) if k != j):
            return True, j
    is_int = isinstance(target, (int, np.integer)) and not isinstance(target, bool)
    t = int(target) if is_int or (name or "").isdigit() else -1
    return all(words), t if 0 <= t < len(first) else None


def training_data(path, target, locate, dtype=np.float64):
    """``(X, names, t, codes, cells)`` of a valid numeric file for ``from_csv``, or None.

    X (n, n_features) ``dtype`` is every column but the target's, ``names`` all the
    column names and ``t`` the target's column; row i's target is ``cells[codes[i]]``.
    A NaN or inf target is None too: the careful reader names its row.  A valid file
    without the target column gets the careful reader's error from ``locate(names)``
    at once, instead of after its two slow passes.
    """
    table = load(path, lambda first: training_plan(first, target), dtype)
    if table is None:
        return None
    names = table.first if table.header else [str(j) for j in range(len(table.first))]
    if table.label is None:
        locate(names)  # raises: the target is none of these columns
        return None
    if not all(np.isfinite(v) for v in map(_float, table.cells) if v is not None):
        return None
    X = drop_column(table.values, table.label)
    return X, names, table.label, table.codes, table.cells


def drop_column(values: np.ndarray, j: int, block: int = 256) -> np.ndarray:
    """``np.delete(values, j, axis=1)`` in ``values``' own memory (which it overwrites).

    The rows move towards the start of the buffer, ``block`` rows at a time through a
    copy of those rows: a row never lands beyond where it was read from, so no row is
    overwritten before it has moved, and the copy is all the extra memory needed.
    Returns a C-contiguous (n_rows, n_columns - 1) view of the buffer.
    """
    n, width = values.shape
    out = values.reshape(-1)[:n * (width - 1)].reshape(n, width - 1)
    for start in range(0, n, block):
        rows = values[start:start + block].copy()
        out[start:start + len(rows), :j] = rows[:, :j]
        out[start:start + len(rows), j:] = rows[:, j + 1:]
    return out
