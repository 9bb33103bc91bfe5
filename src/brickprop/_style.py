"""The look brickprop's notebook displays share: the live view's colours, type and tables.

``History``, ``Trace``, ``GradCheckReport``, comparisons and ``notebook.LiveView`` put
the class ``bp-rich`` on their outermost element and carry :data:`CSS` (scoped to that
class, so a notebook's own styles are left alone).  Not part of the public API.
"""

from __future__ import annotations

CSS = """\
.bp-rich { --ink: #1b1b1b; --muted: #555; --line: #d0d0d0; --pos: #d95f02; --neg: #1b6fb5;
  --bad: #b00020; --good: #1b7a3d; --accent: #0b5cad; color: var(--ink);
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
table.bp-rich, .bp-rich table { border-collapse: collapse; margin: .3rem 0;
  font-variant-numeric: tabular-nums; }
.bp-rich th, .bp-rich td { border-bottom: 1px solid var(--line); padding: .15rem .6rem;
  text-align: left; vertical-align: top; }
.bp-rich thead th, .bp-rich th[colspan] { color: var(--muted); font-weight: 600; }
.bp-rich caption { caption-side: top; text-align: left; color: var(--muted);
  font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; padding: 0 0 .2rem; }
.bp-rich pre { margin: 0; font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
.bp-rich .bp-bad { color: var(--bad); font-weight: 600; }
.bp-rich .bp-good { color: var(--good); }
"""

# what curves.js draws the loss and the metric in, on the live page and in LiveView
LOSS_COLOUR, METRIC_COLOUR = "#0b5cad", "#d95f02"


def style() -> str:
    """The shared CSS as a ``<style>`` element, for the end of a display's HTML."""
    return f"<style>{CSS}</style>"
