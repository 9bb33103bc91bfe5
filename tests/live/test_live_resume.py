"""``brickprop live RUN_FOLDER`` in Chromium: the run opens at its last step and trains on.

Skipped without Playwright or ``/usr/bin/chromium``.
"""

from __future__ import annotations

import numpy as np
import pytest

from brickprop._playwright import available

if available():
    pytest.skip(available(), allow_module_level=True)
pytest.importorskip("starlette")
import test_live_browser as live_browser  # noqa: E402  (tests/live is on sys.path)
import test_live_probe as live_probe  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from brickprop.cli import main  # noqa: E402
from brickprop.live.resume import run_folder  # noqa: E402
from brickprop.runs.config import ConfigError  # noqa: E402
from brickprop.store.model import load  # noqa: E402
from brickprop.train.history import History  # noqa: E402

browser, page, step = live_browser.browser, live_browser.page, live_browser.step


def test_a_run_folder_opens_at_its_last_step_with_its_curves_and_trains_on(tmp_path, page):
    run = tmp_path / "run"
    assert main(["train", "--steps", "300", "--frames", "0", "--out", str(run)]) == 0
    history = History.read_csv(run / "metrics.csv")
    proc, url = live_browser.start(str(run))
    try:
        page.goto(url)
        expect(page.locator("#network .unit")).to_have_count(2 + 3 + 2)
        page.wait_for_function("document.getElementById('step').textContent === '300'")
        # the loss curve starts with metrics.csv: its 300 rows, then the live frames
        assert page.get_attribute("#loss-curve", "data-first") == "0"
        assert int(page.get_attribute("#loss-curve", "data-points")) >= len(history.rows) == 300
        expect(page.locator("[name=steps]")).to_have_value("600")  # raised: play goes on

        live_probe.click_link(page, 0)  # the final weights: model.npz's W1[i, j]
        page.wait_for_function("document.querySelectorAll('#explain tbody tr').length > 0")
        rows = live_probe.shown(page)
        W = load(run / "model.npz").parameters()[0].data
        name = next(n for n in rows if n.startswith("W1["))
        i, j = (int(v) - 1 for v in name[3:-1].split(", "))
        np.testing.assert_allclose(rows[name], W[i, j], rtol=1e-12, atol=0)

        page.click("#play")
        page.wait_for_function("+document.getElementById('step').textContent > 320",
                               timeout=30_000)
        page.click("#play")
        assert np.isfinite(float(page.inner_text("#loss")))
        assert page.errors == []
    finally:
        proc.terminate()
        proc.wait(10)


def test_opening_a_run_folder_reads_its_last_step_from_metrics(tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--steps", "120", "--frames", "0", "--out", str(run)]) == 0
    opened = run_folder(str(run))
    assert opened.step == 120 and opened.cfg.steps == 240
    assert opened.history["x"][0] == 0 and opened.history["x"][-1] == 119
    rows = History.read_csv(run / "metrics.csv").rows
    np.testing.assert_allclose(opened.history["loss"][-1], rows[-1, 1], rtol=1e-3)
    (run / "metrics.csv").write_text("step,loss\n0,not-a-number-at-all,3\n")
    with pytest.raises(ConfigError, match="metrics.csv is damaged"):
        run_folder(str(run))
