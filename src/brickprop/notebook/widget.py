"""The live view's widget: an ``anywidget`` whose model carries a setup and a frame.

Needs ``pip install 'brickprop[notebook]'`` (anywidget).  The front end is
``widget.js`` with its drawing modules inlined (``viz.assets.bundled``), so the
widget loads nothing from a server and draws what the live page draws.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

from .._style import CSS
from ..viz import assets

HERE = Path(__file__).resolve().parent


def esm() -> str:
    """The widget's ES module, its brickprop imports written as data: URLs."""
    return assets.bundled((HERE / "widget.js").read_text(encoding="utf-8"))


def css() -> str:
    """The displays' shared look (``bp-rich``), the drawings' CSS and the widget's own."""
    return CSS + assets.text("drawings.css") + (HERE / "widget.css").read_text(encoding="utf-8")


class LiveWidget(anywidget.AnyWidget):
    """``setup`` and ``frame`` messages (``viz.frames``); the browser redraws on each change."""

    _esm = esm()
    _css = css()
    setup = traitlets.Dict().tag(sync=True)
    frame = traitlets.Dict().tag(sync=True)

    def __repr__(self) -> str:  # the text a front end without widgets shows instead
        return ("brickprop LiveView: a widget; JupyterLab, Notebook 7 and VS Code draw it "
                "while fit trains")
