"""``playground``: the ``brickprop live`` page in a notebook's output cell.

The page is the live page itself -- ``live.html``, ``live.js``, ``probe.js`` and the
drawing modules of ``viz/static``, unchanged -- inlined into one document that a
widget shows in a frame of the output cell (so its ids and styles stay apart from the
notebook's).  Its socket is replaced by a relay (``relay.js``): each message of the
live page's protocol travels as the widget's custom message ``{"text": ...}`` over
the kernel's comm, so no server port is needed and it works wherever anywidget does
(JupyterLab, Notebook 7, VS Code).  In the kernel, :class:`~.bridge.Bridge` serves
the messages with the live page's own ``Page``: the same checks (a bad message is
answered with one ``error`` line, shown on the page), the same worker process.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import threading
import time
from pathlib import Path

import anywidget
import traitlets

from ..live import options as live_options
from ..live import server as live_server
from ..viz import assets
from .bridge import Bridge

HERE = Path(__file__).resolve().parent
RELATIVE = re.compile(r'(\b(?:from|import)\s*)"\./([\w.-]+)"')  # `from "./probe.js"`
MAX_OPEN = 4  # playgrounds with a worker at once, as the live server's MAX_PAGES
OPEN: list = []  # those playgrounds, oldest first
STYLESHEET = re.compile(r'<link rel="stylesheet" href="/static/([\w.-]+)">')
MODULE = re.compile(r'<script type="module" src="/static/([\w.-]+)"></script>')


def _static(name: str) -> str:
    text = (live_server.PAGE_FILES[name] / name).read_text(encoding="utf-8")
    if "</script" in text or "</style" in text:  # would end the element it is inlined in
        raise RuntimeError(f"{name} cannot be inlined: it contains an end tag")
    return text


def _module(name: str) -> str:
    """A page module with its relative imports as bare ``brickprop/live/<name>`` names."""
    return RELATIVE.sub(lambda m: f'{m.group(1)}"brickprop/live/{m.group(2)}"', _static(name))


def srcdoc(server) -> str:
    """The live page of ``server`` as one document: styles, modules and import map inlined."""
    def url(source: str) -> str:
        return "data:text/javascript;base64," + base64.b64encode(source.encode()).decode()

    imports = json.loads(assets.inline_importmap())["imports"]
    entries = {m.group(1) for m in MODULE.finditer(live_server.page_html(server))}
    for name, folder in live_server.PAGE_FILES.items():
        if name.endswith(".js") and folder == live_server.LIVE_STATIC and name not in entries:
            imports[f"brickprop/live/{name}"] = url(_module(name))
    importmap = json.dumps({"imports": imports})
    html = live_server.page_html(server)
    html = html.replace(assets.served_importmap("/static/"), importmap, 1)
    html = STYLESHEET.sub(lambda m: f"<style>{_static(m.group(1))}</style>", html)
    html = MODULE.sub(lambda m: f'<script type="module">{_module(m.group(1))}</script>', html)
    relay = (HERE / "relay.js").read_text(encoding="utf-8")
    return html.replace("<head>", f"<head>\n<script>{relay}</script>", 1)


def _kind(text: str):
    try:
        msg = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return msg.get("type") if isinstance(msg, dict) else None


class Playground(anywidget.AnyWidget):
    """The live page in the output cell; also steered from Python (``play``, ``set`` ...).

    Made by :func:`brickprop.notebook.playground`.  ``frame`` is the last frame the
    views were sent (``viz.frames``: ``step``, ``loss``, ``metric``, ``state`` ...),
    ``error`` the last one-line error, ``config`` the RunConfig being trained.
    """

    _esm = (HERE / "playground.js").read_text(encoding="utf-8")
    page = traitlets.Unicode().tag(sync=True)

    def __init__(self, opened):
        self._seen, self._count = {}, 0  # message type -> (its number, message)
        self._changed = threading.Condition()
        self._started = False
        while len(OPEN) >= MAX_OPEN:  # a cell run again must not leave workers behind
            OPEN[0].close(f"a newer playground replaced it (at most {MAX_OPEN} train at once)")
        self.bridge = Bridge(opened, self._to_views)
        super().__init__(page=srcdoc(self.bridge.server))
        self.on_msg(self._from_view)
        OPEN.append(self)

    def __repr__(self) -> str:  # the text a front end without widgets shows instead
        return f"brickprop playground ({self.bridge.server.opened.source}): a widget; " \
               "JupyterLab, Notebook 7 and VS Code show the live page here"

    # -- the channel -----------------------------------------------------------------
    def _to_views(self, text: str) -> None:
        """A message of the page's protocol, to every view; kept by type (any thread)."""
        msg = json.loads(text)
        with self._changed:
            self._count += 1
            self._seen[msg.get("type")] = (self._count, msg)
            self._changed.notify_all()
        self.send({"text": text})

    def _from_view(self, _widget, content, _buffers) -> None:
        """A view's message (``{"text": the page's JSON}``) to the page (the kernel's loop)."""
        text = content.get("text") if isinstance(content, dict) else None
        if not isinstance(text, str):
            self._to_views(json.dumps({"type": "error", "message": 'the playground takes '
                                       '{"text": a message of the live page} from its view'}))
            return
        if _kind(text) == "start":
            if self._started:  # one more view of the same playground: draw it as it is
                self._replay()
                return
            self._started = True
            try:  # the page's "start", made here: the worker must not share the interrupt
                self.bridge.start()
            except (ValueError, OSError) as e:
                self._to_views(json.dumps({"type": "error", "message": str(e)[:500]}))
            return
        self.bridge.put(text)

    def _replay(self) -> None:
        with self._changed:
            setup = self._seen.get("setup")
            later = [self._seen[k] for k in ("config", "frame")
                     if setup and k in self._seen and self._seen[k][0] > setup[0]]
        for _, msg in [setup, *later] if setup else []:
            self.send({"text": json.dumps(msg)})

    # -- from Python, as the page's controls do --------------------------------------
    def _start(self) -> None:
        if not self._started:  # as a view does on opening: the opened run, paused
            self._from_view(self, {"text": json.dumps({"type": "start", "values": {}})}, [])

    def _command(self, msg: dict) -> None:
        if not self._started:  # the run's first frame first: a step sent before the
            self.wait()        # worker installed the run would be lost in the install
        self._from_view(self, {"text": json.dumps(msg)}, [])

    def play(self) -> None:
        self._command({"type": "play"})

    def pause(self) -> None:
        self._command({"type": "pause"})

    def step(self) -> None:
        """Train one step, then pause (the page's One step)."""
        self._command({"type": "step"})

    def reset(self) -> None:
        self._command({"type": "reset"})

    def set(self, **values) -> None:
        """Change run options by their config.toml names, as the page's controls do:
        ``lr``, ``l1``, ``l2`` and clipping from the next step, anything else a new run.
        A bad value raises ConfigError here (the page would show the same line)."""
        texts = {k: live_options.to_text(k, v) for k, v in values.items()}
        live_options.parse_texts(texts, base=self.config)
        self._command({"type": "set", "values": texts})

    @property
    def config(self):
        session = self.bridge.session
        return session.cfg if session is not None else self.bridge.server.opened.cfg

    @property
    def frame(self) -> dict | None:
        return self._seen.get("frame", (0, None))[1]

    @property
    def error(self) -> str | None:
        return self._seen.get("error", (0, {}))[1].get("message")

    def network(self):
        """A copy of the network being trained, with the weights of the latest frame."""
        snap = self.bridge.page.snap
        if snap is None:
            raise RuntimeError("nothing drawn yet: show the playground, or call .wait()")
        net = copy.deepcopy(snap.source.net)
        for p, data in zip(net.parameters(), snap.params):
            p.data[...] = data
        return net

    def wait(self, step: int | None = None, timeout: float = 60.0) -> dict:
        """Block until a frame at ``step`` or later (default: the next frame), or one that
        says the run finished or diverged; return it.  Python acknowledges the frames as
        a view does, so this works with no view (a script, a headless kernel)."""
        deadline = time.monotonic() + timeout
        self._start()
        with self._changed:
            first = self._seen.get("frame", (0, None))[0]
            while True:
                number, f = self._seen.get("frame", (0, None))
                if number > first and (step is None or f["step"] >= step or
                                       f["state"] in ("finished", "diverged")):
                    return f
                if self.bridge.failed:
                    raise RuntimeError(self.bridge.failed)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no frame at step {step} in {timeout:g} s (the last "
                                       f"said {f['state'] if f else 'nothing'}); is it "
                                       "playing? call .play()")
                self.bridge.put('{"type": "ack"}')
                self._changed.wait(min(left, 0.5))

    def close(self, why: str = "the playground was closed") -> None:
        """Stop training (the worker process ends and is joined) and close the widget."""
        if self in OPEN:
            OPEN.remove(self)
        self.bridge.close()
        if self.comm is not None:
            self.send({"closed": why})
        super().close()


def playground(source=None, **options) -> Playground:
    """The ``brickprop live`` page for ``source``, shown in the output cell::

        bp.notebook.playground("runs/xor/config.toml", lr=0.3)   # ends a cell: shown

    ``source``: None (the default run), a RunConfig, a config.toml, a run folder (its
    config and final weights) or a model.npz, or a network (``bp.mlp(...)``: its
    layer sizes, activations and weights; the data comes from ``options``).
    ``options``: run options by their config.toml names, over the source's config.
    Needs ``pip install 'brickprop[notebook,report]'``.
    """
    try:
        import starlette  # noqa: F401  (the live page's Page uses its WebSocketDisconnect)
    except ImportError:
        raise ImportError("the playground needs Starlette, as brickprop live does: pip "
                          "install 'brickprop[notebook,report]'") from None
    from ..live.opening import open_source
    from ..live.page import start_run
    from ..runs.config import RunConfig, from_dict
    from ..runs.options import ConfigError

    if hasattr(source, "parameters") and hasattr(source, "bricks"):
        from .networks import network_config

        cfg, weights = network_config(source, from_dict(options, source="playground()"))
        opened = live_server.Opened(cfg, weights, 0, f"network {source!r}"[:80])
    else:
        if isinstance(source, RunConfig):
            opened = live_server.Opened(source, source="the given RunConfig")
        elif source is None or isinstance(source, (str, os.PathLike)):
            opened = open_source(source)
        else:
            raise ConfigError(f"playground() opens a RunConfig, a config.toml, a run folder, "
                              f"a model.npz or a network, not {type(source).__name__}")
        if options:
            cfg = from_dict(options, base=opened.cfg, source="playground()")
            opened = live_server.Opened(cfg, opened.weights, opened.step, opened.source)
    start_run(opened.cfg, opened.weights)  # a config the page cannot train fails here
    return Playground(opened)

