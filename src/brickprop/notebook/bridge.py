"""The live page's server side for one playground, with the widget's comm for a socket.

:class:`Bridge` runs the live page's own ``Page.serve`` (``live.page``: its message
checks, its session, its frames) on an asyncio loop in one thread of the kernel; the
socket it talks to is :class:`CommSocket`, whose text goes out as the widget's custom
messages and comes in from them.  The training itself is the live page's worker
process (``live.session``), started by :meth:`Bridge.start` (the page's ``start``, made
in the kernel's main thread so that the worker ignores the kernel's interrupts).

Why a process, and a thread beside it: the kernel's event loop only queues each
message (``put`` returns at once), so no cell and no comm message waits for training;
the steps run in the worker's own interpreter, so they do not share the kernel's
interpreter lock with the cells the learner runs meanwhile (a step of a small network
is mostly Python); the bridge thread only waits on the worker and makes a frame when a
view has drawn the last one.
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading

from ..live.page import Page
from ..live.server import Opened, Server

DISCONNECT = {"type": "websocket.disconnect"}


class CommSocket:
    """What ``Page.serve`` uses of a Starlette WebSocket, carried by the widget's comm."""

    def __init__(self, out):
        self.out = out  # out(text): to every view of the widget
        self.inbox = asyncio.Queue()

    async def accept(self) -> None:
        """Nothing to do: the comm is open before the page's first message arrives."""

    async def receive(self) -> dict:
        return await self.inbox.get()

    async def send_text(self, text: str) -> None:
        self.out(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Nothing to do: the comm belongs to the widget and closes with it, not the page."""


class Bridge:
    """One playground's ``Page``, served in the thread ``self.thread`` until :meth:`close`."""

    def __init__(self, opened: Opened, out):
        self.server = Server(opened, max_pages=1)
        self.loop = asyncio.new_event_loop()
        self.page = self.socket = None
        self.failed = None  # why training stopped, if the worker ended by itself
        self.closing = False
        ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(out, ready), daemon=True,
                                       name="brickprop playground")
        self.thread.start()
        ready.wait()

    def _serve(self, out, ready) -> None:
        asyncio.set_event_loop(self.loop)
        self.socket = CommSocket(out)
        self.page = Page(self.socket, self.server)
        ready.set()
        watch = self.loop.create_task(self._watch())
        try:
            self.loop.run_until_complete(self.page.serve())
        finally:
            watch.cancel()
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
            self.loop.close()

    async def _watch(self) -> None:
        """Say so on the page when the worker process ends by itself (killed, out of memory)."""
        while True:
            await asyncio.sleep(0.5)
            session = self.page.session
            if session is not None and not session.process.is_alive() and not self.closing:
                self.failed = (f"training stopped: the playground's worker process ended "
                               f"(exit code {session.process.exitcode}); run the cell again")
                await self.socket.send_text(json.dumps({"type": "error",
                                                        "message": self.failed}))
                return

    @property
    def session(self):
        """The live page's ``Session`` (its worker process), once a view said start."""
        return self.page.session

    def start(self) -> None:
        """What the page's ``start`` does for the opened run: build it, start its worker.

        Done here, in the kernel's main thread, with SIGINT ignored while the worker is
        spawned: interrupting the kernel signals its whole process group, and a worker
        that inherited the handler would stop; one that inherited "ignore" keeps training,
        so a learner's interrupt stops their cell, not the playground.
        """
        from ..live.page import start_run
        from ..live.session import Session

        opened = self.server.opened
        run = start_run(opened.cfg, opened.weights)
        previous = signal.getsignal(signal.SIGINT)  # None: set outside Python, left alone
        ignore = previous is not None and threading.current_thread() is threading.main_thread()
        if ignore:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            session = Session(opened.cfg, run, opened.step if opened.weights else 0,
                              opened.weights, opened.start_loss if opened.weights else None)
        finally:
            if ignore:
                signal.signal(signal.SIGINT, previous)
        self.loop.call_soon_threadsafe(setattr, self.page, "session", session)

    def put(self, text: str) -> None:
        """Hand one message of a view (the live page's JSON text) to the page; any thread."""
        self._put({"type": "websocket.receive", "text": text})

    def _put(self, received: dict) -> None:
        try:
            self.loop.call_soon_threadsafe(self.socket.inbox.put_nowait, received)
        except RuntimeError:  # the loop is closed: the playground was closed
            pass

    def close(self, timeout: float = 30.0) -> None:
        """End the page as a closed socket does: its worker process stops and is joined."""
        self.closing = True
        if self.thread.is_alive():
            self._put(DISCONNECT)
            self.thread.join(timeout)
