"""The middle panel of a regression run: what the network predicts over the inputs.

One feature: the data as points and the network's curve over their range.  Two
features: the prediction over the plane as a colour map, with the points coloured by
their target on the same scale.  Any other number: a note.  ``plots`` places the
panel between the R^2 and loss curves; ``update`` redraws it for each animation frame.
matplotlib is not imported here: the panel draws on the axes it is given.
"""

from __future__ import annotations

import numpy as np

from ._figures import forward_in_chunks

CURVE_POINTS = 300  # points along the fitted curve of one feature
RESOLUTION = 120    # grid points per axis of the prediction map of two features


def _span(values, share: float = 0.05):
    """``(lo, hi)`` of ``values`` padded by ``share`` of their range (at least 0.5)."""
    lo, hi = float(values.min()), float(values.max())
    pad = max(share * (hi - lo), 0.5)
    return lo - pad, hi + pad


class FitPanel:
    """Draws the regression panel on ``ax`` and moves it to other weights on ``update``.

    Parameters
    ----------
    ax : matplotlib Axes
    X : (n_samples, n_features) array
        The training inputs; with 1 or 2 features the panel shows the fit.
    target : (n_samples, n_out) array
        The training targets; the panel shows output 0.
    dtype : numpy dtype
        The network's dtype, for the points it is evaluated on.
    animated : bool
        Mark the moving artists as animated (drawn only by blitting).
    """

    def __init__(self, ax, X, target, dtype, animated: bool):
        self.ax, self.dtype, self.moving = ax, dtype, []
        n_features = X.shape[1]
        y = target[:, 0]  # (n_samples,)
        if n_features == 1:
            self.inputs = np.linspace(*_span(X[:, 0]), CURVE_POINTS)[:, None]  # (300, 1)
            ax.scatter(X[:, 0], y, s=12, color="0.45", alpha=0.7, label="data", zorder=2)
            (self.curve,) = ax.plot(self.inputs[:, 0], np.full(CURVE_POINTS, y.mean()),
                                    color="C0", lw=2, label="network", animated=animated,
                                    zorder=3)
            ax.set(title="Fit", xlabel="$x_1$", ylabel="$y$", ylim=_span(y, 0.15))
            ax.legend(loc="best", fontsize="small", frameon=False)
            self.moving = [self.curve]
        elif n_features == 2:
            (x_lo, x_hi), (y_lo, y_hi) = _span(X[:, 0], 0.1), _span(X[:, 1], 0.1)
            xx, yy = np.meshgrid(np.linspace(x_lo, x_hi, RESOLUTION),
                                 np.linspace(y_lo, y_hi, RESOLUTION))
            self.inputs = np.column_stack([xx.ravel(), yy.ravel()])  # (RESOLUTION**2, 2)
            scale = dict(cmap="viridis", vmin=float(y.min()), vmax=float(y.max()))
            self.image = ax.imshow(np.full(xx.shape, np.nan), extent=(x_lo, x_hi, y_lo, y_hi),
                                   origin="lower", aspect="auto", interpolation="nearest",
                                   animated=animated, **scale)
            points = ax.scatter(X[:, 0], X[:, 1], c=y, s=16, edgecolors="white",
                                linewidths=0.4, zorder=3, **scale)
            ax.figure.colorbar(points, ax=ax, label="$y$ (points) and prediction (map)")
            ax.set(title="Prediction", xlabel="$x_1$", ylabel="$x_2$")
            self.moving = [self.image]
        else:
            ax.set_title("Prediction")
            ax.text(0.5, 0.5, f"No curve to draw:\nX has {n_features} features, "
                    "the plane shows 1 or 2", ha="center", va="center", fontsize="large",
                    color="0.35", transform=ax.transAxes)
            ax.set_axis_off()
            self.inputs = None

    def update(self, net) -> bool:
        """Show ``net``'s prediction; returns False where it is NaN or inf."""
        if self.inputs is None:
            return True
        pred = forward_in_chunks(net, self.inputs.astype(self.dtype))[:, 0]  # (n_points,)
        if self.inputs.shape[1] == 1:
            self.curve.set_ydata(pred)
        else:
            self.image.set_data(pred.reshape(RESOLUTION, RESOLUTION))
        return bool(np.isfinite(pred).all())
