"""The playground in a real browser: Playwright drives Debian's Chromium.

The host is a minimal page, as for LiveView's test, that does what a notebook front end
does with an anywidget: it imports the widget's ES module and calls ``render({model,
el})`` with a model that has ``get``, ``send`` and ``on("msg:custom")``.  The test
carries the comm: the view's ``model.send`` reaches the Python widget's message
handler, and the widget's ``send`` reaches the view's ``msg:custom`` listeners.
Skipped without Playwright, Chromium, anywidget or Starlette.
"""

from __future__ import annotations

import queue
import re
import time

import pytest

from brickprop._playwright import available, launch

if available():
    pytest.skip(available(), allow_module_level=True)
pytest.importorskip("anywidget")
pytest.importorskip("starlette")
from playwright.sync_api import sync_playwright  # noqa: E402

from brickprop.notebook import playground  # noqa: E402

HOST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>widget host</title></head>
<body><div id="out"></div>
<script type="text/plain" id="esm">%(esm)s</script>
<script type="module">
  const state = {}, listeners = {};
  window.outbox = [];
  const model = {
    get: (name) => state[name],
    set: (name, value) => { state[name] = value; },
    save_changes() {},
    send(content) { window.outbox.push(content); },
    on(event, callback) { (listeners[event] ||= []).push(callback); },
    off(event, callback) {
      listeners[event] = (listeners[event] || []).filter((f) => f !== callback);
    },
  };
  // what the kernel's comm does with the Python widget's send(content)
  window.deliver = (content) => {
    for (const callback of listeners["msg:custom"] || []) callback(content, []);
  };
  const source = document.getElementById("esm").textContent;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const widget = (await import(url)).default;
  window.mount = (page) => {
    state.page = page;
    window.unmount = widget.render({ model, el: document.getElementById("out") });
  };
  window.rendered = true;
</script></body></html>
"""


class Host:
    """The page with one rendered playground, and the comm between them."""

    def __init__(self, page, pg):
        self.page, self.pg, self.sent = page, pg, queue.SimpleQueue()
        pg.send = lambda content, buffers=None: self.sent.put(content)
        self.app = page.frame_locator("iframe.bp-playground")
        page.evaluate("(p) => mount(p)", pg.page)

    def pump(self, until, what: str, timeout: float = 60.0) -> None:
        """Carry messages both ways until ``until()`` holds (else fail, saying ``what``)."""
        deadline = time.monotonic() + timeout
        while not until():
            batch = []
            while not self.sent.empty():
                batch.append(self.sent.get())
            if batch:
                self.page.evaluate("(msgs) => msgs.forEach((m) => deliver(m))", batch)
            for content in self.page.evaluate("window.outbox.splice(0)"):
                self.pg._handle_custom_msg(content, [])
            if time.monotonic() > deadline:
                pytest.fail(f"the playground never showed {what}; last error: "
                            f"{self.pg.error!r}")
            self.page.wait_for_timeout(20)

    def text(self, selector: str) -> str:
        return self.app.locator(selector).inner_text()

    def step(self) -> int:
        text = self.text("#step")
        assert re.fullmatch(r"\d+", text), text
        return int(text)

    def units(self) -> int:
        return self.app.locator("#network .unit").count()

    def set_control(self, name: str, value: str) -> None:
        control = self.app.locator(f"[name={name}]")
        control.fill(value)
        control.press("Enter")  # as a learner does: the input's own change event


@pytest.fixture
def host(tmp_path):
    from brickprop.notebook.page import Playground

    page_file = tmp_path / "host.html"
    page_file.write_text(HOST % {"esm": Playground._esm}, encoding="utf-8")
    pg = playground(dataset="xor", hidden=[4], activation="tanh", lr=0.03, steps=1_000_000,
                    loss="binary-cross-entropy")
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.goto(page_file.as_uri())
        page.wait_for_function("window.rendered === true", timeout=10_000)
        yield Host(page, pg)
        browser.close()
    pg.close()


def test_play_climbs_lr_keeps_the_step_and_hidden_starts_again(host):
    host.pump(lambda: host.units() == 2 + 4 + 1 and host.text("#state") == "Paused.",
              "the network drawn, paused")
    assert host.step() == 0
    host.app.locator("#play").click()
    host.pump(lambda: host.step() > 30, "the step counter past 30")
    host.app.locator("#play").click()  # pause
    host.pump(lambda: host.text("#state") == "Paused." and host.pg.frame["state"] == "paused",
              "paused again")
    paused_at = host.step()
    assert paused_at > 30

    host.set_control("lr", "0.1")
    host.pump(lambda: host.pg.frame["lr"] == 0.1, "the new learning rate in a frame")
    host.pump(lambda: host.text("#lr-now") == "0.1", "the new learning rate on the page")
    assert host.step() == paused_at  # a live change: same run, same step
    assert host.pg.config.lr == 0.1 and host.units() == 2 + 4 + 1
    host.app.locator("#play").click()
    host.pump(lambda: host.step() > paused_at + 30, "the step counter going on")

    host.set_control("hidden", "5")  # not live: a new run from step 0, still playing
    host.pump(lambda: host.units() == 2 + 5 + 1, "the new network")
    host.app.locator("#play").click()
    host.pump(lambda: host.pg.frame["state"] == "paused" and host.text("#state") == "Paused.",
              "paused in the new run")
    assert host.pg.config.hidden == [5] and host.pg.config.lr == 0.1
    assert host.pg.frame["run"] == 2
    assert host.step() == host.pg.frame["step"]
    # the frame is as tall as the page in it: the cell shows it whole, no inner scrollbar
    inner = host.app.locator("body").evaluate("b => b.scrollHeight")
    assert host.page.locator("iframe.bp-playground").evaluate("f => f.offsetHeight") == inner
    assert host.page.errors == []


def test_a_bad_value_is_one_line_on_the_page_and_training_goes_on(host):
    host.pump(lambda: host.units() == 2 + 4 + 1, "the network drawn")
    host.set_control("lr", "-1")
    host.pump(lambda: host.app.locator("#error").is_visible(), "the error line")
    message = host.text("#error")
    assert "lr" in message and "\n" not in message
    assert host.text("#error") == host.pg.error
    host.app.locator("#one-step").click()
    host.pump(lambda: host.step() == 1, "one step after the error")
    assert host.pg.config.lr == 0.03
    host.app.locator("#play").click()
    host.pump(lambda: host.step() > 5, "the step counter past 5")
    assert host.page.errors == []

    host.page.evaluate("unmount()")  # the output is cleared: the view says pause as it goes
    for content in host.page.evaluate("window.outbox.splice(0)"):
        host.pg._handle_custom_msg(content, [])
    frame = host.pg.wait()  # Python acknowledges the frames now: the page sends them
    while frame["state"] == "playing":  # those made before the pause arrived, then paused
        frame = host.pg.wait()
    assert frame["state"] == "paused" and host.pg.frame is frame
