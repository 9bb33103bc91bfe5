"""Size and load time of the default run's report page in headless Chromium.

    python benchmarks/bench_report.py [--repeats 5]

Trains the default run (``brickprop train``), then reports the size of its
``report.html``, the time ``brickprop report`` takes to rebuild it, and the time
Chromium (``/usr/bin/chromium``, headless under Playwright, no network) takes from navigation to
the page's load event, the median of several fresh loads in one browser.  The
issue asks for under 5 MB and under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from brickprop._playwright import available, launch
from brickprop.cli import main as brickprop
from brickprop.report import pages as report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="page loads to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        if brickprop(["train", "--out", str(run)]) != 0:
            sys.exit("brickprop train failed")
        started = time.perf_counter()
        report.build_run(run)
        build = time.perf_counter() - started
        page_path = run / "report.html"
        size = page_path.stat().st_size
        wall, load_event = [], []
        if available():
            sys.exit(f"bench_report {available()}")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            for _ in range(args.repeats):
                page.goto("about:blank")
                started = time.perf_counter()
                page.goto(page_path.as_uri(), wait_until="load")
                wall.append(time.perf_counter() - started)
                load_event.append(page.evaluate(
                    "performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
            browser.close()
    print(f"report.html of the default run: {size / 1e6:.2f} MB ({size} bytes)")
    print(f"rebuilding it (report.build_run): {build:.2f} s")
    print(f"Chromium, navigation to load event, median of {args.repeats}: "
          f"{statistics.median(wall):.2f} s (page's own clock: "
          f"{statistics.median(load_event):.2f} s; all: "
          f"{', '.join(f'{t:.2f}' for t in wall)})")
    print(f"console errors: {len(errors)}")


if __name__ == "__main__":
    main()
