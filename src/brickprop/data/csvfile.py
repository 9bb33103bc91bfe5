"""Reading a CSV file into features X and a target y: ``from_csv`` and its careful reader.

A valid numeric file is read by NumPy's C reader (``_fastcsv``); the row-by-row reader
here reads a file only when that fails, to name the row and column at fault.  The
helpers ``_read_rows``, ``_scan``, ``_changed`` and ``_listed`` are shared with
``runs.predict``, which reads the features of a file to predict in the same way.
"""

from __future__ import annotations

import csv
import math
import os

import numpy as np

from . import _fastcsv
from ._fastcsv import _float


def _read_rows(path: str):
    """The non-blank rows of a CSV file, one at a time, as (line number, stripped cells).

    A missing, unreadable or empty file raises its one-line error when it is met.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            empty = True
            for row in reader:
                cells = [c.strip() for c in row]
                if any(cells):
                    empty = False
                    yield reader.line_num, cells
    except FileNotFoundError:
        raise FileNotFoundError(f"CSV file {path} does not exist; check the path "
                                f"(relative paths start at {os.getcwd()})") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"cannot read {path} as CSV ({e}); save it as UTF-8 text") from None
    if empty:
        raise ValueError(f"{path} is empty; write rows of comma-separated values into it")


def _scan(path: str, numeric: bool = False):
    """The careful reader's first pass: ``(first line number, first row, n_rows, numeric)``.

    It reads the whole file, holding one row at a time, so that a read error anywhere
    is told first; then a row whose length differs from the first row's.  ``numeric``
    (when asked for, else None): for each column, whether every cell below the first
    row is a number or blank.
    """
    rows = _read_rows(path)
    first_line, first = next(rows)
    columns = [True] * len(first) if numeric else None
    n_rows, ragged = 1, None
    for line, cells in rows:
        n_rows += 1
        if len(cells) != len(first):
            ragged = ragged or (line, len(cells))
        elif columns is not None and not ragged:
            columns = [ok and (not c or _float(c) is not None) for ok, c in zip(columns, cells)]
    if ragged:
        raise ValueError(f"{path}: row {ragged[0]} has {ragged[1]} values but row "
                         f"{first_line} has {len(first)}; give every row {len(first)} values")
    return first_line, first, n_rows, columns


def _changed(path: str) -> ValueError:
    return ValueError(f"{path} changed while it was being read; read it again")


def _has_header(first, numeric, target) -> bool:
    """The first row is a header if it names the target or has only words in numeric columns."""
    words = [_float(cell) is None for cell, ok in zip(first, numeric) if ok]
    named = isinstance(target, str) and target.strip() in first and (
        _float(target) is None or any(words))  # "1" names a column only beside words
    return named or (any(words) and all(words))


def _listed(names, most: int = 8) -> str:
    """``'a', 'b', 'c'``; a longer list than ``most`` is cut to its first and last names."""
    if len(names) <= most:
        return ", ".join(map(repr, names))
    return ", ".join([*map(repr, names[:most - 2]), "...", repr(names[-1])]) + \
        f" ({len(names)} in all)"


def _target_index(path, names, target) -> int:
    """The target's column: a header name wins; ``#N`` (or a number naming no column) is N."""
    name = target.strip() if isinstance(target, str) else None
    if name in names:
        return names.index(name)
    if name is not None and name.startswith("#") and name[1:].isdigit():
        name = name[1:]
    is_int = isinstance(target, (int, np.integer)) and not isinstance(target, bool)
    j = int(target) if is_int else int(name) if (name or "").isdigit() else -1
    if not 0 <= j < len(names):
        raise ValueError(f"target column {target!r} is not in {path}; its columns are "
                         f"{_listed(names)}: pass a name or #N for the 0-based column N")
    return j


def _distinct(path, names) -> None:
    """Train and predict agree: a header naming a column twice is refused."""
    seen = {}
    for j, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{path}: the header names two columns {name!r} (columns "
                             f"{seen[name]} and {j}); give every column its own name")
        seen[name] = j


def from_csv(path, target, task: str = "auto", dtype=np.float64):
    """Features X and target y from a CSV file, with or without a header row.

    The first row is a header if it holds names where the rows below hold numbers (else
    columns are named "0", "1", ...); ``target`` is a header name, or ``"#N"`` (or an
    int, or digits naming no column) for the 0-based column N.  ``task`` "auto": a
    numeric target with a non-integer value means regression, any other holds class
    labels, numbered in sorted order (numerically if they are numbers); "regression"
    or "classification" says which.  Column names must be distinct.  A valid file is
    read by NumPy's C reader (``_fastcsv``); the row-by-row reader below reads it only
    when that fails, to name the row and column at fault.

    Returns
    -------
    X : (n, n_features) ``dtype`` (float64, or float32 for half the memory), the other
        columns in file order
    y : (n,) int64 labels 0..k-1, or (n,) float64 for regression
    info : dict, {"features": [names], "target": name, "target_index": 0-based column,
        "classes": [labels] or None, "task": "classification" or "regression"}
    """
    path = os.fspath(path)
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"from_csv: dtype must be a float type (np.float32 or np.float64), "
                         f"got {np.dtype(dtype)}")
    def target_index(names):  # the careful reader's checks, in its order
        _distinct(path, names)
        return _target_index(path, names, target)

    fast = _fastcsv.training_data(path, target, target_index, dtype)  # None: row by row
    if fast is not None:
        return _with_target(path, *fast, task=task)
    _, first, n_rows, numeric = _scan(path, numeric=True)  # one row in memory at a time
    width = len(first)
    header = _has_header(first, numeric, target)
    names = first if header else [str(j) for j in range(width)]
    if width == 1:
        raise ValueError(f"{path} has one column ({names[0]!r}), so no features besides "
                         f"the target {target!r}; add feature columns, separated by commas")
    if n_rows == header:
        raise ValueError(f"{path} has only a header row ({', '.join(names)}); add data rows")
    _distinct(path, names)
    t = _target_index(path, names, target)
    X = np.empty((n_rows - header, width - 1), dtype)  # (n, n_features)
    distinct: dict = {}  # target cell -> its number, in order of appearance
    codes = np.empty(len(X), np.int64)
    rows = _read_rows(path)
    if header:
        next(rows)
    i = -1
    for i, (line, cells) in enumerate(rows):
        if i >= len(X) or len(cells) != width:
            raise _changed(path)
        for j, cell in enumerate(cells):
            value = _float(cell)
            if not cell or (value is None and j != t) or not math.isfinite(value or 0):
                problem = (f"holds {cell!r}, not a finite number; make every feature a number"
                           if cell else "is empty; fill in the missing value or delete the row")
                raise ValueError(f"{path}: row {line}, column {names[j]!r} {problem}")
        X[i] = [float(cell) for j, cell in enumerate(cells) if j != t]
        codes[i] = distinct.setdefault(cells[t], len(distinct))
    if i + 1 != len(X):
        raise _changed(path)
    return _with_target(path, X, names, t, codes, list(distinct), task=task)


def _with_target(path, X, names, t, codes, cells, task="auto"):
    """``from_csv``'s result from X and the target column: row i holds ``cells[codes[i]]``."""
    _distinct(path, names)  # the fast path may take an integer target without the names
    values = [_float(s) for s in cells]
    info = {"features": names[:t] + names[t + 1:], "target": names[t], "target_index": t}
    numeric = None not in values
    if task == "regression" and not numeric:
        raise ValueError(f"{path}: target column {names[t]!r} holds "
                         f"{cells[values.index(None)]!r}, not a number; a regression target "
                         "is numbers (or set task classification)")
    if task == "regression" or task == "auto" and numeric and not all(
            v.is_integer() for v in values):
        return X, np.array(values)[codes], {**info, "classes": None, "task": "regression"}
    classes = sorted(cells, key=(lambda s: (float(s), s)) if numeric else None)
    if len(classes) < 2:
        raise ValueError(f"target column {names[t]!r} of {path} holds a single class "
                         f"({classes[0]!r}); pick a target with two or more labels")
    rank = {label: k for k, label in enumerate(classes)}
    y = np.array([rank[c] for c in cells], dtype=np.int64)[codes]  # (n,)
    return X, y, {**info, "classes": classes, "task": "classification"}
