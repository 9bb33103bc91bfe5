"""``History``: what ``fit`` recorded, one row per step, readable by plots and reports."""

from __future__ import annotations

import html

import numpy as np

from .._style import LOSS_COLOUR, METRIC_COLOUR, style
from ..store.files import atomic_write_text


class History:
    """One row per step: ``step, loss, data_loss, penalty, accuracy, lr, grad_norm_<k>``.

    With ``every > 1`` (``fit(..., log_every=every)``) a row per ``every`` steps: those
    whose step is a multiple of ``every``, the newest step's, and now and then a row
    that holds a sparse value (validation, diagnostics); read steps from ``step``.

    ``loss = data_loss + penalty`` and ``accuracy`` are measured on the step's batch
    before its update; ``lr`` is the rate the update used.  ``grad_norm_<k>`` is the
    L2 norm of the gradient the update applied to brick ``k`` (weights and bias
    together).  With clipping, ``grad_norm`` is the global norm *before* clipping;
    with validation data, ``val_loss`` and ``val_accuracy`` are filled at the end of
    each epoch (NaN elsewhere).  ``snapshots`` holds copies of the parameters at
    evenly spaced steps, ``(step, [arrays])``, for animations, and ``snapshot_grads``
    maps each of those steps to the gradients its update used (the final snapshot,
    taken after the last update, has none); ``meta`` holds facts about the run such
    as ``seconds`` and ``stopped`` (why it ended early).  In a notebook a History
    shows itself as a small table with loss and accuracy curves (``_repr_html_``).
    """

    #: Rows kept as Python lists before they join the array in one assignment.
    CHUNK = 1024

    def __init__(self, columns, n_rows: int = 0, every: int = 1):
        self.columns = list(columns)
        # Thinning (``fit(..., log_every=every)``): rows of steps that are multiples of
        # ``every`` stay; any other row stays only until the next one replaces it, so the
        # newest step is always readable, and the History holds what to_csv writes.
        self.every = every
        self._tail = False  # the newest row is off the grid: the next record replaces it
        self._put_at: dict[int, int] = {}  # column -> step of the newest row put() kept
        self._data = np.full((n_rows, len(self.columns)), np.nan)  # grows when outrun
        self._stored = 0  # rows already in _data
        self._pending: list[list] = []  # the newest rows, up to CHUNK of them
        self.snapshots: list[tuple[int, list[np.ndarray]]] = []
        self.snapshot_grads: dict[int, list[np.ndarray]] = {}
        self.meta: dict = {}

    @property
    def n(self) -> int:
        """Rows recorded so far."""
        return self._stored + len(self._pending)

    def add_column(self, name: str) -> None:
        """A new column, NaN in every row; only before the first row is recorded."""
        if self.n:
            raise ValueError(f"cannot add column {name!r} after {self.n} rows were recorded")
        if name not in self.columns:
            self.columns.append(name)
            self._data = np.full((self._data.shape[0], len(self.columns)), np.nan)

    def record(self, row) -> None:
        """Append a row (a list is kept as it is, so ``put`` and its owner share it)."""
        # A list append per step; converting to float64 one row at a time cost more
        # than the rest of a small network's bookkeeping.
        if self._tail:  # the previous row was off the grid: this one takes its place
            if self._pending:
                self._pending.pop()
            else:
                self._stored -= 1
        self._pending.append(row if type(row) is list else list(row))
        self._tail = self.every > 1 and int(row[0]) % self.every != 0
        if len(self._pending) >= self.CHUNK:
            self._flush()

    def put(self, column: str, value: float) -> None:
        """Set ``column`` of the latest row (for values known only after the step)."""
        j = self.columns.index(column)
        if self.every > 1:
            # A value known only at some steps (validation at an epoch's end, diagnostics)
            # keeps an off-grid row when that column has no kept value in the last
            # ``every`` steps, so sparse columns are thinned like the others, not lost.
            step = int(self._pending[-1][0] if self._pending else self._data[self._stored - 1, 0])
            if not self._tail or step - self._put_at.get(j, -self.every) >= self.every:
                self._tail = False
                self._put_at[j] = step
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
        # Python floats from tolist() and their repr (the shortest text that reads back
        # the same float): a tenth of the time of formatting NumPy scalars one by one.
        lines = [",".join(self.columns)]
        lines += [f"{int(row[0])},{','.join(map(repr, row[1:]))}"
                  for row in self._flush().tolist()]
        text = "\n".join(lines) + "\n"
        if path is not None:
            atomic_write_text(path, text)
        return text

    @property
    def rows(self) -> np.ndarray:
        """All recorded rows, (n, n_columns) float64."""
        return self._flush()

    @classmethod
    def read_csv(cls, path) -> History:
        """The History a ``to_csv`` file holds (its rows; no snapshots, no meta).

        A file from before ``grad_norm`` was always recorded gets it from the per-layer
        norms: the global norm is the root of their sum of squares.
        """
        with open(path, encoding="utf-8") as f:
            columns = f.readline().strip().split(",")
        rows = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2).reshape(-1, len(columns))
        history = cls(columns, len(rows))
        history._data[:] = rows
        history._stored = len(rows)
        if "grad_norm" not in columns:
            layers = [j for j, c in enumerate(columns) if c.startswith("grad_norm_")]
            norm = np.sqrt(np.sum(np.square(rows[:, layers]), axis=1, keepdims=True))
            history.columns.append("grad_norm")
            history._data = np.hstack([rows, norm])
        return history

    def _repr_html_(self) -> str:
        """A notebook view: rows, the final values, and small loss and accuracy curves."""
        if not self.n:
            return "<p>History: no steps recorded yet</p>"
        last = self.last()
        metric = next((c for c in ("accuracy", "r2") if c in self.columns), None)
        curves = [("loss", True)] + [(metric, False)] * (metric is not None)
        cells = "".join(f"<td>{_sparkline(self[c], log, c, colour)}</td>"
                        for (c, log), colour in zip(curves, (LOSS_COLOUR, METRIC_COLOUR)))
        shown = ("loss", "data_loss", "penalty", metric, "lr", "val_loss")
        rows = "".join(f"<tr><th scope='row'>{html.escape(c)}</th><td>{last[c]:.6g}</td></tr>"
                       for c in shown if c in self.columns)
        note = "".join(f"<p class='{'bp-bad' if k == 'diverged' else ''}'>"
                       f"{html.escape(str(self.meta[k]))}</p>"
                       for k in ("diverged", "stopped") if k in self.meta)
        return (f'<div class="brickprop-history bp-rich"><table><caption>History: {self.n} steps, '
                f"{len(self.columns)} columns, {len(self.snapshots)} snapshots · final row"
                f"</caption>{rows}</table><table><tr>{cells}</tr></table>{note}{style()}</div>")


def _sparkline(values: np.ndarray, log: bool, label: str, colour: str = METRIC_COLOUR,
               width=240, height=60) -> str:
    """An inline SVG polyline of ``values`` (log scale when ``log`` and all positive)."""
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v) & ((v > 0) if log else True)
    if ok.sum() < 2:
        return f"{html.escape(label)}: nothing finite to draw"
    x = np.flatnonzero(ok)
    y = np.log10(v[ok]) if log else v[ok]
    span = float(y.max() - y.min()) or 1.0
    px = 2 + (width - 4) * x / max(len(v) - 1, 1)
    py = height - 2 - (height - 4) * (y - y.min()) / span
    keep = np.unique(np.linspace(0, len(x) - 1, min(len(x), 300)).round().astype(int))
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px[keep], py[keep]))
    lo, hi = (f"{10 ** y.min():.3g}", f"{10 ** y.max():.3g}") if log else \
        (f"{y.min():.3g}", f"{y.max():.3g}")
    title = f"{label} over {len(v)} steps{' (log scale)' if log else ''}, from {lo} to {hi}"
    return (f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f"<title>{html.escape(title)}</title><polyline fill='none' stroke='{colour}' "
            f"stroke-width='1.5' points='{points}'/></svg><br><small>{html.escape(title)}</small>")
