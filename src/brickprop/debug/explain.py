"""One training iteration traced step by step: ``explain(net, X, Y) -> Trace``.

The network is deep-copied, every brick of the copy is wrapped in a recorder, and
the real ``train_step`` runs on the recorders.  The trace therefore holds copies of
what the bricks themselves computed (forward, loss, backward, update), in the
article's order; nothing is re-derived.  Render it as text, Markdown, LaTeX or HTML:
the four layouts, and ``render``, live in ``trace_format``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from ..bricks.activations import Identity
from ..bricks.core import Brick, Parameter, Sequential
from ..bricks.losses import MSE
from ..optim.optimizers import SGD
from ..train.loop import train_step
from . import trace_format
from .trace_format import render

__all__ = ["Entry", "Trace", "explain", "render"]

@dataclass(frozen=True)
class Entry:
    """One line of a trace: ``name = formula``, the array the bricks computed, and notes.

    ``reused_from`` names the earlier entry whose array this one reuses; ``per_sample``
    marks arrays with one row per sample (``samples=`` shortens those when rendering).
    """

    section: str
    name: str
    formula: str
    array: np.ndarray | None
    reused_from: str | None = None
    per_sample: bool = False

    @property
    def shape(self) -> tuple | None:
        return None if self.array is None else self.array.shape


class _Recorder(Brick):
    """Stands in for one brick, delegating to it and keeping copies of what flows through."""

    def __init__(self, brick: Brick):
        self.brick, self.keeps_shape = brick, brick.keeps_shape
        self.dy_dx = None

    def forward(self, x):
        self.x = x.copy()  # bricks may reuse or overwrite their buffers
        y = self.brick.forward(x)
        self.y = y.copy()
        return y

    def backward(self, dL_dy, input_grad=True):
        self.dL_dy = dL_dy.copy()
        dL_dx = self.brick.backward(dL_dy, input_grad=input_grad)
        self.dL_dx = None if dL_dx is None else dL_dx.copy()
        if self.brick.elementwise:
            # element-wise: the brick's own backward of ones is its local derivative dy/dx
            self.dy_dx = self.brick.backward(np.ones_like(dL_dy)).copy()
        return dL_dx

    def parameters(self):
        return self.brick.parameters()


def _pairs(net) -> list[tuple[_Recorder, _Recorder]]:
    """(Linear, activation) recorders per layer; a Linear with no activation gets Identity."""
    if not isinstance(net, Sequential):
        raise TypeError(f"explain traces a Sequential, got {type(net).__name__}")
    pairs, bricks = [], list(net)
    for i, brick in enumerate(bricks):
        if brick.parameters():  # a layer; the activation after it keeps the shape
            after = bricks[i + 1] if i + 1 < len(bricks) else None
            act = after if after is not None and after.keeps_shape else Identity()
            pairs.append((_Recorder(brick), _Recorder(act)))
        elif i == 0 or not bricks[i - 1].parameters():
            raise ValueError(f"explain traces Linear + activation pairs; brick {i} {brick!r} "
                             "does not follow a Linear")
    return pairs


def explain(net, X, Y, loss=None, regularizer=None, lr=None, optimizer=None) -> Trace:
    """Run one training iteration on a copy of ``net`` and trace every step of it.

    Parameters
    ----------
    net : Sequential
        Linear + activation pairs of any depth (left unchanged: a copy is trained).
    X : (n_samples, n_in) array;  Y : (n_samples, n_out) targets (or labels for CrossEntropy)
    loss : Loss, default MSE()
    regularizer : L2, L1 or ElasticNet, optional
    lr : float, optional
        Learning rate of a plain ``SGD`` (default 5.0, the article's); not with ``optimizer``.
    optimizer : Optimizer, optional
        Built on ``net.parameters()``; a copy takes the step, so its state is kept too.

    Returns
    -------
    Trace
        Entries ``h0, W1, b1, z1, h1, ..., L`` (forward and loss), ``dL/dh_k, dh_k/dz_k,
        dL/dz_k, dz_k/dW_k, dL/dW_k, dL/db_k`` from the top layer down, and ``W_k_new``.
    """
    if lr is not None and optimizer is not None:
        raise ValueError("give lr or optimizer, not both (the optimizer carries its own lr)")
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 2 or Y.shape[:1] != X.shape[:1]:
        raise ValueError(f"X must be (n_samples, n_in) and Y have as many rows; got X {X.shape}"
                         f" and Y {Y.shape}")
    if optimizer is not None and not {id(p) for p in optimizer.params} <= \
            {id(p) for p in net.parameters()}:
        raise ValueError("the optimizer must be built on net.parameters() of this network")
    net, loss, regularizer, optimizer = copy.deepcopy((net, loss, regularizer, optimizer))
    pairs = _pairs(net)
    proxy = Sequential(*[r for pair in pairs for r in pair])
    loss = MSE() if loss is None else loss
    if optimizer is None:
        optimizer = SGD(proxy.parameters(), lr=5.0 if lr is None else lr)
    n_samples, lr_now = X.shape[0], optimizer.current_lr()
    before = [[p.data.copy() for p in lin.parameters()] for lin, _ in pairs]
    dR = {}  # id(W) -> penalty gradient, from the regularizer's own backward on a copy
    if regularizer is not None:
        shadows = [Parameter(p.data.copy()) for p in optimizer.params]
        regularizer.backward(shadows, n_samples)
        dR = {id(p): s.grad for p, s in zip(optimizer.params, shadows)}
    data_loss, penalty = train_step(proxy, loss, optimizer, X, Y, regularizer)[:2]

    K = len(pairs)
    L_of, dL_of = loss.formulas(f"h{K}")
    dL_of = dL_of or "loss.backward()"
    R_of, dR_of = regularizer.formulas("{W}") if regularizer is not None else ("", "")
    weights = ", ".join(f"W{k}" for k in range(1, K + 1))
    losses = [Entry("loss", "L_data", L_of, np.array(data_loss)),
              Entry("loss", "L_penalty", "0 (no regularizer)" if regularizer is None else
                    f"{R_of} over {weights}, with {regularizer!r}", np.array(penalty)),
              Entry("loss", "L", "L_data + L_penalty", np.array(data_loss + penalty))]
    plain = type(optimizer) is SGD and not optimizer.momentum and not optimizer.weight_decay
    entries = (_forward(pairs, before, Y) + losses +
               _backward(pairs, before, dR, dL_of, dR_of) +
               _update(pairs, type(optimizer).__name__, plain))
    sizes = "-".join(str(n) for n in [pairs[0][0].brick.n_in] +
                     [lin.brick.n_out for lin, _ in pairs])
    opt = f"{type(optimizer).__name__}{'' if plain else ' step'} with lr {lr_now:g}"
    title = (f"One training iteration of the {sizes} network on {n_samples} sample"
             f"{'s' if n_samples != 1 else ''}: {loss!r}, "
             f"{'no penalty' if regularizer is None else f'penalty {regularizer!r}'}, {opt}")
    return Trace(entries, title)


def _act_formula(act: Brick, which: int, k: int) -> str | None:
    """Forward (``which=0``) or local-derivative (1) formula of layer ``k``'s activation."""
    return act.formulas(f"z{k}", f"h{k}")[which]


def _forward(pairs, before, Y) -> list[Entry]:
    """``h0``, then per layer ``W_k, b_k, z_k = h_{k-1} W_k + b_k, h_k = act(z_k)``, then ``y``."""
    e = [Entry("forward", "h0", "X, the input batch", pairs[0][0].x, per_sample=True)]
    for k, ((lin, act), old) in enumerate(zip(pairs, before), start=1):
        e += [Entry("forward", f"{p}{k}", f"{'weights' if p == 'W' else 'biases'} of layer {k}",
                    a) for p, a in zip("Wb", old)]
        bias = f" + b{k}" if len(old) > 1 else ""
        e += [Entry("forward", f"z{k}", f"h{k - 1} W{k}{bias}", lin.y, per_sample=True),
              Entry("forward", f"h{k}", _act_formula(act.brick, 0, k), act.y, per_sample=True)]
    return e + [Entry("forward", "y", "targets", Y, per_sample=True)]


def _backward(pairs, before, dR, dL_dhK, dR_of) -> list[Entry]:
    """Per layer from the top: ``dL/dh_k`` (reusing ``dL/dz_{k+1}``), ``dh_k/dz_k``, ...."""
    e = []
    for k in range(len(pairs), 0, -1):
        (lin, act), s = pairs[k - 1], f"backward: layer {k}"
        if k == len(pairs):
            e.append(Entry(s, f"dL/dh{k}", dL_dhK, act.dL_dy, per_sample=True))
        else:
            e += [Entry(s, f"dz{k + 1}/dh{k}", f"W{k + 1}", before[k][0], reused_from=f"W{k + 1}"),
                  Entry(s, f"dL/dh{k}", f"dL/dz{k + 1} W{k + 1}^T", act.dL_dy,
                        reused_from=f"dL/dz{k + 1}", per_sample=True)]
        if act.dy_dx is not None:
            e += [Entry(s, f"dh{k}/dz{k}", _act_formula(act.brick, 1, k) or "element-wise "
                        "derivative", act.dy_dx, per_sample=True),
                  Entry(s, f"dL/dz{k}", f"dL/dh{k} * dh{k}/dz{k}", act.dL_dx, per_sample=True)]
        else:
            e += [Entry(s, f"dh{k}/dz{k}", "a Jacobian per sample, not element-wise: "
                        "dh_i/dz_j = h_i (delta_ij - h_j); dL/dz shown directly", None),
                  Entry(s, f"dL/dz{k}", f"h{k} * (dL/dh{k} - sum_j dL/dh{k}_j h{k}_j)",
                        act.dL_dx, per_sample=True)]
        e.append(Entry(s, f"dz{k}/dW{k}", f"h{k - 1}", lin.x, reused_from=f"h{k - 1}",
                       per_sample=True))
        W, *b = lin.parameters()
        dW_of = f"h{k - 1}^T dL/dz{k}"
        if id(W) in dR:
            e.append(Entry(s, f"dL_penalty/dW{k}", dR_of.format(W=f"W{k}"), dR[id(W)]))
            dW_of += f" + dL_penalty/dW{k}"
        e.append(Entry(s, f"dL/dW{k}", dW_of, W.grad.copy()))  # the gradient the update used
        e += [Entry(s, f"dL/db{k}", f"sum over samples of dL/dz{k}", p.grad.copy()) for p in b]
    return e


def _update(pairs, optimizer_name, plain) -> list[Entry]:
    """``W_k_new, b_k_new``: the parameters after ``optimizer.step()``."""
    return [Entry("update", f"{name}{k}_new", f"{name}{k} - lr * dL/d{name}{k}" if plain else
                  f"{optimizer_name}.step() from {name}{k} and dL/d{name}{k}", p.data.copy())
            for k, (lin, _) in enumerate(pairs, start=1) for p, name in zip(lin.parameters(), "Wb")]


class Trace:
    """Ordered :class:`Entry` objects, looked up by name: ``trace["dL/dW1"].array``.

    ``str(trace)`` is ``to_text()``; ``to_markdown``, ``to_latex`` and ``_repr_html_``
    (notebooks) render the same entries.  ``printed`` (``brickprop.article.Printed``) lists
    numbers the article prints for some entries; every rendering shows them side by side.
    """

    def __init__(self, entries, title: str = "", printed=()):
        self.entries, self.title, self.printed = list(entries), title, list(printed)
        self._by_name = {e.name: e for e in self.entries}

    def __getitem__(self, name: str) -> Entry:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no entry {name!r}; entries: {', '.join(self._by_name)}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def __iter__(self):
        return iter(self.entries)

    def __str__(self) -> str:
        return self.to_text()

    def to_text(self, precision: int = 4, samples: int | None = None, width: int = 100) -> str:
        """Aligned plain text, no line longer than ``width``; each array under its name."""
        return trace_format.to_text(self, precision, samples, width)

    def to_markdown(self, precision: int = 4, samples: int | None = None) -> str:
        """One Markdown table per section: name, shape, formula, value."""
        return trace_format.to_markdown(self, precision, samples)

    def to_latex(self, precision: int = 4, samples: int | None = None) -> str:
        """A LaTeX fragment (needs ``amsmath``): one ``align*`` per section, ``bmatrix`` arrays."""
        return trace_format.to_latex(self, precision, samples)

    def _repr_html_(self, precision: int = 4, samples: int | None = 8) -> str:
        """An HTML table for notebooks (8 samples per array); every string is escaped."""
        return trace_format.to_html(self, precision, samples)
