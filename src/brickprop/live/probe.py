"""What a click or a bug toggle on the live page shows, from the bricks' own passes.

``explained`` answers a click on a link (``W_{k+1}[i, j]``) or a unit (layer ``k``)
with numbers read from ``bp.explain``'s trace of the network at the shown step, on
the training batch; ``checked`` runs ``bp.gradcheck`` on the same network and says
which brick is faulty and where it sits in the drawing.  Nothing here re-derives a
gradient: every number is an entry (or an element, or a sum over samples) of a trace.
"""

from __future__ import annotations

import copy

from ..debug.bugs import SWITCHABLE as LIVE_BUGS  # noqa: F401  (page.py toggles these)
from ..debug.explain import explain
from ..debug.gradcheck import gradcheck
from ..runs.build import make_regularizer, rebug
from ..viz.panel import panel, stripped

CHECK_ROWS = 5   # samples the gradient check uses (each entry costs two forward passes)


def with_bugs(cfg, net):
    """``(net, loss, regularizer)`` of ``cfg`` with its bugs on, over ``net`` healed first."""
    return (*rebug(cfg, net), make_regularizer(cfg))


def network_at(source, params, cfg):
    """``(net, X, Y, loss, regularizer)``: a copy of ``source.net`` holding ``params``.

    Bricks without parameters before the first layer (``Features``) are applied to
    ``X`` here, so the traced network starts at the first Linear: the drawing's input
    layer is what that Linear multiplies.
    """
    net = copy.deepcopy(source.net)
    for p, value in zip(net.parameters(), params):
        p.data[...] = value
    net, X = stripped(net, source.X)
    net, loss, reg = with_bugs(cfg, net)
    return net, X, source.Y, loss, reg


def explain_target(msg) -> dict:
    """``{"layer", "i", "j"}`` (a link) or ``{"layer", "unit"}`` of an explain message."""
    keys = ("layer", "unit") if "unit" in msg else ("layer", "i", "j")
    target = {k: msg.get(k) for k in keys}
    if not all(type(v) is int and 0 <= v <= 64 for v in target.values()):
        raise ValueError('"explain" needs "layer" and "unit" (a unit) or "layer", "i" and '
                         '"j" (a link): whole numbers from 0 to 64')
    return target


def explained(source, params, cfg, lr: float, target: dict) -> dict:
    """The numbers of a link or unit at these weights: ``{"title", "rows", "n_samples"}``."""
    net, X, Y, loss, reg = network_at(source, params, cfg)
    return panel(explain(net, X, Y, loss=loss, regularizer=reg, lr=lr), target, lr)


def checked(source, params, cfg) -> dict:
    """``bp.gradcheck`` on a few samples: ``{"passed", "faulty", "units", "links", "text"}``.

    ``units`` lists drawing layers whose activation is faulty, ``links`` layers of
    links whose gradient a faulty loss or penalty spoils (all of them).
    """
    net, X, Y, loss, reg = network_at(source, params, cfg)
    report = gradcheck(net, X[:CHECK_ROWS], Y[:CHECK_ROWS], loss, reg)
    faulty = report.faulty
    units, links, layer = [], [], 0
    for k, brick in enumerate(net):
        if brick.parameters():
            layer += 1
        elif any(name.startswith(f"{k} ") for name in faulty):
            units.append(layer)
    if any(name.startswith(("loss", "regularizer", "penalty")) for name in faulty):
        links = list(range(layer))
    text = "gradient check passed: every brick's backward matches finite differences" \
        if report.passed else "gradient check failed: " + ", ".join(faulty)
    return {"passed": report.passed, "faulty": faulty, "units": units, "links": links,
            "text": text}


def unit_marks(source, params, drawn: int = 16) -> list:
    """Per hidden layer, per drawn unit: "saturated" (>= 90% of samples at the activation's
    bounds), "dead" (zero for every sample) or "", judged by the activation's ``health``."""
    net = copy.deepcopy(source.net)
    for p, value in zip(net.parameters(), params):
        p.data[...] = value
    bricks, x, marks = list(net), source.X, []
    for n, brick in enumerate(bricks):
        x = brick.forward(x)
        if n + 1 < len(bricks) and bricks[n].parameters() and not bricks[n + 1].parameters() \
                and n + 2 < len(bricks):  # a hidden layer's activation follows
            h = bricks[n + 1].forward(x)
            layer = []
            for j in range(min(h.shape[1], drawn)):
                health = bricks[n + 1].health(h[:, j:j + 1])
                layer.append("saturated" if health["saturated"] >= 0.9 else
                             "dead" if health["dead"] >= 1.0 else "")
            marks.append(layer)
    return marks
