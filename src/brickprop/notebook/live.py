"""``LiveView``: ``fit``'s run drawn in the notebook's output cell while it trains.

Why anywidget: a widget's state travels over the kernel's own comm channel, so the
view needs no server port (the live page's websocket would, and JupyterHub, Binder
and VS Code do not forward one); anywidget runs the same ES module in JupyterLab,
Notebook 7, VS Code and Colab without a front-end extension to build or install,
and it sits on ipywidgets' well-kept protocol.  Where no widget can show (no
anywidget, no kernel: a script, nbconvert), the view degrades to one static picture
at the end of the run: matplotlib's accuracy / boundary / loss figure as a PNG.
"""

from __future__ import annotations

import io
import math
import time

from ..train.callbacks import Callback
from ..viz.frames import FrameMaker

MAX_POINTS = 1000  # per curve: past that every other point is dropped, as on the live page
MODES = ("auto", "widget", "static")


def widgets_available() -> bool:
    """True inside a Jupyter kernel with anywidget installed."""
    try:
        import anywidget  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _display(obj) -> None:
    """``IPython.display.display`` in an IPython shell; elsewhere nothing to show on."""
    from IPython import get_ipython
    from IPython.display import display

    if get_ipython() is not None:
        display(obj)


class LiveView(Callback):
    """Draws the boundary, the loss and accuracy curves, the network and the guard's
    message while ``fit`` trains, updating one output in place::

        bp.fit(net, X, Y, steps=3000, callbacks=[bp.notebook.LiveView()])

    Parameters
    ----------
    interval : float
        Seconds of wall-clock time between two updates (default 0.1: at most 10 a
        second); the first and the last step are always drawn.
    mode : "auto", "widget" or "static"
        "auto": the widget in a kernel with anywidget, else a static picture at the end.
    held_out : (X_val, Y_val), optional
        Drawn on the boundary's toggle and measured in each frame.

    Each update computes a frame of ``brickprop.viz.frames`` on a copy of the network
    and hands it to the widget; ``frames_sent`` counts them.
    """

    def __init__(self, interval: float = 0.1, mode: str = "auto", held_out=None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not (isinstance(interval, (int, float)) and math.isfinite(interval)
                and interval >= 0):
            raise ValueError(f"interval must be a number of seconds >= 0, got {interval!r}")
        if mode == "widget":
            from .widget import LiveWidget  # ImportError: pip install 'brickprop[notebook]'
        use_widget = mode == "widget" or (mode == "auto" and widgets_available())
        if use_widget:
            from .widget import LiveWidget
        self.widget = LiveWidget() if use_widget else None
        self.interval, self.held_out = float(interval), held_out
        self.run_id, self.frames_sent, self.picture = 0, 0, None

    def _repr_mimebundle_(self, **kwargs):
        """The widget itself, so a cell ending in the view shows it (widget mode)."""
        if self.widget is not None:
            return self.widget._repr_mimebundle_(**kwargs)
        return {"text/plain": repr(self)}

    def on_begin(self, run):
        task = "classification" if run.history.columns[4] == "accuracy" else "regression"
        self.maker = FrameMaker(run.net, run.X, run.Y, run.loss, task, self.held_out)
        self.run_id += 1
        self.curves = {key: [] for key in ("x", "loss", "metric", "val_loss", "val_metric")}
        self.last = -math.inf
        if self.widget is not None:
            self.widget.setup = self.maker.setup(self.run_id)
            _display(self.widget)

    def on_step_end(self, run, row):
        now = time.monotonic()
        if now - self.last >= self.interval and self.widget is not None:
            self.last = now
            self.push(run, "training", "")

    def on_end(self, run):
        meta = run.history.meta
        state = "diverged" if "diverged" in meta else "stopped" if "stopped" in meta \
            else "finished"
        message = meta.get("diverged") or meta.get("stopped") or \
            f"Trained all {run.steps_done} steps."
        if self.widget is not None:
            self.push(run, state, message)
        else:
            self.show_picture(run, message)

    def push(self, run, state: str, message: str) -> dict:
        """Send the frame of the network as it is now: curves, state and message added."""
        params = [p.data for p in run.net.parameters()]
        frame = self.maker.frame(params, run=self.run_id, step=run.steps_done)
        curves = self.curves
        for key in curves:
            curves[key].append(frame["step"] if key == "x" else frame[key])
        if len(curves["x"]) > MAX_POINTS:
            for key in curves:
                curves[key] = curves[key][::2]
        frame.update(curves={k: list(v) for k, v in curves.items()}, state=state,
                     message=message)
        self.widget.frame = frame
        self.frames_sent += 1
        return frame

    def show_picture(self, run, message: str) -> None:
        """The static view: the three panels as a PNG, and the run's last word."""
        from ..viz.plots import three_panel

        fig = three_panel(run.history, run.net, run.X, run.Y,
                          threshold=float(run.loss.threshold))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        self.picture = buffer.getvalue()
        try:
            from IPython import get_ipython
            from IPython.display import Image, Markdown
        except ImportError:
            get_ipython = None
        if get_ipython is None or get_ipython() is None:  # a script: the picture stays here
            print(message)
            return
        _display(Image(self.picture))
        _display(Markdown(f"**{message}**" if "diverged" in run.history.meta else message))
