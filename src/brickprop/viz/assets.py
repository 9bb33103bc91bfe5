"""The drawing modules of ``viz/static`` and the two ways a page loads them.

The drawing modules import each other by bare names (``brickprop/util.js``), which
an import map resolves: the live page maps ``brickprop/`` to its server's
``/static/`` folder; ``report.html``, which must fetch nothing, maps each name to
the module's own text as a ``data:`` URL.  Both load the same files, unchanged.
A notebook widget's ESM cannot bring an import map into the notebook's page, so
:func:`bundled` writes each ``brickprop/<name>`` import as that data: URL instead.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
DRAWING = ("util.js", "network.js", "boundary.js", "curves.js", "probe.js")  # report.html inlines


def text(name: str) -> str:
    """The text of the static file ``name`` (one of the files in ``viz/static``)."""
    return (STATIC / name).read_text(encoding="utf-8")


def inline_importmap(names=DRAWING) -> str:
    """An import map (JSON) resolving ``brickprop/<name>`` to each module as a data: URL."""
    imports = {f"brickprop/{n}": "data:text/javascript;base64," +
               base64.b64encode((STATIC / n).read_bytes()).decode("ascii") for n in names}
    return json.dumps({"imports": imports})


def served_importmap(prefix: str = "/static/") -> str:
    """An import map (JSON) resolving ``brickprop/<name>`` to ``<prefix><name>``."""
    return json.dumps({"imports": {"brickprop/": prefix}})


IMPORT = re.compile(r'(\bfrom\s*)"brickprop/([\w.-]+)"')  # `from "brickprop/util.js"`


def data_url(name: str) -> str:
    """The static module ``name``, its own brickprop imports resolved, as a data: URL."""
    source = bundled(text(name))
    return "data:text/javascript;base64," + base64.b64encode(source.encode()).decode("ascii")


def bundled(source: str) -> str:
    """``source`` (an ES module) with every ``from "brickprop/<name>"`` a data: URL."""
    return IMPORT.sub(lambda m: f'{m.group(1)}"{data_url(m.group(2))}"', source)
