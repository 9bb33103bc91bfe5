"""The live server without a browser: its guard, and hostile messages on its socket.

Starlette's TestClient speaks HTTP and WebSocket to the app in-process; hypothesis
throws malformed and hostile messages at one page's socket and every answer must be
one line of error, after which the server still answers.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from brickprop.live.server import Opened, Server, make_app  # noqa: E402
from brickprop.runs.config import from_dict  # noqa: E402

HOST = "testserver"  # TestClient's Host header
ORIGIN = f"http://{HOST}"


@pytest.fixture(scope="module", autouse=True)
def in_tmp(tmp_path_factory):
    """Save as run writes ./runs/live-*: here, not in the repository."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("live"))
        yield


@pytest.fixture(scope="module")
def server():
    return Server(Opened(from_dict({"steps": 200})), hosts=(HOST,))


@pytest.fixture(scope="module")
def client(server):
    with TestClient(make_app(server)) as c:
        yield c


def test_the_page_needs_the_token_and_this_servers_host_and_origin(client, server):
    ok = client.get(f"/?token={server.token}")
    assert ok.status_code == 200 and 'id="play"' in ok.text and "__OPTIONS__" not in ok.text
    assert "frame-ancestors 'none'" in ok.headers["content-security-policy"]
    for path, headers, why in [
            ("/", {}, "needs the token"),
            ("/?token=wrong", {}, "needs the token"),
            (f"/?token={server.token}", {"origin": "http://evil.example"}, "another site"),
            (f"/?token={server.token}", {"host": "evil.example"}, "is not this server"),
            (f"/?token={server.token}", {"sec-fetch-site": "cross-site"}, "another site")]:
        refused = client.get(path, headers=headers)
        assert refused.status_code == 403 and why in refused.text, (path, headers)
    assert client.get("/static/network.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/..%2Fserver.py").status_code == 404


@pytest.mark.parametrize("query, headers", [
    ("", {"origin": ORIGIN}),                            # no token
    ("?token=wrong", {"origin": ORIGIN}),
    ("?token={token}", {}),                              # no Origin: not from our page
    ("?token={token}", {"origin": "http://evil.example"}),
    ("?token={token}", {"origin": ORIGIN, "host": "evil.example"}),
])
def test_the_socket_is_refused_without_token_or_from_another_origin(client, server, query,
                                                                     headers):
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/ws" + query.format(token=server.token),
                                      headers=headers):
            pass
    assert refused.value.code == 1008


def messages_until(ws, kind, limit=50):
    """Read messages until one of ``kind``; setups, frames and configs are skipped."""
    for _ in range(limit):
        msg = json.loads(ws.receive_text())
        if msg["type"] == kind:
            return msg
    raise AssertionError(f"no {kind} message in {limit}")


@pytest.fixture(scope="module")
def socket(client, server):
    with client.websocket_connect(f"/ws?token={server.token}", headers={"origin": ORIGIN}) as ws:
        ws.send_text(json.dumps({"type": "start", "values": {}}))
        assert messages_until(ws, "setup")["config"]["steps"] == "200"
        yield ws


def one_line_error(ws) -> str:
    msg = messages_until(ws, "error")
    assert "\n" not in msg["message"] and 0 < len(msg["message"]) <= 500
    return msg["message"]


@pytest.mark.parametrize("message, fragment", [
    ("not json", "must be JSON text"),
    ("[1, 2]", 'JSON object with a "type"'),
    ('{"type": "launch"}', "unknown message type 'launch'"),
    ('{"type": "set", "values": {"lr": 5}}', "an object of key -> text"),
    ('{"type": "set", "values": {"lr": "-1"}}', "lr must be > 0"),
    ('{"type": "set", "values": {"hidden": "4+x"}}', "hidden must be a list of positive"),
    ('{"type": "set", "values": {"nope": "1"}}', "unknown key 'nope' in the page"),
    ('{"type": "set", "values": {"hidden": "80"}}', "at most 64 units per layer"),
    ('{"type": "set", "values": {"hidden": "2+2+2+2+2+2+2+2+2"}}', "at most 8 hidden layers"),
    ('{"type": "set", "values": {"n_samples": "100000"}}', "at most 5000 samples"),
    ('{"type": "set", "values": {"data": "/etc/passwd"}}', "open it from the command line"),
    ('{"type": "speed", "value": -1}', "steps per second from 0 to 1e6"),
    ('{"type": "start", "values": {}}', "has started already"),
    ('{"type": "open", "name": "x.toml", "text": "lr = ["}', "is not valid TOML"),
    ('{"type": "open", "name": "m.npz", "base64": "!!"}', "did not arrive as base64"),
    ('{"type": "open", "name": "m.npz", "base64": "AAAA"}', "not a brickprop model file"),
    ("[" * 100_000 + "]" * 100_000, "too long"),
    ('{"type": "explain"}', '"explain" needs "layer" and "unit"'),
    ('{"type": "explain", "layer": -1, "unit": 0}', "whole numbers from 0 to 64"),
    ('{"type": "explain", "layer": 0, "i": true, "j": 0}', "whole numbers from 0 to 64"),
    ('{"type": "explain", "layer": 0, "i": 0, "j": 1e9}', "whole numbers from 0 to 64"),
    ('{"type": "explain", "layer": 9, "unit": 0}', "(2-3-2) has no such unit"),
    ('{"type": "remedy"}', '"remedy" needs "index"'),
    ('{"type": "remedy", "index": 0}', "no divergence to remedy now"),
    ('{"type": "save"}', "nothing to save yet: train at least one step"),
    ('{"type": "explain", "layer": 1, "i": 3, "j": 0}', "(2-3-2) has no such link"),
])
def test_bad_messages_get_one_line_errors(socket, message, fragment):
    socket.send_text(message)
    assert fragment in one_line_error(socket)


def test_explain_answers_with_the_trace_and_a_bug_toggle_with_the_check(socket):
    socket.send_text(json.dumps({"type": "explain", "layer": 1, "i": 2, "j": 0}))
    msg = messages_until(socket, "explain")
    rows = {r["name"]: r["value"] for r in msg["rows"]}
    assert msg["target"] == {"layer": 1, "i": 2, "j": 0} and msg["n_samples"] == 300
    np.testing.assert_allclose(rows["W2_new[3, 1]"] - rows["W2[3, 1]"], rows["update"],
                               rtol=1e-9)
    np.testing.assert_allclose(rows["update"], -5.0 * rows["dL/dW2[3, 1]"], rtol=1e-12)
    socket.send_text(json.dumps({"type": "set", "values": {"bugs": "missing-1-over-n"}}))
    check = messages_until(socket, "gradcheck")
    assert not check["passed"] and check["faulty"] == ["loss Missing1OverN(MSE())"]
    assert check["links"] == [0, 1] and check["units"] == []
    socket.send_text(json.dumps({"type": "set", "values": {"bugs": ""}}))
    assert messages_until(socket, "gradcheck")["passed"]


def test_bytes_are_refused_in_one_line(socket):
    socket.send_bytes(b"\x00\x01")
    assert "not bytes" in one_line_error(socket)


TYPES = st.sampled_from(["start", "set", "play", "pause", "step", "reset", "speed", "ack",
                         "open", "explain", "remedy", "save", "hello", "", "SET"])
KEYS = st.sampled_from(["lr", "hidden", "l2", "batch_size", "dataset", "noise", "features",
                        "bugs", "steps", "val_split", "token", "__proto__", "data"])
JSON = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) |
                    st.integers(-2**70, 2**70) | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=4) |
                    st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
SMALL = st.integers(-2, 70)  # around the drawing's sizes: valid, out of range, negative
HOSTILE = st.one_of(
    st.text(max_size=200),
    JSON.map(json.dumps),
    st.fixed_dictionaries({"type": TYPES}, optional={
        "values": st.dictionaries(KEYS, st.text(max_size=40) | JSON, max_size=3),
        "value": JSON, "name": st.text(max_size=20), "text": st.text(max_size=60),
        "base64": st.text(max_size=60), "layer": SMALL | JSON, "unit": SMALL | JSON,
        "i": SMALL, "j": SMALL, "index": SMALL | JSON}).map(json.dumps),
)
PROBES = itertools.count()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=HOSTILE)
def test_hostile_messages_never_crash_the_server(socket, message):
    socket.send_text(message)
    # A probe that must fail with its own name: answers come in order, so every answer
    # to the hostile message arrives before the probe's; each must be one line.
    probe = f"probe-{next(PROBES)}"
    socket.send_text(json.dumps({"type": probe}))
    for _ in range(50):
        msg = json.loads(socket.receive_text())
        if msg["type"] == "error":
            assert "\n" not in msg["message"] and 0 < len(msg["message"]) <= 500
            if probe in msg["message"]:
                break
    else:
        raise AssertionError("the server stopped answering")
    socket.send_text(json.dumps({"type": "pause"}))
