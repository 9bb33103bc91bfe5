"""Screenshot ``brickprop live`` training a spiral, for the README.

    python scripts/make_live_screenshot.py

Starts ``brickprop live --no-browser`` (as a user does), opens the page in Chromium
(``/usr/bin/chromium``, driven by Playwright) with a spiral network in its address,
ticks two engineered features, plays until the step passes ``STEPS`` and pauses,
then writes the page to ``docs/figures/live.png``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from brickprop._playwright import available, launch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "figures" / "live.png"
KEYS = "dataset=spiral&hidden=8+8+6&activation=tanh&loss=cross-entropy&optimizer=adam&" \
       "lr=0.01&l2=0.0&batch_size=10&val_split=0.2&features=x1+x2+sin_x1+sin_x2&" \
       "steps=100000&speed=0"
STEPS = 6000


def main() -> None:
    if available():
        sys.exit(f"make_live_screenshot {available()}")
    from playwright.sync_api import sync_playwright

    proc = subprocess.Popen([sys.executable, "-m", "brickprop.cli", "live", "--no-browser"],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"(http://\S+)", proc.stdout.readline()).group(1)
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1280, "height": 860},
                                    device_scale_factor=1, bypass_csp=True)
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{url}&{KEYS}")
            page.wait_for_selector("#network .unit")
            page.click("#play")
            page.wait_for_function(f"() => +document.getElementById('step').textContent"
                                   f" > {STEPS}", timeout=120_000)
            page.click("#play")
            page.check("#show-held-out")
            page.wait_for_timeout(500)
            if errors:
                sys.exit(f"the page logged errors: {errors}")
            OUT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUT))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
