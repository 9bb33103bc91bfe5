"""Frames: what the live page and report.html draw, computed by the network's own bricks.

Python describes a run to the drawing modules of ``viz/static`` (``network.js``,
``boundary.js``, ``curves.js``) in two JSON messages.  They sit here, below both
``report`` and ``live``, so that the report and the live page draw the same data with
the same modules.  Floats are rounded to 4
significant digits (``null`` when not finite); pictures over the input plane are
``uint8`` arrays, row-major with row 0 at the top (largest x2), base64-encoded.

**setup**, once per run (a start, a reset, an opened file)::

    {"type": "setup", "run": 3,              # frames of an older run are dropped
     "task": "classification", "classes": 2, "metric": "accuracy",
     "layers": [                             # input layer first, then each Linear's units
        {"n": 2, "drawn": 2, "names": ["x₁", "x₂"], "activation": null},
        {"n": 4, "drawn": 4, "activation": "Tanh"}, ...],
     "plane": {"dims": 2, "extent": [x1_lo, x1_hi, x2_lo, x2_hi], "grid": 48, "thumb": 16,
               "values": [lo, hi]},          # regression: the targets' range
     "points": {"train": [[x1, x2, c], ...], "held_out": [...]},  # c: label or target
     "inputs": ["<b64 thumb>", ...]}         # each input unit over the plane

``plane`` is null when the data has more than two inputs (no plane to draw); with
one input (``dims`` 1) pictures are one row and points are ``[x, y]``.

**frame**, whenever the page is ready for one (the page acknowledges each)::

    {"type": "frame", "run": 3, "step": 1200,
     "loss": 0.041, "metric": 0.98, "val_loss": 0.05, "val_metric": 0.97,  # full data sets
     "boundary": {"kind": "score", "values": "<b64 grid x grid>"},
     "units": [["<b64 thumb x thumb>", ...], ...],   # per layer after the input, drawn units
     "ranges": [[lo, hi], ...],              # what 0 and 255 of each layer's thumbnails mean
     "links": "<b64 float32>",               # W[i, j] of drawn units, layer by layer, row-major
     "biases": ["<b64 float32>", ...]}       # per layer after the input, drawn units

``boundary.kind``: ``score`` (a class-1 score in [0, 1] as 0..255; 0.5 is the
boundary), ``classes`` (the predicted class per cell, with ``conf``: the winning
class's probability from 1/k to 1 as 0..255), ``value`` (regression output over
``plane.values``), ``curve`` (one input: ``values`` are the outputs as floats).
The session adds its own keys (``state``, ``seq``, ``lr``, ``curves``).
"""

from __future__ import annotations

import base64
import copy
import math

import numpy as np

from ..bricks.features import LABELS
from ..train.metrics import accuracy, labels_of, r2
from ._panels import SCORED, decision_score

GRID, THUMB = 48, 16  # cells per side of the boundary and of a unit's thumbnail
MAX_UNITS = 16  # units drawn per layer; wider layers show their first MAX_UNITS


def rounded(a) -> list:
    """A flat list of 4-significant-digit floats; NaN and inf become None (JSON null)."""
    return [float(f"{v:.4g}") if math.isfinite(v) else None for v in np.ravel(a).tolist()]


def packed(a) -> str:
    """A uint8 array as base64 text (row-major)."""
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


def floats(a) -> str:
    """A float array as base64 text of its float32 values (JavaScript's Float32Array)."""
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def to_u8(values, lo: float, hi: float) -> np.ndarray:
    """``values`` mapped linearly from [lo, hi] to 0..255 (clipped; NaN -> 0)."""
    span = hi - lo if hi > lo else 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        u = np.nan_to_num((np.asarray(values, dtype=np.float64) - lo) * (255.0 / span))
    return np.clip(np.rint(u), 0, 255).astype(np.uint8)


def drawn_links(sizes) -> list[tuple[int, int, int]]:
    """``(layer, i, j)`` of each drawn link: ``W[i, j]`` of Linear ``layer``, row-major."""
    shown = [min(n, MAX_UNITS) for n in sizes]
    return [(k, i, j) for k in range(len(sizes) - 1)
            for i in range(shown[k]) for j in range(shown[k + 1])]


def square_extent(X) -> list[float]:
    """``[x1_lo, x1_hi, x2_lo, x2_hi]``: the points' box padded 10 % (>= 0.5), made square."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.maximum(0.1 * (hi - lo), 0.5)
    lo, hi = lo - pad, hi + pad
    half = float(np.max(hi - lo)) / 2
    mid = (lo + hi) / 2
    return [float(v) for c in mid for v in (c - half, c + half)]


class FrameMaker:
    """Setup and frame messages for one run, computed on a private copy of its network.

    Parameters
    ----------
    net : Sequential
        Copied once; :meth:`frame` loads weights into the copy, so the network being
        trained (in another thread) is never touched.
    X, Y : (n_train, n_raw) inputs, (n_train, n_out) targets as ``fit`` gets them
    loss : Loss
        Copied; measures the training and held-out loss of each frame.
    task : "classification" or "regression"
    held_out : (X_val, Y_val), optional
    input_names : list of str, optional
        Names of the raw inputs (a CSV file's columns); default x₁, x₂.
    """

    def __init__(self, net, X, Y, loss, task="classification", held_out=None, grid=GRID,
                 thumb=THUMB, input_names=None):
        self.net, self.loss = copy.deepcopy(net), copy.deepcopy(loss)
        # Pictures are drawn by a float32 copy: float32 tanh and exp are several times
        # faster, and 8 bits per cell is all a picture keeps; losses stay float64.
        self.picture_net = copy.deepcopy(net).astype(np.float32)
        self.X, self.Y, self.held_out, self.task = X, Y, held_out, task
        self.classify = task == "classification"
        self.threshold = float(loss.threshold)
        self.labels = labels_of(Y) if self.classify else None
        self.val_labels = labels_of(held_out[1]) if self.classify and held_out else None
        self.linears = [b for b in self.net if b.parameters()]
        first = next(iter(self.net))
        raw = input_names or [LABELS["x1"], LABELS["x2"]][:X.shape[1]] or \
            [f"x{i + 1}" for i in range(X.shape[1])]
        self.input_names = [LABELS[n] for n in first.names] if hasattr(first, "names") else raw
        self.sizes = [self.linears[0].n_in] + [b.n_out for b in self.linears]
        self.dims = X.shape[1] if X.shape[1] <= 2 else 0
        self.grid, self.thumb = grid, thumb
        if self.dims:
            every = np.vstack([X, held_out[0]]) if held_out else X
            self.extent = square_extent(every) if self.dims == 2 else \
                square_extent(np.column_stack([every[:, 0], Y[:, 0]]))
            self.points = self._grid_points()
        self.values = [float(Y.min()), float(Y.max())] if not self.classify else None

    def _grid_points(self):
        """(grid**2, 2) or (grid, 1) inputs in the frame's row order: top row first."""
        x1_lo, x1_hi, x2_lo, x2_hi = self.extent
        xs = np.linspace(x1_lo, x1_hi, self.grid)
        if self.dims == 1:
            return xs[:, None].astype(np.float32)
        xx, yy = np.meshgrid(xs, np.linspace(x2_hi, x2_lo, self.grid))
        return np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float32)

    def _thumbs(self, h) -> np.ndarray:
        """Every third cell of each unit's grid picture: (n_units, thumb**2) or (n_units, thumb).

        ``h`` is (grid**2, n_units), or (grid, n_units) for one input.
        """
        step, t = self.grid // self.thumb, self.thumb
        if self.dims == 1:
            return h[step // 2::step][:t].T
        v = h.reshape(self.grid, self.grid, -1)[step // 2::step, step // 2::step][:t, :t]
        return v.reshape(t * t, -1).T

    def _layer_outputs(self, x) -> list[np.ndarray]:
        """The input layer's values, then each Linear's units after its activation."""
        outs, before = [], x
        with np.errstate(all="ignore"):  # a diverging network overflows; its frame shows it
            for brick in self.picture_net:
                h = brick.forward(x)
                if brick.parameters():
                    if not outs:
                        outs.append(np.array(before))
                    outs.append(np.array(h))
                elif outs:
                    outs[-1] = np.array(h)  # the activation after the Linear
                x = before = h
        return outs

    def setup(self, run: int = 0) -> dict:
        names = self.input_names
        layers = [{"n": n, "drawn": min(n, MAX_UNITS), "activation": None if k == 0 else
                   type(self._activation_after(k - 1)).__name__} for k, n in
                  enumerate(self.sizes)]
        layers[0]["names"] = names[:MAX_UNITS]
        out = {"type": "setup", "run": run, "task": self.task,
               "classes": max(self.Y.shape[1], 2) if self.classify else 0,
               "metric": "accuracy" if self.classify else "r2", "layers": layers,
               "plane": None, "points": None, "inputs": []}
        if not self.dims:
            return out
        out["plane"] = {"dims": self.dims, "extent": rounded(self.extent), "grid": self.grid,
                        "thumb": self.thumb, "values": self.values and rounded(self.values)}
        out["points"] = {"train": self._points(self.X, self.Y),
                         "held_out": self._points(*self.held_out) if self.held_out else []}
        inputs = self._layer_outputs(self.points)[0][:, :MAX_UNITS]
        for column in self._thumbs(inputs):
            m = float(np.max(np.abs(column))) or 1.0
            out["inputs"].append(packed(to_u8(column, -m, m)))
        return out

    def _activation_after(self, k):
        bricks = list(self.net)
        i = next(i for i, b in enumerate(bricks) if b is self.linears[k])
        after = bricks[i + 1] if i + 1 < len(bricks) else None
        return after if after is not None and not after.parameters() else self.linears[k]

    def _points(self, X, Y) -> list:
        c = labels_of(Y) if self.classify else Y[:, 0]
        cols = [X[:, 0], c] if self.dims == 1 else [X[:, 0], X[:, 1], c]
        flat = rounded(np.column_stack(cols))
        width = len(cols)
        return [flat[i:i + width] for i in range(0, len(flat), width)]

    def frame(self, params=None, run: int = 0, step: int = 0) -> dict:
        """The frame of the network with ``params`` (arrays in ``parameters()`` order)."""
        if params is not None:
            for net in (self.net, self.picture_net):
                for p, a in zip(net.parameters(), params):
                    p.data = np.array(a, dtype=p.data.dtype)
        out = {"type": "frame", "run": run, "step": int(step), **self.evaluate()}
        weights = [b.parameters() for b in self.linears]
        W = [w[0].data[:MAX_UNITS, :MAX_UNITS].ravel() for w in weights]  # drawn, row-major
        out["links"] = floats(np.concatenate(W))
        out["biases"] = [floats(w[1].data[:MAX_UNITS] if len(w) > 1 else []) for w in weights]
        if not self.dims:
            return out
        layers = self._layer_outputs(self.points)
        out["units"], out["ranges"] = [], []
        for k, h in enumerate(layers[1:]):
            lo, hi = getattr(self._activation_after(k), "output_range", None) or (None, None)
            if lo is None:
                m = float(np.nanmax(np.abs(h))) if np.isfinite(h).any() else 1.0
                lo, hi = -(m or 1.0), (m or 1.0)
            out["ranges"].append(rounded([lo, hi]))
            out["units"].append([packed(t) for t in to_u8(self._thumbs(h[:, :MAX_UNITS]),
                                                          lo, hi)])
        out["boundary"] = self._boundary(layers[-1])
        return out

    def _boundary(self, out) -> dict:
        if self.dims == 1:
            return {"kind": "curve", "values": rounded(out[:, 0])}
        if not self.classify:
            return {"kind": "value", "values": packed(to_u8(out[:, 0], *self.values))}
        if out.shape[1] <= 2:
            return {"kind": "score", "values": packed(to_u8(decision_score(out, self.threshold),
                                                            0.0, 1.0))}
        with np.errstate(all="ignore"):
            if self.threshold == 0.0:  # logits: softmax
                p = np.exp(out - out.max(axis=1, keepdims=True))
            else:  # non-negative outputs (sigmoid + mse): their shares
                p = np.maximum(out, 0)
            p = p / p.sum(axis=1, keepdims=True)
        k = out.shape[1]
        return {"kind": "classes", "values": packed(np.argmax(out, axis=1)),
                "conf": packed(to_u8(np.nanmax(p, axis=1), 1.0 / k, 1.0))}

    def evaluate(self) -> dict:
        """Loss and metric of the copy on the training and held-out sets.

        On every sample of each, or on an evenly spaced ``SCORED`` of a larger set: a
        frame of an MNIST-sized CSV would otherwise cost a forward pass over 60,000
        rows.
        """
        out = {}
        for key, X, Y, labels in (("", self.X, self.Y, self.labels),
                                  ("val_", *(self.held_out or (None, None)), self.val_labels)):
            if X is None:
                out[key + "loss"] = out[key + "metric"] = None
                continue
            every = -(-len(X) // SCORED)
            X, Y = X[::every], Y[::every]
            labels = None if labels is None else labels[::every]
            with np.errstate(all="ignore"):
                pred = self.net.forward(X)
                loss = float(self.loss.forward(pred, Y))
                metric = accuracy(pred, labels, self.threshold) if self.classify else r2(pred, Y)
            out[key + "loss"], out[key + "metric"] = rounded([loss, metric])
        return out
