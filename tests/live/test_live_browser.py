"""``brickprop live`` in a real browser: Playwright drives Debian's Chromium.

The server runs as a user starts it (``brickprop live --no-browser``, a subprocess).
Skipped without Playwright or ``/usr/bin/chromium``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from brickprop._playwright import available, launch

if available():
    pytest.skip(available(), allow_module_level=True)
pytest.importorskip("starlette")
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from brickprop.cli import main  # noqa: E402

XOR = "dataset=xor&hidden=4+2&loss=binary-cross-entropy&activation=tanh&lr=0.03&l2=0.0&" \
      "batch_size=10&steps=1000000&speed=500"


def start(*args):
    """``brickprop live --no-browser ARGS`` in a subprocess: (process, printed URL)."""
    proc = subprocess.Popen([sys.executable, "-m", "brickprop.cli", "live", "--no-browser",
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:(\d+)/\?token=[\w-]+)", line)
    if not match:
        proc.kill()
        pytest.fail(f"brickprop live printed no URL: {line!r} {proc.stderr.read()}")
    return proc, match.group(1)


@pytest.fixture(scope="module")
def server():
    proc, url = start()
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    # bypass_csp: Playwright evaluates waits as strings, which the page's policy forbids
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, bypass_csp=True)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    yield page
    page.close()


def step(page) -> int:
    text = page.inner_text("#step")
    assert re.fullmatch(r"\d+", text), text
    return int(text)


def set_control(page, name, value):
    page.fill(f"[name={name}]", value)
    page.dispatch_event(f"[name={name}]", "change")


def test_play_trains_lr_is_live_and_hidden_resets(server, page):
    page.goto(f"{server}&{XOR}")
    expect(page.locator("#network .unit")).to_have_count(2 + 4 + 2 + 1)
    assert step(page) == 0
    first = float(page.inner_text("#loss"))
    page.click("#play")
    page.wait_for_function("+document.getElementById('step').textContent > 3000",
                           timeout=30_000)
    assert float(page.inner_text("#loss")) < first  # the loss falls on xor
    set_control(page, "lr", "0.1")
    page.wait_for_function("document.getElementById('lr-now').textContent === '0.1'")
    before = step(page)
    page.wait_for_timeout(300)
    assert step(page) > before  # the change did not reset the run: it goes on
    page.click("#play")  # pause
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    paused = step(page)
    page.wait_for_timeout(300)
    assert step(page) == paused
    page.click("#one-step")
    page.wait_for_function(f"+document.getElementById('step').textContent === {paused + 1}")
    set_control(page, "hidden", "5+3")
    page.wait_for_function("+document.getElementById('step').textContent === 0")
    expect(page.locator("#network .unit")).to_have_count(2 + 5 + 3 + 1)
    assert "hidden=5+3" in page.url and "lr=0.1" in page.url
    assert page.errors == []


def test_the_url_in_a_new_tab_shows_the_same_state(server, browser, page):
    page.goto(f"{server}&{XOR}")
    expect(page.locator("#network .unit")).to_have_count(9)
    page.check("[name=features][value=x1_x2]")
    page.dispatch_event("[name=features][value=x1_x2]", "change")
    page.select_option("[name=dataset]", "circles")
    page.wait_for_function("location.search.includes('dataset=circles')")
    page.wait_for_function("location.search.includes('features=x1_x2')")
    twin = browser.new_page(bypass_csp=True)
    twin.goto(page.url)
    expect(twin.locator("#network .unit")).to_have_count(1 + 4 + 2 + 1)
    for name in ("dataset", "hidden", "lr", "loss", "activation", "batch_size"):
        assert twin.input_value(f"[name={name}]") == page.input_value(f"[name={name}]"), name
    assert twin.is_checked("[name=features][value=x1_x2]")
    assert twin.inner_text("#network") == page.inner_text("#network")
    twin.close()


def test_a_bad_value_is_one_line_in_the_page(server, page):
    page.goto(server)
    expect(page.locator("#network .unit")).to_have_count(2 + 3 + 2)
    set_control(page, "lr", "-3")
    expect(page.locator("#error")).to_contain_text("lr must be > 0")
    assert page.input_value("[name=lr]") == "5.0"  # the control shows what trains
    set_control(page, "hidden", "100")
    expect(page.locator("#error")).to_contain_text("at most 64 units per layer")


def test_a_link_with_settings_the_page_refuses_opens_the_default_and_says_why(server, page):
    page.goto(f"{server}&hidden=100&lr=0.5")
    expect(page.locator("#error")).to_contain_text("the link's settings were not used")
    expect(page.locator("#error")).to_contain_text("at most 64 units per layer")
    expect(page.locator("#network .unit")).to_have_count(2 + 3 + 2)  # the run it opened
    page.click("#play")
    expect(page.locator("#step")).not_to_have_text("0")  # and it trains


def test_a_run_folders_config_opens_in_the_page(server, page, tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--dataset", "circles", "--hidden", "5", "--activation", "tanh",
                 "--steps", "20", "--frames", "0", "--n-samples", "120",
                 "--out", str(run)]) == 0
    page.goto(server)
    expect(page.locator("#network .unit")).to_have_count(2 + 3 + 2)
    page.set_input_files("#open", str(run / "config.toml"))
    expect(page.locator("#network .unit")).to_have_count(2 + 5 + 2)
    assert page.input_value("[name=dataset]") == "circles"
    assert page.input_value("[name=n_samples]") == "120"
    expect(page.locator("#boundary")).to_have_attribute("aria-label", re.compile("120 training"))
    assert "dataset=circles" in page.url


def test_without_token_or_from_another_origin_nothing_opens(server, page):
    base, token = server.split("?token=")
    page.goto(base)
    assert "needs the token" in page.inner_text("body")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(
            server, headers={"Origin": "http://evil.example"}))
    assert refused.value.code == 403
    page.goto("about:blank")  # another origin tries the socket with the right token
    opened = page.evaluate("""url => new Promise(done => {
        const ws = new WebSocket(url);
        ws.onopen = () => done('open'); ws.onerror = () => done('refused'); })""",
                           base.replace("http", "ws") + "ws?token=" + token)
    assert opened == "refused"


def test_it_listens_on_loopback_only(server):
    port = int(re.search(r":(\d+)/", server).group(1))
    with open("/proc/net/tcp") as f:  # local address of the listening socket, in hex
        rows = [line.split() for line in f.readlines()[1:]]
    listening = [r[1] for r in rows if r[3] == "0A" and int(r[1].split(":")[1], 16) == port]
    assert listening == [f"0100007F:{port:04X}"]  # 127.0.0.1 only


def test_the_cli_opens_a_run_folder_with_its_weights(tmp_path, browser):
    run = tmp_path / "run"
    assert main(["train", "--hidden", "4", "--steps", "30", "--frames", "0",
                 "--out", str(run)]) == 0
    proc, url = start(str(run))
    try:
        page = browser.new_page(bypass_csp=True)
        page.goto(url)
        expect(page.locator("#network .unit")).to_have_count(2 + 4 + 2)
        page.wait_for_function("document.getElementById('step').textContent === '30'")
        assert page.inner_text("#state") == "Paused."  # steps raised to 60: play trains on
        expect(page.locator("#play")).to_be_enabled()
        page.close()
    finally:
        proc.terminate()
        proc.wait(10)
    err = proc.stderr.read()
    assert "Traceback" not in err and "stopped" in err


def test_bad_input_on_the_command_line_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(json.dumps("not toml"))
    out = subprocess.run([sys.executable, "-m", "brickprop.cli", "live", "--no-browser",
                          str(bad)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
