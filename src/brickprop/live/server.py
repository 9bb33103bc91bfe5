"""The live page's server: a Starlette app under uvicorn, one WebSocket per open page.

``GET /?token=T`` is the page, ``/static/<file>`` its modules, ``/ws?token=T`` its
socket (``page.Page`` speaks the protocol).  Every request is checked before it
reaches a route (:class:`Guard`): the Host header must name this server (no DNS
rebinding), an Origin header must be this server's own (no other site's page can
drive it), and the page and the socket need the random token of the printed URL.
"""

from __future__ import annotations

import hmac
import json
import secrets
import socket
import sys
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from ..viz import assets
from . import options

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_PAGES = 4  # pages training at once; each has its own worker thread
MAX_MESSAGE = 8 * 2**20  # bytes of one message from a page (an opened model file)
LIVE_STATIC = assets.STATIC.parent.parent / "live" / "static"
PAGE_FILES = {"live.js": LIVE_STATIC, "live.css": LIVE_STATIC, "guard.js": LIVE_STATIC,
              **{name: assets.STATIC for name in (*assets.DRAWING, "drawings.css")}}
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@dataclass
class Opened:
    """What ``brickprop live`` was started with: a config, maybe weights and their steps."""

    cfg: object
    weights: dict | None = None  # parameter name -> array, from a model file
    step: int = 0                # steps those weights were trained (a run folder's metrics)
    source: str = "the default run"
    history: dict | None = None  # a run folder's curves ({"x", "loss", "metric", ...})
    start_loss: float | None = None  # a run folder's first loss: what its guard measures from


@dataclass
class Server:
    """The app's state: what was opened, the token, the allowed hosts, the open pages."""

    opened: Opened
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    hosts: tuple = LOOPBACK
    any_host: bool = False
    max_pages: int = MAX_PAGES
    pages: set = field(default_factory=set)

    def token_ok(self, query: str) -> bool:
        given = parse_qs(query).get("token", [""])[0]
        return hmac.compare_digest(given.encode(), self.token.encode())


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _host_name(host: str) -> str:
    """``127.0.0.1:8000`` -> ``127.0.0.1``; ``[::1]:8000`` -> ``::1``."""
    if host.startswith("["):
        return host[1:].split("]")[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard:
    """ASGI middleware: refuse a foreign Host, a foreign Origin, and a missing token."""

    def __init__(self, app, server: Server):
        self.app, self.server = app, server

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        problem = self.problem(scope)
        if problem is None:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":  # refused before the handshake: HTTP 403
            return await send({"type": "websocket.close", "code": 1008, "reason": problem})
        body = (problem + "\n").encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def problem(self, scope) -> str | None:
        host = _header(scope, b"host") or ""
        if not self.server.any_host and _host_name(host) not in self.server.hosts:
            return f"refused: Host {host!r} is not this server; open the URL brickprop live printed"
        origin = _header(scope, b"origin")
        if origin is not None and origin != f"http://{host}":
            return "refused: requests from another site's page cannot drive brickprop live"
        if _header(scope, b"sec-fetch-site") == "cross-site":
            return "refused: requests from another site's page cannot drive brickprop live"
        path = scope["path"]
        if scope["type"] == "websocket" and origin is None:
            return "refused: the socket needs the page's Origin header"
        if (path == "/" or scope["type"] == "websocket") and \
                not self.server.token_ok(scope.get("query_string", b"").decode("latin-1")):
            return "refused: this page needs the token of the URL brickprop live printed"
        return None


def page_html(server: Server) -> str:
    """The page: live.html with the controls' declaration and the import map filled in."""
    def script_json(value) -> str:  # JSON that cannot close its <script> element
        return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")

    html = (LIVE_STATIC / "live.html").read_text(encoding="utf-8")
    return (html.replace("__OPTIONS__", script_json(options.declare()))
                .replace("__IMPORTMAP__", assets.served_importmap("/static/"))
                .replace("__LIMITS__", script_json(options.LIMITS)))


def make_app(server: Server):
    """The Starlette app of ``server`` (wrapped in its :class:`Guard`)."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route, WebSocketRoute

    from .page import Page

    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
               "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
               "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; "
               "connect-src 'self'; frame-ancestors 'none'"}

    async def index(request):
        return HTMLResponse(page_html(server), headers=headers)

    async def static(request):
        name = request.path_params["name"]
        if name not in PAGE_FILES:
            return PlainTextResponse("no such file\n", status_code=404)
        body = (PAGE_FILES[name] / name).read_bytes()
        return Response(body, media_type=TYPES["." + name.rsplit(".", 1)[1]], headers=headers)

    async def socket_route(websocket):
        await Page(websocket, server).serve()

    app = Starlette(routes=[Route("/", index), Route("/static/{name}", static),
                            WebSocketRoute("/ws", socket_route)])
    return Guard(app, server)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free one); OSError says why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(16)
    sock.set_inheritable(True)
    return sock


def serve(server: Server, sock: socket.socket) -> None:
    """Run the app on the bound ``sock`` until Ctrl-C; every page's session is closed."""
    import uvicorn

    config = uvicorn.Config(make_app(server), log_level="warning", ws_max_size=MAX_MESSAGE,
                            lifespan="off", ws_ping_interval=None)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shut down on Ctrl-C, then re-raised it
        pass
    finally:
        for page in list(server.pages):
            page.close()
        print("brickprop live: stopped", file=sys.stderr)
