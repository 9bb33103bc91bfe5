"""LiveView's widget in a real browser: Playwright drives Debian's Chromium.

The host is a minimal page written to a local file that does what a notebook front
end does with an anywidget: it imports the widget's ES module from a Blob URL and
calls ``render({model, el})`` with a model that has ``get``, ``set``, ``on`` and
``off``.  While ``fit`` runs, each change of the Python widget's ``setup`` and
``frame`` is pushed into that model.  Skipped without Playwright or Chromium.
"""

from __future__ import annotations

import json

import pytest

from brickprop._playwright import available, launch

if available():
    pytest.skip(available(), allow_module_level=True)
pytest.importorskip("anywidget")
from playwright.sync_api import sync_playwright  # noqa: E402

import brickprop as bp  # noqa: E402
from brickprop.notebook import LiveView  # noqa: E402
from brickprop.notebook.widget import css, esm  # noqa: E402

HOST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>widget host</title>
<style>%(css)s</style></head>
<body><div id="out"></div>
<script type="text/plain" id="esm">%(esm)s</script>
<script type="module">
  const state = {}, listeners = {};
  const model = {
    get: (name) => state[name],
    set: (name, value) => { state[name] = value; },
    save_changes() {},
    send() {},
    on(event, callback) { (listeners[event] ||= []).push(callback); },
    off(event, callback) {
      listeners[event] = (listeners[event] || []).filter((f) => f !== callback);
    },
  };
  // what the kernel's comm does when a synced trait changes in Python
  window.push = (name, value) => {
    state[name] = value;
    for (const callback of listeners["change:" + name] || []) callback();
  };
  const source = document.getElementById("esm").textContent;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const widget = (await import(url)).default;
  widget.render({ model, el: document.getElementById("out") });
  window.rendered = true;
</script></body></html>
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    host = tmp_path_factory.mktemp("widget") / "host.html"
    host.write_text(HOST % {"css": css(), "esm": esm()}, encoding="utf-8")
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(host.as_uri())
        page.wait_for_function("window.rendered === true", timeout=10_000)
        page.errors = errors
        yield page
        browser.close()


def test_the_step_counter_climbs_while_fit_runs(page):
    view = LiveView(mode="widget", interval=0)
    seen = []

    def forward(change):
        page.evaluate("([name, value]) => push(name, value)",
                      [change.name, json.loads(json.dumps(change.new))])
        if change.name == "frame":
            seen.append(int(page.inner_text(".bp-step")))

    view.widget.observe(forward, names=["setup", "frame"])
    X, y = bp.datasets.xor(300, 0)
    net = bp.mlp(2, [3], 2)
    bp.fit(net, X, bp.one_hot(y), optimizer=bp.SGD(net.parameters(), lr=0.5), steps=40,
           callbacks=[view])
    assert seen == list(range(1, 41)) + [40]
    assert page.inner_text(".bp-state") == "Trained all 40 steps."
    assert page.get_attribute(".bp-live", "data-frames") == "41"
    assert page.locator(".bp-network .unit").count() == 7  # 2 inputs, 3 hidden, 2 outputs
    assert page.errors == []


def test_a_diverging_run_shows_the_guards_message_in_red(page):
    view = LiveView(mode="widget", interval=3600)
    view.widget.observe(lambda c: page.evaluate("([n, v]) => push(n, v)", [c.name, c.new]),
                        names=["setup", "frame"])
    X, y = bp.datasets.xor(300, 0)
    net = bp.mlp(2, [64, 64, 64], 2, activation="relu", output="identity", init="he", seed=0)
    history = bp.fit(net, X, bp.one_hot(y), bp.CrossEntropy(),
                     bp.SGD(net.parameters(), lr=10), steps=100, callbacks=[view])
    state = page.locator(".bp-state")
    assert state.inner_text() == history.meta["diverged"]
    assert state.evaluate("e => getComputedStyle(e).color") == "rgb(176, 0, 32)"
    assert page.locator(".bp-network .unit").count() == 2 + 16 * 3 + 2  # 16 drawn a layer
    assert page.errors == []


def test_a_regression_and_a_three_input_run_draw_without_errors(page):
    import numpy as np

    X, y = bp.datasets.sine(200, seed=0)
    X3 = np.random.RandomState(0).randn(100, 3)
    runs = [(X, y.reshape(-1, 1), 1, "r2", "R²"),
            (X3, bp.one_hot((X3.sum(axis=1) > 0).astype(int)), 2, "accuracy", "accuracy")]
    for X, Y, n_out, metric, shown in runs:
        view = LiveView(mode="widget", interval=0)
        view.widget.observe(lambda c: page.evaluate("([n, v]) => push(n, v)", [c.name, c.new]),
                            names=["setup", "frame"])
        net = bp.mlp(X.shape[1], [4], n_out, activation="tanh", output="identity")
        bp.fit(net, X, Y, steps=15, metric=metric, callbacks=[view])
        assert page.inner_text(".bp-step") == "15"
        assert page.inner_text(".bp-metric-name") == shown
        assert page.locator(".bp-network .unit").count() == X.shape[1] + 4 + n_out
    assert page.errors == []
