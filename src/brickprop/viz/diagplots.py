"""Pictures of a run's health: per-layer diagnostics, and a learning-rate schedule.

``diagnostics_figure`` reads the per-layer columns that ``fit(...,
diagnose_every=k)`` records (gradient norms, update/weight ratios, saturated and
dead units) and draws one panel for each, marking where the loss blew up;
``schedule_curve`` draws a schedule's learning rate over steps.  Like the training
figure in ``plots`` (which re-exports both), they only read a ``History``.
matplotlib is imported lazily.
"""

from __future__ import annotations

import re

import numpy as np

from ._figures import FIGSIZE, axes_row, loss_scale, mark_divergence, new_figure, save_png

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
    from matplotlib.lines import Line2D

    steps = history["step"]
    layers = sorted({int(m[2]) for m in map(_DIAGNOSTIC.match, history.columns) if m})
    # Input layer dark, output layer light: vanishing gradients read as a colour ramp.
    colors = colormaps["viridis"](np.linspace(0, 0.85, max(len(layers), 2)))
    fig = new_figure(FIGSIZE, panels=3)
    ax_grad, ax_ratio, ax_units = axes_row(fig, 3, sharex=True)
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
    if "loss" in history.columns:
        mark_divergence(ax, steps, history["loss"])

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
        save_png(fig, path)
    return fig


def _scale_or_note(ax, shown, note, log=True, also=None) -> bool:
    """Grid and log-scale ``ax`` to the values ``shown`` (and ``also``); with none, a ``note``."""
    if not any(map(len, shown)):
        ax.text(0.5, 0.5, note, ha="center", va="center", color="0.35", transform=ax.transAxes)
        ax.set(yticks=[], ylabel="")
        return False
    if log:
        loss_scale(ax, np.concatenate([*shown, [] if also is None else also]))
    ax.grid(alpha=0.3)
    return True


def schedule_curve(rates, path=None, title="learning rate"):
    """Draw a learning-rate curve ``rates`` (steps,) over steps; save a PNG when ``path``."""
    rates = np.asarray(rates, dtype=float)
    fig = new_figure(figsize=(7, 3.6))
    ax = fig.subplots()
    ax.plot(np.arange(rates.size), rates, color="C0", lw=1.8)
    ax.set(title=title, xlabel="step", ylabel="learning rate", ylim=(0, rates.max() * 1.05))
    ax.grid(alpha=0.3)
    if path is not None:
        save_png(fig, path)
    return fig
