"""Size and load time of the default run's report page in headless Chromium.

    python benchmarks/bench_report.py [--repeats 5]

Trains the default run (``brickprop train``), then reports the size of its
``report.html``, the time ``brickprop report`` takes to rebuild it, and the time
Chromium (``/usr/bin/chromium``, headless, no network) takes from navigation to
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

from brickprop._chromium import Browser
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
        page = run / "report.html"
        size = page.stat().st_size
        wall, load_event = [], []
        with Browser(str(Path(tmp) / "profile")) as b:
            for _ in range(args.repeats):
                b.load("about:blank")
                wall.append(b.load(page.as_uri()))
                load_event.append(b.evaluate(
                    "performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
            errors = b.console_errors
    print(f"report.html of the default run: {size / 1e6:.2f} MB ({size} bytes)")
    print(f"rebuilding it (report.build_run): {build:.2f} s")
    print(f"Chromium, navigation to load event, median of {args.repeats}: "
          f"{statistics.median(wall):.2f} s (page's own clock: "
          f"{statistics.median(load_event):.2f} s; all: "
          f"{', '.join(f'{t:.2f}' for t in wall)})")
    print(f"console errors: {len(errors)}")


if __name__ == "__main__":
    main()
