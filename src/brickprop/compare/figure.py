"""The comparison figure: one row per variant (accuracy, decision boundary, loss) and, below
them, every variant's global gradient norm on one log axis.

``comparison_figure`` only draws what it is given (curves read from each run's
``metrics.csv``, the trained network and its data); it never trains.  matplotlib
is imported lazily, the figure uses the Agg canvas (see ``_figures``).
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from ..runs.config import RunConfig
from ..store.files import atomic_path
from ..train.metrics import labels_of
from ..viz._figures import DPI, checked, loss_scale, mark_divergence, new_figure, save_png
from ..viz.plots import CLASS_COLORS, SHADE_COLORS, decision_grid

ROW_HEIGHT = 2.3   # inches per variant
WIDTH = 12.0


def comparison_figure(panels, path=None, title=None):
    """Draw the variants of a comparison, one row each, and a gradient-norm overlay.

    Parameters
    ----------
    panels : list of dict
        One per variant, in table order, with keys ``name`` (str), ``status`` (str),
        ``message`` (str) and, for a variant that trained, ``steps`` (n_steps,),
        ``accuracy`` (n_steps,), ``loss`` (n_steps,), ``grad_norm`` (n_steps,) the
        global gradient norm before clipping, ``net`` (the trained network),
        ``X`` (n_samples, n_features) and ``y`` (n_samples,) or one-hot targets,
        and ``threshold`` (the class-1 threshold of a single output).  A variant
        without ``steps`` gets a row that says why.
    path : str or PathLike, optional
        Where to save the PNG, atomically.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not panels:
        raise ValueError("nothing to compare: no variants were given")
    drawing = ComparisonDrawing([p["name"] for p in panels], title)
    for i, p in enumerate(panels):
        drawing.add(i, p)
    return drawing.save(path)


class ComparisonDrawing:
    """The comparison figure, drawn a variant at a time as a grid's runs finish.

    ``add(i, panel)`` draws row ``i`` (a panel as ``comparison_figure`` takes it);
    ``prerender()``, while the last run still trains, renders all that is drawn so
    far but the gradient-norm overlay; ``save(path)`` then renders only the rows added
    since and the overlay onto that picture (the PNG ``savefig`` would write, without
    drawing the finished rows again), or the whole figure when nothing was rendered.
    """

    def __init__(self, names, title=None):
        from matplotlib.colors import LinearSegmentedColormap, ListedColormap

        if not names:
            raise ValueError("nothing to compare: no variants were given")
        self.n = len(names)
        self.grid, self.ax_norm, self.fig = _layout(self.n, [_wrap(n) for n in names], title)
        self.fig.dpi = DPI  # the PNG's resolution, for the canvas this draws on
        if title:
            self.fig.suptitle(title, fontsize="large")
        self.shade = LinearSegmentedColormap.from_list("shade", SHADE_COLORS)
        self.points = ListedColormap(CLASS_COLORS)
        self.lengths, self.added = [], set()
        self._background, self._later = None, []

    def add(self, i: int, p: dict) -> None:
        """Draw row ``i`` from panel ``p``; each row once."""
        if i in self.added:
            raise ValueError(f"row {i} of the comparison is drawn already")
        self.added.add(i)
        before = set(self.fig.axes)
        self._row(i, p, f"C{i % 10}")
        if self._background is not None:
            self._later += [ax for ax in self.fig.axes if ax not in before]

    def _row(self, i: int, p: dict, color: str) -> None:
        fig, grid, ax_norm, n = self.fig, self.grid, self.ax_norm, self.n
        label = f"{p['name']} · {p['status']}"
        if "steps" not in p:
            ax = fig.add_subplot(grid[i, :])
            ax.text(0.5, 0.5, f"{p['name']}: {p['status']}\n{p.get('message', '')}",
                    ha="center", va="center", wrap=True, color="0.3", transform=ax.transAxes)
            ax.set_axis_off()
            return
        steps = p["steps"]
        self.lengths.append(len(steps))
        ax_acc, ax_map, ax_loss = (fig.add_subplot(grid[i, j]) for j in range(3))
        ax_acc.plot(steps, p["accuracy"], color=color, lw=1.4)
        ax_acc.set(ylim=(0, 1.02), ylabel=_wrap(p["name"]))
        ax_acc.yaxis.label.set_color(color)
        ax_loss.plot(steps, p["loss"], color=color, lw=1.4)
        loss_scale(ax_loss, p["loss"])
        mark_divergence(ax_loss, steps, p["loss"])
        for ax in (ax_acc, ax_loss):
            ax.grid(alpha=0.3)
        if i == 0:
            ax_acc.set_title("Training accuracy", y=1.0)
            ax_map.set_title("Decision boundary", y=1.0)
            ax_loss.set_title("Loss", y=1.0)
        if i == n - 1:
            ax_acc.set_xlabel("step")
            ax_loss.set_xlabel("step")
        ax_loss.text(0.98, 0.95, p["status"], ha="right", va="top", fontsize="small",
                     color="0.25", transform=ax_loss.transAxes)
        _boundary(ax_map, p, self.shade, self.points)
        norm = np.where(np.isfinite(p["grad_norm"]) & (p["grad_norm"] > 0), p["grad_norm"],
                        np.nan)
        # stacked in table order (later rows on top), whatever order the runs finish in
        ax_norm.plot(steps, norm, color=color, lw=1.2, label=label, zorder=2 + 0.1 * i / n)
        bad = np.flatnonzero(~np.isfinite(p["grad_norm"]))
        if bad.size:  # where the norm left the axis
            ax_norm.plot(steps[bad[0]], np.nanmax(norm) if np.isfinite(norm).any() else 1,
                         "x", color=color, ms=9, mew=2, zorder=2 + 0.1 * i / n)

    def prerender(self) -> None:
        """Render every row drawn so far (not the overlay, which waits for all the runs)."""
        self.ax_norm.set_visible(False)
        self.fig.canvas.draw()
        self.ax_norm.set_visible(True)
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self._later = []

    def save(self, path=None):
        """Finish the overlay and save the PNG (atomically); returns the figure."""
        import matplotlib.image

        self._finish_norm()
        if path is None:
            return self.fig
        if self._background is None:
            save_png(self.fig, path)
            return self.fig
        canvas = self.fig.canvas
        canvas.restore_region(self._background)
        for ax in [*self._later, self.ax_norm]:
            self.fig.draw_artist(ax)
        with atomic_path(checked(path), suffix=".png") as tmp:
            matplotlib.image.imsave(tmp, canvas.buffer_rgba(), format="png", origin="upper",
                                    dpi=DPI)
        return self.fig

    def _finish_norm(self) -> None:
        """The overlay's scales, limits, labels and legend, from every run's curve."""
        ax_norm, lengths, n = self.ax_norm, self.lengths, self.n
        log_steps = bool(lengths) and max(lengths) > 10 * min(lengths)
        if log_steps:  # a run that blew up in a few steps beside ones that ran thousands
            ax_norm.set_xscale("symlog", linthresh=10)
        if ax_norm.lines:
            ax_norm.set_yscale("log")
            values = np.concatenate([ln.get_ydata() for ln in ax_norm.lines])
            values = values[np.isfinite(values) & (values > 0)]
            if values.size:  # leave out the rare exact-zero-like dips of a fully fitted net
                ax_norm.set_ylim(np.percentile(values, 0.5) / 2, values.max() * 10)
        # titles at y=1 by hand: matplotlib's own placing measures every tick label first
        # (a fifth of the figure's time), to move titles that nothing here overlaps
        ax_norm.set_title("Global gradient norm before clipping (x: first non-finite value)",
                          y=1.0)
        ax_norm.set(xlabel="step (log scale above 10)" if log_steps else "step",
                    ylabel="gradient norm")
        ax_norm.grid(alpha=0.3)
        handles, labels = ax_norm.get_legend_handles_labels()
        if handles:  # in table order, whatever order the runs finished in
            order = sorted(range(len(handles)), key=lambda k: handles[k].get_zorder())
            ax_norm.legend([handles[k] for k in order], [labels[k] for k in order],
                           fontsize="small", frameon=False, ncols=2 if n > 6 else 1,
                           loc="best")


def _layout(n: int, labels, title):
    """The figure, its grid of ``n`` variant rows and the gradient-norm axes below them.

    Margins are fixed in inches, sized for the tick labels and the variant names down
    the left (``labels``, a line of text each); matplotlib's constrained layout, which
    measures every label, cost 40 % of the figure's time.
    """
    title_lines = title.count("\n") + 1 if title else 0
    height = ROW_HEIGHT * (n + 1.3) + 0.3 * title_lines
    fig = new_figure((WIDTH, height), panels=0)
    lines = max(label.count("\n") + 1 for label in labels)
    left, right, gap = 0.55 + 0.2 * lines, 0.15, 0.75         # inches
    top, bottom, row_gap = 0.5 + 0.27 * title_lines, 0.55, 0.45
    norm_height, above_norm = ROW_HEIGHT * 1.3 - 0.6, 0.95     # the title and "step" above it
    axes_width = (WIDTH - left - right - 2 * gap) / 3
    rows_bottom = bottom + norm_height + above_norm
    row_height = (height - top - rows_bottom - row_gap * (n - 1)) / n
    grid = fig.add_gridspec(n, 3, left=left / WIDTH, right=1 - right / WIDTH,
                            top=1 - top / height, bottom=rows_bottom / height,
                            wspace=gap / axes_width, hspace=row_gap / row_height)
    ax_norm = fig.add_axes((left / WIDTH, bottom / height, 1 - (left + right) / WIDTH,
                            norm_height / height))
    return grid, ax_norm, fig


def _wrap(name: str, width: int = 24) -> str:
    """A variant's name on short lines, broken at the ``_`` before each ``key=``."""
    keys = sorted((f.name for f in dataclasses.fields(RunConfig)), key=len, reverse=True)
    parts, line = [], ""
    for piece in re.split(rf"_(?=(?:{'|'.join(keys)})=)", name):
        if line and len(line) + len(piece) + 1 > width:
            parts.append(line)
            line = piece
        else:
            line = f"{line} {piece}" if line else piece
    return "\n".join([*parts, line])


def _boundary(ax, p, shade, points):
    X = np.asarray(p["X"])
    if X.ndim != 2 or X.shape[1] != 2:
        ax.text(0.5, 0.5, f"no boundary: {X.shape[1]} features", ha="center", va="center",
                color="0.35", transform=ax.transAxes)
        ax.set_axis_off()
        return
    y = np.asarray(p["y"])
    labels = labels_of(y) if y.ndim == 2 else y.astype(np.intp)
    xx, yy, Z = decision_grid(p["net"], X, resolution=120, threshold=p.get("threshold", 0.5))
    binary = labels.max() <= 1
    ax.imshow(Z, extent=(xx[0, 0], xx[0, -1], yy[0, 0], yy[-1, 0]), origin="lower",
              cmap=shade if binary else "tab10", vmin=0, vmax=1 if binary else 9,
              aspect="auto", interpolation="nearest")
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap=points if binary else "tab10", vmin=0,
               vmax=1 if binary else 9, s=6, edgecolors="none", zorder=3)
    if binary and np.isfinite(Z).all() and Z.min() < 0.5 < Z.max():
        ax.contour(xx, yy, Z, levels=[0.5], colors="k", linewidths=1.0)
    ax.set_xticks([])
    ax.set_yticks([])
