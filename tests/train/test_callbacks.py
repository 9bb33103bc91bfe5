"""fit's callback protocol: hooks in order, rows, stopping, and steering between steps."""

import numpy as np
import pytest

import brickprop as bp


def _run(X, Y, callbacks, steps=1000, **kwargs):
    net = bp.mlp(2, [3], 2, seed=0)
    opt = bp.SGD(net.parameters(), lr=5.0)
    history = bp.fit(net, X, Y, bp.MSE(), opt, bp.L2(1e-4), steps=steps, callbacks=callbacks,
                     **kwargs)
    return net, opt, history


class Steer(bp.Callback):
    """Lowers the learning rate at step 100 and stops the run at step 200."""

    def __init__(self):
        self.losses = []

    def on_step_end(self, run, row):
        self.losses.append(run.value("loss"))
        if run.step == 99:
            run.set_lr(0.5)
        if run.step == 199:
            run.stop("stopped by Steer at step 200")


def test_a_callback_changes_the_learning_rate_at_step_100_and_stops_at_200(xor_data):
    X, Y, _ = xor_data
    steer = Steer()
    _, opt, history = _run(X, Y, [steer])
    assert len(history) == 200
    lr = history["lr"]
    np.testing.assert_array_equal(lr[:100], 5.0)
    np.testing.assert_array_equal(lr[100:], 0.5)
    assert history.meta["stopped"] == "stopped by Steer at step 200"
    assert history.meta["changes"] == [{"step": 100, "lr": 0.5}]
    np.testing.assert_allclose(steer.losses, history["loss"], rtol=0, atol=0)
    assert opt.lr == 0.5


def test_steering_equals_training_in_two_parts(xor_data):
    """Changing the rate at step 100 trains exactly as 100 steps at 5, then 100 at 0.5."""
    X, Y, _ = xor_data
    net, _, _ = _run(X, Y, [Steer()])
    twin = bp.mlp(2, [3], 2, seed=0)
    for lr, steps in ((5.0, 100), (0.5, 100)):
        bp.fit(twin, X, Y, bp.MSE(), bp.SGD(twin.parameters(), lr=lr), bp.L2(1e-4), steps=steps)
    for a, b in zip(net.parameters(), twin.parameters()):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=0)


class Recorder(bp.Callback):
    def __init__(self):
        self.calls = []

    def on_begin(self, run):
        self.calls.append(("begin", run.steps_done))

    def on_step_begin(self, run):
        self.calls.append(("step_begin", run.step))

    def on_step_end(self, run, row):
        assert row[0] == run.step and row is run.row
        self.calls.append(("step_end", run.step))

    def on_epoch_end(self, run):
        self.calls.append(("epoch_end", run.step, round(run.monitored, 12)))

    def on_end(self, run):
        self.calls.append(("end", run.steps_done))


def test_hooks_run_in_order_with_an_epoch_end_per_epoch(xor_data):
    X, Y, _ = xor_data
    rec = Recorder()
    _, _, history = _run(X, Y, [rec], steps=6, batch_size=100)  # 3 steps an epoch
    kinds = [c[0] for c in rec.calls]
    assert kinds == ["begin"] + ["step_begin", "step_end"] * 3 + ["epoch_end"] + \
        ["step_begin", "step_end"] * 3 + ["epoch_end", "end"]
    epoch_ends = [c for c in rec.calls if c[0] == "epoch_end"]
    assert [c[1] for c in epoch_ends] == [2, 5]
    np.testing.assert_allclose(epoch_ends[0][2], history["loss"][:3].mean(), rtol=1e-9)
    assert rec.calls[-1] == ("end", 6)


def test_set_regularizer_and_clip_apply_from_the_next_step(xor_data):
    X, Y, _ = xor_data

    class Change(bp.Callback):
        def on_step_end(self, run, row):
            if run.step == 9:
                run.set_regularizer(None)
                run.set_clip(norm=1e-3)

    _, _, history = _run(X, Y, [Change()], steps=20)
    assert np.all(history["penalty"][:10] > 0) and np.all(history["penalty"][10:] == 0)
    assert [c["step"] for c in history.meta["changes"]] == [10, 10]


def test_a_stop_during_an_epoch_end_keeps_the_reason(xor_data):
    X, Y, _ = xor_data

    class AtSecondEpoch(bp.Callback):
        def on_epoch_end(self, run):
            if run.step >= 5:
                run.stop("two epochs are enough")

    _, _, history = _run(X, Y, [AtSecondEpoch()], steps=100, batch_size=100)
    assert len(history) == 6 and history.meta["stopped"] == "two epochs are enough"


def test_callbacks_must_be_callback_instances(xor_data):
    X, Y, _ = xor_data
    with pytest.raises(TypeError, match="subclass Callback"):
        _run(X, Y, [lambda run: None], steps=2)


def test_levers_reject_bad_values(xor_data):
    X, Y, _ = xor_data

    class Bad(bp.Callback):
        def on_step_end(self, run, row):
            run.set_lr(-1.0)

    with pytest.raises(ValueError, match="learning rate must be a finite number > 0"):
        _run(X, Y, [Bad()], steps=2)
