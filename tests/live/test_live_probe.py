"""The live page's numbers of backprop and bug toggles, in Chromium, against ``bp.explain``.

A clicked link's panel must hold ``bp.explain``'s numbers for that weight at the shown
step (the default run is full batch, so the batch is the training set); checking a
bug runs ``bp.gradcheck`` on the network being trained and names the faulty brick.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from brickprop._playwright import available

if available():
    pytest.skip(available(), allow_module_level=True)
pytest.importorskip("starlette")
import test_live_browser as live_browser  # noqa: E402  (tests/live is on sys.path)
from playwright.sync_api import expect  # noqa: E402

import brickprop as bp  # noqa: E402
from brickprop.cli import main  # noqa: E402
from brickprop.runs.build import build  # noqa: E402
from brickprop.runs.config import from_dict  # noqa: E402

# the browser tests' fixtures: a `brickprop live` of the default run, Chromium, a page
server, browser, page = live_browser.server, live_browser.browser, live_browser.page
step = live_browser.step


def click_link(page, n: int) -> None:
    """Click link ``n`` of the drawing a third of the way along (away from crossings)."""
    line = page.locator("#network line.link").nth(n)
    x1, y1, x2, y2 = (float(line.get_attribute(a)) for a in ("x1", "y1", "x2", "y2"))
    box = page.locator("#network").bounding_box()
    page.mouse.click(box["x"] + x1 + (x2 - x1) / 3, box["y"] + y1 + (y2 - y1) / 3)


def shown(page) -> dict:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '#explain tbody tr')].map(r => [r.dataset.name, Number(r.dataset.value)]))""")


def check_weight(rows: dict, trace, k: int, i: int, j: int) -> None:
    a, b = i + 1, j + 1
    h, up = trace[f"h{k - 1}"].array[:, i], trace[f"dL/dz{k}"].array[:, j]
    tol = dict(rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(rows[f"W{k}[{a}, {b}]"], trace[f"W{k}"].array[i, j], **tol)
    np.testing.assert_allclose(rows[f"mean h{k - 1}[:, {a}]"], h.mean(), **tol)
    np.testing.assert_allclose(rows[f"sum dL/dz{k}[:, {b}]"], up.sum(), **tol)
    np.testing.assert_allclose(rows["data part"], np.sum(h * up), **tol)
    np.testing.assert_allclose(rows["penalty's share"],
                               trace[f"dL_penalty/dW{k}"].array[i, j], **tol)
    np.testing.assert_allclose(rows[f"dL/dW{k}[{a}, {b}]"], trace[f"dL/dW{k}"].array[i, j],
                               **tol)
    np.testing.assert_allclose(rows[f"W{k}_new[{a}, {b}]"], trace[f"W{k}_new"].array[i, j],
                               **tol)
    # the data part and the penalty's share add up to the gradient the update used
    np.testing.assert_allclose(rows["data part"] + rows["penalty's share"],
                               rows[f"dL/dW{k}[{a}, {b}]"], rtol=1e-9)


def test_a_clicked_link_shows_bp_explains_numbers_and_one_step_updates_them(server, page):
    page.goto(server)  # the default run: full batch, plain SGD, lr 5, L2 1e-4
    expect(page.locator("#network .unit")).to_have_count(2 + 3 + 2)
    assert step(page) == 0
    click_link(page, 5)  # W1[2, 3]: input 2 to hidden unit 3
    expect(page.locator("#explain caption")).to_contain_text("at step 0")
    caption = page.inner_text("#explain caption")
    k, a, b = map(int, re.search(r"W(\d)\[(\d), (\d)\]", caption).groups())
    run = build(from_dict({}))
    kw = run.fit_kwargs
    trace = bp.explain(run.net, run.X, run.Y, loss=kw["loss"], regularizer=kw["regularizer"],
                       lr=5.0)
    check_weight(shown(page), trace, k, a - 1, b - 1)

    page.click("#one-step")
    expect(page.locator("#explain")).to_have_attribute("data-step", "1")
    bp.fit(run.net, run.X, run.Y, **{**kw, "steps": 1, "snapshots": 0, "progress": None})
    trace = bp.explain(run.net, run.X, run.Y, loss=kw["loss"], regularizer=kw["regularizer"],
                       lr=5.0)
    check_weight(shown(page), trace, k, a - 1, b - 1)

    page.locator("#network .unit[data-layer='1'][data-unit='0']").click()
    expect(page.locator("#explain caption")).to_contain_text("unit 1 of layer 1")
    rows = shown(page)
    np.testing.assert_allclose(rows["mean z1[:, 1]"], trace["z1"].array[:, 0].mean(), rtol=1e-12)
    np.testing.assert_allclose(rows["mean dh1/dz1[:, 1]"], trace["dh1/dz1"].array[:, 0].mean(),
                               rtol=1e-12)
    np.testing.assert_allclose(rows["sum dL/dz1[:, 1]"], trace["dL/dz1"].array[:, 0].sum(),
                               rtol=1e-12)
    assert page.errors == []


def test_a_bug_toggle_names_the_faulty_brick_and_training_goes_on(server, page):
    page.goto(server)
    expect(page.locator("#network .unit")).to_have_count(2 + 3 + 2)
    bug = "[name=bugs][value=scalar-l2-gradient]"
    page.check(bug)
    expect(page.locator("#gradcheck")).to_contain_text("regularizer ScalarL2Gradient(0.0001)",
                                                       timeout=10_000)
    expect(page.locator("#network line.faulty")).to_have_count(2 * 3 + 3 * 2)
    page.click("#play")  # the run goes on with the bug: no reset
    page.wait_for_function("+document.getElementById('step').textContent > 50", timeout=30_000)
    page.uncheck(bug)
    expect(page.locator("#gradcheck")).to_contain_text("passed", timeout=10_000)
    expect(page.locator("#network line.faulty")).to_have_count(0)
    assert step(page) > 50  # healed in place, not restarted
    assert page.errors == []


def test_a_diverging_run_pauses_with_remedies_and_the_first_lets_it_go_on(server, page):
    # tanh with an identity output at lr 5 blows up within a few steps (measured: step 4)
    page.goto(f"{server}&activation=tanh&output=identity&lr=5.0")
    expect(page.locator("#network .unit")).to_have_count(2 + 3 + 2)
    page.click("#play")
    expect(page.locator("#remedies button").first).to_have_text("lr ÷ 10", timeout=30_000)
    state = page.inner_text("#state")
    assert re.search(r"diverged at step \d+", state) and "gradient norm grew fastest" in state
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    stopped = step(page)
    page.locator("#remedies button").first.click()
    page.wait_for_function("document.getElementById('lr-now').textContent === '0.5'")
    page.wait_for_function(f"+document.getElementById('step').textContent > {stopped + 200}",
                           timeout=30_000)
    assert np.isfinite(float(page.inner_text("#loss")))
    assert page.is_hidden("#remedies")
    assert "diverged" not in page.inner_text("#state")
    assert page.errors == []


def test_diagnostics_curves_grow_and_saturated_units_are_marked(server, page):
    # tanh units saturate within a few steps at lr 2 with an identity output (measured
    # with probe.unit_marks after 6 steps: all 8); the guard is off so the run goes on
    page.goto(f"{server}&activation=tanh&output=identity&lr=2.0&hidden=8&on_diverge=ignore"
              "&diagnose_every=1&speed=10")
    expect(page.locator("#network .unit")).to_have_count(2 + 8 + 2)
    expect(page.locator("#network .unit[data-health='saturated']")).to_have_count(0)
    page.click("#play")
    page.wait_for_function("+(document.getElementById('grad-curve').dataset.points || 0) >= 5",
                           timeout=30_000)
    expect(page.locator("#network .unit[data-health='saturated']").first).to_be_visible()
    assert page.get_attribute("#ratio-curve", "data-points") is not None
    assert page.errors == []


def test_save_as_run_shows_the_folder_that_train_replays(tmp_path, browser):
    proc = subprocess.Popen([sys.executable, "-m", "brickprop.cli", "live", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path)  # the folder lands in tmp_path/runs
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", proc.stdout.readline())
        assert url, proc.stderr.read()
        page = browser.new_page(bypass_csp=True)
        page.goto(url.group(0) + "&steps=300&frames=0")
        expect(page.locator("#network .unit")).to_have_count(2 + 3 + 2)
        page.click("#play")
        page.wait_for_function("document.getElementById('play').disabled", timeout=30_000)
        page.click("#save")
        expect(page.locator("#saved")).to_contain_text("replays bit for bit", timeout=60_000)
        folder = page.get_attribute("#saved", "data-path")
        assert folder.startswith(str(tmp_path / "runs" / "live-"))
        page.close()
    finally:
        proc.terminate()
        proc.wait(10)
    again = tmp_path / "again"
    assert main(["train", folder + "/config.toml", "--out", str(again)]) == 0
    assert (again / "metrics.csv").read_bytes() == \
        (tmp_path / folder / "metrics.csv").read_bytes()
