"""fit(..., log_every=N): a row per N steps in the History, every step to the callbacks."""

import numpy as np
import pytest

import brickprop as bp
from brickprop.cli import main
from brickprop.train.loop import log_interval


def _fit(X, Y, steps, log_every, callbacks=(), **kwargs):
    net = bp.mlp(2, [3], 2, seed=0)
    history = bp.fit(net, X, Y, bp.MSE(), bp.SGD(net.parameters(), lr=5.0), bp.L2(1e-4),
                     steps=steps, log_every=log_every, callbacks=callbacks, **kwargs)
    return net, history


class Rows(bp.Callback):
    def __init__(self):
        self.rows = []

    def on_step_end(self, run, row):
        self.rows.append(list(row))


def test_thinned_rows_are_the_same_rows_as_a_full_run_at_every_nth_step(xor_data):
    X, Y, _ = xor_data
    seen = Rows()
    net_full, full = _fit(X, Y, 1003, 1)
    net_thin, thin = _fit(X, Y, 1003, 10, [seen])
    assert len(seen.rows) == 1003  # callbacks get every step
    np.testing.assert_array_equal(thin["step"], [*range(0, 1001, 10), 1002])
    np.testing.assert_allclose(thin.rows, full.rows[thin["step"].astype(int)], rtol=0, atol=0)
    assert thin.meta["steps"] == full.meta["steps"] == 1003
    for a, b in zip(net_full.parameters(), net_thin.parameters()):
        np.testing.assert_allclose(a.data, b.data, rtol=0, atol=0)  # the same training


def test_validation_and_diagnostics_survive_thinning(xor_data):
    X, Y, _ = xor_data
    # Minibatches of 64 from 240 points: 4 steps an epoch, epoch ends off the grid of 50.
    _, h = _fit(X[:240], Y[:240], 2000, 50, batch_size=64, validation=(X[240:], Y[240:]),
                diagnose_every=7)
    # At most a grid row, a validation row and a diagnostics row per 50 steps, and the last.
    assert len(h) <= 3 * 2000 // 50 + 1
    val, steps = h["val_loss"], h["step"]
    kept = steps[np.isfinite(val)]
    assert kept.size >= 2000 // 50 - 1 and np.all(np.diff(kept) >= 4)
    assert np.all((kept + 1) % 4 == 0)  # each a real epoch end, not a carried value
    ratio = steps[np.isfinite(h["update_ratio_0"])]
    assert ratio.size >= 2000 // 50 - 1 and np.all(ratio % 7 == 0)


def test_the_guard_still_watches_every_step_with_thinned_rows(xor_data):
    X, Y, _ = xor_data
    net = bp.mlp(2, [64, 64, 64], 2, activation="relu", output="identity", init="he", seed=0)
    full = bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=10), steps=100)
    net = bp.mlp(2, [64, 64, 64], 2, activation="relu", output="identity", init="he", seed=0)
    thin = bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=10), steps=100,
                  log_every=1000)
    assert thin.meta["diverged_step"] == full.meta["diverged_step"]
    assert "grew fastest" in thin.meta["diverged"]
    assert thin["step"][-1] == full["step"][-1]  # the step that tripped the guard is kept


def test_automatic_interval_keeps_every_step_of_a_default_run_and_bounds_long_ones():
    assert log_interval(5000) == 1 and log_interval(10_000) == 1
    assert log_interval(50_000) == 5 and log_interval(1_000_000) == 100
    with pytest.raises(ValueError, match="log_every must be an integer >= 0"):
        bp.fit(bp.mlp(2, [3], 2), np.zeros((4, 2)), np.zeros((4, 2)), steps=2, log_every=-1)


def test_log_every_flag_thins_metrics_and_the_report_reads_it(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--steps", "1000", "--log-every", "100", "--frames", "4",
                 "--out", str(out)]) == 0
    rows = np.loadtxt(out / "metrics.csv", delimiter=",", skiprows=1)
    np.testing.assert_array_equal(rows[:, 0], [*range(0, 1000, 100), 999])
    assert "trained all 1000 steps" in (out / "summary.txt").read_text()
    assert "log_every = 100" in (out / "config.toml").read_text()
    assert (out / "report.html").stat().st_size > 0 and (out / "figure.png").exists()
