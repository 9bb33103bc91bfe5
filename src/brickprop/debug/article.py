"""The article's worked example, number for number: ``explain_article() -> Trace``.

The article walks one plain SGD step through its 2-3-2 sigmoid network without biases:
its first XOR point ``x = [1.76405235, 0.40015721]`` with target ``[1, 0]``, weights
drawn after ``np.random.seed(2017)``, squared error ``sum((h2 - y)**2) / 2N`` without a
penalty (N = 1, so it is the article's ``1/2 sum``), learning rate 0.001.  ``PRINTED``
holds the numbers its figures print; the trace carries them, each with a verdict
computed from brickprop's own value, so every rendering shows them side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

SEED = 2017    # the article's np.random.seed(2017), before it draws W1 and W2
HIDDEN = 3     # its worked example's hidden units
LR = 0.001     # its worked example's learning rate
POINT = 0      # its worked example's point: the first of xor(300, seed=0)

_TYPO = ("the first sign is a typo: h2 (1 - h2) multiplies two numbers between 0 and 1, "
         "so both entries are positive (0.37166596 x 0.62833404 = 0.23353037), and the same "
         "figure's dLoss/dW2 was computed with +0.23353037")
_FACTOR = ("the figure names this factor -(y - h2) h2 (1 - h2), which is dL/dz2, but prints "
           "dh2/dz2 = h2 (1 - h2) alone; its result, dL/dh1 = [0.02599101 0.01515256 "
           "0.08274025], is dL/dz2 W2^T, the right value")

# The numbers the article prints, figure by figure: (trace entry, the digits printed[, how
# the figure names it]); a matrix is printed as its rows in brackets.
FIGURES = {
    "figure of the initialized network": (
        ("h0", "[1.76405235 0.40015721]", "as X"),
        ("y", "[1 0]", "as Y"),
        ("W1", "[[-0.67746455 0.37769425 -0.07365253] [-0.53663519 0.60920496 0.21149622]]"),
        ("W2", "[[-0.41491732 -0.30992816] [-0.31583913 -0.27706468] [-0.44701662 0.15231059]]")),
    "figure z1 = X W1": (("z1", "[-1.40982136 0.91005018 -0.04529517]"),),
    "figure h1 = sigmoid(z1)": (("h1", "[0.19626223 0.71301043 0.48867814]"),),
    "figure z2 = h1 W2": (("z2", "[-0.52507645 -0.18394635]"),),
    "text, and figure h2 = sigmoid(z2)": (("h2", "[0.37166596 0.45414264]"),),
    "figure of dLoss/dW2": (
        ("dL/dh2", "[-0.62833404 0.45414264]"),
        ("dh2/dz2", "[-0.23353037 0.2478971]"),
        ("dz2/dW2", "[0.19626223 0.71301043 0.48867814]"),
        ("dL/dW2", "[[-0.02879856 0.02209533] [-0.10462365 0.08027117] [-0.07170623 0.0550157]]"),
        ("W2_new", "[[-0.41488852 -0.30995026] [-0.31573451 -0.27714495] "
                   "[-0.44694491 0.15225557]]", "as W2*")),
    "figure of dLoss/dW1": (
        ("dL/dz2", "[0.23353037 0.2478971]", "the factor before W2"),
        ("dL/dh1", "[0.02599101 0.01515256 0.08274025]"),
        ("dh1/dz1", "[0.15774337 0.20462656 0.24987182]"),
        ("dz1/dW1", "[1.76405235 0.40015721]")),
    "figure of the final dLoss/dW1": (
        ("dL/dW1", "[[0.00723246 0.00546965 0.03647082] [0.00164061 0.00124073 0.00827303]]"),
        ("W1_new", "[[-0.67747178 0.37768878 -0.073689] [-0.53663683 0.60920372 0.21148795]]",
         "as W1*")),
}
NOTES = {"dh2/dz2": _TYPO, "dL/dz2": _FACTOR}  # why the article's digits differ from ours

# (trace entry, where the article prints it, the digits it prints, why they differ or "")
PRINTED = tuple((name, ", ".join([figure, *called]), digits, NOTES.get(name, ""))
                for figure, rows in FIGURES.items() for name, digits, *called in rows)


@dataclass(frozen=True)
class Printed:
    """A number the article prints next to the trace entry ``name`` that computes it.

    ``agrees`` is True when brickprop's value rounds to every digit printed; ``note``
    says why they differ where the article's figure is wrong.
    """

    name: str
    where: str
    digits: str
    agrees: bool
    note: str = ""


def agrees(value, digits: str) -> bool:
    """Whether each number of ``value`` rounds to the one ``digits`` prints, to its last place."""
    tokens = re.findall(r"-?\d+(?:\.\d+)?", digits)
    value = np.asarray(value, dtype=float).ravel()
    if len(tokens) != value.size:
        return False
    for v, t in zip(value, tokens):
        places = len(t.partition(".")[2])
        if abs(v - float(t)) > 0.5 * 10.0 ** -places * (1 + 1e-9):  # half a unit in the last
            return False
    return True


def network(hidden: int = HIDDEN, seed: int = SEED):
    """The article's network: Linear(2, H) and Linear(H, 2) without biases, sigmoids after.

    Its weights ``W1 = (2 u - 1) / sqrt(2)`` and ``W2 = (2 u - 1) / sqrt(H)`` come from one
    ``RandomState(seed)``, in that order, as its script drew them.
    """
    from ..bricks.models import mlp

    return mlp(2, [hidden], 2, bias=False, init="article", seed=seed)


def explain_article():
    """The article's worked example as a :class:`~brickprop.explain.Trace`, its figures beside.

    One plain SGD step (lr 0.001) of :func:`network` on the first point of
    ``xor(300, seed=0)`` and its one-hot target ``[1, 0]``, squared error without
    penalty.  ``trace.printed`` lists what the article prints, with verdicts.
    """
    from ..bricks.functional import one_hot
    from ..bricks.losses import MSE
    from ..data.datasets import xor
    from .explain import Trace, explain

    X, y = xor(300, seed=0)
    x, target = X[POINT:POINT + 1], one_hot(y, 2)[POINT:POINT + 1]  # (1, 2) each
    trace = explain(network(), x, target, loss=MSE(), lr=LR)
    printed = [Printed(name, where, digits, agrees(trace[name].array, digits), note)
               for name, where, digits, note in PRINTED]
    title = ("The article's worked example: one SGD step with learning rate 0.001 of its 2-3-2 "
             "sigmoid network without biases (weights drawn after np.random.seed(2017)) on "
             "its first XOR point and target [1, 0], squared error without penalty")
    return Trace(trace.entries, title, printed=printed)
