"""Per-layer health of a network, and the guard that stops a diverging run.

``layer_stats`` measures, for each ``Linear`` brick ``k`` and the activation after
it: the weight norm, the update-to-weight ratio ``||W_after - W_before|| / ||W_before||``
(around 1e-3 is healthy; far above means a too-large step, far below a stalled
layer), the share of saturated sigmoid/tanh outputs (where the derivative almost
vanishes), the share of dead ReLU units (zero for every sample) and the largest
activation.  ``DivergenceGuard`` watches the loss and gradient norms that ``fit``
records and explains what went wrong when they blow up.
"""

from __future__ import annotations

import math

import numpy as np

STATS = ("weight_norm", "update_ratio", "saturated", "dead", "max_activation")


def layer_stats(net, X, weights_before) -> list[float]:
    """The ``STATS`` of every layer, flattened layer by layer.

    ``weights_before`` holds each layer's weight matrix before the last update (in
    ``net.layers()`` order).  Runs one forward pass of ``X`` through the bricks.
    """
    outputs, x = [], X
    for brick in net:
        x = brick.forward(x)
        outputs.append(x)
    row = []
    for (k, linear), before in zip(net.layers(), weights_before):
        W = linear.parameters()[0].data
        norm_before = math.sqrt(float(np.vdot(before, before)))
        step = W - before
        ratio = math.sqrt(float(np.vdot(step, step))) / norm_before if norm_before else math.nan
        after = k + 1 if k + 1 < len(net) else k
        h = outputs[after]
        health = net[after].health(h)  # the brick knows what saturated or dead means for it
        row += [math.sqrt(float(np.vdot(W, W))), ratio, health["saturated"], health["dead"],
                float(np.abs(h).max()) if h.size else math.nan]
    return row


def columns(net) -> list[str]:
    """History columns of ``layer_stats``: ``weight_norm_0, update_ratio_0, ...``."""
    return [f"{stat}_{k}" for k, _ in net.layers() for stat in STATS]


class DivergenceGuard:
    """Trip on the first non-finite loss or gradient, or a loss above ``factor`` x its start.

    The start is the first recorded loss, not the best: a loss near zero spikes by
    100x in healthy runs.  ``check`` returns None while training is fine and a
    message naming the step, the layer whose gradient norm grew fastest and the
    remedies, most likely first, when it is not.  The message counts steps from 1 (step
    N is the Nth update) and names the same step's 0-based row in metrics.csv.
    """

    #: Inputs larger than this are far from standardized: a blow-up is then the data's fault.
    DATA_LIMIT = 1e6

    def __init__(self, layer_ids, factor: float = 1e3, window: int = 20, data_scale=0.0,
                 start: float | None = None):
        self.layer_ids, self.factor, self.window = list(layer_ids), factor, window
        # data_scale: the largest |input|, or a function that measures it, asked only when
        # the guard trips: its two passes over an MNIST-sized X cost 4% of an epoch's products
        self.start, self.data_scale = start, data_scale  # start None: the first finite loss
        self.remedies: list[str] = []

    def check(self, step: int, loss: float, norms, history) -> str | None:
        finite = math.isfinite(loss)
        if self.start is None and finite:
            self.start = loss
        for n in norms:  # a loop: all() over a generator costs more, every step
            finite = finite and math.isfinite(n)
        risen = finite and self.start is not None and self.start > 0 and \
            loss > self.factor * self.start
        if finite and not risen:
            return None
        what = (f"the loss rose to {loss:.4g}, {loss / self.start:.3g}x its start" if risen
                else "the loss is not finite" if not math.isfinite(loss)
                else "a gradient is not finite")
        if callable(self.data_scale):
            self.data_scale = self.data_scale()
        if not self.data_scale <= self.DATA_LIMIT:  # also NaN
            return (f"diverged at step {step + 1} (metrics.csv step {step}): {what}. The data "
                    f"is the problem: its largest |value| is {self.data_scale:.3g}, where "
                    "standardized features lie within a few units of 0; standardize or rescale "
                    "the features (a lower learning rate will not help).")
        # Steps count from 1 here (the Nth update), from 0 in metrics.csv's step column.
        return (f"diverged at step {step + 1} (metrics.csv step {step}): {what}. "
                + self._explain(step, norms, history))

    def _explain(self, step, norms, history) -> str:
        # Rows by their step: with log_every > 1 the History keeps every few steps only.
        at = np.flatnonzero(history["step"] >= step - self.window)
        first = int(history["step"][at[0]]) if at.size else step
        growth = []
        for i, k in enumerate(self.layer_ids):
            col = history[f"grad_norm_{k}"][at[:-1]]  # the rows before this step's
            old, new = (col[0] if col.size else norms[i]), norms[i]
            if not math.isfinite(new):  # the last finite value before the blow-up
                finite = col[np.isfinite(col)]
                new = finite[-1] if finite.size else old
            growth.append((new / old if old > 0 else math.inf, k, old, new))
        g, k, old, new = max(growth, key=lambda t: (t[0] if math.isfinite(t[0]) else 1e300))
        layer = (f"Brick {k}'s gradient norm grew fastest, from {old:.3g} to {new:.3g} "
                 f"({g:.3g}x) over steps {first + 1}-{step + 1}.")
        finite_norms = [n for _, _, _, n in growth if math.isfinite(n) and n > 0]
        spread = max(finite_norms) / min(finite_norms) if len(finite_norms) > 1 else 1.0
        over_time = ["lower the learning rate (e.g. --lr divided by 10) or decay it "
                     "(--schedule exponential)", "clip gradients (--clip-norm 1)"]
        over_depth = ["use fewer layers"] * (len(self.layer_ids) > 2) + [
            "use another initialization (--init glorot or he) or activation (--activation tanh)"]
        remedies = over_depth + over_time if spread > 1e3 and g < 10 else over_time + over_depth
        self.remedies = remedies  # ranked, for pages that offer them as buttons
        return layer + " Try, most likely first: " + "; ".join(
            f"({i}) {r}" for i, r in enumerate(remedies, 1)) + "."
