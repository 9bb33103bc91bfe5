"""``History``: what ``fit`` recorded, one row per step, readable by plots and reports."""

from __future__ import annotations

import csv
import io

import numpy as np

from ._files import atomic_write_text


class History:
    """One row per step: ``step, loss, data_loss, penalty, accuracy, lr, grad_norm_<k>``.

    ``loss = data_loss + penalty`` and ``accuracy`` are measured on the step's batch
    before its update; ``lr`` is the rate the update used.  ``grad_norm_<k>`` is the
    L2 norm of the gradient the update applied to brick ``k`` (weights and bias
    together).  With clipping, ``grad_norm`` is the global norm *before* clipping;
    with validation data, ``val_loss`` and ``val_accuracy`` are filled at the end of
    each epoch (NaN elsewhere).  ``snapshots`` holds copies of the parameters at
    evenly spaced steps, ``(step, [arrays])``, for animations; ``meta`` holds facts
    about the run such as ``seconds`` and ``stopped`` (why it ended early).
    """

    #: Rows kept as Python lists before they join the array in one assignment.
    CHUNK = 1024

    def __init__(self, columns, n_rows: int = 0):
        self.columns = list(columns)
        self._data = np.full((n_rows, len(self.columns)), np.nan)  # grows when outrun
        self._stored = 0  # rows already in _data
        self._pending: list[list] = []  # the newest rows, up to CHUNK of them
        self.snapshots: list[tuple[int, list[np.ndarray]]] = []
        self.meta: dict = {}

    @property
    def n(self) -> int:
        """Rows recorded so far."""
        return self._stored + len(self._pending)

    def record(self, row) -> None:
        # A list append per step; converting to float64 one row at a time cost more
        # than the rest of a small network's bookkeeping.
        self._pending.append(list(row))
        if len(self._pending) >= self.CHUNK:
            self._flush()

    def put(self, column: str, value: float) -> None:
        """Set ``column`` of the latest row (for values known only after the step)."""
        j = self.columns.index(column)
        if self._pending:
            self._pending[-1][j] = value
        else:
            self._data[self._stored - 1, j] = value

    def _flush(self) -> np.ndarray:
        """Move the pending rows into the array; return the (n, n_columns) recorded rows."""
        k = len(self._pending)
        if k:
            if self._stored + k > self._data.shape[0]:
                grown = np.full((2 * (self._stored + k), len(self.columns)), np.nan)
                grown[: self._stored] = self._data[: self._stored]
                self._data = grown
            self._data[self._stored: self._stored + k] = self._pending
            self._stored += k
            self._pending.clear()
        return self._data[: self._stored]

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, column: str) -> np.ndarray:
        try:
            return self._flush()[:, self.columns.index(column)]
        except ValueError:
            raise KeyError(f"History has no column {column!r}; it has {self.columns}") from None

    def last(self) -> dict:
        """The final row as a dict."""
        return dict(zip(self.columns, self._flush()[-1].tolist())) if self.n else {}

    def to_csv(self, path=None) -> str:
        """Write the rows as CSV (atomically, when ``path`` is given); returns the text."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self._flush():
            writer.writerow([int(row[0]), *(repr(float(v)) for v in row[1:])])
        text = buf.getvalue()
        if path is not None:
            atomic_write_text(path, text)
        return text
