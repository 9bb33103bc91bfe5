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
from ..train.metrics import labels_of
from ..viz._figures import loss_scale, mark_divergence, new_figure, save_png
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
    from matplotlib.colors import LinearSegmentedColormap, ListedColormap

    if not panels:
        raise ValueError("nothing to compare: no variants were given")
    n = len(panels)
    grid, ax_norm, fig = _layout(n, [_wrap(p["name"]) for p in panels], title)
    shade = LinearSegmentedColormap.from_list("shade", SHADE_COLORS)
    colors = [f"C{i % 10}" for i in range(n)]
    for i, (p, color) in enumerate(zip(panels, colors)):
        label = f"{p['name']} · {p['status']}"
        if "steps" not in p:
            ax = fig.add_subplot(grid[i, :])
            ax.text(0.5, 0.5, f"{p['name']}: {p['status']}\n{p.get('message', '')}",
                    ha="center", va="center", wrap=True, color="0.3", transform=ax.transAxes)
            ax.set_axis_off()
            continue
        steps = p["steps"]
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
            ax_acc.set_title("Training accuracy")
            ax_map.set_title("Decision boundary")
            ax_loss.set_title("Loss")
        if i == n - 1:
            ax_acc.set_xlabel("step")
            ax_loss.set_xlabel("step")
        ax_loss.text(0.98, 0.95, p["status"], ha="right", va="top", fontsize="small",
                     color="0.25", transform=ax_loss.transAxes)
        _boundary(ax_map, p, shade, ListedColormap(CLASS_COLORS))
        norm = np.where(np.isfinite(p["grad_norm"]) & (p["grad_norm"] > 0), p["grad_norm"],
                        np.nan)
        ax_norm.plot(steps, norm, color=color, lw=1.2, label=label)
        bad = np.flatnonzero(~np.isfinite(p["grad_norm"]))
        if bad.size:  # where the norm left the axis
            ax_norm.plot(steps[bad[0]], np.nanmax(norm) if np.isfinite(norm).any() else 1,
                         "x", color=color, ms=9, mew=2)
    lengths = [len(p["steps"]) for p in panels if "steps" in p]
    log_steps = bool(lengths) and max(lengths) > 10 * min(lengths)
    if log_steps:  # a run that blew up in a few steps beside ones that ran thousands
        ax_norm.set_xscale("symlog", linthresh=10)
    if ax_norm.lines:
        ax_norm.set_yscale("log")
        values = np.concatenate([ln.get_ydata() for ln in ax_norm.lines])
        values = values[np.isfinite(values) & (values > 0)]
        if values.size:  # leave out the rare exact-zero-like dips of a fully fitted net
            ax_norm.set_ylim(np.percentile(values, 0.5) / 2, values.max() * 10)
    ax_norm.set(title="Global gradient norm before clipping (x: first non-finite value)",
                xlabel="step (log scale above 10)" if log_steps else "step",
                ylabel="gradient norm")
    ax_norm.grid(alpha=0.3)
    if ax_norm.get_legend_handles_labels()[0]:
        ax_norm.legend(fontsize="small", frameon=False, ncols=2 if n > 6 else 1,
                       loc="best")
    if title:
        fig.suptitle(title, fontsize="large")
    if path is not None:
        save_png(fig, path)
    return fig


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
