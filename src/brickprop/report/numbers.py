"""The explain panel's numbers at each recorded snapshot, embedded in ``report.html``.

The report fetches nothing, so a click on a link or unit is answered from numbers
computed here, by the live page's own function (``viz.panel.panel``) on ``bp.explain``'s
trace of the network at the snapshot's weights, with the learning rate, penalty and
bugs in force at that step, on the training set (the live page's batch).  Compactly:
each text once in ``text``, each panel ``[title, [[name, formula, value, samples?],
...]]`` with indices into ``text`` and values to ``DIGITS`` significant digits.
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import numpy as np

from ..viz.frames import MAX_UNITS, drawn_links
from ..viz.panel import panel, stripped

DIGITS = 6          # significant digits kept (the panel shows 4)
MAX_PANELS = 2400   # links and units explained over all snapshots: about 1 MB of JSON


def key(target: dict) -> str:
    """``"k:i,j"`` for the link ``W_{k+1}[i, j]``, ``"k:u"`` for unit ``u`` of layer ``k``."""
    if "unit" in target:
        return f"{target['layer']}:{target['unit']}"
    return f"{target['layer']}:{target['i']},{target['j']}"


def targets(sizes) -> list[dict]:
    """Every drawn link (the drawing's order), then every drawn unit, layer by layer."""
    links = [{"layer": k, "i": i, "j": j} for k, i, j in drawn_links(sizes)]
    return links + [{"layer": k, "unit": u} for k, n in enumerate(sizes)
                    for u in range(min(n, MAX_UNITS))]


def config_at(cfg, step: int):
    """``cfg`` with the recorded ``changes`` made before step ``step``'s update applied."""
    from ..runs.config import parse_changes

    values = {}
    for at, name, value in parse_changes(cfg.changes):
        if at <= step:
            values[name] = value
    return replace(cfg, **values) if values else cfg


def _number(v: float):
    return float(f"{v:.{DIGITS}g}") if math.isfinite(v) else None


class Text:
    """Strings, each stored once; ``id(s)`` is its index."""

    def __init__(self):
        self.index, self.items = {}, []

    def id(self, s: str) -> int:
        if s not in self.index:
            self.index[s] = len(self.items)
            self.items.append(s)
        return self.index[s]


def packed(p: dict, text: Text) -> list:
    """A panel dict (``viz.panel.panel``) as ``[title, rows]`` of text ids and numbers."""
    rows = []
    for r in p["rows"]:
        row = [text.id(r["name"]), text.id(r["formula"]), _number(r["value"])]
        if "samples" in r:
            row.append([_number(v) for v in r["samples"]])
        rows.append(row)
    return [text.id(p["title"]), rows]


def explain_data(run, cfg, net, weights, steps, lrs) -> dict:
    """``{"targets", "text", "n_samples", "every", "panels"}`` for the snapshots.

    ``run`` is ``build(cfg)`` (its ``X``, ``Y``); ``weights`` dicts name -> array and
    ``lrs`` the learning rate at each snapshot's step.  ``panels[k]`` lists, in
    ``targets``' order, snapshot ``k``'s panels; it is null for a snapshot left out so
    that at most ``MAX_PANELS`` panels are kept (every ``every``-th, and the last).
    """
    from ..debug.explain import explain
    from ..runs.build import make_regularizer, rebug

    linears = [b for b in net if b.parameters()]
    sizes = [linears[0].n_in] + [b.n_out for b in linears]
    chosen, text = targets(sizes), Text()
    every = max(1, -(-len(weights) * len(chosen) // MAX_PANELS))
    names = [p.name for p in net.parameters()]
    panels = []
    for k, (w, step, lr) in enumerate(zip(weights, steps, lrs)):
        if k % every and k != len(weights) - 1:
            panels.append(None)
            continue
        at = copy.deepcopy(net)
        for p, name in zip(at.parameters(), names):
            p.data[...] = w[name]
        at, X = stripped(at, run.X)
        now = config_at(cfg, step)
        at, loss = rebug(now, at)
        trace = explain(at, X, run.Y, loss=loss, regularizer=make_regularizer(now), lr=lr)
        panels.append([packed(panel(trace, t, lr), text) for t in chosen])
    return {"targets": [key(t) for t in chosen], "text": text.items,
            "n_samples": int(np.asarray(run.X).shape[0]), "every": every, "panels": panels}
