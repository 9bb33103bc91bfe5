"""Screenshot the default run's report in headless Chromium, for the README.

    python scripts/make_report_screenshot.py

Trains the default run (``brickprop train``, the same code path a user runs),
opens its ``report.html`` in Chromium (``/usr/bin/chromium``), moves the step
slider back to an early frame with the keyboard, and writes the top of the page
to ``docs/figures/report.png``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from brickprop._chromium import Browser
from brickprop.cli import main as brickprop

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "figures" / "report.png"
BACK = 30  # key presses: from the last frame back to an early one, mid-way up the curves


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        if brickprop(["train", "--out", str(run)]) != 0:
            sys.exit("brickprop train failed")
        with Browser(str(Path(tmp) / "profile"), width=1100, height=1500) as b:
            b.load((run / "report.html").as_uri())
            b.evaluate("document.getElementById('step').focus()")
            for _ in range(BACK):
                b.key("ArrowLeft", "ArrowLeft", 37)
            time.sleep(0.3)
            b.evaluate("document.activeElement.blur()")
            if b.console_errors:
                sys.exit(f"the page logged errors: {b.console_errors}")
            OUT.parent.mkdir(parents=True, exist_ok=True)
            b.screenshot(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
