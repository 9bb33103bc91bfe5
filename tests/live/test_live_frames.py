"""Frames hold what the network computes, and the page's controls are the config's keys."""

from __future__ import annotations

import base64
import dataclasses

import numpy as np
import pytest

from brickprop.live.options import declare, parse_texts, texts, to_text
from brickprop.runs.build import build
from brickprop.runs.config import ConfigError, RunConfig, from_dict, parse_value
from brickprop.viz._panels import decision_score
from brickprop.viz.frames import GRID, THUMB, FrameMaker


def u8(b64):
    return np.frombuffer(base64.b64decode(b64), dtype=np.uint8).astype(int)


def f32(b64):
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


@pytest.fixture(scope="module")
def made():
    cfg = from_dict({"hidden": [5, 3], "activation": "tanh", "val_split": 0.2, "seed": 4})
    run = build(cfg)
    kw = run.fit_kwargs
    maker = FrameMaker(run.net, run.X, run.Y, kw["loss"], "classification", kw["validation"])
    return run, maker, maker.setup(run=7), maker.frame([p.data for p in run.net.parameters()],
                                                        run=7, step=12)


def test_the_setup_describes_layers_points_and_plane(made):
    run, _, setup, _ = made
    assert [(layer["n"], layer["activation"]) for layer in setup["layers"]] == [
        (2, None), (5, "Tanh"), (3, "Tanh"), (2, "Sigmoid")]
    assert len(setup["points"]["train"]) == len(run.X) == 240
    assert len(setup["points"]["held_out"]) == 60
    x1_lo, x1_hi, x2_lo, x2_hi = setup["plane"]["extent"]
    assert x1_lo < run.X[:, 0].min() and x2_hi > run.X[:, 1].max()
    np.testing.assert_allclose(x1_hi - x1_lo, x2_hi - x2_lo, rtol=1e-3)  # a square


def test_links_and_losses_are_the_networks_own(made):
    run, _, _, frame = made
    W = [b.W.data for b in run.net if b.parameters()]
    np.testing.assert_allclose(f32(frame["links"]), np.concatenate([w.ravel() for w in W]),
                               rtol=1e-6)
    loss = run.fit_kwargs["loss"]
    expected = loss.forward(run.net.forward(run.X), run.Y)
    np.testing.assert_allclose(frame["loss"], expected, rtol=1e-3)
    X_val, Y_val = run.fit_kwargs["validation"]
    np.testing.assert_allclose(frame["val_loss"], loss.forward(run.net.forward(X_val), Y_val),
                               rtol=1e-3)
    assert frame["step"] == 12 and frame["run"] == 7


def test_pictures_are_the_forward_pass_over_the_grid(made):
    run, maker, _, frame = made
    grid = maker.points.astype(np.float64)  # (GRID**2, 2), top row first
    out = run.net.forward(grid)
    score = np.clip(np.rint(decision_score(out, 0.5) * 255), 0, 255)
    assert np.max(np.abs(u8(frame["boundary"]["values"]) - score)) <= 1
    linear, tanh = run.net[0], run.net[1]
    h1 = tanh.forward(linear.forward(grid)).reshape(GRID, GRID, -1)  # (GRID, GRID, 5)
    every = GRID // THUMB
    thumb = h1[every // 2::every, every // 2::every][:THUMB, :THUMB]
    for j in range(5):
        expected = np.rint((thumb[..., j].ravel() + 1) / 2 * 255)  # tanh: [-1, 1] -> 0..255
        assert np.max(np.abs(u8(frame["units"][0][j]) - expected)) <= 1
    assert frame["ranges"][0] == [-1.0, 1.0]


def test_every_config_key_is_one_control_and_its_text_reads_back():
    controls = declare()
    fields = dataclasses.fields(RunConfig)
    assert [c["name"] for c in controls] == [f.name for f in fields]
    assert all(c["help"] for c in controls)
    defaults = RunConfig()
    for c in controls:
        value = getattr(defaults, c["name"])
        if value is None:
            assert c["optional"] and c["default"] == ""
            continue
        assert parse_value(c["name"], to_text(c["name"], value)) == value, c["name"]
    assert {c["name"] for c in controls if c["live"]} == {"lr", "l1", "l2", "clip_norm",
                                                          "clip_value"}


def test_page_text_is_checked_like_a_config():
    cfg = parse_texts({"hidden": "4+2", "noise": "", "features": "x1+x1_x2", "bias": "false"})
    assert (cfg.hidden, cfg.noise, cfg.features, cfg.bias) == ([4, 2], None, ["x1", "x1_x2"],
                                                               False)
    assert parse_texts(texts(cfg)) == cfg
    with pytest.raises(ConfigError, match="at most 8 hidden layers"):
        parse_texts({"hidden": "+".join(["2"] * 9)})
    with pytest.raises(ConfigError, match="lr must be > 0"):
        parse_texts({"lr": "0"})


def test_a_large_set_is_scored_on_an_even_subset(made, monkeypatch):
    from brickprop.train.metrics import accuracy
    from brickprop.viz import frames

    run, maker, _, frame = made
    pred = maker.net.forward(run.X)
    np.testing.assert_allclose(frame["loss"], maker.loss.forward(pred, run.Y), rtol=5e-4)  # 4 sig.
    monkeypatch.setattr(frames, "SCORED", 60)  # 240 training rows: every 4th is scored
    out = maker.evaluate()
    sub = maker.net.forward(run.X[::4])
    np.testing.assert_allclose(out["loss"], maker.loss.forward(sub, run.Y[::4]), rtol=5e-4)
    np.testing.assert_allclose(out["metric"], accuracy(sub, run.Y[::4].argmax(axis=1)), rtol=5e-4)
