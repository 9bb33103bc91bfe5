"""Pictures of training: the article's three panels, still or animated.

Left, training accuracy over steps; middle, the decision boundary over the 2-D
input plane with the training points; right, the loss.  ``three_panel`` draws them
for the network as it is now, ``animate`` over the snapshots of ``fit(...,
snapshots=k)``.  Plots only read a ``History`` and evaluate a deep copy of the
network, so the user's parameters and caches stay untouched.

The decision grid, the network names and the per-frame artists live in ``_panels``;
``decision_grid`` and ``describe`` are re-exported here, as are ``diagnostics_figure``
and ``schedule_curve`` from ``diagplots``.  matplotlib is imported lazily; figures use
the Agg canvas, not pyplot (see ``_figures``).
"""

from __future__ import annotations

import copy

import numpy as np

from ._figures import checked, save_animation, save_png
from ._panels import CLASS_COLORS as CLASS_COLORS  # used by compareplots
from ._panels import SHADE_COLORS as SHADE_COLORS
from ._panels import _Panels, decision_grid, describe
from ._parallel import at_once, drawer, unhurried
from .diagplots import HEALTHY_RATIO, diagnostics_figure, schedule_curve

__all__ = ["HEALTHY_RATIO", "animate", "decision_grid", "describe", "diagnostics_figure",
           "draw_run", "drawer", "schedule_curve", "three_panel"]

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
        with the accuracy of ``net`` on ``(X, y)`` (on an evenly spaced 5,000 of
        them when there are more, and the title says so).
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
        save_png(panels.fig, path)
    return panels.fig


def animate(history, net, X, y, path, fps: float = 10, dpi: int = 80,
            threshold: float = 0.5, figure=None, title=None) -> int:
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
    figure : str or PathLike, optional
        Also save the last frame as the still PNG that ``three_panel`` would draw of
        the snapshot's network, with ``title``: the animation's figure is already laid
        out and drawn, so this costs one more drawing rather than a figure of its own.

    Returns
    -------
    int
        The number of frames written.
    """
    snapshots = history.snapshots
    if not snapshots:
        raise ValueError("the history has no parameter snapshots to animate; "
                         "train with fit(..., snapshots=40)")
    if not isinstance(fps, (int, float)) or not fps > 0:
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    path = checked(path)
    shadow = copy.deepcopy(net)
    params = shadow.parameters()
    shapes = [p.data.shape for p in params]
    for step, arrays in snapshots:
        if [a.shape for a in arrays] != shapes:
            raise ValueError(f"the snapshot of step {step} has shapes {[a.shape for a in arrays]}"
                             f" but the network's parameters {shapes}; is it the same network?")

    panels = _Panels(history, net, X, y, threshold, animated=True)
    panels.fig.set_dpi(dpi)

    def show(i):  # sets the panels to snapshot i
        step, arrays = snapshots[i]
        for p, a in zip(params, arrays):
            p.data[...] = a
        row = min(int(np.searchsorted(panels.steps, step)), len(panels.steps) - 1)
        panels.show(shadow, row, step)

    def still():
        panels.still(title)
        save_png(panels.fig, figure)

    return save_animation(panels.fig, len(snapshots), show, panels.moving, path, fps,
                          last=still if figure is not None else None)


def draw_run(history, net, X, y, figure, diagnostics, animation=None, title=None,
             threshold: float = 0.5) -> None:
    """A run's pictures at once: ``figure`` (``three_panel``), ``diagnostics`` and ``animation``.

    Each argument is a path; ``animation=None`` leaves the GIF out.  With the
    animation, ``figure`` is its last frame drawn still (the snapshots end with the
    trained network).  The diagnostics are drawn from the start beside the animation,
    and the figure beside its frames, each on a core of its own where the machine
    allows (``_parallel``).
    """
    def diagnose():
        diagnostics_figure(history, path=diagnostics,
                           title=f"Diagnostics · {title}" if title else None)

    if animation is None or not history.snapshots:
        at_once([lambda: three_panel(history, net, X, y, path=figure, title=title,
                                     threshold=threshold), diagnose])
        return
    at_once([lambda: animate(history, net, X, y, path=animation, threshold=threshold,
                             figure=figure, title=title), unhurried(diagnose)])
