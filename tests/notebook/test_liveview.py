"""LiveView: frames of the run as fit trains, throttled, the guard's message, a static
fallback; the widget's module loads the drawing modules inline."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

import brickprop as bp
from brickprop.notebook import LiveView

pytest.importorskip("anywidget")


def _fit(view, steps=60, net=None, lr=0.5, **kwargs):
    X, y = bp.datasets.xor(300, 0)
    net = net or bp.mlp(2, [3], 2)
    return bp.fit(net, X, bp.one_hot(y), optimizer=bp.SGD(net.parameters(), lr=lr),
                  steps=steps, callbacks=[view], **kwargs)


def test_widget_gets_a_frame_per_step_without_throttle_and_the_last_one_says_finished():
    view = LiveView(mode="widget", interval=0)
    history = _fit(view, steps=60)
    frame, setup = view.widget.frame, view.widget.setup
    assert view.frames_sent == 61  # every step, then the final frame
    assert (setup["run"], frame["run"], frame["step"]) == (1, 1, 60)
    assert frame["state"] == "finished" and frame["message"] == "Trained all 60 steps."
    assert frame["curves"]["x"][:3] == [1, 2, 3] and frame["curves"]["x"][-1] == 60
    assert [layer["n"] for layer in setup["layers"]] == [2, 3, 2]
    # the frame's loss is the network's loss on the full training set after step 60
    X, y = bp.datasets.xor(300, 0)
    net = bp.mlp(2, [3], 2)
    bp.fit(net, X, bp.one_hot(y), optimizer=bp.SGD(net.parameters(), lr=0.5), steps=60)
    full = bp.MSE().forward(net.forward(X), bp.one_hot(y))
    np.testing.assert_allclose(frame["loss"], full, rtol=1e-3)
    assert len(history) == 60


def test_updates_are_throttled_by_wall_clock_time():
    view = LiveView(mode="widget", interval=3600)
    _fit(view, steps=200)
    assert view.frames_sent == 2  # the first step, and the end of the run
    assert view.widget.frame["step"] == 200


def test_a_diverging_run_ends_with_the_guards_message():
    view = LiveView(mode="widget", interval=3600)
    net = bp.mlp(2, [64, 64, 64], 2, activation="relu", output="identity", init="he", seed=0)
    X, y = bp.datasets.xor(300, 0)
    history = bp.fit(net, X, bp.one_hot(y), bp.CrossEntropy(), bp.SGD(net.parameters(), lr=10),
                     steps=100, callbacks=[view])
    frame = view.widget.frame
    assert frame["state"] == "diverged"
    assert frame["message"] == history.meta["diverged"]
    assert frame["message"].startswith("diverged at step")


def test_second_fit_starts_a_new_run_with_fresh_curves():
    view = LiveView(mode="widget", interval=0)
    _fit(view, steps=5)
    _fit(view, steps=7)
    assert view.widget.setup["run"] == view.widget.frame["run"] == 2
    assert view.widget.frame["curves"]["x"] == list(range(1, 8)) + [7]


def test_static_mode_shows_one_png_at_the_end(capsys):
    view = LiveView(mode="static")
    assert view.widget is None
    _fit(view, steps=20)
    assert view.picture[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Trained all 20 steps." in capsys.readouterr().out


def test_auto_mode_outside_a_kernel_is_static():
    assert LiveView().widget is None


@pytest.mark.parametrize("kwargs, message", [({"mode": "svg"}, "mode must be one of"),
                                             ({"interval": -1}, "interval must be"),
                                             ({"interval": float("nan")}, "interval must be")])
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LiveView(**kwargs)


def test_the_widget_module_imports_the_drawing_modules_as_data_urls():
    from brickprop.notebook.widget import esm

    text = esm()
    assert "brickprop/" not in re.sub(r"//.*", "", text).replace("brickprop/viz", "")
    urls = re.findall(r'from "data:text/javascript;base64,([^"]+)"', text)
    assert len(urls) == 4
    boundary = base64.b64decode(urls[0]).decode()
    assert "export class BoundaryView" in boundary and 'from "data:' in boundary
