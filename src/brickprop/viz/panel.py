"""The explain panel's numbers: a link or unit read from ``bp.explain``'s trace.

The live page (``live/probe.py``, at the shown step) and ``report.html`` (at each
recorded snapshot) fill the same panel (``viz/static/probe.js``) from :func:`panel`.
Nothing here re-derives a gradient: every number is an entry, an element, or a mean or
sum over the samples of an entry of the trace of one real step of the bricks.
"""

from __future__ import annotations

import numpy as np

from ..bricks.core import Sequential

SAMPLES = 4      # per-sample values shown before the sum


def stripped(net, X):
    """``(net, X)`` with the parameterless bricks before the first Linear applied to ``X``.

    The drawing's input layer is what the first Linear multiplies (``Features`` output).
    """
    bricks = list(net)
    while bricks and not bricks[0].parameters():
        X = bricks.pop(0).forward(X)
    return Sequential(*bricks), np.asarray(X, dtype=float)


def layer_sizes(trace) -> list:
    """Units per drawing layer of a trace: ``[n_in, n_1, ..., n_out]``."""
    sizes, k = [], 0
    while f"h{k}" in trace:
        sizes.append(trace[f"h{k}"].array.shape[1])
        k += 1
    return sizes


def _values(a) -> list:
    return [float(v) for v in np.ravel(a)]


def _row(name, formula, value, per_sample=None) -> dict:
    """One panel row: the value (a float) and, for a sum over samples, its first terms."""
    row = {"name": name, "formula": formula, "value": float(value)}
    if per_sample is not None:
        row["samples"] = _values(per_sample[:SAMPLES])
    return row


def panel(trace, target: dict, lr: float) -> dict:
    """``{"title", "rows", "n_samples"}`` of a link ``{"layer", "i", "j"}`` (weight
    ``W_{layer+1}[i, j]``) or a unit ``{"layer", "unit"}`` of ``trace`` (made with ``lr``)."""
    sizes, layer = layer_sizes(trace), target["layer"]
    n, n_layers = trace["h0"].array.shape[0], len(sizes) - 1
    if "unit" in target and not (layer <= n_layers and target["unit"] < sizes[layer]) or \
            "unit" not in target and not (layer < n_layers and target["i"] < sizes[layer]
                                          and target["j"] < sizes[layer + 1]):
        raise ValueError(f"the network ({'-'.join(map(str, sizes))}) has no such "
                         f"{'unit' if 'unit' in target else 'link'}; click one of the drawing")
    if "unit" in target:
        return {**_unit(trace, layer, target["unit"]), "n_samples": n}
    return {**_link(trace, layer + 1, target["i"], target["j"], lr), "n_samples": n}


def _unit(trace, k: int, j: int) -> dict:
    if k == 0:
        h0 = trace["h0"].array[:, j]
        return {"title": f"input unit {j + 1}: what the first layer multiplies",
                "rows": [_row(f"mean h0[:, {j + 1}]", "the input over the batch", h0.mean(),
                              h0)]}
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
    return {"title": f"unit {j + 1} of layer {k}", "rows": rows}


def _link(trace, k: int, i: int, j: int, lr: float) -> dict:
    n = trace["h0"].array.shape[0]
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
            f"unit {j + 1} of layer {k}", "rows": rows}
