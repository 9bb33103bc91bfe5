"""Save as run: a live session with mid-run changes, written as a run folder that
``brickprop train`` replays byte for byte (Starlette's TestClient, no browser)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
from starlette.testclient import TestClient  # noqa: E402

from brickprop.cli import main  # noqa: E402
from brickprop.live.server import Opened, Server, make_app  # noqa: E402
from brickprop.runs.config import from_dict, from_toml  # noqa: E402

HOST, ORIGIN = "testserver", "http://testserver"


def until(ws, kind, step=None):
    """The next ``kind`` message (a frame: the first at ``step`` or later); frames acked."""
    for _ in range(10_000):
        msg = json.loads(ws.receive_text())
        if msg["type"] == "frame":
            ws.send_text(json.dumps({"type": "ack"}))
        if msg["type"] == "error":
            raise AssertionError(msg["message"])
        if msg["type"] == kind and (step is None or msg["step"] >= step):
            return msg
    raise AssertionError(f"no {kind} message")


@pytest.mark.parametrize("batch_size", [0, 50])
def test_a_saved_session_with_changes_replays_byte_for_byte(tmp_path, monkeypatch, batch_size):
    monkeypatch.chdir(tmp_path)  # the folder lands in ./runs, like brickprop train's
    server = Server(Opened(from_dict({"steps": 5000, "batch_size": batch_size})), hosts=(HOST,))
    with TestClient(make_app(server)) as client, client.websocket_connect(
            f"/ws?token={server.token}", headers={"origin": ORIGIN}) as ws:
        ws.send_text(json.dumps({"type": "start", "values": {}}))
        ws.send_text(json.dumps({"type": "speed", "value": 2000}))
        ws.send_text(json.dumps({"type": "play"}))
        until(ws, "frame", step=40)
        ws.send_text(json.dumps({"type": "set", "values": {"lr": "1.5"}}))
        until(ws, "frame", step=120)
        ws.send_text(json.dumps({"type": "set", "values": {"bugs": "scalar-l2-gradient"}}))
        assert not until(ws, "gradcheck")["passed"]
        until(ws, "frame", step=200)
        ws.send_text(json.dumps({"type": "pause"}))
        paused = until(ws, "frame")
        while paused["state"] != "paused":
            paused = until(ws, "frame")
        ws.send_text(json.dumps({"type": "save"}))
        saved = until(ws, "saved")
    assert saved["same"], saved["message"]
    assert saved["steps"] == paused["step"]
    folder = tmp_path / saved["path"]
    cfg = from_toml((folder / "config.toml").read_text(), "config.toml")
    assert cfg.steps == paused["step"]
    keys = [c.split("=")[0].split(":")[1] for c in cfg.changes]
    assert keys == ["lr", "bugs"], cfg.changes
    lr_step = int(cfg.changes[0].split(":")[0])
    assert 40 <= lr_step <= 120
    for name in ("metrics.csv", "model.npz", "figure.png", "report.html"):
        assert (folder / name).is_file(), name
    again = tmp_path / "again"
    assert main(["train", str(folder / "config.toml"), "--out", str(again)]) == 0
    assert (again / "metrics.csv").read_bytes() == (folder / "metrics.csv").read_bytes()
    # the lr change is in the metrics at the recorded step
    rows = (folder / "metrics.csv").read_text().splitlines()
    header = rows[0].split(",")
    lr = [float(r.split(",")[header.index("lr")]) for r in rows[1:]]
    assert lr[lr_step - 1] == 5.0 and lr[lr_step] == 1.5


def test_on_diverge_rollback_goes_back_and_on_as_train_does(tmp_path, monkeypatch):
    # tanh with an identity output at lr 5 blows up at step 4 and again at step 9 (measured
    # with brickprop train): each time the guard restores the weights and halves the lr
    monkeypatch.chdir(tmp_path)
    values = {"steps": 300, "activation": "tanh", "output": "identity", "lr": 5.0,
              "on_diverge": "rollback"}
    server = Server(Opened(from_dict(values)), hosts=(HOST,))
    with TestClient(make_app(server)) as client, client.websocket_connect(
            f"/ws?token={server.token}", headers={"origin": ORIGIN}) as ws:
        ws.send_text(json.dumps({"type": "start", "values": {}}))
        ws.send_text(json.dumps({"type": "play"}))
        states, frame = set(), until(ws, "frame")
        while frame["state"] != "finished":
            states.add(frame["state"])
            frame = until(ws, "frame")
        ws.send_text(json.dumps({"type": "save"}))
        saved = until(ws, "saved")
    assert "diverged" not in states and frame["step"] == 300  # it never paused
    assert frame["lr"] == 1.25 and len(frame["rollbacks"]) == 2
    assert frame["rollbacks"][0].startswith("step 4: restored the weights from before step 1 "
                                            "and halved the learning rate to 2.5")
    trained = tmp_path / "trained"
    assert main(["train", "--out", str(trained), "--frames", "0",
                 *[f"--{k.replace('_', '-')}={v}" for k, v in values.items()]]) == 0
    summary = (trained / "summary.txt").read_text()
    assert all(line in summary for line in frame["rollbacks"])  # the lines train prints
    assert saved["same"], saved["message"]  # the page's weights are train's, bit for bit
    folder = tmp_path / saved["path"]
    assert (folder / "metrics.csv").read_bytes() == (trained / "metrics.csv").read_bytes()
