"""The playground's Python side: what it opens, the live page's protocol over the widget's
messages (bad ones answered with one error line), steering from Python, and closing
(the worker process and the bridge thread end)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

import brickprop as bp
from brickprop.runs.config import ConfigError, from_dict

pytest.importorskip("anywidget")
pytest.importorskip("starlette")
from brickprop.notebook import playground  # noqa: E402
from brickprop.notebook.page import srcdoc  # noqa: E402


@pytest.fixture
def opened():
    """playground(...) with its messages to the views kept in ``pg.sent``; closed after."""
    made = []

    def make(*args, **kwargs):
        pg = playground(*args, **kwargs)
        pg.sent = []
        pg.send = lambda content, buffers=None: pg.sent.append(content)
        made.append(pg)
        return pg
    yield make
    for pg in made:
        pg.close()


def view_says(pg, message) -> None:
    """What a view's ``model.send`` delivers to the kernel."""
    pg._handle_custom_msg(message, [])


def types(pg) -> list[str]:
    return [json.loads(c["text"])["type"] for c in pg.sent if "text" in c]


def test_python_steers_like_the_controls_lr_keeps_the_step_hidden_starts_again(opened):
    pg = opened(steps=1_000_000, lr=0.5, hidden=[3])
    first = pg.wait()
    assert (first["run"], first["step"], first["state"]) == (1, 0, "paused")
    pg.play()
    assert pg.wait(step=40)["step"] >= 40
    pg.pause()
    paused = pg.wait()
    while paused["state"] != "paused":
        paused = pg.wait()
    pg.set(lr=0.1)
    changed = pg.wait()
    assert (changed["run"], changed["step"], changed["lr"]) == (1, paused["step"], 0.1)
    pg.set(hidden=[5])
    restarted = pg.wait()
    assert (restarted["run"], restarted["step"], restarted["state"]) == (2, 0, "paused")
    assert pg.config.hidden == [5] and pg.config.lr == 0.1
    assert types(pg)[:2] == ["setup", "frame"] and types(pg).count("setup") == 2
    with pytest.raises(ConfigError, match="lr must be > 0"):  # from Python: raised at once
        pg.set(lr=-1)
    with pytest.raises(ConfigError, match="at most 64 units"):
        pg.set(hidden=[65])
    assert pg.config.hidden == [5] and pg.config.lr == 0.1


@pytest.mark.parametrize("message, error", [
    ({"txt": "{}"}, 'the playground takes {"text": a message of the live page} from its view'),
    ("play", 'the playground takes {"text": a message of the live page} from its view'),
    ({"text": "{not json"}, "a message must be JSON text"),
    ({"text": '{"type": "jump"}'}, "unknown message type 'jump'"),
    ({"text": '{"type": "speed", "value": -5}'}, '"speed" needs "value"'),
    ({"text": '{"type": "set", "values": {"lr": "-1"}}'}, "lr"),
    ({"text": '{"type": "set", "values": {"data": "/etc/passwd"}}'}, "data names a file"),
])
def test_a_bad_message_is_answered_with_one_error_line(opened, message, error):
    pg = opened()
    pg.wait()  # started: the page answers set and speed
    view_says(pg, message)
    for _ in range(200):  # the page answers from its own thread
        if pg.error:
            break
        time.sleep(0.05)
    assert pg.error is not None and error in pg.error
    assert "\n" not in pg.error
    assert pg.config.lr == from_dict({}).lr  # nothing changed
    pg.step()  # and the page still trains
    assert pg.wait(step=1)["step"] == 1


def test_a_second_view_is_drawn_as_things_are_without_a_new_start(opened):
    pg = opened(steps=100)
    pg.step()
    pg.wait(step=1)
    before = len(pg.sent)
    view_says(pg, {"text": '{"type": "start", "values": {}}'})
    replayed = [json.loads(c["text"]) for c in pg.sent[before:]]
    assert [m["type"] for m in replayed] == ["setup", "frame"]
    assert replayed[1]["step"] == 1 and pg.error is None


def test_close_ends_the_worker_process_and_the_bridge_thread(opened):
    pg = opened()
    pg.play()
    pg.wait(step=5)
    process, thread = pg.bridge.session.process, pg.bridge.thread
    assert process.is_alive() and thread.is_alive()
    pg.close()
    assert not process.is_alive() and not thread.is_alive()
    assert process.exitcode == 0  # it stopped when told, it was not killed
    assert pg.sent[-1] == {"closed": "the playground was closed"}
    assert pg.error is None  # a close is no failure
    never_started = opened()
    never_started.close()
    assert not never_started.bridge.thread.is_alive()


def test_an_interrupt_of_the_kernel_does_not_stop_the_worker(opened):
    import os
    import signal

    before = signal.getsignal(signal.SIGINT)
    pg = opened(steps=1_000_000)
    pg.play()
    at = pg.wait(step=5)["step"]
    assert signal.getsignal(signal.SIGINT) is before  # the kernel's own handler is back
    os.kill(pg.bridge.session.process.pid, signal.SIGINT)  # what Interrupt sends the group
    assert pg.wait(step=at + 50)["step"] >= at + 50
    assert pg.bridge.session.process.is_alive()


def test_a_worker_that_dies_is_one_error_line(opened):
    import os
    import signal

    pg = opened()
    pg.wait()
    os.kill(pg.bridge.session.process.pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match="worker process ended"):
        pg.wait(timeout=30)
    assert pg.error == ("training stopped: the playground's worker process ended (exit code "
                        f"-{int(signal.SIGKILL)}); run the cell again")


def test_a_fifth_playground_closes_the_oldest(opened):
    from brickprop.notebook.page import MAX_OPEN, OPEN

    made = [opened() for _ in range(MAX_OPEN)]
    made[0].play()
    made[0].wait(step=1)
    process = made[0].bridge.session.process
    newest = opened()
    assert OPEN == [*made[1:], newest]
    assert not process.is_alive() and not made[0].bridge.thread.is_alive()
    assert made[0].sent[-1] == {"closed": "a newer playground replaced it (at most "
                                          f"{MAX_OPEN} train at once)"}
    assert all(pg.bridge.thread.is_alive() for pg in OPEN)


def test_it_opens_a_run_folder_a_model_a_config_and_a_network(opened, tmp_path):
    from brickprop.jobs.run import train_run
    from brickprop.store.model import read

    cfg = from_dict({"hidden": [4], "activation": "tanh", "steps": 30, "lr": 0.3})
    (tmp_path / "run").mkdir()
    train_run(cfg, str(tmp_path / "run"), figures=False)
    net, _ = read(tmp_path / "run" / "model.npz")
    weights = [p.data for p in net.parameters()]
    folder = opened(tmp_path / "run")
    # at its last step; it trained all its steps, so it gets as many again to play on
    assert folder.config == cfg.replace(steps=60) and folder.wait()["step"] == 30
    model = opened(str(tmp_path / "run" / "model.npz"))
    assert model.config == cfg and model.wait()["step"] == 0  # a model file keeps no steps
    for pg in (folder, model):
        for a, b in zip(pg.bridge.page.snap.params, weights):
            np.testing.assert_allclose(a, b, rtol=0, atol=0)
    toml = opened(tmp_path / "run" / "config.toml", lr=0.05)
    assert toml.config == from_dict({"lr": 0.05}, base=cfg)
    assert opened(cfg).config == cfg

    mlp = bp.mlp(2, [4, 3], 2, activation="relu", output="identity", init="he", seed=3)
    pg = opened(mlp, loss="cross-entropy")
    assert (pg.config.hidden, pg.config.activation, pg.config.output) == ([4, 3], "relu",
                                                                          "identity")
    pg.wait()
    for a, p in zip(pg.bridge.page.snap.params, mlp.parameters()):
        np.testing.assert_allclose(a, p.data, rtol=0, atol=0)


@pytest.mark.parametrize("args, kwargs, error", [
    ((42,), {}, "not int"),
    (("no-such.toml",), {}, "no-such.toml"),
    ((), {"lr": -1.0}, "lr"),
    ((), {"speed": 3}, "speed"),
    ((), {"hidden": [4] * 9}, "at most 8 hidden layers"),
    ((bp.Sequential(bp.Linear(2, 2), bp.Linear(2, 2)),), {}, "networks that bp.mlp builds"),
    ((bp.mlp(3, [4], 2),), {}, "do not fit"),
])
def test_what_it_cannot_open_is_one_line(args, kwargs, error):
    with pytest.raises(ConfigError, match=None) as caught:
        playground(*args, **kwargs)
    assert error in str(caught.value) and "\n" not in str(caught.value)


def test_the_page_is_the_live_page_with_everything_inlined(opened):
    from brickprop.live import options, server

    pg = opened()
    html = pg.page
    assert html == srcdoc(pg.bridge.server)
    assert "/static/" not in html and "__OPTIONS__" not in html
    assert html.index("window.WebSocket = RelaySocket") < html.index('type="importmap"')
    declared = json.loads(html.split('id="options">')[1].split("</script>")[0])
    assert declared == options.declare()
    live_js = (server.LIVE_STATIC / "live.js").read_text(encoding="utf-8")
    assert live_js.replace('"./guard.js"', '"brickprop/live/guard.js"') in html
    imports = json.loads(html.split('type="importmap">')[1].split("</script>")[0])["imports"]
    assert sorted(imports) == ["brickprop/boundary.js", "brickprop/curves.js",
                               "brickprop/live/guard.js", "brickprop/network.js",
                               "brickprop/probe.js", "brickprop/util.js"]
    assert all(url.startswith("data:text/javascript;base64,") for url in imports.values())
