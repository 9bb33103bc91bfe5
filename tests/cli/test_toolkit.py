"""The training toolkit inside fit and on the command line: clipping, validation,
early stopping, schedules driven by the loop, minibatch options."""

from __future__ import annotations

import numpy as np
import pytest

import brickprop as bp
from brickprop.cli import main
from brickprop.runs.config import ConfigError, from_dict


@pytest.fixture(scope="module")
def xor():
    X, y = bp.datasets.xor(300, 0)
    return X, bp.one_hot(y)


def _relu_net():
    return bp.mlp(2, [64, 64, 64], 2, activation="relu", output="identity", init="he", seed=0)


def test_clipping_keeps_a_diverging_run_finite_and_records_the_norm_before_clipping(xor):
    X, Y = xor
    net = _relu_net()
    wild = bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=10), steps=60,
                  on_diverge="ignore")
    assert wild["loss"].max() > 1e3 * wild["loss"][0]  # lr 10 blows this network up
    net = _relu_net()
    tamed = bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=10),
                   steps=1000, clip_norm=0.1)
    assert np.isfinite(tamed["loss"]).all()
    assert tamed["accuracy"][-1] >= 0.99
    pre = tamed["grad_norm"]
    assert pre.max() > 0.1  # what clipping cut
    layers = np.sqrt(tamed["grad_norm_0"] ** 2 + tamed["grad_norm_2"] ** 2
                     + tamed["grad_norm_4"] ** 2 + tamed["grad_norm_6"] ** 2)
    np.testing.assert_allclose(layers, pre, rtol=1e-12)  # per-layer norms: before clipping too
    applied = np.sqrt(sum(float(np.vdot(p.grad, p.grad)) for p in net.parameters()))
    assert applied <= 0.1 + 1e-9  # what the last update used


def test_clip_value_bounds_every_gradient_entry(xor):
    X, Y = xor
    net = bp.mlp(2, [8], 2, seed=0)
    bp.fit(net, X, Y, bp.MSE(), bp.SGD(net.parameters(), lr=1.0), steps=3, clip_value=1e-3)
    assert max(np.abs(p.grad).max() for p in net.parameters()) <= 1e-3


def test_early_stopping_restores_the_best_weights(xor):
    X, Y = xor
    Xt, Yt, Xv, Yv = X[:200], Y[:200], X[200:], Y[200:]
    net = bp.mlp(2, [50], 2, seed=0)
    h = bp.fit(net, Xt, Yt, bp.MSE(), bp.Adam(net.parameters(), lr=0.5), steps=3000,
               validation=(Xv, Yv), patience=20)
    assert "early stopping" in h.meta["stopped"]
    assert len(h) < 3000
    val = h["val_loss"][np.isfinite(h["val_loss"])]
    best = val.min()
    np.testing.assert_allclose(bp.MSE().forward(net.forward(Xv), Yv), best, rtol=1e-12)
    assert h.snapshots == [] or h.snapshots[-1][0] == len(h)


def test_validation_is_recorded_once_per_epoch(xor):
    X, Y = xor
    net = bp.mlp(2, [3], 2, seed=0)
    h = bp.fit(net, X[:200], Y[:200], steps=40, batch_size=50, validation=(X[200:], Y[200:]))
    filled = np.flatnonzero(np.isfinite(h["val_loss"]))
    np.testing.assert_array_equal(filled, [3, 7, 11, 15, 19, 23, 27, 31, 35, 39])


def test_drop_last_skips_the_short_batch(xor):
    X, Y = xor
    seen = {}
    for drop in (False, True):
        net = bp.mlp(2, [3], 2, seed=0)
        h = bp.fit(net, X[:100], Y[:100], steps=8, batch_size=30, drop_last=drop,
                   validation=(X[100:], Y[100:]))
        seen[drop] = np.flatnonzero(np.isfinite(h["val_loss"])).tolist()
    assert seen[False] == [3, 7]   # 30 + 30 + 30 + 10 per epoch
    assert seen[True] == [2, 5]    # 30 + 30 + 30, the last 10 skipped


def test_plateau_schedule_is_driven_by_the_loop(xor):
    X, Y = xor
    net = bp.mlp(2, [3], 2, seed=0)
    plateau = bp.schedules.ReduceOnPlateau(50.0, factor=0.5, patience=2)
    h = bp.fit(net, X, Y, bp.MSE(), bp.SGD(net.parameters(), lr=plateau), steps=300)
    assert h["lr"][0] == 50.0 and h["lr"][-1] < 50.0


def test_patience_without_validation_is_an_error(xor):
    X, Y = xor
    net = bp.mlp(2, [3], 2)
    with pytest.raises(ValueError, match="needs validation data"):
        bp.fit(net, X, Y, steps=5, patience=3)


@pytest.mark.parametrize("values, fragment", [
    ({"patience": 5}, "patience (early stopping) needs validation data"),
    ({"betas": [0.9, 1.0]}, "betas must be two numbers in [0, 1)"),
    ({"momentum": -0.5}, "momentum must be >= 0"),
    ({"optimizer": "lbfgs"}, "unknown optimizer 'lbfgs'; choose one of sgd"),
    ({"schedule": "linear"}, "unknown schedule 'linear'; choose one of constant"),
    ({"schedule": "multistep"}, "needs milestones"),
    ({"val_split": 1.0}, "val_split must be in [0, 1)"),
    ({"clip_norm": -1.0}, "clip_norm must be >= 0"),
])
def test_invalid_combinations_are_config_errors(values, fragment):
    with pytest.raises(ConfigError) as err:
        from_dict(values)
    assert fragment in str(err.value)


def test_optimizer_errors_reach_the_user_as_one_line(capsys):
    assert main(["train", "--optimizer", "momentum", "--momentum", "1.5", "--frames", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("brickprop: error: momentum must be") and len(err.splitlines()) == 1


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"])
def test_every_optimizer_trains_from_the_command_line(tmp_path, optimizer):
    lr = {"sgd": "5", "momentum": "1", "nesterov": "1"}.get(optimizer, "0.05")
    out = tmp_path / optimizer
    assert main(["train", "--optimizer", optimizer, "--lr", lr, "--hidden", "16",
                 "--steps", "1500", "--frames", "0", "--out", str(out)]) == 0
    last = np.loadtxt(out / "metrics.csv", delimiter=",", skiprows=1)[-1]
    assert last[4] >= 0.9, f"{optimizer} reached only {last[4]}"


def test_schedule_clipping_and_validation_round_trip_through_config_toml(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    args = ["--optimizer", "adam", "--lr", "0.05", "--schedule", "cosine", "--warmup", "20",
            "--clip-norm", "1", "--val-split", "0.2", "--patience", "5", "--batch-size", "32",
            "--steps", "400", "--frames", "0"]
    assert main(["train", *args, "--out", str(a)]) == 0
    stdout = capsys.readouterr().out
    assert "validation accuracy" in stdout
    assert main(["train", str(a / "config.toml"), "--out", str(b)]) == 0
    assert (a / "metrics.csv").read_bytes() == (b / "metrics.csv").read_bytes()
    text = (a / "config.toml").read_text()
    for line in ('optimizer = "adam"', 'schedule = "cosine"', "warmup = 20", "clip_norm = 1.0",
                 "val_split = 0.2", "patience = 5"):
        assert line in text
    header = (a / "metrics.csv").read_text().splitlines()[0].split(",")
    at = [header.index(c) for c in ("grad_norm", "val_loss", "val_accuracy")]
    assert at == sorted(at)


def test_schedule_command_prints_and_draws_the_curve(tmp_path, capsys):
    png = tmp_path / "lr.png"
    assert main(["schedule", "step", "--lr", "1", "--steps", "100", "--step-size", "30",
                 "--gamma", "0.5", "--out", str(png)]) == 0
    out = capsys.readouterr().out
    rows = {int(a): float(b) for a, b in (line.split() for line in out.splitlines()
                                           if line.strip()[:1].isdigit())}
    assert rows[0] == 1.0 and rows[99] == 0.125
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["schedule", "sawtooth"]) == 2
    assert "unknown schedule 'sawtooth'" in capsys.readouterr().err


def test_explain_command_traces_the_default_network_and_a_saved_model(tmp_path, capsys):
    assert main(["explain"]) == 0
    text = capsys.readouterr().out
    for name in ("z1", "h2", "dL/dW1", "reuses dL/dz2 from layer 2", "W1_new"):
        assert name in text
    assert max(len(line) for line in text.splitlines()) <= 100
    assert main(["train", "--steps", "50", "--frames", "0", "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    assert main(["explain", str(tmp_path / "r" / "model.npz"), "--format", "latex"]) == 0
    assert "\\begin{bmatrix}" in capsys.readouterr().out
