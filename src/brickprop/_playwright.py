"""Debian's Chromium under Playwright, for the browser tests, benchmarks and screenshots.

Not part of the public API.  Playwright drives ``/usr/bin/chromium`` (never its own
downloaded browsers: ``playwright install`` is not needed); ``pip install playwright``
comes with the test extra.
"""

from __future__ import annotations

import os

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def available() -> str | None:
    """None when Playwright and Chromium are there; else what is missing and how to get it."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs Playwright: pip install playwright (in brickprop's test extra)"
    if not os.path.exists(CHROMIUM):
        return f"needs Debian's Chromium at {CHROMIUM}: apt-get install chromium"
    return None


def launch(playwright, **kwargs):
    """A headless Chromium browser from a started ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, **kwargs)
