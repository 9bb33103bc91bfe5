"""The report in a real browser: Playwright drives headless Chromium over the offline page.

Skipped without Playwright or ``/usr/bin/chromium`` (``apt-get install chromium``).
"""

from __future__ import annotations

import time

import pytest

from brickprop._playwright import available, launch
from brickprop.cli import main

pytest.importorskip("jinja2")
if available():
    pytest.skip(available(), allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

BOUNDARY = "document.getElementById('boundary').toDataURL()"
SLIDER = "+document.getElementById('step').value"


class Browser:
    """One page of Playwright's Chromium, with the few calls these tests make."""

    def __init__(self, page):
        self.page, self.console_errors, self.requests = page, [], []
        page.on("console", lambda m: self.console_errors.append(m.text)
                if m.type in ("error", "assert") else None)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))

    def load(self, url):
        self.page.goto(url)

    def evaluate(self, expression):
        return self.page.evaluate(expression)

    def key(self, key, *_):
        self.page.keyboard.press(key)

    def screenshot(self, path):
        self.page.screenshot(path=str(path))


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = launch(p)
        yield Browser(b.new_page(viewport={"width": 1280, "height": 900}))
        b.close()


def wait_until(browser, expression, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not browser.evaluate(expression):
        assert time.monotonic() < deadline, f"{expression} stayed false for {timeout} s"
        time.sleep(0.05)


def test_run_page_loads_offline_and_its_slider_moves_the_drawings(browser, tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--steps", "200", "--frames", "5", "--out", str(run)]) == 0
    url = (run / "report.html").as_uri()
    browser.console_errors.clear()
    browser.requests.clear()
    browser.load(url)
    assert browser.console_errors == []
    leaving = [u for u in browser.requests if u != url and not u.startswith("data:")]
    assert leaving == [], f"requests left the file: {leaving}"
    n = browser.evaluate("JSON.parse(document.getElementById('report-data').textContent)"
                         ".frames.length")
    assert browser.evaluate(SLIDER) == n - 1 == 4
    assert not browser.evaluate("document.body.classList.contains('past-divergence')")
    before, info = browser.evaluate(BOUNDARY), browser.evaluate(
        "document.getElementById('step-info').textContent")
    assert info.startswith(f"Frame {n} of {n}: step 200")

    browser.evaluate("document.getElementById('step').focus()")
    browser.key("ArrowLeft")  # a real key press on the focused slider
    wait_until(browser, f"{SLIDER} === {n - 2}")
    assert browser.evaluate(BOUNDARY) != before
    assert browser.evaluate("document.getElementById('step-info').textContent").startswith(
        f"Frame {n - 1} of {n}: step 150")
    assert browser.evaluate("document.getElementById('frame').src").startswith(
        "data:image/gif;base64,")  # the animation itself, below the drawings
    browser.key("Home")
    wait_until(browser, f"{SLIDER} === 0")

    widths = "[...document.querySelectorAll('#net line.link')].map(l => l.getAttribute(" \
             "'stroke-width')).join()"
    assert browser.evaluate("document.querySelectorAll('#net .unit canvas').length") == 7
    weights = browser.evaluate(widths)
    browser.evaluate("document.querySelector('input[value=grads]').click()")
    assert browser.evaluate(widths) != weights  # the switch redraws the links as gradients
    assert "gradient at step 0" in browser.evaluate(
        "document.getElementById('net-note').textContent")

    page = browser.page  # hovering a unit shows its picture large; a link, its value
    page.hover("#net .unit[data-layer='1'][data-unit='0']")
    assert page.is_visible("#net .tip canvas") and "hidden 1, unit 1" in page.inner_text(
        "#net .tip")
    x1, y1, x2, y2 = (float(browser.evaluate(
        f"document.querySelector('#net line.link').getAttribute('{a}')")) for a in
        ("x1", "y1", "x2", "y2"))
    box = page.locator("#net-drawing").bounding_box()
    page.mouse.move(box["x"] + (x1 + x2) / 2, box["y"] + (y1 + y2) / 2)
    assert page.inner_text("#net .tip").startswith("gradient W1[1, 1] = ")
    browser.evaluate("document.getElementById('play').click()")
    assert browser.evaluate("document.getElementById('play').getAttribute('aria-pressed')") \
        == "true"
    wait_until(browser, f"{SLIDER} === {n - 1}")  # plays to the end and stops
    wait_until(browser, "document.getElementById('play').textContent === 'Play'")
    browser.screenshot(tmp_path / "report.png")
    png = (tmp_path / "report.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert browser.console_errors == []


def test_diverged_page_jumps_to_the_divergence(browser, tmp_path):
    run = tmp_path / "div"
    assert main(["train", "--hidden", "64", "64", "64", "--activation", "relu", "--lr", "10",
                 "--loss", "cross-entropy", "--steps", "60", "--frames", "4",
                 "--out", str(run)]) == 3
    browser.console_errors.clear()
    browser.load((run / "report.html").as_uri())
    browser.evaluate("document.getElementById('step').value = 0; "
                     "document.getElementById('step').dispatchEvent(new Event('input'))")
    assert not browser.evaluate("document.body.classList.contains('past-divergence')")
    color = "getComputedStyle(document.getElementById('step-info')).color"
    healthy = browser.evaluate(color)
    browser.evaluate("document.getElementById('goto-divergence').click()")
    assert browser.evaluate("document.body.classList.contains('past-divergence')")
    assert browser.evaluate(color) != healthy  # the frames from the divergence on stand out
    assert browser.evaluate("document.activeElement.id") == "step"
    assert "(diverged)" in browser.evaluate("document.getElementById('step-info').textContent")
    assert browser.console_errors == []


def test_comparison_table_sorts_by_a_column_with_blanks_last(browser, tmp_path):
    from brickprop.report import pages as report

    (tmp_path / "table.csv").write_text(
        "variant,status,final_loss,steps_to_95\n"
        "a,ok,0.5,120\nb,diverged,,\nc,ok,0.07,900\nd,ok,2,\n")
    browser.console_errors.clear()
    browser.load(f"file://{report.build_comparison(tmp_path)}")
    order = "[...document.querySelectorAll('#comparison tbody tr')].map(r => " \
            "r.cells[0].textContent).join('')"
    assert browser.evaluate(order) == "abcd"
    browser.evaluate("document.querySelectorAll('button.sort')[2].focus()")
    browser.key("Enter")  # the column buttons work from the keyboard
    wait_until(browser, f"{order} === 'cadb'")
    browser.evaluate("document.querySelectorAll('button.sort')[2].click()")
    assert browser.evaluate(order) == "dacb"  # descending; the blank stays last
    assert browser.evaluate("document.querySelectorAll('th')[2].getAttribute('aria-sort')") \
        == "descending"
    assert browser.evaluate("document.querySelector('tr.bad').cells[0].textContent") == "b"
    assert browser.console_errors == []
