"""``brickprop live [CONFIG | RUN_FOLDER | MODEL.npz]``: train in the browser."""

from __future__ import annotations

import sys

from .base import EXIT_OK, UsageError, _HelpFormatter

MISSING = ("brickprop live needs Starlette, uvicorn and websockets; install them with "
           "pip install 'brickprop[report]'")


def add_parser(sub):
    """Add ``brickprop live`` to the subcommands ``sub``."""
    p = sub.add_parser(
        "live", help="train in the browser: play, pause, step, and change any run option",
        description="Start a local server and open the live page: press play and watch the "
                    "network, its units, the decision boundary and the loss change as it "
                    "trains; every run option is a control (learning rate, penalty and "
                    "clipping apply at the next step, anything else starts again), and the "
                    "page's address holds its whole configuration. Ctrl-C stops the server.",
        formatter_class=_HelpFormatter)
    p.add_argument("source", nargs="?", help="a config.toml, a run folder (at its last "
                   "step: final weights, curves; play trains on) or a model.npz (its config "
                   "and weights); default: the default run of brickprop train")
    p.add_argument("--port", type=int, default=0, help="port to listen on (0: any free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on; anything but "
                   "this machine's loopback lets other machines reach the page (a warning "
                   "says so)")
    p.add_argument("--no-browser", action="store_true", help="print the URL, do not open it")
    p.set_defaults(func=cmd_live)


def opened(source):
    """What ``source`` opens: an ``Opened`` with its config, weights and steps."""
    from ..live.opening import open_source
    from ..runs.config import ConfigError

    try:
        return open_source(source)
    except ConfigError as e:
        raise UsageError(str(e)) from None


def cmd_live(args) -> int:
    import signal
    import webbrowser

    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
        import websockets  # noqa: F401
    except ImportError:
        raise UsageError(MISSING) from None
    from ..live import server as live_server
    from ..live.page import start_run
    from ..runs.config import ConfigError

    server = live_server.Server(opened(args.source))
    try:
        start_run(server.opened.cfg, server.opened.weights)
    except ConfigError as e:
        raise UsageError(f"{server.opened.source}: {e}") from None
    loopback = args.host in live_server.LOOPBACK
    if not loopback:
        print(f"brickprop live: WARNING: listening on {args.host}: other machines that reach "
              "it can open the page; the token in the URL is all that keeps them out",
              file=sys.stderr)
        server.hosts = (*live_server.LOOPBACK, args.host)
        server.any_host = args.host in ("0.0.0.0", "::")
    try:
        sock = live_server.bind(args.host, args.port)
    except OSError as e:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {e.strerror}; "
                         "choose another --port or --host") from None
    port = sock.getsockname()[1]
    shown = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{shown}:{port}/?token={server.token}"
    print(f"brickprop live: {server.opened.source} at {url}", flush=True)
    print("brickprop live: Ctrl-C stops it", file=sys.stderr, flush=True)
    if not args.no_browser:
        webbrowser.open(url)
    # SIGTERM stops it as Ctrl-C does (uvicorn handles both once it runs)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    live_server.serve(server, sock)
    return EXIT_OK
