"""report.html of the default run in Chromium: a clicked link shows ``bp.explain``'s numbers.

The report replays the recorded snapshots with a slider; a click on a link is answered
from numbers the report embeds (it fetches nothing), which must be those of
``bp.explain`` run on the snapshot's weights, with the learning rate metrics.csv
records for that step, on the training set.  Skipped without Playwright or Chromium.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from brickprop._playwright import available

pytest.importorskip("jinja2")
if available():
    pytest.skip(available(), allow_module_level=True)
import test_report_browser as report_browser  # noqa: E402  (tests/report is on sys.path)

import brickprop as bp  # noqa: E402
from brickprop.cli import main  # noqa: E402
from brickprop.runs.build import build  # noqa: E402
from brickprop.runs.config import load_config  # noqa: E402
from brickprop.store.model import load_snapshots  # noqa: E402
from brickprop.train.history import History  # noqa: E402

browser, wait_until = report_browser.browser, report_browser.wait_until
SLIDER = report_browser.SLIDER


def trace_at(run_folder, step: int):
    """``bp.explain`` of the default run's network at the snapshot of ``step``."""
    cfg = load_config(run_folder / "config.toml")
    steps, weights, _, _ = load_snapshots(run_folder / "snapshots.npz")
    history = History.read_csv(run_folder / "metrics.csv")
    row = history.rows[history.rows[:, 0] == step][0]
    lr = row[history.columns.index("lr")]
    run = build(cfg)
    for p in run.net.parameters():
        p.data[...] = weights[steps.index(step)][p.name]
    kw = run.fit_kwargs
    return bp.explain(run.net, run.X, run.Y, loss=kw["loss"], regularizer=kw["regularizer"],
                      lr=lr), lr


def shown(page) -> tuple[str, dict, dict]:
    """The panel's caption, each row's data-value and each row's displayed value."""
    rows = page.evaluate("""() => [...document.querySelectorAll('#explain tbody tr')].map(
        r => [r.dataset.name, Number(r.dataset.value), r.querySelector('td.value')
        .textContent])""")
    return (page.inner_text("#explain caption"), {n: v for n, v, _ in rows},
            {n: float(t) for n, _, t in rows})


def check_link(rows: dict, trace, lr, k: int, i: int, j: int, rtol: float) -> None:
    a, b = i + 1, j + 1
    h, up = trace[f"h{k - 1}"].array[:, i], trace[f"dL/dz{k}"].array[:, j]
    expected = {f"W{k}[{a}, {b}]": trace[f"W{k}"].array[i, j],
                f"mean h{k - 1}[:, {a}]": h.mean(), f"sum dL/dz{k}[:, {b}]": up.sum(),
                "data part": np.sum(h * up),
                "penalty's share": trace[f"dL_penalty/dW{k}"].array[i, j],
                f"dL/dW{k}[{a}, {b}]": trace[f"dL/dW{k}"].array[i, j],
                "update": -lr * trace[f"dL/dW{k}"].array[i, j],
                f"W{k}_new[{a}, {b}]": trace[f"W{k}_new"].array[i, j]}
    assert sorted(rows) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(rows[name], value, rtol=rtol, atol=1e-12, err_msg=name)


def test_default_report_explains_a_clicked_link_at_the_slider_snapshot(browser, tmp_path):
    run = tmp_path / "default"
    assert main(["train", "--out", str(run)]) == 0  # the default run, as a user trains it
    size = (run / "report.html").stat().st_size
    assert size < 3_000_000, f"report.html is {size / 1e6:.2f} MB"
    url = (run / "report.html").as_uri()
    browser.console_errors.clear()
    browser.requests.clear()
    browser.load(url)
    page = browser.page
    assert page.locator("#net .unit canvas").count() == 2 + 3 + 2  # per-unit thumbnails
    assert page.inner_text("#explain caption") == "Click a link or a unit."

    browser.evaluate("document.getElementById('step').focus()")
    browser.key("Home")
    for _ in range(3):
        browser.key("ArrowRight")
    wait_until(browser, f"{SLIDER} === 3")
    page.locator("#net-drawing").scroll_into_view_if_needed()
    line = page.locator("#net line.link").nth(8)  # a link of the second layer: W2
    x1, y1, x2, y2 = (float(line.get_attribute(a)) for a in ("x1", "y1", "x2", "y2"))
    box = page.locator("#net-drawing").bounding_box()
    page.mouse.click(box["x"] + x1 + (x2 - x1) / 3, box["y"] + y1 + (y2 - y1) / 3)
    wait_until(browser, "document.querySelectorAll('#explain tbody tr').length === 8")

    caption, values, displayed = shown(page)
    step = int(re.search(r"at step (\d+)", caption).group(1))
    assert f"step {step}," in page.inner_text("#step-info")  # the slider's snapshot
    k, a, b = map(int, re.match(r"weight W(\d+)\[(\d+), (\d+)\]", caption).groups())
    assert k == 2
    trace, lr = trace_at(run, step)
    check_link(values, trace, lr, k, a - 1, b - 1, rtol=1e-5)  # 6 digits are embedded
    check_link(displayed, trace, lr, k, a - 1, b - 1, rtol=5e-4)  # 4 digits are shown

    # the slider moves on: the panel follows, same link, the next snapshot
    browser.evaluate("document.getElementById('step').focus()")
    browser.key("ArrowRight")
    wait_until(browser, f"{SLIDER} === 4")
    wait_until(browser, f"!document.querySelector('#explain caption').textContent"
                        f".includes('at step {step},')")
    caption, values, _ = shown(page)
    later = int(re.search(r"at step (\d+)", caption).group(1))
    assert later > step and caption.startswith(f"weight W2[{a}, {b}]")
    trace, lr = trace_at(run, later)
    check_link(values, trace, lr, 2, a - 1, b - 1, rtol=1e-5)

    assert browser.console_errors == []
    leaving = [u for u in browser.requests if u != url and not u.startswith("data:")]
    assert leaving == [], f"requests left the file: {leaving}"
