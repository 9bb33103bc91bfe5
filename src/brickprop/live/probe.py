"""What a click or a bug toggle on the live page shows, from the bricks' own passes.

``explained`` answers a click on a link (``W_{k+1}[i, j]``) or a unit (layer ``k``)
with numbers read from ``bp.explain``'s trace of the network at the shown step, on
the training batch; ``checked`` runs ``bp.gradcheck`` on the same network and says
which brick is faulty and where it sits in the drawing.  Nothing here re-derives a
gradient: every number is an entry (or an element, or a sum over samples) of a trace.
"""

from __future__ import annotations

import copy

import numpy as np

from ..bricks.core import Sequential
from ..debug.bugs import SWITCHABLE as LIVE_BUGS  # noqa: F401  (page.py toggles these)
from ..debug.explain import explain
from ..debug.gradcheck import gradcheck
from ..runs.build import make_regularizer, rebug

SAMPLES = 4      # per-sample values shown before the sum
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
    bricks, X = list(net), source.X
    while bricks and not bricks[0].parameters():
        X = bricks.pop(0).forward(X)
    net, loss, reg = with_bugs(cfg, Sequential(*bricks))
    return net, np.asarray(X, dtype=float), source.Y, loss, reg


def explain_target(msg) -> dict:
    """``{"layer", "i", "j"}`` (a link) or ``{"layer", "unit"}`` of an explain message."""
    keys = ("layer", "unit") if "unit" in msg else ("layer", "i", "j")
    target = {k: msg.get(k) for k in keys}
    if not all(type(v) is int and 0 <= v <= 64 for v in target.values()):
        raise ValueError('"explain" needs "layer" and "unit" (a unit) or "layer", "i" and '
                         '"j" (a link): whole numbers from 0 to 64')
    return target


def _values(a) -> list:
    return [float(v) for v in np.ravel(a)]


def _row(name, formula, value, per_sample=None) -> dict:
    """One panel row: the value (a float) and, for a sum over samples, its first terms."""
    row = {"name": name, "formula": formula, "value": float(value)}
    if per_sample is not None:
        row["samples"] = _values(per_sample[:SAMPLES])
    return row


def explained(source, params, cfg, lr: float, target: dict) -> dict:
    """The numbers of a link or unit at these weights: ``{"title", "rows", ...}``."""
    net, X, Y, loss, reg = network_at(source, params, cfg)
    n_layers, layer = sum(1 for b in net if b.parameters()), target["layer"]
    trace = explain(net, X, Y, loss=loss, regularizer=reg, lr=lr)
    n, sizes = X.shape[0], [trace[f"h{k}"].array.shape[1] for k in range(n_layers + 1)]
    if "unit" in target and not (layer <= n_layers and target["unit"] < sizes[layer]) or \
            "unit" not in target and not (layer < n_layers and target["i"] < sizes[layer]
                                          and target["j"] < sizes[layer + 1]):
        raise ValueError(f"the network ({'-'.join(map(str, sizes))}) has no such "
                         f"{'unit' if 'unit' in target else 'link'}; click one of the drawing")
    if "unit" in target:
        j = target["unit"]
        if layer == 0:
            h0 = trace["h0"].array[:, j]
            return {"title": f"input unit {j + 1}: what the first layer multiplies",
                    "rows": [_row(f"mean h0[:, {j + 1}]", "the input over the batch",
                                  h0.mean(), h0)], "n_samples": n}
        k = layer
        rows = [_row(f"mean z{k}[:, {j + 1}]", "pre-activation " + trace[f"z{k}"].formula,
                     trace[f"z{k}"].array[:, j].mean(), trace[f"z{k}"].array[:, j]),
                _row(f"mean h{k}[:, {j + 1}]", trace[f"h{k}"].formula,
                     trace[f"h{k}"].array[:, j].mean(), trace[f"h{k}"].array[:, j])]
        local = trace[f"dh{k}/dz{k}"].array
        if local is not None:
            rows.append(_row(f"mean dh{k}/dz{k}[:, {j + 1}]", "local derivative",
                             local[:, j].mean(), local[:, j]))
        for name in (f"dL/dh{k}", f"dL/dz{k}"):
            col = trace[name].array[:, j]
            rows.append(_row(f"sum {name}[:, {j + 1}]", trace[name].formula + ", over the batch",
                             col.sum(), col))
        return {"title": f"unit {j + 1} of layer {k}", "rows": rows, "n_samples": n}
    k, i, j = layer + 1, target["i"], target["j"]
    W = trace[f"W{k}"].array
    x = trace[f"dz{k}/dW{k}"].array[:, i]
    up = trace[f"dL/dz{k}"].array[:, j]
    total = trace[f"dL/dW{k}"].array[i, j]
    pen = f"dL_penalty/dW{k}"
    penalty = trace[pen].array[i, j] if pen in trace else 0.0
    rows = [_row(f"W{k}[{i + 1}, {j + 1}]", "the weight now", W[i, j]),
            _row(f"mean h{k - 1}[:, {i + 1}]", "the input it multiplies", x.mean(), x),
            _row(f"sum dL/dz{k}[:, {j + 1}]", "the upstream gradient (the loss's 1/N is in it)",
                 up.sum(), up),
            _row("data part", f"sum over the {n} samples of h{k - 1}[:, {i + 1}] dL/dz{k}[:, "
                 f"{j + 1}]", float(np.sum(x * up)), x * up),
            _row("penalty's share", trace[pen].formula if pen in trace else "no penalty",
                 penalty),
            _row(f"dL/dW{k}[{i + 1}, {j + 1}]", trace[f"dL/dW{k}"].formula, total),
            _row("update", f"- lr * dL/dW{k}, lr {lr:g}", -lr * total),
            _row(f"W{k}_new[{i + 1}, {j + 1}]", trace[f"W{k}_new"].formula,
                 trace[f"W{k}_new"].array[i, j])]
    return {"title": f"weight W{k}[{i + 1}, {j + 1}]: from unit {i + 1} of layer {k - 1} to "
            f"unit {j + 1} of layer {k}", "rows": rows, "n_samples": n}


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
