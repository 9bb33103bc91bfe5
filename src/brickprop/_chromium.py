"""Headless Chromium over the DevTools protocol, to check and measure report pages.

Used by the report's browser test, ``scripts/make_report_screenshot.py`` and
``benchmarks/bench_report.py``; not part of the public API.  Chromium is started
with ``--remote-debugging-pipe``: commands go in on file descriptor 3 and replies
and events come out on 4, as NUL-terminated JSON, so no port is opened and no
extra package is needed.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import subprocess
import threading
import time

CHROMIUM = "/usr/bin/chromium"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--disable-extensions", "--disable-sync", "--mute-audio",
         "--remote-debugging-pipe")


class Browser:
    """One headless Chromium with one page; records console errors and requests.

    Parameters
    ----------
    user_data_dir : str
        A fresh folder for the profile (e.g. a test's ``tmp_path``).
    width, height : int
        The page's viewport in CSS pixels.
    """

    def __init__(self, user_data_dir, width=1280, height=900, binary=CHROMIUM, timeout=30.0):
        if not os.path.exists(binary):
            raise FileNotFoundError(f"{binary} not found; install Chromium "
                                    "(apt-get install chromium)")
        self.timeout = timeout
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child_r, from_child_w)]

        def wire():  # in the child: its fd 3 reads our commands, fd 4 writes its replies
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={user_data_dir}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, close_fds=False)
        for fd in (to_child_r, from_child_w, *high):
            os.close(fd)
        self._next_id, self._replies, self.events = 0, {}, queue.Queue()
        self._lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"],
                                 flatten=True)["sessionId"]
        self.console_errors, self.requests = [], []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def _read(self):
        buf = b""
        while True:
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                return
            buf += chunk
            *messages, buf = buf.split(b"\0")
            for raw in messages:
                msg = json.loads(raw)
                if "id" in msg:
                    with self._lock:
                        self._replies[msg["id"]] = msg
                        self._lock.notify_all()
                else:
                    self._observe(msg)
                    self.events.put(msg)

    def _observe(self, msg):
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.console_errors.append(" ".join(str(a.get("value", a.get("description")))
                                                for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            self.console_errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.console_errors.append(params["entry"].get("text", ""))
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])

    def call(self, method, session=None, **params) -> dict:
        """Send one command and wait for its result; a protocol error is a RuntimeError."""
        with self._lock:
            self._next_id += 1
            mid = self._next_id
        msg = {"id": mid, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while mid not in self._replies:
                if not self._lock.wait(deadline - time.monotonic()):
                    raise TimeoutError(f"Chromium did not answer {method} in {self.timeout} s")
            reply = self._replies.pop(mid)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def send(self, method, **params) -> dict:
        """A command to the page's session."""
        return self.call(method, session=self.session, **params)

    def wait_for(self, method, timeout=None) -> dict:
        """The params of the next event named ``method`` (others are dropped)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            left = deadline - time.monotonic()
            try:
                msg = self.events.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise TimeoutError(f"no {method} event within the timeout") from None
            if msg.get("method") == method:
                return msg.get("params", {})

    def load(self, url) -> float:
        """Open ``url`` and wait for its load event; returns the seconds it took."""
        while not self.events.empty():
            self.events.get_nowait()
        started = time.perf_counter()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        return time.perf_counter() - started

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (JSON-serializable values)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r} threw: {result['exceptionDetails']['text']}")
        return result["result"].get("value")

    def key(self, key, code, key_code, text=None):
        """Press and release one key (e.g. ``"ArrowLeft", "ArrowLeft", 37``) on the focus.

        Keys that type a character (Enter: ``text="\\r"``) need ``text`` to activate
        buttons the way a real key does.
        """
        down = {"type": "keyDown", "text": text} if text else {"type": "rawKeyDown"}
        for event in (down, {"type": "keyUp"}):
            self.send("Input.dispatchKeyEvent", key=key, code=code, windowsVirtualKeyCode=key_code,
                      nativeVirtualKeyCode=key_code, **event)

    def screenshot(self, path, full_page=False) -> None:
        """Save the viewport (or, with ``full_page``, the whole page) as a PNG."""
        params = {"format": "png"}
        if full_page:
            width, height = self.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        data = self.send("Page.captureScreenshot", **params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):  # already gone
            self.call("Browser.close")
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
