"""One open page: the messages it may send, checked like config values, and its frames.

Page -> server (JSON text; anything else is answered with one ``error`` line)::

    {"type": "start", "values": {key: text}}   # the URL's config keys (empty: as opened)
    {"type": "set", "values": {key: text}}     # changed controls; lr, l1, l2, clip: live
    {"type": "play"} {"type": "pause"} {"type": "step"} {"type": "reset"}
    {"type": "speed", "value": steps_per_second}   # 0: as fast as it goes
    {"type": "ack"}                            # the last frame is drawn: send the next
    {"type": "open", "name": "config.toml", "text": "..."}   # or a model:
    {"type": "open", "name": "model.npz", "base64": "..."}
    {"type": "explain", "layer": k, "i": i, "j": j}   # a link: W_{k+1}[i, j] (0-based)
    {"type": "explain", "layer": k, "unit": j}        # a unit of drawing layer k
    {"type": "remedy", "index": n}   # apply the guard's remedy n (of the frame's list), play
    {"type": "save"}                 # Save as run: answered with "saved" (save.py)

Server -> page: ``setup``, ``frame`` (``viz.frames``, with ``seq``, ``state``, ``message``,
``lr``, ``remedies``, ``diag``, ``marks``, ``rollbacks``), ``error`` ({"message"}), ``notice``,
``explain`` (``probe.explained`` at ``step``) and ``gradcheck`` (``probe.checked``, after a
bug toggle).  One frame is in flight at most: the next is made after the page's ack.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import json
import logging

from ..runs.config import ConfigError, from_toml
from ..viz.frames import FrameMaker
from . import options, probe, remedy
from . import save as saving
from .resume import start_run

MAX_TEXT = 64 * 1024  # characters of any message but an opened file
MAX_VALUE = 400  # characters of one control's text
log = logging.getLogger("brickprop.live")


class ProtocolError(ValueError):
    """A message the page should not have sent; the text says what is wrong."""


def parse(text: str) -> dict:
    """The checked message ``text``: a dict with a known ``type`` and well-formed fields."""
    try:
        msg = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        if len(text) > MAX_TEXT:
            raise ProtocolError(f"message too long ({len(text)} characters; at most "
                                f"{MAX_TEXT})") from None
        raise ProtocolError("a message must be JSON text") from None
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        raise ProtocolError('a message must be a JSON object with a "type"')
    kind = msg["type"]
    if kind != "open" and len(text) > MAX_TEXT:
        raise ProtocolError(f"message too long ({len(text)} characters; at most {MAX_TEXT})")
    if kind in ("start", "set"):
        values = msg.get("values")
        if not isinstance(values, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and len(v) <= MAX_VALUE
                for k, v in values.items()):
            raise ProtocolError(f'"{kind}" needs "values": an object of key -> text '
                                f"(at most {MAX_VALUE} characters each)")
        read_only = [k for k in values if k in options.READ_ONLY and values[k]]
        if read_only:
            raise ConfigError(f"{read_only[0]} names a file: open it from the command line "
                              "(brickprop live CONFIG), not from the page")
    elif kind == "speed":
        v = msg.get("value")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1e6:
            raise ProtocolError('"speed" needs "value": steps per second from 0 to 1e6 '
                                "(0: as fast as it goes)")
    elif kind == "open":
        if not isinstance(msg.get("name"), str) or not (
                isinstance(msg.get("text"), str) or isinstance(msg.get("base64"), str)):
            raise ProtocolError('"open" needs "name" and "text" (a .toml) or "base64" (a .npz)')
    elif kind == "explain":
        msg["target"] = probe.explain_target(msg)
    elif kind == "remedy":
        if type(msg.get("index")) is not int or not 0 <= msg["index"] < 10:
            raise ProtocolError('"remedy" needs "index": the remedy\'s place in the list, 0-9')
    elif kind not in ("play", "pause", "step", "reset", "ack", "save"):
        raise ProtocolError(f"unknown message type {kind[:40]!r}; the page sends start, set, "
                            "play, pause, step, reset, speed, ack, open, explain, remedy or save")
    return msg


def opened_file(msg) -> tuple:
    """``(cfg, weights or None)`` of an opened config.toml or model.npz."""
    from ..store.model import read

    name = msg["name"]
    if name.endswith(".npz") and "base64" in msg:
        try:
            data = base64.b64decode(msg["base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ProtocolError(f"{name} did not arrive as base64 text") from None
        net, meta = read(io.BytesIO(data))
        text = meta["extra"].get("config")
        if not isinstance(text, str):
            raise ConfigError(f"{name} keeps no run config; open a model that brickprop "
                              "train wrote, or its run folder's config.toml")
        return from_toml(text, name), {p.name: p.data for p in net.parameters()}
    if "text" in msg:
        return from_toml(msg["text"], name), None
    raise ProtocolError(f"{name}: open a config .toml (as text) or a model .npz (as base64)")


class Page:
    """One WebSocket: its messages in, its session's frames out."""

    def __init__(self, websocket, server):
        self.ws, self.server = websocket, server
        self.session = None
        self.acked = asyncio.Event()
        self.acked.set()
        self.send_lock = asyncio.Lock()
        self.maker = self.run_id = self.version = self.snap = self.refused = None
        self.history = None  # (run id, curves) of an opened run folder
        self.seq = 0

    async def send(self, message: dict) -> None:
        async with self.send_lock:
            await self.ws.send_text(json.dumps(message))

    async def serve(self) -> None:
        from starlette.websockets import WebSocketDisconnect

        await self.ws.accept()
        if len(self.server.pages) >= self.server.max_pages:
            await self.send({"type": "error", "message": f"{self.server.max_pages} pages are "
                             "training already: close one of them, then reload this one"})
            await self.ws.close(code=1013)
            return
        self.server.pages.add(self)
        sender = asyncio.create_task(self.frames())
        try:
            while True:
                received = await self.ws.receive()
                if received["type"] == "websocket.disconnect":
                    break
                text = received.get("text")
                try:
                    if text is None:
                        raise ProtocolError("a message must be JSON text, not bytes")
                    await self.handle(parse(text))
                except (ProtocolError, ValueError, TypeError, OSError) as e:
                    message = " ".join(str(e).split()) or type(e).__name__
                    await self.send({"type": "error", "message": message[:500]})
        except (WebSocketDisconnect, RuntimeError):
            pass  # the page went away
        finally:
            sender.cancel()
            self.server.pages.discard(self)
            await asyncio.to_thread(self.close)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    async def handle(self, msg: dict) -> None:
        from .session import Session

        kind, session = msg["type"], self.session
        if kind == "ack":
            self.acked.set()
        elif kind == "start":
            if session is not None:
                raise ProtocolError("this page has started already; reload it to start again")
            opened, refused = self.server.opened, None
            try:  # a link's settings the page cannot train: say why, show what was opened
                cfg = options.parse_texts(msg["values"]) if msg["values"] else opened.cfg
                run = await asyncio.to_thread(start_run, cfg, opened.weights
                                              if cfg == opened.cfg else None)
            except ValueError as e:  # ConfigError too
                refused, cfg = e, opened.cfg
                run = await asyncio.to_thread(start_run, cfg, opened.weights)
            weights = opened.weights if cfg == opened.cfg else None
            self.session = await asyncio.to_thread(
                Session, cfg, run, opened.step if weights else 0, weights,
                opened.start_loss if weights else None)
            self.history = (self.session.run_id, opened.history) if weights else None
            if refused is not None:  # said after the setup, which clears the page's error
                self.refused = f"the link's settings were not used: {refused}"
        elif session is None:
            raise ProtocolError('send "start" first')
        elif kind in ("play", "pause"):
            session.play(kind == "play")
        elif kind == "step":
            session.one_step()
        elif kind == "speed":
            session.set_speed(msg["value"])
        elif kind == "reset":
            session.change(session.cfg, await asyncio.to_thread(start_run, session.cfg))
        elif kind == "set":
            await self.apply(msg["values"])
        elif kind == "remedy":
            snap = self.snap
            if snap is None or snap.state != "diverged" or snap.run != session.run_id:
                raise ProtocolError("there is no divergence to remedy now")
            offered = {b["index"]: b for b in remedy.buttons(snap.remedies, session.cfg)}
            if msg["index"] not in offered:
                raise ProtocolError(f"no remedy {msg['index']}; click one of the page's buttons")
            await self.apply(offered[msg["index"]]["values"])
            session.play(True)
        elif kind == "explain":
            snap = self.snap
            if snap is None:
                raise ProtocolError("nothing to explain yet: wait for the network to be drawn")
            cfg = session.cfg if snap.run == session.run_id else snap.cfg
            numbers = await asyncio.to_thread(probe.explained, snap.source, snap.params, cfg,
                                              snap.lr, msg["target"])
            await self.send({"type": "explain", "step": snap.step, "target": msg["target"],
                             **numbers})
        elif kind == "save":
            snap = self.snap
            if snap is None or snap.run != session.run_id:
                raise ProtocolError("nothing to save yet: wait for the network to be drawn")
            await self.send(await asyncio.to_thread(saving.save, snap, session.runs[snap.run][0]))
        elif kind == "open":
            cfg, weights = await asyncio.to_thread(opened_file, msg)
            session.change(cfg, await asyncio.to_thread(start_run, cfg, weights), 0, weights)

    async def apply(self, values: dict) -> None:
        """Train with ``values`` changed: live keys and live bugs in place, else a new run."""
        session = self.session
        cfg = options.parse_texts(values, base=session.cfg)
        changed = {k for k in values if getattr(cfg, k) != getattr(session.cfg, k)}
        toggled = set(cfg.bugs) ^ set(session.cfg.bugs)
        if changed and changed - {"bugs"} <= set(options.LIVE_KEYS) and \
                toggled <= set(probe.LIVE_BUGS):
            session.change(cfg)
            if toggled and self.snap is not None:  # check the network being trained
                report = await asyncio.to_thread(probe.checked, self.snap.source,
                                                 self.snap.params, cfg)
                await self.send({"type": "gradcheck", **report})
        elif changed:
            session.change(cfg, await asyncio.to_thread(start_run, cfg))
        await self.send({"type": "config", "config": options.texts(cfg)})

    async def frames(self) -> None:
        """Send a frame whenever the page has drawn the last one and something changed.

        The next frame is made while the page draws the last one, so it is ready when
        the ack comes: one frame in flight, one ready, never more.
        """
        try:
            while self.session is None:
                await asyncio.sleep(0.02)
            ready = await self.prepare()
            while True:
                await self.acked.wait()
                self.acked.clear()
                for message in ready:
                    await self.send(message)
                ready = await self.prepare()
        except asyncio.CancelledError:
            raise
        except Exception:  # a frame that cannot be made must not take the page down
            log.exception("brickprop live: the frame sender stopped")
            await self.send({"type": "error", "message": "the page stopped updating (an "
                             "internal error, logged in the terminal); reload the page"})

    async def prepare(self) -> list:
        """The messages of the next frame: its run's setup first when the run is new."""
        loop = asyncio.get_running_loop()
        got = loop.create_future()

        def deliver(snap):
            loop.call_soon_threadsafe(lambda: got.done() or got.set_result(snap))
        self.session.ask(self.version, deliver)
        snap = await got
        self.version, self.snap = snap.version, snap
        out = []
        if snap.run != self.run_id:
            source = snap.source
            kw = source.fit_kwargs
            self.maker = await asyncio.to_thread(
                FrameMaker, source.net, source.X, source.Y, kw["loss"], source.info["task"],
                kw["validation"], input_names=source.info["features"] if snap.cfg.data else None)
            setup = await asyncio.to_thread(self.maker.setup, snap.run)
            setup.update(config=options.texts(snap.cfg), toml=snap.cfg.to_toml())
            if self.history and self.history[0] == snap.run:  # an opened run's curves so far
                setup["history"] = self.history[1]
            out.append(setup)
            if self.refused:
                out.append({"type": "error", "message": self.refused[:500]})
                self.refused = None
            self.run_id = snap.run
        frame = await asyncio.to_thread(self.maker.frame, snap.params, snap.run, snap.step)
        frame["marks"] = await asyncio.to_thread(probe.unit_marks, snap.source, snap.params)
        self.seq += 1
        frame.update(seq=self.seq, state=snap.state, message=snap.message, lr=snap.lr,
                     remedies=remedy.buttons(snap.remedies, self.session.cfg), diag=snap.diag,
                     rollbacks=snap.rollbacks or [])
        return [*out, frame]
