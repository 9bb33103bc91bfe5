"""The pieces the three-panel figure of ``plots`` is drawn from.

``decision_grid`` evaluates a network over the input plane, ``describe`` names a
network for the title, and ``_Panels`` holds the three axes of one figure and the
artists that ``three_panel`` and ``animate`` update for each frame.  ``plots``
re-exports the public names.  matplotlib is imported only when a ``_Panels`` is built.
"""

from __future__ import annotations

import copy

import numpy as np

from ..train.metrics import accuracy, labels_of, r2
from ._figures import axes_row, forward_in_chunks, loss_scale, mark_divergence, new_figure
from .fitplots import FitPanel

SCORED = 5_000  # at most this many samples score a frame's title
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
    xx, yy, grid = _plane(X, resolution, _dtype(net))
    return xx, yy, _scores(net, grid, threshold).reshape(xx.shape)


def _plane(X, resolution, dtype):
    """``decision_grid``'s coordinates ``xx, yy`` and its points (resolution**2, 2)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.maximum(0.1 * (hi - lo), 0.5)
    xx, yy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()]).astype(dtype)


def _scores(net, points, threshold):
    """``decision_score`` of ``net`` at ``points``, evaluated in blocks of bounded size."""
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged net may overflow
        return decision_score(forward_in_chunks(net, points), threshold)


def decision_score(out, threshold: float = 0.5) -> np.ndarray:
    """What ``decision_grid`` shows of the outputs ``out`` (n_points, n_out): (n_points,).

    A class-1 score in [0, 1] that crosses 0.5 where the predicted class changes (one
    or two outputs), or the predicted class ``argmax`` (three or more).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if out.shape[1] == 1:
            o = out[:, 0]
            inside = threshold == 0.5 and o.min() >= 0 and o.max() <= 1
            return o if inside else 0.5 * (1 + np.tanh((o - threshold) / 2))  # sigmoid
        if out.shape[1] == 2:
            if out.min() >= 0:
                total = out.sum(axis=1)
                return np.divide(out[:, 1], total, out=np.full_like(total, 0.5),
                                 where=total > 0)
            return 0.5 * (1 + np.tanh((out[:, 1] - out[:, 0]) / 2))  # softmax of class 1
        return out.argmax(axis=1).astype(np.float64)


def _validation_curve(ax, history, column):
    """Draw ``column`` (filled once per epoch, NaN elsewhere) as a dashed line, if present."""
    if column not in history.columns:
        return
    values = history[column]
    at = np.isfinite(values)
    ax.plot(history["step"][at], values[at], color="C2", lw=1.4, ls="--", label="validation")



class _Panels:
    """The three axes of one figure, and the artists that change from frame to frame."""

    def __init__(self, history, net, X, y, threshold, animated):
        from matplotlib.collections import PathCollection
        from matplotlib.colors import LinearSegmentedColormap, ListedColormap

        self.X, y = np.asarray(X), np.asarray(y)
        self.regression = "r2" in history.columns  # fit(..., metric="r2") on float targets
        if self.regression:  # targets (n_samples, n_out)
            self.labels = y.reshape(len(y), -1).astype(np.float64)
        else:  # class labels (n_samples,)
            self.labels = labels_of(y) if y.ndim == 2 else y.astype(np.intp)
        if self.X.ndim != 2 or len(self.labels) != self.X.shape[0] or (
                not self.regression and self.labels.ndim != 1):
            raise ValueError(f"X must be (n_samples, n_features) and y (n_samples,) labels or "
                             f"targets; got X {self.X.shape} and y {y.shape}")
        self.threshold, self.arch, self.animated = threshold, describe(net), animated
        self.steps = history["step"].astype(np.int64)
        self.metric = "r2" if self.regression else "accuracy"
        self.acc, self.loss = history[self.metric], history["loss"]
        self.fig = fig = new_figure(panels=3)
        self.ax_acc, ax_map, ax_loss = axes_row(fig, 3)
        ax_loss.sharex(self.ax_acc)
        self.title = fig.suptitle("", fontsize="x-large", animated=animated)
        moving = dict(animated=animated)

        ax = self.ax_acc
        self.acc_line, self.acc_dot = self._growing(ax, self.acc, "C0", "training")
        has_val = "val_loss" in history.columns
        _validation_curve(ax, history, f"val_{self.metric}")
        if self.regression:  # R^2 starts far below 0; show from -1 up
            seen = self.acc[np.isfinite(self.acc)]
            low = max(-1.0, float(seen.min()) - 0.05) if seen.size else 0.0
            ax.set(title="R$^2$" if has_val else "Training R$^2$", xlabel="step",
                   ylabel="R$^2$", ylim=(min(low, 0.0), 1.02))
        else:
            ax.set(title="Accuracy" if has_val else "Training accuracy", xlabel="step",
                   ylabel="accuracy", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        if has_val:
            ax.legend(loc="lower right", fontsize="small", frameon=False)

        ax = ax_loss
        data_loss = history["data_loss"]
        ax.plot(self.steps, data_loss, color="C3", lw=1, alpha=0.45, label="data loss")
        self.loss_line, self.loss_dot = self._growing(ax, self.loss, "C1", "loss (data + penalty)")
        _validation_curve(ax, history, "val_loss")
        ax.set(title="Loss", xlabel="step", ylabel="loss")
        loss_scale(ax, np.concatenate([self.loss, data_loss]))
        mark_divergence(ax, self.steps, self.loss)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize="small", frameon=False)

        self.ax_map, self.image, self.points, self.contour, self.note = (ax_map,) + (None,) * 4
        self.fit_panel = None
        if self.regression:
            self.fit_panel = FitPanel(ax_map, self.X, self.labels, _dtype(net), animated)
            self.note = ax_map.text(0.5, 0.97, "", ha="center", va="top", color="0.2",
                                    transform=ax_map.transAxes, zorder=4, **moving)
            return
        ax_map.set_title("Decision boundary")
        if self.X.shape[1] != 2:
            ax_map.text(0.5, 0.5, f"No boundary to draw:\nX has {self.X.shape[1]} features, "
                        "the plane shows 2", ha="center", va="center", fontsize="large",
                        color="0.35", transform=ax_map.transAxes)
            ax_map.set_axis_off()
            return
        shadow = copy.deepcopy(net)
        xx, yy, self.plane = _plane(self.X, 200, _dtype(net))  # decision_grid's default
        Z = _scores(shadow, self.plane, threshold).reshape(xx.shape)
        self.grid = (xx, yy)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged net may overflow
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
        if self.binary:  # the boundary line: what ax.contour draws, but one artist to update
            self.contour = PathCollection([], sizes=None, facecolors="none", edgecolors="k",
                                          linewidths=1.2, zorder=2, **moving)
            ax_map.add_collection(self.contour, autolim=False)
        ax_map.set(xlabel="$x_1$", ylabel="$x_2$")

    def _growing(self, ax, values, color, label):
        """Plot ``values``; return the strong line and its end dot, which ``show`` moves."""
        # Animated: the whole curve faint, the part up to the frame's step strong, a dot on it.
        moving = dict(animated=self.animated)
        (faint,) = ax.plot(self.steps, values, color=color, alpha=0.25, visible=self.animated)
        (line,) = ax.plot(self.steps, values, color=color, lw=1.6, label=label, **moving)
        (dot,) = ax.plot([], [], "o", color=color, ms=6, **moving)
        self.faint = [*getattr(self, "faint", []), faint]
        return line, dot

    def still(self, title=None) -> None:
        """Turn an animation at its last frame into the still figure ``three_panel`` draws.

        The moving artists are drawn like the others again, the faint whole curves and
        the end dots go, and ``title`` (if given) replaces the frame's.  What the
        animation drew for its last frame is then the figure of the trained network.
        """
        for artist in self.moving():
            artist.set_animated(False)
        for artist in [*self.faint, self.acc_dot, self.loss_dot]:
            artist.set_visible(False)
        self.animated = False
        if title:
            self.title.set_text(title)

    def show(self, net, row, step, title=None):
        """Set the artists to ``net``'s boundary and the curves up to history row ``row``."""
        if self.animated and len(self.steps):
            for ys, line, dot in ((self.acc, self.acc_line, self.acc_dot),
                                  (self.loss, self.loss_line, self.loss_dot)):
                line.set_data(self.steps[: row + 1], ys[: row + 1])
                dot.set_data([self.steps[row]], [ys[row]])
        # The title's score: on every sample, or on an evenly spaced SCORED of a large
        # set (60,000 MNIST rows cost a quarter second a frame, for a number in a title).
        every = -(-len(self.X) // SCORED)
        X, labels = self.X[::every], self.labels[::every]
        with np.errstate(over="ignore", invalid="ignore"):
            pred = net.forward(X.astype(_dtype(net), copy=False))
        if self.regression:
            score = f"R^2 {r2(pred, labels):.2f}"
        else:
            score = f"accuracy {accuracy(pred, labels, self.threshold):.2f}"
        if every > 1:
            score += f" on {len(X):,} of {len(self.X):,} samples"
        self.title.set_text(title or f"{self.arch} · step {step} · {score}")
        if self.fit_panel is not None:
            finite = self.fit_panel.update(net)
            self.note.set_text("" if finite else "the outputs are NaN or inf")
            return
        if self.image is None:
            return
        Z = _scores(net, self.plane, self.threshold).reshape(self.grid[0].shape)
        # An animation's frames get the image coloured here: matplotlib draws it three
        # times faster than from the scores (no masked arrays), with the same pixels.
        self.image.set_data(self.image.to_rgba(Z, bytes=True) if self.animated else Z)
        self.note.set_text("" if np.isfinite(Z).all() else "the outputs are NaN or inf where blank")
        if self.contour is not None:
            self.contour.set_paths(_level_line(*self.grid, Z) if Z.min() < 0.5 < Z.max() else [])

    def moving(self) -> list:
        """The artists to redraw for each frame, bottom to top."""
        fit = self.fit_panel.moving if self.fit_panel is not None else []
        # An empty note costs a text layout per frame all the same: leave it out.
        note = self.note if self.note is not None and self.note.get_text() else None
        artists = [*fit, self.image, self.contour, self.points, note, self.acc_line,
                   self.acc_dot, self.loss_line, self.loss_dot, self.title]
        return [a for a in artists if a is not None]


def _level_line(xx, yy, Z) -> list:
    """The line where ``Z`` crosses 0.5, as the one path ``ax.contour`` would draw.

    Made with contourpy, matplotlib's own contouring library, as matplotlib makes it;
    a new contour set per frame cost five times as much for the same pixels.
    """
    import contourpy
    from matplotlib.path import Path

    lines = contourpy.contour_generator(xx, yy, Z, name="mpl2014", corner_mask=True,
                                        line_type=contourpy.LineType.SeparateCode)
    vertices, codes = lines.create_contour(0.5)
    return [Path(np.concatenate(vertices), np.concatenate(codes))] if vertices else []


def describe(net) -> str:
    """A short name of a network, ``"2-3-2 sigmoid"``: layer widths, then activations."""
    sizes, acts = [], []
    for brick in getattr(net, "bricks", [net]):
        if hasattr(brick, "n_in") and hasattr(brick, "n_out"):
            sizes = (sizes or [brick.n_in]) + [brick.n_out]
        elif not brick.parameters() and type(brick).__name__.lower() not in acts:
            acts.append(type(brick).__name__.lower())
    return f"{'-'.join(map(str, sizes))} {'/'.join(acts)}".strip() or type(net).__name__


def _dtype(net):
    return getattr(net, "dtype", None) or np.float64
