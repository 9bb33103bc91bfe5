"""Pictures of training: the article's three panels, still or animated.

Left, training accuracy over steps; middle, the decision boundary over the 2-D
input plane with the training points; right, the loss.  ``three_panel`` draws them
for the network as it is now, ``animate`` over the snapshots of ``fit(...,
snapshots=k)``.  Plots only read a ``History`` and evaluate a deep copy of the
network, so the user's parameters and caches stay untouched.

matplotlib is imported lazily.  Figures are built on the Agg canvas directly, not
through pyplot: no display needed, the user's backend is left alone, and pyplot's
list of open figures does not keep them alive.
"""

from __future__ import annotations

import copy
import os
import re

import numpy as np

from ._files import atomic_path
from .train import accuracy, labels_of

FIGSIZE = (13.0, 4.2)  # inches: three panels side by side
DPI = 110
CLASS_COLORS = ("#2166ac", "#b2182b")  # points: class 0 blue, class 1 red
SHADE_COLORS = ("#a6cbe3", "#f7f7f7", "#f0a8a0")  # background: light blue, white, light red


def decision_grid(net, X, resolution: int = 200, threshold: float = 0.5):
    """Evaluate ``net`` on a regular grid covering the 2-D points ``X``.

    Parameters
    ----------
    net : Brick
        Maps (n_samples, 2) to (n_samples, n_out); its forward caches are overwritten.
    X : (n_samples, 2) array
        The grid covers their bounding box, padded by 10 % (at least 0.5) each side.
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
        0.5 exactly where the predicted class changes -- the output itself for one
        sigmoid output (``sigmoid(output - threshold)`` otherwise), ``s1 / (s0 + s1)``
        for two non-negative outputs, the softmax of class 1 for two logits.
        More classes: the predicted class, ``argmax`` of the outputs.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_grid needs points X of shape (n_samples, 2), got {X.shape}")
    if not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.maximum(0.1 * (hi - lo), 0.5)
    xx, yy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()]).astype(_dtype(net))  # (resolution**2, 2)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged net may overflow
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


def _validation_curve(ax, history, column):
    """Draw ``column`` (filled once per epoch, NaN elsewhere) as a dashed line, if present."""
    if column not in history.columns:
        return
    values = history[column]
    at = np.isfinite(values)
    ax.plot(history["step"][at], values[at], color="C2", lw=1.4, ls="--", label="validation")


def three_panel(history, net, X, y, path=None, title=None, threshold: float = 0.5):
    """Accuracy, decision boundary and loss side by side, for ``net`` as it is now.

    Parameters
    ----------
    history : History
        From ``fit``; read for the columns ``step``, ``accuracy``, ``loss``, ``data_loss``.
    net : Sequential
        The trained network; its current parameters draw the boundary.  Not modified.
    X : (n_samples, n_features) array
        The training points.  With other than 2 features the middle panel is a note.
    y : (n_samples,) int labels, or (n_samples, n_classes) one-hot targets
    path : str or PathLike, optional
        Where to save a PNG, atomically: a failed save leaves an old file intact.
    title : str, optional
        Figure title; by default like ``"2-3-2 sigmoid · step 3000 · accuracy 0.94"``,
        with the accuracy of ``net`` on ``(X, y)``.
    threshold : float
        Class-1 threshold of a single-output network (0 for logits).

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = _Panels(history, net, X, y, threshold, animated=False)
    n_steps = int(panels.steps[-1]) + 1 if len(panels.steps) else 0
    panels.show(copy.deepcopy(net), len(panels.steps) - 1, n_steps, title)
    if path is not None:
        with atomic_path(_checked(path), suffix=".png") as tmp:
            panels.fig.savefig(tmp, format="png", dpi=DPI)
    return panels.fig


def animate(history, net, X, y, path, fps: float = 10, dpi: int = 80,
            threshold: float = 0.5) -> int:
    """Write an animated GIF of the three panels, one frame per parameter snapshot.

    The still parts are drawn once; each frame redraws only what moves.

    Parameters
    ----------
    history : History
        From ``fit(..., snapshots=k)``; each snapshot ``(step, arrays)`` holds the
        parameters, in ``net.parameters()`` order, before the update of ``step``.
    net : Sequential
        The network the history was recorded on; not modified (frames use a deep copy).
    X : (n_samples, n_features) array;  y : (n_samples,) int labels or one-hot targets
    path : str or PathLike
        The GIF to write, atomically: a failed save leaves an old file intact.
    fps : float
        Frames per second.
    dpi : int
        Frame resolution (80 gives 1040 x 336 pixels).
    threshold : float
        Class-1 threshold of a single-output network (0 for logits).

    Returns
    -------
    int
        The number of frames written.
    """
    from PIL import Image

    snapshots = history.snapshots
    if not snapshots:
        raise ValueError("the history has no parameter snapshots to animate; "
                         "train with fit(..., snapshots=40)")
    if not isinstance(fps, (int, float)) or not fps > 0:
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    path = _checked(path)
    shadow = copy.deepcopy(net)
    params = shadow.parameters()
    shapes = [p.data.shape for p in params]
    for step, arrays in snapshots:
        if [a.shape for a in arrays] != shapes:
            raise ValueError(f"the snapshot of step {step} has shapes {[a.shape for a in arrays]}"
                             f" but the network's parameters {shapes}; is it the same network?")

    panels = _Panels(history, net, X, y, threshold, animated=True)
    fig, canvas = panels.fig, panels.fig.canvas
    fig.set_dpi(dpi)
    shots = []  # (height, width, 3) uint8 per frame
    for i, (step, arrays) in enumerate(snapshots):
        for p, a in zip(params, arrays):
            p.data[...] = a
        row = min(int(np.searchsorted(panels.steps, step)), len(panels.steps) - 1)
        panels.show(shadow, row, step)
        if i == 0:  # lay out with the first frame's text, draw the still parts, then freeze
            canvas.draw()
            fig.set_layout_engine("none")
            background = canvas.copy_from_bbox(fig.bbox)
        canvas.restore_region(background)
        for artist in panels.moving():
            fig.draw_artist(artist)
        shots.append(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    # One palette (from the first and last frames) and no dithering: the still parts
    # stay identical from frame to frame, so the GIF compresses well.
    palette = Image.fromarray(np.concatenate([shots[0], shots[-1]])).quantize(
        256, method=Image.Quantize.MEDIANCUT)
    frames = [Image.fromarray(a).quantize(palette=palette, dither=Image.Dither.NONE)
              for a in shots]
    with atomic_path(path, suffix=".gif") as tmp:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                       duration=round(1000 / fps), loop=0)
    return len(frames)


class _Panels:
    """The three axes of one figure, and the artists that change from frame to frame."""

    def __init__(self, history, net, X, y, threshold, animated):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import LinearSegmentedColormap, ListedColormap
        from matplotlib.figure import Figure

        self.X, y = np.asarray(X), np.asarray(y)
        self.labels = labels_of(y) if y.ndim == 2 else y.astype(np.intp)  # (n_samples,)
        if self.X.ndim != 2 or self.labels.shape != (self.X.shape[0],):
            raise ValueError(f"X must be (n_samples, n_features) and y (n_samples,) labels; "
                             f"got X {self.X.shape} and y {y.shape}")
        self.threshold, self.arch, self.animated = threshold, describe(net), animated
        self.steps = history["step"].astype(np.int64)
        self.acc, self.loss = history["accuracy"], history["loss"]
        self.fig = fig = Figure(figsize=FIGSIZE, layout="constrained")
        FigureCanvasAgg(fig)
        self.ax_acc, ax_map, ax_loss = fig.subplots(1, 3)
        ax_loss.sharex(self.ax_acc)
        self.title = fig.suptitle("", fontsize="x-large", animated=animated)
        # Animated: the whole curve faint, the part up to the frame's step strong, a dot on it.
        faint = dict(alpha=0.25) if animated else dict(visible=False)
        moving = dict(animated=animated)

        ax = self.ax_acc
        ax.plot(self.steps, self.acc, color="C0", **faint)
        (self.acc_line,) = ax.plot(self.steps, self.acc, color="C0", lw=1.6, label="training",
                                   **moving)
        (self.acc_dot,) = ax.plot([], [], "o", color="C0", ms=6, **moving)
        has_val = "val_loss" in history.columns
        _validation_curve(ax, history, "val_accuracy")
        ax.set(title="Accuracy" if has_val else "Training accuracy", xlabel="step",
               ylabel="accuracy", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        if has_val:
            ax.legend(loc="lower right", fontsize="small", frameon=False)

        ax = ax_loss
        data_loss = history["data_loss"]
        ax.plot(self.steps, data_loss, color="C3", lw=1, alpha=0.45, label="data loss")
        ax.plot(self.steps, self.loss, color="C1", **faint)
        (self.loss_line,) = ax.plot(self.steps, self.loss, color="C1", lw=1.6,
                                    label="loss (data + penalty)", **moving)
        (self.loss_dot,) = ax.plot([], [], "o", color="C1", ms=6, **moving)
        _validation_curve(ax, history, "val_loss")
        ax.set(title="Loss", xlabel="step", ylabel="loss")
        _loss_scale(ax, np.concatenate([self.loss, data_loss]))
        bad = ~np.isfinite(self.loss)
        if bad.any():  # mark where training blew up
            k = int(np.argmax(bad))
            ax.axvline(self.steps[k], color="0.4", ls=":", lw=1)
            ax.text(self.steps[k], 0.5, f"loss = {self.loss[k]} at step {self.steps[k]} ",
                    rotation=90, ha="right", va="center", fontsize="small", color="0.3",
                    transform=ax.get_xaxis_transform())
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize="small", frameon=False)

        self.ax_map, self.image, self.points, self.contour, self.note = (ax_map,) + (None,) * 4
        ax_map.set_title("Decision boundary")
        if self.X.shape[1] != 2:
            ax_map.text(0.5, 0.5, f"No boundary to draw:\nX has {self.X.shape[1]} features, "
                        "the plane shows 2", ha="center", va="center", fontsize="large",
                        color="0.35", transform=ax_map.transAxes)
            ax_map.set_axis_off()
            return
        shadow = copy.deepcopy(net)
        xx, yy, Z = decision_grid(shadow, self.X, threshold=threshold)
        self.grid = (xx, yy)
        self.binary = shadow.forward(self.X[:1].astype(_dtype(net))).shape[1] <= 2
        if self.binary:
            shade = LinearSegmentedColormap.from_list("shade", SHADE_COLORS)
            points, vmax = ListedColormap(CLASS_COLORS), 1
        else:
            shade, points, vmax = "tab10", "tab10", 9
        self.image = ax_map.imshow(Z, extent=(xx[0, 0], xx[0, -1], yy[0, 0], yy[-1, 0]),
                                   origin="lower", cmap=shade, vmin=0, vmax=vmax,
                                   alpha=None if self.binary else 0.35, aspect="auto",
                                   interpolation="nearest", **moving)
        self.points = ax_map.scatter(self.X[:, 0], self.X[:, 1], c=self.labels, cmap=points,
                                     vmin=0, vmax=vmax, s=16, edgecolors="white",
                                     linewidths=0.4, zorder=3, **moving)
        self.note = ax_map.text(0.5, 0.97, "", ha="center", va="top", color="0.2",
                                transform=ax_map.transAxes, zorder=4, **moving)
        ax_map.set(xlabel="$x_1$", ylabel="$x_2$")

    def show(self, net, row, step, title=None):
        """Set the artists to ``net``'s boundary and the curves up to history row ``row``."""
        if self.animated and len(self.steps):
            for ys, line, dot in ((self.acc, self.acc_line, self.acc_dot),
                                  (self.loss, self.loss_line, self.loss_dot)):
                line.set_data(self.steps[: row + 1], ys[: row + 1])
                dot.set_data([self.steps[row]], [ys[row]])
        acc = accuracy(net.forward(self.X.astype(_dtype(net))), self.labels, self.threshold)
        self.title.set_text(title or f"{self.arch} · step {step} · accuracy {acc:.2f}")
        if self.image is None:
            return
        _, _, Z = decision_grid(net, self.X, resolution=self.grid[0].shape[0],
                                threshold=self.threshold)
        self.image.set_data(Z)
        self.note.set_text("" if np.isfinite(Z).all() else "the outputs are NaN or inf where blank")
        if self.contour is not None:
            self.contour.remove()
            self.contour = None
        if self.binary and Z.min() < 0.5 < Z.max():
            self.contour = self.ax_map.contour(*self.grid, Z, levels=[0.5], colors="k",
                                               linewidths=1.2, animated=self.animated)

    def moving(self) -> list:
        """The artists to redraw for each frame, bottom to top."""
        artists = [self.image, self.contour, self.points, self.note, self.acc_line,
                   self.acc_dot, self.loss_line, self.loss_dot, self.title]
        return [a for a in artists if a is not None]


def describe(net) -> str:
    """A short name of a network, ``"2-3-2 sigmoid"``: layer widths, then activations."""
    sizes, acts = [], []
    for brick in getattr(net, "bricks", [net]):
        if hasattr(brick, "n_in") and hasattr(brick, "n_out"):
            sizes = (sizes or [brick.n_in]) + [brick.n_out]
        elif not brick.parameters() and type(brick).__name__.lower() not in acts:
            acts.append(type(brick).__name__.lower())
    return f"{'-'.join(map(str, sizes))} {'/'.join(acts)}".strip() or type(net).__name__


def _loss_scale(ax, values) -> None:
    """Log y axis when every finite value is positive; decimal tick labels within 2 decades."""
    from matplotlib.ticker import LogFormatterSciNotation

    values = values[np.isfinite(values)]
    if not values.size or values.min() <= 0:
        return
    ax.set_yscale("log")
    # Explicit limits, capped: near 1e308 autoscale's margin and the ticks overflow to inf.
    lo, hi = values.min(), min(values.max(), 1e200)
    margin = max((hi / lo) ** 0.05, 1.1)
    ax.set_ylim(lo / margin, hi * margin)
    if hi / lo < 100:

        class Decimal(LogFormatterSciNotation):  # "0.2" rather than "2 x 10^-1"
            def __call__(self, x, pos=None):
                return f"{x:g}" if super().__call__(x, pos) else ""

        ax.yaxis.set_major_formatter(Decimal())
        ax.yaxis.set_minor_formatter(Decimal(labelOnlyBase=False))


def _dtype(net):
    return getattr(net, "dtype", None) or np.float64


def _checked(path) -> str:
    """``path`` as a string, after checking that its folder exists."""
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {folder!r} does not exist")
    return path


def schedule_curve(rates, path=None, title="learning rate"):
    """Draw a learning-rate curve ``rates`` (steps,) over steps; save a PNG when ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rates = np.asarray(rates, dtype=float)
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.plot(np.arange(rates.size), rates, color="C0", lw=1.8)
    ax.set(title=title, xlabel="step", ylabel="learning rate", ylim=(0, rates.max() * 1.05))
    ax.grid(alpha=0.3)
    if path is not None:
        with atomic_path(_checked(path), suffix=".png") as tmp:
            fig.savefig(tmp, dpi=110, format="png")
    return fig


_DIAGNOSTIC = re.compile(r"^(grad_norm|weight_norm|update_ratio|saturated|dead|max_activation)"
                         r"_(\d+)$")
HEALTHY_RATIO = (3e-4, 3e-3)  # the rule-of-thumb band around an update/weight ratio of 1e-3


def diagnostics_figure(history, path=None, title=None):
    """Per-layer health of a run: gradient norms, update/weight ratios, saturated and dead units.

    Left, the gradient norm of each layer over steps (log scale): norms that shrink
    layer by layer toward the input are vanishing gradients, norms that climb
    step by step are exploding ones.  Middle, ``||W_after - W_before|| / ||W_before||``
    per layer against a faint band around 1e-3.  Right, the share of saturated
    sigmoid/tanh units (solid) and of dead ReLUs (dashed) after each layer.

    Parameters
    ----------
    history : History
        Read for ``step``, ``loss`` and, for each layer (the index ``k`` of a
        ``Linear`` brick), ``grad_norm_<k>``, ``update_ratio_<k>``, ``saturated_<k>``
        and ``dead_<k>``, whichever exist.  NaN rows (statistics measured every few
        steps) are skipped; inf and NaN from a diverged run are masked, and the
        first non-finite loss is marked in the left panel.  A panel with nothing
        to draw says so.
    path : str or PathLike, optional
        Where to save a PNG, atomically: a failed save leaves an old file intact.
    title : str, optional
        Figure title; by default like ``"Per-layer diagnostics · 2 layers · 3000 steps"``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    steps = history["step"]
    layers = sorted({int(m[2]) for m in map(_DIAGNOSTIC.match, history.columns) if m})
    # Input layer dark, output layer light: vanishing gradients read as a colour ramp.
    colors = colormaps["viridis"](np.linspace(0, 0.85, max(len(layers), 2)))
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    FigureCanvasAgg(fig)
    ax_grad, ax_ratio, ax_units = fig.subplots(1, 3, sharex=True)
    n_steps = int(steps[-1]) + 1 if len(steps) else 0
    if len(steps) > 1:  # the whole run, also the steps after a blow-up where nothing is finite
        pad = 0.03 * (steps[-1] - steps[0])
        ax_grad.set_xlim(steps[0] - pad, steps[-1] + pad)
    fig.suptitle(title or f"Per-layer diagnostics · {len(layers)} layer"
                 f"{'s' * (len(layers) != 1)} · {n_steps} step{'s' * (n_steps != 1)}",
                 fontsize="x-large")

    def curve(ax, name, k, positive=False, **style):
        """Plot ``<name>_<k>`` through its finite points; return those values."""
        values = history[f"{name}_{k}"] if f"{name}_{k}" in history.columns else steps[:0]
        at = np.isfinite(values) & (values > 0 if positive else True)
        if at.any():  # a marker on each point when they are few and far apart
            count = np.count_nonzero(at)
            sparse = count == 1 or count <= min(25, 0.2 * len(values))
            ax.plot(steps[at], values[at], color=colors[layers.index(k)],
                    marker="o" if sparse else None, ms=3, **style)
        return values[at]

    def recorded(*names) -> bool:
        return any(f"{name}_{k}" in history.columns for name in names for k in layers)

    not_finite = "every value is NaN or inf"
    later = "fit records them every diagnose_every steps"

    ax = ax_grad
    ax.set(title="Gradient norm per layer", xlabel="step", ylabel="‖∂L/∂W, ∂L/∂b‖")
    shown = [curve(ax, "grad_norm", k, positive=True, lw=1.4, label=f"layer {i} (brick {k})")
             for i, k in enumerate(layers, 1)]
    if _scale_or_note(ax, shown, "No gradient norms to draw:\n" +
                      (not_finite if recorded("grad_norm") else "no grad_norm_<k> columns")):
        ax.legend(loc="best", fontsize="small", ncol=1 + (len(layers) > 4), framealpha=0.85,
                  edgecolor="none")
    if "loss" in history.columns and not np.isfinite(history["loss"]).all():
        i = int(np.argmax(~np.isfinite(history["loss"])))  # mark where training blew up
        ax.axvline(steps[i], color="0.4", ls=":", lw=1, gid="diverged")
        ax.text(steps[i], 0.5, f"loss = {history['loss'][i]} at step {int(steps[i])} ",
                rotation=90, ha="right", va="center", fontsize="small", color="0.3",
                transform=ax.get_xaxis_transform(),
                bbox=dict(facecolor="white", alpha=0.7, edgecolor="none", pad=1))

    ax = ax_ratio
    ax.set(title="Update / weight ratio per layer", xlabel="step",
           ylabel="‖W after − W before‖ / ‖W before‖")
    shown = [curve(ax, "update_ratio", k, positive=True, lw=1.4) for k in layers]
    if _scale_or_note(ax, shown, "No update ratios to draw:\n" +
                      (not_finite if recorded("update_ratio") else later),
                      also=np.array(HEALTHY_RATIO)):
        ax.axhspan(*HEALTHY_RATIO, color="C2", alpha=0.12, lw=0, zorder=0,
                   label="≈ 1e-3, a rule of thumb")
        ax.axhline(1e-3, color="C2", alpha=0.6, lw=0.8, ls="--", zorder=0, gid="reference")
        ax.legend(loc="best", fontsize="small", framealpha=0.85, edgecolor="none")

    ax = ax_units
    ax.set(title="Saturated and dead units", xlabel="step", ylabel="share of units")
    saturated = [curve(ax, "saturated", k, lw=1.4) for k in layers]
    dead = [curve(ax, "dead", k, lw=1.4, ls="--") for k in layers]
    if _scale_or_note(ax, saturated + dead, "No saturated or dead units to draw:\n" + (
            "no sigmoid, tanh or ReLU after these layers,\nor " + not_finite
            if recorded("saturated", "dead") else later), log=False):
        ax.set_ylim(-0.02, 1.02)
        kinds = [Line2D([], [], color="0.3", lw=1.4, ls=ls, label=label)
                 for values, ls, label in ((saturated, "-", "saturated (sigmoid/tanh)"),
                                           (dead, "--", "dead (ReLU)")) if any(map(len, values))]
        ax.legend(handles=kinds, loc="best", fontsize="small", frameon=False)

    if path is not None:
        with atomic_path(_checked(path), suffix=".png") as tmp:
            fig.savefig(tmp, format="png", dpi=DPI)
    return fig


def _scale_or_note(ax, shown, note, log=True, also=None) -> bool:
    """Grid and log-scale ``ax`` to the values ``shown`` (and ``also``); with none, a ``note``."""
    if not any(map(len, shown)):
        ax.text(0.5, 0.5, note, ha="center", va="center", color="0.35", transform=ax.transAxes)
        ax.set(yticks=[], ylabel="")
        return False
    if log:
        _loss_scale(ax, np.concatenate([*shown, [] if also is None else also]))
    ax.grid(alpha=0.3)
    return True
