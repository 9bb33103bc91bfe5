"""Seeing inside: divergence guard, layer diagnostics, the bug zoo and gradcheck on the
command line."""

from __future__ import annotations

import numpy as np
import pytest

import brickprop as bp
from brickprop.cli import main

DIVERGING = ["--hidden", "64", "64", "64", "--activation", "relu", "--lr", "10",
             "--loss", "cross-entropy", "--frames", "5"]


@pytest.fixture(scope="module")
def xor():
    X, y = bp.datasets.xor(300, 0)
    return X, bp.one_hot(y)


def test_a_diverging_run_stops_with_exit_code_3_a_reason_and_a_complete_folder(tmp_path, capsys):
    out = tmp_path / "boom"
    assert main(["train", *DIVERGING, "--out", str(out)]) == 3
    summary = (out / "summary.txt").read_text()
    assert "diverged at step" in summary and "grew fastest" in summary
    assert "lower the learning rate" in summary and "clip gradients" in summary
    for name in ("config.toml", "metrics.csv", "model.npz", "figure.png", "animation.gif"):
        assert (out / name).exists()
    rows = (out / "metrics.csv").read_text().splitlines()
    assert 2 < len(rows) < 100  # stopped within a few steps, metrics up to that point
    net = bp.load(out / "model.npz")
    assert all(np.isfinite(p.data).all() for p in net.parameters())
    assert "Warning" not in capsys.readouterr().err  # no NumPy warning spam


def test_the_same_run_with_clipping_trains_to_full_accuracy(tmp_path):
    out = tmp_path / "calm"
    assert main(["train", *DIVERGING, "--clip-norm", "0.1", "--steps", "1500",
                 "--out", str(out)]) == 0
    last = np.loadtxt(out / "metrics.csv", delimiter=",", skiprows=1, max_rows=1500)[-1]
    assert last[4] == 1.0


def test_rollback_restores_weights_and_halves_the_learning_rate(xor):
    X, Y = xor
    net = bp.mlp(2, [64, 64, 64], 2, activation="relu", output="identity", init="he", seed=0)
    h = bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=10), steps=800,
               on_diverge="rollback")
    assert "diverged" not in h.meta and h.meta["rollbacks"]
    assert h["lr"][-1] == 10 / 2 ** len(h.meta["rollbacks"])
    assert h["accuracy"][-1] >= 0.99


def test_a_non_finite_gradient_is_never_applied(xor):
    X, Y = xor
    net = bp.mlp(2, [3], 2, output="identity", seed=0)
    h = bp.fit(net, X, Y, bp.MSE(), bp.SGD(net.parameters(), lr=50.0), steps=200,
               on_diverge="ignore")
    blown = ~np.isfinite(h["grad_norm_0"]) | ~np.isfinite(h["loss"])
    assert blown.any()
    assert h["loss"][-1] == h["loss"][-2]  # skipped updates leave the weights where they were
    assert all(np.isfinite(p.data).all() for p in net.parameters())


def test_vanishing_gradients_shrink_layer_by_layer_toward_the_input(xor):
    X, Y = xor
    net = bp.mlp(2, [16] * 6, 2, activation="sigmoid", output="identity", init="normal", seed=0)
    h = bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=0.01), steps=10,
               diagnose_every=1)
    first = [h[f"grad_norm_{k}"][0] for k, _ in net.layers()]
    assert all(a < b for a, b in zip(first, first[1:]))
    assert first[-1] / first[0] > 20


def test_layer_diagnostics_are_recorded_at_the_interval(xor):
    X, Y = xor
    net = bp.mlp(2, [8, 8], 2, activation="relu", output="identity", init="normal", seed=0)
    h = bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=0.05), steps=30,
               diagnose_every=10)
    ratio = h["update_ratio_0"]
    assert np.flatnonzero(np.isfinite(ratio)).tolist() == [0, 10, 20]
    assert np.isnan(h["saturated_0"]).all() and np.isfinite(h["dead_0"][::10]).all()
    assert 0 < ratio[0] < 1 and h["weight_norm_0"][0] > 0


def test_bug_zoo_runs_from_the_command_line_and_is_announced(tmp_path, capsys):
    out = tmp_path / "zoo"
    code = main(["train", "--bug", "missing-1-over-n", "--bug", "no-bias", "--steps", "50",
                 "--frames", "0", "--out", str(out)])
    assert code in (0, 3)
    captured = capsys.readouterr()
    assert "deliberate bugs switched on: missing-1-over-n, no-bias" in captured.err
    assert "BUGS ON" in (out / "summary.txt").read_text()
    assert 'bugs = ["missing-1-over-n", "no-bias"]' in (out / "config.toml").read_text()
    assert main(["train", "--bug", "no-shuffle", "--frames", "0"]) == 2
    assert "no-shuffle changes nothing in full batch" in capsys.readouterr().err


def test_gradcheck_command_passes_clean_math_and_names_each_bug(capsys):
    assert main(["gradcheck"]) == 0
    assert "all gradients match" in capsys.readouterr().out
    expected = {"missing-1-over-n": "loss Missing1OverN(MSE())",
                "scalar-l2-gradient": "regularizer ScalarL2Gradient(0.0001)",
                "sigmoid-derivative-of-z": "1 SigmoidDerivativeOfZ()"}
    for bug, name in expected.items():
        assert main(["gradcheck", "--bug", bug]) == 1
        out = capsys.readouterr().out
        verdict = out.strip().splitlines()[-1]
        assert verdict.startswith("faulty:") and name in verdict
        assert "FAIL" in out and "PASS" in out


def test_gradcheck_command_checks_a_saved_model(tmp_path, capsys):
    assert main(["train", "--steps", "20", "--frames", "0", "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    assert main(["gradcheck", str(tmp_path / "r" / "model.npz")]) == 0
    assert "all gradients match" in capsys.readouterr().out


def test_exploding_activations_and_gradients_with_large_initial_weights(xor):
    """With correct math a ReLU net's weight-gradient norms do not grow monotonically toward
    the input (dL/dh grows backward as h shrinks); what explodes is the activations, layer by
    layer, and with them the scale of every gradient."""
    X, Y = xor
    norms = {}
    for init in ("normal", "he"):
        net = bp.mlp(2, [16] * 6, 2, activation="relu", output="identity", init=init, seed=0)
        h = bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=1e-4), steps=2,
                   diagnose_every=1)
        layers = [k for k, _ in net.layers()]
        norms[init] = np.array([h[f"grad_norm_{k}"][0] for k in layers])
        if init == "normal":
            peaks = [h[f"max_activation_{k}"][0] for k in layers[:-1]]
            assert all(a < b for a, b in zip(peaks, peaks[1:]))
            assert peaks[-1] / peaks[0] > 50
    assert (norms["normal"] > 50 * norms["he"].max()).all()


def test_the_guard_restores_the_newest_copy_from_before_the_tripping_step():
    from brickprop.train._loop import Checkpoint

    p = bp.Parameter(np.zeros(3))
    good = Checkpoint([p], every=10)
    for step in range(25):
        if good.due(step):
            good.save(step)
        p.data += 1.0  # the update of this step
    assert good.restore(25) == 20 and (p.data == 20).all()  # copy taken before step 25
    assert good.restore(20) == 10 and (p.data == 10).all()  # step 20's own weights are suspect
    first = Checkpoint([p], every=10)
    first.save(0)
    assert first.restore(0) == 0  # tripping at the first step: the only copy there is


def test_a_stopped_run_names_the_step_its_weights_are_from(xor):
    X, Y = xor
    net = bp.mlp(2, [64, 64, 64], 2, activation="relu", output="identity", init="he", seed=0)
    h = bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=10), steps=100)
    tripped = h.meta["diverged_step"]
    held = int(h.meta["diverged"].rsplit("before step ", 1)[1].rstrip("."))
    assert tripped - 10 <= held < tripped
    assert all(np.isfinite(p.data).all() for p in net.parameters())


def test_the_guard_blames_unscaled_data_and_measures_it_only_when_it_trips(xor):
    X, Y = xor
    asked = []

    def scale():
        asked.append(1)
        return 1e9

    guard = bp.train.diagnose.DivergenceGuard([0, 2], data_scale=scale)
    for step in range(5):
        assert guard.check(step, 0.5, [1.0, 1.0], None) is None
    assert asked == []  # a healthy run never measures the data
    assert "its largest |value| is 1e+09" in guard.check(5, float("nan"), [1.0, 1.0], None)
    assert asked == [1]
    net = bp.mlp(2, [3], 2, seed=0, activation="relu", output="identity")
    h = bp.fit(net, X * 1e7, Y, bp.MSE(), bp.SGD(net.parameters(), lr=0.1), steps=50)
    largest = np.abs(X * 1e7).max()
    assert f"The data is the problem: its largest |value| is {largest:.3g}" in h.meta["diverged"]


def test_the_guard_measures_growth_from_the_start_it_is_given():
    """A run trained in several fit calls (the live page's segments) passes its first loss."""
    X, y = bp.datasets.xor(200, seed=0)

    def run(**kw):
        net = bp.mlp(2, [3], 2, seed=0)
        return bp.fit(net, X, bp.one_hot(y), bp.MSE(), bp.SGD(net.parameters(), lr=1.0),
                      steps=50, **kw)

    assert "diverged" not in run().meta  # healthy from its own first loss
    tiny = run(diverge_start=1e-6)  # a trained network's lucky first batch, say
    assert "x its start" in tiny.meta["diverged"] and tiny.meta["steps"] == 1
    with pytest.raises(ValueError, match="diverge_start"):
        run(diverge_start=0.0)
