"""What a comparison writes beside its run folders: ``table.csv`` (one row per run),
``table.md`` (the same, readable, plus the mean and spread over seeds when a variant
ran with several) and ``comparison.png`` (drawn by ``compareplots`` from the folders).

A row is the dict ``brickprop.compare.run_variant`` returns: the ``COLUMNS`` (some
missing for a variant that did not train), then ``total_seconds``, ``steps_run``,
``seed``, ``group``, ``message`` and the varied keys.
"""

from __future__ import annotations

import csv
import io
import math
import os
import threading

import numpy as np

from ..report import pages as report
from ..runs.build import build
from ..store.files import atomic_write_text
from ..store.model import load
from ..train.history import History
from .figure import ComparisonDrawing
from .grid import COLUMNS, EXTRA, import_drawing

_NUMBERS = ("final_accuracy", "best_accuracy", "final_loss", "best_loss", "peak_grad_norm")
_HEADERS = {"final_accuracy": "final acc.", "best_accuracy": "best acc.",
            "final_loss": "final loss", "best_loss": "best loss", "steps_to_95": "steps to 95%",
            "first_nonfinite_step": "first non-finite step",
            "peak_grad_norm": "peak grad norm", "seconds": "train s"}


TABLE_FILES = ("table.csv", "table.md", "comparison.png", "report.html")


def written_by_compare(folder, entry: str) -> bool:
    """Whether ``entry`` of a comparison folder is brickprop's (what ``--overwrite`` may delete).

    Its tables, figure and page, and run folders holding only a run's files.
    """
    from ..jobs.run import written_by_run

    path = os.path.join(folder, entry)
    if entry in TABLE_FILES or entry.startswith(".tmp-"):
        return True
    return os.path.isdir(path) and not os.path.islink(path) and all(
        written_by_run(path, e) for e in os.listdir(path))


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def table_csv(rows, varied=()) -> str:
    """CSV text: ``COLUMNS``, then ``EXTRA``, then the varied keys; empty cells for 'none'."""
    columns = [*COLUMNS, *EXTRA, *(k for k in varied if k not in EXTRA)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def _fmt(value, digits=4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.{digits}g}" if abs(value) < 1e5 else f"{value:.3e}"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def seed_summary(rows) -> list[dict]:
    """Per group of runs that differ only in the seed: counts, and mean and std of the numbers.

    ``std`` is the sample standard deviation (``ddof=1``); ``steps_to_95`` averages
    the runs that reached 95% and says how many did.
    """
    groups: dict = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    summary = []
    for group, members in groups.items():
        trained = [r for r in members if "final_loss" in r]
        entry = {"group": group, "runs": len(members), "trained": len(trained),
                 "diverged": sum(r["status"] == "diverged" for r in members)}
        for key in _NUMBERS:
            values = np.array([r[key] for r in trained], dtype=float)
            values = values[np.isfinite(values)]
            entry[key] = (float(values.mean()) if values.size else math.nan,
                          float(values.std(ddof=1)) if values.size > 1 else math.nan)
        reached = [r["steps_to_95"] for r in trained if r.get("steps_to_95") is not None]
        entry["steps_to_95"] = (float(np.mean(reached)) if reached else None, len(reached))
        summary.append(entry)
    return summary


def table_md(rows, varied=()) -> str:
    """Markdown: one row per run; with several seeds, a second table of mean ± std per group."""
    keys = [*COLUMNS[1:]]
    lines = ["| variant | " + " | ".join(_HEADERS.get(k, k) for k in keys) + " |",
             "|---|" + "---|" + "---:|" * (len(keys) - 1)]
    for row in rows:
        cells = [_fmt(row.get(k), 3 if k == "seconds" else 4) for k in keys]
        cells[0] = row["status"]
        lines.append(f"| {_cell(row['variant'])} | " + " | ".join(cells) + " |")
    notes = [f"- **{_cell(r['variant'])}**: {_cell(r['message'].split(' Try,')[0])}"
             for r in rows if r["status"] != "ok" and r.get("message")]
    if notes:
        lines += ["", *notes]
    summary = seed_summary(rows)
    if any(s["runs"] > 1 for s in summary):
        lines += ["", "Mean ± standard deviation over seeds:", "",
                  "| variant | runs | diverged | final acc. | best acc. | final loss | "
                  "best loss | peak grad norm | steps to 95% (runs that got there) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for s in summary:
            cells = [_fmt(s[k][0]) + (f" ± {_fmt(s[k][1], 2)}" if math.isfinite(s[k][1]) else "")
                     if math.isfinite(s[k][0]) else "—" for k in _NUMBERS]
            mean, n = s["steps_to_95"]
            reached = f"{_fmt(mean, 5)} ({n}/{s['trained']})" if n else f"never (0/{s['trained']})"
            lines.append(f"| {_cell(s['group'])} | {s['runs']} | {s['diverged']} | "
                         + " | ".join(cells) + f" | {reached} |")
    return "\n".join(lines) + "\n"


def write_tables(out, rows, varied=()) -> list[str]:
    """Write ``out/table.csv`` and ``out/table.md`` atomically; returns their paths."""
    paths = [os.path.join(out, "table.csv"), os.path.join(out, "table.md")]
    atomic_write_text(paths[0], table_csv(rows, varied))
    atomic_write_text(paths[1], table_md(rows, varied))
    return paths


def read_metrics(path) -> dict:
    """The columns of a run's ``metrics.csv`` as (n_steps,) float arrays, by name."""
    history = History.read_csv(path)
    return {name: history[name] for name in history.columns}


def _panel(folder: str, row: dict, cfg, data=None) -> dict:
    """What ``comparison_figure`` draws for one trained run, read back from its folder.

    ``data``: see ``_with_data``.
    """
    m = read_metrics(os.path.join(folder, "metrics.csv"))
    return _with_data({"name": row["variant"], "status": row["status"],
                       "message": row.get("message", ""), "steps": m["step"],
                       "accuracy": m.get("accuracy", m.get("r2")), "loss": m["loss"],
                       "grad_norm": m["grad_norm"],
                       "net": load(os.path.join(folder, "model.npz"))}, cfg, data)


def _data_key(cfg) -> tuple:
    """What decides a run's data and threshold: the config's data keys, dtype, loss, bugs."""
    from ..runs.config import RunConfig
    from ..runs.options import options

    names = [n for n, (o, _) in options(RunConfig).items() if o.group == "data"]
    return tuple(repr(getattr(cfg, n)) for n in [*names, "dtype", "loss", "bugs"])


def _with_data(panel: dict, cfg, data=None) -> dict:
    """``panel`` with the run's data and threshold, built again from its config.

    ``data``, a dict, keeps what was built by ``_data_key``: the variants of a grid that
    differ in other keys (the usual case) share one build, and a CSV file is read once
    for the figure rather than once per variant.
    """
    data = {} if data is None else data
    key = _data_key(cfg)
    if key not in data:
        run = build(cfg)
        data[key] = (run.X, run.y, run.loss.threshold)
    X, y, threshold = data[key]
    return {**panel, "X": X, "y": y, "threshold": threshold}


class Outputs:
    """What a comparison writes beside its run folders, drawn as the runs finish.

    ``compare(..., outputs=)`` calls ``started()`` once its workers run (the drawing
    libraries are imported in a thread meanwhile) and ``done(v, row)`` after each run
    folder is written, which draws that variant's row of ``comparison.png`` while the
    other runs still train (``ComparisonDrawing``); ``trained(name, panel)`` draws it
    earlier, from a forked worker's ``worker.Trained``.  With one row left to draw,
    the rows are rendered; with none, the PNG is saved.  ``write(rows)`` then writes
    the tables, the figure's rows not drawn yet and the page.  The figure is the same
    as :func:`write_outputs` draws at once; a row whose status in the table is not the
    one drawn (a run stopped while writing its folder) has the figure drawn again.
    ``apart.outputs`` puts one in a process of its own.
    """

    def __init__(self, out, variants, varied=(), title=None, figure: bool = True):
        self.out, self.variants, self.varied = out, list(variants), list(varied)
        self.title, self.figure = title, figure
        self.index = {v.name: i for i, v in enumerate(self.variants)}
        self.png = os.path.join(out, "comparison.png")
        self._reset()

    def _reset(self) -> None:
        self.drawing, self.shown, self.saved = None, {}, False  # shown: row -> status drawn
        self.data = {}  # the variants' data, built once per _data_key

    def _panel(self, i: int, row: dict) -> dict:
        v, folder = self.variants[i], os.path.join(self.out, self.variants[i].name)
        if v.cfg is not None and os.path.exists(os.path.join(folder, "metrics.csv")) \
                and row["status"] not in ("bad config", "failed", "interrupted"):
            return _panel(folder, row, v.cfg, self.data)
        return {"name": row["variant"], "status": row["status"],
                "message": row.get("message", "")}

    def _start(self) -> None:
        if self.drawing is None:  # the first row drawn, or write() with none drawn yet
            self.drawing = ComparisonDrawing([v.name for v in self.variants], self.title)

    def _draw(self, i: int, panel: dict, render: bool = True) -> None:
        self._start()
        self.drawing.add(i, panel)
        self.shown[i] = panel["status"]
        left = self.drawing.n - len(self.drawing.added)
        if render and left == 1:  # a core is free while the last run trains
            self.drawing.prerender()
        elif render and not left:
            self.drawing.save(self.png)
            self.saved = True

    def _while_running(self, draw) -> None:
        """``draw()`` as the grid runs; a failure leaves the whole figure to write()."""
        if not self.figure or self.saved or self.drawing is False:
            return
        try:
            draw()
        except BaseException as e:  # Ctrl-C midway, or a failure that write() will report
            self._give_up()
            if not isinstance(e, Exception):
                raise

    def _give_up(self) -> None:
        self._reset()
        self.drawing = False  # nothing more is drawn until write() draws it all

    def started(self) -> None:
        """The workers run: import the figure's and page's libraries meanwhile."""
        if self.figure:
            threading.Thread(target=import_drawing, daemon=True).start()

    def close(self) -> None:
        """Nothing to end here (``apart.Apart`` ends its process)."""

    def trained(self, name: str, panel: dict) -> None:
        """Variant ``name`` has trained (``worker.Trained``'s ``panel``): draw its row."""
        i = self.index[name]
        if i in self.shown:  # drawn from its folder already
            return
        self._while_running(lambda: self._draw(i, _with_data(
            {"name": name, "message": "", **panel}, self.variants[i].cfg, self.data)))

    def done(self, v, row: dict) -> None:
        """Variant ``v`` finished as ``row`` and its run folder is written: draw its row."""
        i = self.index[v.name]
        if i not in self.shown:
            self._while_running(lambda: self._draw(i, self._panel(i, row)))
        elif self.shown[i] != row["status"]:
            self._give_up()

    def write(self, rows) -> list[str]:
        """Write the tables, ``comparison.png`` and ``report.html``; returns their paths.

        ``rows`` are in the order of the variants (``compare``'s).
        """
        paths = write_tables(self.out, rows, self.varied)
        if self.figure:
            if self.drawing is False or any(self.shown.get(i, r["status"]) != r["status"]
                                            for i, r in enumerate(rows)):
                self._reset()
            self._start()
            for i, row in enumerate(rows):  # those not drawn yet: all of them, or the last
                if i not in self.drawing.added:
                    self._draw(i, self._panel(i, row), render=False)
            if not self.saved:
                self.drawing.save(self.png)
            paths.append(self.png)
        if report.available():
            paths.append(report.build_comparison(self.out))
        return paths


def write_outputs(out, variants, rows, varied=(), title=None, figure: bool = True) -> list[str]:
    """Write ``table.csv``, ``table.md``, ``comparison.png`` and ``report.html`` into ``out``.

    Returns their paths.  ``variants`` and ``rows`` are in the same order (from
    ``brickprop.compare``); the figure reads each trained variant's run folder
    ``out/<variant>``.  The page is built when Jinja2 is installed, as a run's is.
    ``figure=False`` leaves out ``comparison.png``.  (:class:`Outputs` draws the same
    while a grid runs.)
    """
    return Outputs(out, variants, varied, title, figure).write(rows)
