"""Pictures of training: the article's three panels, still or animated.

Left, the training accuracy over steps; middle, the decision boundary of the
network over the 2-D input plane with the training points; right, the loss over
steps.  ``three_panel`` draws them for the network as it is now, ``animate``
replays them over the parameter snapshots kept by ``fit(..., snapshots=k)``.
Plots only read a ``History``: they never train, and they evaluate a deep copy of
the network, so the user's parameters and caches are left untouched.

matplotlib is imported inside the functions, so ``import brickprop`` stays light.
Figures are built on the Agg canvas directly (not through pyplot), so they work
without a display, do not switch the user's backend, and are not kept alive by
pyplot's list of open figures.
"""

from __future__ import annotations

import copy
import os

import numpy as np

from ._files import atomic_path
from .train import accuracy, labels_of

FIGSIZE = (13.0, 4.2)  # inches: three panels side by side
DPI = 110
CLASS_COLORS = ("#2166ac", "#b2182b")  # class 0 blue, class 1 red (RdBu ends)


def decision_grid(net, X, resolution: int = 200, threshold: float = 0.5):
    """Evaluate ``net`` on a regular grid covering the 2-D points ``X``.

    Parameters
    ----------
    net : Brick
        Maps (n_samples, 2) to (n_samples, n_out).  Its forward caches are
        overwritten; pass a copy if that matters.
    X : (n_samples, 2) array
        Points whose bounding box, padded by 10 % (at least 0.5) on each side,
        the grid covers.
    resolution : int
        Grid points along each axis.
    threshold : float
        For a single output: the value above which a point is class 1
        (0.5 for a sigmoid output, 0 for logits).

    Returns
    -------
    xx, yy : (resolution, resolution) arrays
        Grid coordinates from ``np.meshgrid``: ``x1`` varies along columns, ``x2`` along rows.
    Z : (resolution, resolution) float array
        Two classes (one or two outputs): a score of class 1 in [0, 1] that crosses
        0.5 exactly where the predicted class changes -- the output itself for a
        sigmoid output, ``s1 / (s0 + s1)`` for two non-negative outputs, the softmax
        of class 1 otherwise.  More classes: the predicted class, ``argmax``.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_grid needs 2-D points X of shape (n_samples, 2), "
                         f"got {X.shape}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.maximum(0.1 * (hi - lo), 0.5)
    xx, yy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
    dtype = getattr(net, "dtype", None) or np.float64
    grid = np.column_stack([xx.ravel(), yy.ravel()]).astype(dtype)  # (resolution**2, 2)
    out = np.array(net.forward(grid), dtype=np.float64)  # a copy: forward may reuse a buffer
    if out.shape[1] == 1:
        o = out[:, 0]
        inside = threshold == 0.5 and o.min() >= 0 and o.max() <= 1
        Z = o if inside else 0.5 * (1 + np.tanh((o - threshold) / 2))  # sigmoid, no overflow
    elif out.shape[1] == 2:
        if out.min() >= 0:
            total = out.sum(axis=1)
            Z = np.divide(out[:, 1], total, out=np.full_like(total, 0.5), where=total > 0)
        else:
            Z = 0.5 * (1 + np.tanh((out[:, 1] - out[:, 0]) / 2))  # softmax of class 1
    else:
        Z = out.argmax(axis=1).astype(np.float64)
    return xx, yy, Z.reshape(xx.shape)


def three_panel(history, net, X, y, path=None, title=None, threshold: float = 0.5):
    """Accuracy, decision boundary and loss side by side, for ``net`` as it is now.

    Parameters
    ----------
    history : History
        From ``fit``; needs the columns ``step``, ``accuracy``, ``loss``, ``data_loss``.
    net : Sequential
        The trained network; its current parameters draw the boundary.  Not modified.
    X : (n_samples, n_features) array
        The training points.  With other than 2 features the middle panel is a note.
    y : (n_samples,) int labels, or (n_samples, n_classes) one-hot targets
    path : str or PathLike, optional
        Where to save a PNG (written atomically: the old file survives a failure).
    title : str, optional
        The figure's title; default like ``"2-3-2 sigmoid · step 3000 · accuracy 0.97"``.
    threshold : float
        Class-1 threshold of a single-output network (0 for logits).

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = _Panels(history, net, X, y, threshold, animated=False)
    panels.show(copy.deepcopy(net), len(history) - 1, int(_steps(history)[-1]) + 1
                if len(history) else 0, title)
    if path is not None:
        with atomic_path(_checked(path), suffix=".png") as tmp:
            panels.fig.savefig(tmp, format="png", dpi=DPI)
    return panels.fig


def animate(history, net, X, y, path, fps: int = 10, dpi: int = 80,
            threshold: float = 0.5) -> int:
    """Write an animated GIF of the three panels, one frame per parameter snapshot.

    Parameters
    ----------
    history : History
        From ``fit(..., snapshots=k)``; each snapshot ``(step, arrays)`` holds the
        parameters in ``net.parameters()`` order before the update of ``step``.
    net : Sequential
        The network the history was recorded on.  Not modified: each frame loads
        its snapshot into a deep copy.
    X : (n_samples, 2) array;  y : (n_samples,) int labels or one-hot targets
    path : str or PathLike
        The GIF to write (atomically: the old file survives a failure).
    fps : int
        Frames per second.
    dpi : int
        Resolution of the frames (80 gives 1040 x 336 pixels).
    threshold : float
        Class-1 threshold of a single-output network (0 for logits).

    Returns
    -------
    int
        The number of frames written.
    """
    from matplotlib.animation import FuncAnimation, PillowWriter

    snapshots = history.snapshots
    if not snapshots:
        raise ValueError("the history has no parameter snapshots to animate; "
                         "train with fit(..., snapshots=40)")
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    path = _checked(path)
    shadow = copy.deepcopy(net)
    params = shadow.parameters()
    for step, arrays in snapshots:
        shapes = [a.shape for a in arrays]
        if shapes != [p.data.shape for p in params]:
            raise ValueError(f"the snapshot of step {step} holds arrays of shapes {shapes} but "
                             f"the network's parameters have {[p.shape for p in params]}; "
                             "was the history recorded on this network?")
    panels = _Panels(history, net, X, y, threshold, animated=True)
    steps = _steps(history)

    def frame(i):
        step, arrays = snapshots[i]
        for p, a in zip(params, arrays):
            p.data[...] = a
        row = min(int(np.searchsorted(steps, step)), len(steps) - 1)
        panels.show(shadow, row, step)

    panels.show(shadow, 0, snapshots[0][0])  # lay the figure out once, then freeze it
    panels.fig.canvas.draw()
    panels.fig.set_layout_engine("none")
    anim = FuncAnimation(panels.fig, frame, frames=len(snapshots), interval=1000 / fps,
                         repeat=False, cache_frame_data=False)
    with atomic_path(path, suffix=".gif") as tmp:
        anim.save(tmp, writer=PillowWriter(fps=fps), dpi=dpi)
    return len(snapshots)


class _Panels:
    """The three axes and the artists that change from one frame to the next."""

    def __init__(self, history, net, X, y, threshold, animated):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import ListedColormap
        from matplotlib.figure import Figure

        self.X = np.asarray(X)
        y = np.asarray(y)
        self.labels = labels_of(y) if y.ndim == 2 else y.astype(np.intp)  # (n_samples,)
        if self.X.ndim != 2 or self.labels.shape != (self.X.shape[0],):
            raise ValueError(f"X must be (n_samples, n_features) and y (n_samples,) labels; "
                             f"got X {self.X.shape} and y {y.shape}")
        self.threshold, self.arch = threshold, describe(net)
        self.fig = fig = Figure(figsize=FIGSIZE, layout="constrained")
        FigureCanvasAgg(fig)
        self.ax_acc, self.ax_map, self.ax_loss = fig.subplots(1, 3)
        self.animated = animated
        self.curves = {name: history[name] for name in ("accuracy", "loss", "data_loss")}
        self.curves["step"] = steps = _steps(history)
        acc, loss, data_loss = (self.curves[k] for k in ("accuracy", "loss", "data_loss"))

        ax = self.ax_acc
        faint = dict(alpha=0.25) if animated else dict(visible=False)
        ax.plot(steps, acc, color="C0", **faint)
        (self.acc_line,) = ax.plot(steps, acc, color="C0", lw=1.6)
        (self.acc_dot,) = ax.plot([], [], "o", color="C0", ms=6, visible=animated)
        ax.set(title="Training accuracy", xlabel="step", ylabel="accuracy", ylim=(0, 1.02))
        ax.grid(alpha=0.3)

        ax = self.ax_loss
        finite = loss[np.isfinite(loss)]
        if finite.size and finite.min() > 0 and np.all(data_loss[np.isfinite(data_loss)] > 0):
            ax.set_yscale("log")
        ax.plot(steps, data_loss, color="C3", lw=1, alpha=0.45, label="data loss")
        ax.plot(steps, loss, color="C1", **faint)
        (self.loss_line,) = ax.plot(steps, loss, color="C1", lw=1.6, label="loss (data + penalty)")
        (self.loss_dot,) = ax.plot([], [], "o", color="C1", ms=6, visible=animated)
        ax.set(title="Loss", xlabel="step", ylabel="loss")
        ax.grid(alpha=0.3, which="major")
        ax.legend(loc="upper right", fontsize="small", frameon=False)

        ax = self.ax_map
        ax.set_title("Decision boundary")
        self.image = self.contour = None
        if self.X.shape[1] != 2:
            ax.text(0.5, 0.5, f"No decision boundary to draw:\nX has {self.X.shape[1]} features, "
                    "the plane needs 2", ha="center", va="center", transform=ax.transAxes,
                    fontsize="large", color="0.35")
            ax.set_axis_off()
            return
        xx, yy, Z = decision_grid(net_copy := copy.deepcopy(net), self.X, threshold=threshold)
        n_out = net_copy.forward(self.X[:1].astype(xx.dtype)).shape[1]
        self.binary = n_out <= 2
        self.grid = (xx, yy)
        if self.binary:
            shade, points, vmax = "RdBu_r", ListedColormap(CLASS_COLORS), 1
        else:
            shade = points = "tab10"
            vmax = 9
        self.image = ax.imshow(Z, extent=(xx[0, 0], xx[0, -1], yy[0, 0], yy[-1, 0]),
                               origin="lower", cmap=shade, vmin=0, vmax=vmax, alpha=0.45,
                               aspect="auto", interpolation="bilinear")
        ax.scatter(self.X[:, 0], self.X[:, 1], c=self.labels, cmap=points, vmin=0,
                   vmax=vmax, s=16, edgecolors="white", linewidths=0.4, zorder=3)
        ax.set(xlabel="$x_1$", ylabel="$x_2$")

    def show(self, net, row, step, title=None):
        """Draw ``net``'s boundary and the curves up to history row ``row``."""
        steps = self.curves["step"]
        if self.animated and len(steps):
            for name, line, dot in (("accuracy", self.acc_line, self.acc_dot),
                                    ("loss", self.loss_line, self.loss_dot)):
                ys = self.curves[name]
                line.set_data(steps[: row + 1], ys[: row + 1])
                dot.set_data([steps[row]], [ys[row]])
        pred = net.forward(self.X.astype(net.dtype or np.float64))
        acc = accuracy(pred, self.labels, self.threshold)
        self.fig.suptitle(title or f"{self.arch} · step {step} · accuracy {acc:.2f}",
                          fontsize="x-large")
        if self.image is None:
            return
        _, _, Z = decision_grid(net, self.X, resolution=self.grid[0].shape[0],
                                threshold=self.threshold)
        self.image.set_data(Z)
        if self.contour is not None:
            self.contour.remove()
            self.contour = None
        if self.binary and Z.min() < 0.5 < Z.max():
            self.contour = self.ax_map.contour(*self.grid, Z, levels=[0.5], colors="k",
                                               linewidths=1.2)


def describe(net) -> str:
    """A short name of a network such as ``"2-3-2 sigmoid"`` (layer widths, activations)."""
    sizes, acts = [], []
    for brick in getattr(net, "bricks", [net]):
        if hasattr(brick, "n_in") and hasattr(brick, "n_out"):
            sizes = (sizes or [brick.n_in]) + [brick.n_out]
        elif not brick.parameters() and type(brick).__name__.lower() not in acts:
            acts.append(type(brick).__name__.lower())
    return f"{'-'.join(map(str, sizes))} {'/'.join(acts)}".strip() or type(net).__name__


def _steps(history) -> np.ndarray:
    return history["step"].astype(np.int64)


def _checked(path) -> str:
    """``path`` as a string, after checking that its folder exists."""
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {folder!r} does not exist")
    return path
