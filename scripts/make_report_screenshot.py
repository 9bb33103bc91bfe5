"""Screenshot the default run's report in headless Chromium, for the README.

    python scripts/make_report_screenshot.py

Trains the default run (``brickprop train``, the same code path a user runs),
opens its ``report.html`` in Chromium (``/usr/bin/chromium``, driven by Playwright),
moves the step slider back to an early frame with the keyboard, and writes the top
of the page to ``docs/figures/report.png``; then clicks a link of the network drawing
and writes that section, with the link's numbers from ``bp.explain`` at that
snapshot, to ``docs/figures/report-explain.png``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from brickprop._playwright import available, launch
from brickprop.cli import main as brickprop

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "figures" / "report.png"
EXPLAIN = ROOT / "docs" / "figures" / "report-explain.png"
LINK = 8  # the drawn link clicked: W2[2, 1] of the default 2-3-2 network
BACK = 30  # key presses: from the last frame back to an early one, mid-way up the curves


def main() -> None:
    if available():
        sys.exit(f"make_report_screenshot {available()}")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        if brickprop(["train", "--out", str(run)]) != 0:
            sys.exit("brickprop train failed")
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1100, "height": 1500})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((run / "report.html").as_uri())
            page.focus("#step")
            for _ in range(BACK):
                page.keyboard.press("ArrowLeft")
            page.wait_for_timeout(300)
            page.evaluate("document.activeElement.blur()")
            if errors:
                sys.exit(f"the page logged errors: {errors}")
            OUT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUT))
            net = page.locator("#net")
            net.scroll_into_view_if_needed()
            line = page.locator("#net line.link").nth(LINK)
            x1, y1, x2, y2 = (float(line.get_attribute(a)) for a in ("x1", "y1", "x2", "y2"))
            box = page.locator("#net-drawing").bounding_box()
            page.mouse.click(box["x"] + x1 + (x2 - x1) / 3, box["y"] + y1 + (y2 - y1) / 3)
            page.wait_for_function("document.querySelectorAll('#explain tbody tr').length")
            page.mouse.move(0, 0)  # no tooltip over the drawing
            if errors:
                sys.exit(f"the page logged errors: {errors}")
            net.screenshot(path=str(EXPLAIN))
            browser.close()
    print(f"wrote {OUT} and {EXPLAIN}")


if __name__ == "__main__":
    main()
