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

    def __init__(self, columns, n_rows: int):
        self.columns = list(columns)
        self._data = np.full((n_rows, len(self.columns)), np.nan)
        self.n = 0
        self.snapshots: list[tuple[int, list[np.ndarray]]] = []
        self.meta: dict = {}

    def record(self, row) -> None:
        self._data[self.n] = row
        self.n += 1

    def put(self, column: str, value: float) -> None:
        """Set ``column`` of the latest row (for values known only after the step)."""
        self._data[self.n - 1, self.columns.index(column)] = value

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, column: str) -> np.ndarray:
        try:
            return self._data[: self.n, self.columns.index(column)]
        except ValueError:
            raise KeyError(f"History has no column {column!r}; it has {self.columns}") from None

    def last(self) -> dict:
        """The final row as a dict."""
        return dict(zip(self.columns, self._data[self.n - 1].tolist())) if self.n else {}

    def to_csv(self, path=None) -> str:
        """Write the rows as CSV (atomically, when ``path`` is given); returns the text."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self._data[: self.n]:
            writer.writerow([int(row[0]), *(repr(float(v)) for v in row[1:])])
        text = buf.getvalue()
        if path is not None:
            atomic_write_text(path, text)
        return text
