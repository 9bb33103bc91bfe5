"""Screenshot the default run's report in headless Chromium, for the README.

    python scripts/make_report_screenshot.py

Trains the default run (``brickprop train``, the same code path a user runs),
opens its ``report.html`` in Chromium (``/usr/bin/chromium``, driven by Playwright),
moves the step slider back to an early frame with the keyboard, and writes the top
of the page to ``docs/figures/report.png``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from brickprop._playwright import available, launch
from brickprop.cli import main as brickprop

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "figures" / "report.png"
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
            browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
