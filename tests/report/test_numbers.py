"""The explain numbers report.html embeds: the live page's panel at each snapshot."""

from __future__ import annotations

import numpy as np

import brickprop as bp
from brickprop.report import numbers
from brickprop.runs.build import build
from brickprop.runs.config import from_dict
from brickprop.viz.panel import panel


def unpacked(data, k, target):
    """The panel of ``target`` at snapshot ``k`` as the page decodes it."""
    title, rows = data["panels"][k][data["targets"].index(numbers.key(target))]
    text = data["text"]
    return text[title], [(text[r[0]], text[r[1]], r[2], r[3] if len(r) > 3 else None)
                         for r in rows]


def test_config_at_applies_the_changes_made_before_a_step():
    cfg = from_dict({"changes": ["10:lr=0.5", "20:l2=0.01", "20:bugs=scalar-l2-gradient"]})
    assert numbers.config_at(cfg, 9) == cfg
    assert numbers.config_at(cfg, 10).lr == 0.5 and numbers.config_at(cfg, 10).l2 == cfg.l2
    later = numbers.config_at(cfg, 25)
    assert (later.lr, later.l2, later.bugs) == (0.5, 0.01, ["scalar-l2-gradient"])


def test_panels_are_bp_explain_at_each_snapshot_with_that_steps_penalty():
    cfg = from_dict({"hidden": [3], "n_samples": 40, "changes": ["5:l2=0.5"]})
    run = build(cfg)
    net, rng = run.net, np.random.default_rng(0)
    weights = [{p.name: p.data + 0.1 * k * rng.standard_normal(p.data.shape)
                for p in net.parameters()} for k in range(3)]
    data = numbers.explain_data(run, cfg, net, weights, [0, 5, 9], [5.0, 5.0, 2.0])
    assert data["every"] == 1 and data["n_samples"] == 40
    assert len(data["targets"]) == 6 + 6 + 2 + 3 + 2  # drawn links, then drawn units
    for k, (l2, lr) in enumerate([(cfg.l2, 5.0), (0.5, 5.0), (0.5, 2.0)]):
        for p in net.parameters():
            p.data[...] = weights[k][p.name]
        trace = bp.explain(net, run.X, run.Y, loss=run.fit_kwargs["loss"],
                           regularizer=bp.L2(l2), lr=lr)
        for target in ({"layer": 1, "i": 2, "j": 1}, {"layer": 1, "unit": 0}):
            title, rows = unpacked(data, k, target)
            want = panel(trace, target, lr)
            assert title == want["title"]
            assert [r[:2] for r in rows] == [(r["name"], r["formula"]) for r in want["rows"]]
            np.testing.assert_allclose([r[2] for r in rows],
                                       [r["value"] for r in want["rows"]], rtol=1e-5, atol=0)
        penalty = dict((r[0], r[2]) for r in unpacked(data, k, {"layer": 0, "i": 0, "j": 0})[1])
        np.testing.assert_allclose(penalty["penalty's share"],
                                   l2 * weights[k]["0.W"][0, 0] / 40, rtol=1e-5)


def test_a_large_network_keeps_every_nth_snapshot_and_the_last(monkeypatch):
    monkeypatch.setattr(numbers, "MAX_PANELS", 50)
    cfg = from_dict({"hidden": [3], "n_samples": 20})
    run = build(cfg)
    weights = [{p.name: p.data for p in run.net.parameters()}] * 7
    data = numbers.explain_data(run, cfg, run.net, weights, list(range(7)), [5.0] * 7)
    assert data["every"] == 3  # 7 snapshots x 19 targets > 50: one in three
    assert [p is not None for p in data["panels"]] == [True, False, False, True, False, False,
                                                       True]
