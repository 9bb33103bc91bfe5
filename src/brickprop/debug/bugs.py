"""The bug zoo: classic mistakes in the training math, switched on deliberately.

Each gradient-breaking bug is a brick, loss or regularizer whose forward pass is
right and whose backward pass is wrong, with a ``repr`` that says so; run
``bp.gradcheck`` on them and ``report.faulty`` names exactly the buggy part::

    net, loss, reg = bp.bugs.apply_bugs(["missing-1-over-n"], net, bp.MSE(), bp.L2(1e-4))
    bp.gradcheck(net, X[:5], Y[:5], loss, reg).faulty   # ['loss Missing1OverN(MSE())']

``no-shuffle`` and ``no-bias`` change no gradient, so no check catches them: the
training loop (``fit``) and the network builder (``mlp(bias=False)``) switch them on.
"""

from __future__ import annotations

import numpy as np

from ..bricks.activations import Sigmoid
from ..bricks.core import Brick, Sequential
from ..bricks.losses import MSE, Loss
from ..bricks.regularizers import L2, ElasticNet, _weights
from ..train._loop import SameFirstBatch  # noqa: F401  (the no-shuffle bug's batching)

BUGS = {
    "missing-1-over-n": "the loss's gradient lacks the 1/N of the loss (N times too large)",
    "scalar-l2-gradient": "L2 adds the scalar lam * sum(W**2) to every dL/dW entry, not lam*W/N",
    "sigmoid-derivative-of-z": "the sigmoid's dh/dz is taken of z, z*(1-z), not of h: h*(1-h)",
    "no-shuffle": "every minibatch is the same first batch_size samples",
    "no-bias": "Linear layers have no biases",
}


class Missing1OverN(Loss):
    """Any ``loss`` whose backward forgets the ``1/N`` of its forward: ``N * dL/dpred``.

    The article's script did this with its squared error: it averaged the loss over
    the ``N`` samples but not its gradient, so the data term outweighs the penalty
    ``N`` times and the effective learning rate grows with the batch.  A gradient
    check with one sample cannot see it (``N = 1``).  ``forward`` is the loss's own.
    """

    def __init__(self, loss: Loss):
        if not isinstance(loss, Loss):
            raise TypeError(f"Missing1OverN wraps a Loss such as bp.MSE(), got {loss!r}")
        self.loss = loss
        self._n = None

    @property
    def threshold(self):
        return self.loss.threshold

    def forward(self, pred, target):
        self._n = pred.shape[0]
        return self.loss.forward(pred, target)

    def backward(self):
        return self.loss.backward() * self._n  # (n_samples, n_out), N times too large

    def fixed(self) -> Loss:
        return self.loss

    def __repr__(self) -> str:
        return f"Missing1OverN({self.loss!r})"


class MSEMissing1OverN(MSE):
    """The article's ``missing-1-over-n``: MSE with ``dL/dpred = pred - y``, not ``/ N``."""

    def backward(self):
        return self._diff.copy()

    def fixed(self) -> MSE:
        return MSE()


class ScalarL2Gradient(L2):
    """L2 whose gradient adds one scalar, ``lam * sum(W**2)``, to every entry of ``dL/dW``.

    The penalty is right, ``lam * sum(W**2) / 2N``; its gradient should be ``lam * W / N``.
    The article's script made this mistake: the scalar grows with the squared weights
    and pushes every weight the same way (its "exploding" loss at lam 1e-4 is this bug).
    """

    def backward(self, params, n_samples: int) -> None:
        for W in _weights(params):
            W.grad += self.lam * float(np.vdot(W.data, W.data))  # one scalar per matrix

    def fixed(self) -> L2:
        return L2(self.lam)


class ElasticNetScalarL2Gradient(ElasticNet):
    """``ElasticNet`` whose L2 part is :class:`ScalarL2Gradient`; its L1 part is right."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        super().__init__(l1=l1, l2=l2)
        self.parts[1] = ScalarL2Gradient(l2)

    def fixed(self) -> ElasticNet:
        return ElasticNet(l1=self.parts[0].lam, l2=self.parts[1].lam)

    def __repr__(self) -> str:
        return f"ElasticNet(l1={self.parts[0].lam:g}, l2={self.parts[1]!r})"


class SigmoidDerivativeOfZ(Sigmoid):
    """Sigmoid whose backward uses ``dh/dz = z * (1 - z)`` instead of ``h * (1 - h)``.

    A helper written for the activation, ``dsigmoid(h) = h * (1 - h)``, called with
    the pre-activation ``z``: a classic of hand-written backprop.  The forward is right.
    """

    def forward(self, z):
        self._z = z  # (n_samples, n_units), what the buggy derivative is taken of
        return super().forward(z)

    def backward(self, dL_dh, input_grad=True):
        return self._z * (1.0 - self._z) * dL_dh  # should be h * (1 - h) * dL/dh

    def fixed(self) -> Sigmoid:
        return Sigmoid()


# Bugs that can be switched on and off during a run (the others change the batching or
# the network's shape, so they need a new run).
SWITCHABLE = ("missing-1-over-n", "scalar-l2-gradient", "sigmoid-derivative-of-z")


def heal(net: Sequential) -> Sequential:
    """``net`` with each buggy sigmoid replaced by the right one (the same Linear bricks)."""
    return Sequential(*[b.fixed() if isinstance(b, SigmoidDerivativeOfZ) else b for b in net])


def check_bugs(names) -> list[str]:
    """Names from :data:`BUGS` (a list, or one string), checked and deduplicated."""
    names = [names] if isinstance(names, str) else list(names)
    for name in names:
        if name not in BUGS:
            raise ValueError(f"unknown bug {name!r}; choose from {', '.join(BUGS)}")
    return list(dict.fromkeys(names))


def _swap_sigmoids(brick: Brick, found: list) -> Brick:
    if isinstance(brick, Sigmoid):
        found.append(brick)
        return brick if isinstance(brick, SigmoidDerivativeOfZ) else SigmoidDerivativeOfZ()
    if isinstance(brick, Sequential):
        # Same positions, so Sequential gives the shared parameters the same names.
        return Sequential(*[_swap_sigmoids(b, found) for b in brick])
    return brick


def _scalar_l2(regularizer):
    need = "scalar-l2-gradient needs an L2 penalty (set l2 > 0)"
    if isinstance(regularizer, (ScalarL2Gradient, ElasticNetScalarL2Gradient)):
        return regularizer
    if type(regularizer) is L2 and regularizer.lam > 0:
        return ScalarL2Gradient(regularizer.lam)
    if type(regularizer) is ElasticNet and type(regularizer.parts[1]) is L2 \
            and regularizer.parts[1].lam > 0:
        return ElasticNetScalarL2Gradient(regularizer.parts[0].lam, regularizer.parts[1].lam)
    raise ValueError(f"{need}; got regularizer {regularizer!r}")


def apply_bugs(names, net: Brick, loss: Loss | None, regularizer=None):
    """Switch bugs on: ``(net, loss, regularizer)`` with the buggy parts swapped in.

    ``sigmoid-derivative-of-z`` returns a new ``Sequential`` of the same bricks with
    every ``Sigmoid`` replaced: the ``Linear`` bricks are shared, so the parameters are
    the same objects with the same names (an optimizer on the old net trains the new).
    ``missing-1-over-n`` wraps the loss in :class:`Missing1OverN`;
    ``scalar-l2-gradient`` swaps in :class:`ScalarL2Gradient` (also inside an
    ``ElasticNet``) and needs an L2 strength above 0.  ``no-shuffle`` and ``no-bias``
    change nothing here: ``fit`` and the network builder handle them.  The inputs are
    not modified; applying a bug twice is the same as applying it once.
    """
    names = check_bugs(names)
    if "sigmoid-derivative-of-z" in names:
        found = []
        net = _swap_sigmoids(net, found)
        if not found:
            raise ValueError("sigmoid-derivative-of-z needs a Sigmoid brick; the network has "
                             "none (use activation 'sigmoid')")
    if "missing-1-over-n" in names:
        if loss is None:
            raise ValueError("missing-1-over-n needs a loss, e.g. bp.MSE()")
        if not isinstance(loss, (Missing1OverN, MSEMissing1OverN)):
            loss = Missing1OverN(loss)
    if "scalar-l2-gradient" in names:
        regularizer = _scalar_l2(regularizer)
    return net, loss, regularizer


