"""One self-contained HTML page per run folder, and one per comparison folder.

``build_run(folder)`` reads what ``brickprop train`` wrote (config, summary,
metrics, snapshots, figures, animation) and writes ``report.html``: everything
embedded (the animation and the figures as data URIs, the data the page draws as
JSON, the first iteration typeset as MathML), so the page opens offline and fetches
nothing.
``build_comparison(folder)`` does the same for a ``brickprop compare`` folder.
Reports only read files; they never train.  The pages come from Jinja2 templates
in ``brickprop/report/templates`` (``pip install 'brickprop[report]'``).
"""

from __future__ import annotations

import csv
import dataclasses
import os

import numpy as np

from ..store.files import atomic_write_text
from ..viz import assets
from ..viz.assets import inline_importmap
from ..viz.frames import MAX_UNITS, rounded
from .drawings import curves, link_values, snapshot_frames
from .numbers import explain_data
from .runfiles import _check_size, _data_uri, _metrics, gif_uri

__all__ = ["Comparison", "available", "build_comparison", "build_run", "run_context"]

MISSING = "the HTML report needs Jinja2; install it with pip install 'brickprop[report]'"


class MissingDependency(ImportError):
    """Jinja2 is not installed; the message says how to install it."""


def available() -> bool:
    """True when Jinja2 is importable, so reports can be built."""
    try:
        import jinja2  # noqa: F401
    except ImportError:
        return False
    return True


def _environment():
    try:
        import jinja2
    except ImportError:
        raise MissingDependency(MISSING) from None
    return jinja2.Environment(loader=jinja2.PackageLoader("brickprop.report", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def _file_uri(path) -> str | None:
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return _data_uri(f.read())




def _trace(run):
    """The first iteration from the run's initial weights on its first sample, as MathML.

    ``run`` is ``build(cfg)``: its network is as initialized.
    """
    from ..debug.explain import explain
    from ..debug.trace_format import to_mathml

    kw = run.fit_kwargs
    trace = explain(run.net, run.X[:1], run.Y[:1], loss=kw["loss"],
                    regularizer=kw["regularizer"], optimizer=kw["optimizer"])
    return to_mathml(trace, precision=4, samples=4)


def run_context(folder, shown=None, pictures_ready=None, data_of=None) -> dict:
    """Everything the run page shows, read from the run folder ``folder``.

    ``shown`` is the folder's name on the page (default: ``folder``'s absolute path).
    ``pictures_ready()``, if given, is called before the pictures (animation.gif,
    figure.png, diagnostics.png) are read: it returns once another process has drawn
    them, while this one worked out the rest.  ``data_of`` is the ``Run`` that wrote the
    folder, when its writer still holds it: the page takes the run's data from it
    (``build(cfg, data_of)``) instead of reading a data file again.
    """
    from ..runs.build import build
    from ..runs.config import NOT_SET, from_dict, load_config
    from ..store.model import load, load_snapshots

    folder = os.fspath(folder)

    def at(name):
        return os.path.join(folder, name)

    if not os.path.isfile(at("config.toml")):
        raise FileNotFoundError(f"{folder!r} is not a run folder (no config.toml); give a "
                                "folder written by brickprop train")
    missing = [n for n in ("metrics.csv", "model.npz", "summary.txt") if not os.path.isfile(at(n))]
    if missing:
        raise FileNotFoundError(f"run folder {folder!r} has no {', '.join(missing)}; train it "
                                f"again with brickprop train {at('config.toml')} --out {folder}")
    cfg = load_config(at("config.toml"))
    columns, rows = _metrics(at("metrics.csv"))
    metric = "accuracy" if "accuracy" in columns else "r2"
    net = load(at("model.npz"))
    steps, weights, grads, meta = load_snapshots(at("snapshots.npz")) \
        if os.path.exists(at("snapshots.npz")) else ([], [], [], {})
    if not steps:  # no frames (or an older folder): the final weights only
        steps = [int(rows[-1, 0]) + 1 if len(rows) else 0]
        weights, grads = [{p.name: p.data for p in net.parameters()}], [None]
    n = len(steps)
    linears = [b for b in net if b.parameters()]  # Linear bricks (a Features brick has none)
    sizes = [linears[0].n_in] + [b.n_out for b in linears]
    w_names = [b.parameters()[0].name for b in linears]
    frames, lrs = [], []
    for s in steps:  # the row of the snapshot's step, or the nearest one before it
        r = rows[max(0, min(int(np.searchsorted(rows[:, 0], s, side="right")) - 1,
                            len(rows) - 1))]
        frames.append({"step": int(s), "loss": rounded([r[columns.index("loss")]])[0],
                       "metric": rounded([r[columns.index(metric)]])[0]})
        lrs.append(float(r[columns.index("lr")]) if "lr" in columns else cfg.lr)
    diverged_step = meta.get("diverged_step")
    diverged_frame = None if diverged_step is None else \
        next((k for k, s in enumerate(steps) if s >= diverged_step - 1), n - 1)
    data = {"frames": frames, "metric": metric,
            "weights": [link_values(w, w_names, sizes) for w in weights],
            "grads": [None if g is None else link_values(g, w_names, sizes) for g in grads],
            "diverged_frame": diverged_frame, "curves": curves(columns, rows, metric),
            "sizes": sizes}
    data["drawings"] = data["explain"] = None
    try:  # the data and the initial network, made once (a CSV file is read once)
        built, unbuilt = build(cfg, data_of), None
    except (OSError, ValueError) as e:  # e.g. a CSV data file that has moved
        built, unbuilt = None, e
    try:
        if unbuilt:
            raise unbuilt
        data["drawings"], drawings_note = snapshot_frames(built, cfg, net, weights), None
        data["explain"] = explain_data(built, cfg, net, weights, steps, lrs)
    except (OSError, ValueError) as e:
        drawings_note = f"The boundary and the numbers of a click cannot be made here: {e}"
    try:
        if unbuilt:
            raise unbuilt
        trace, trace_note = _trace(built), None
    except (OSError, ValueError) as e:
        trace, trace_note = None, f"The first iteration cannot be traced here: {e}"
    defaults = from_dict({})
    config_rows = []  # (key, value as shown, whether it differs from the default run's)
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        shown = f"not set: {NOT_SET[f.name]}" if value is None else value
        config_rows.append((f.name, shown, value != getattr(defaults, f.name)))
    _check_size(at("summary.txt"))
    try:
        with open(at("summary.txt"), encoding="utf-8") as f:
            summary = [line for line in f.read().splitlines() if line.strip()]
    except UnicodeDecodeError:
        raise ValueError(f"{at('summary.txt')} is not UTF-8 text; train the run again to "
                         "rewrite it") from None
    if pictures_ready is not None:
        pictures_ready()
    return {"title": summary[0] if summary else os.path.basename(os.path.abspath(folder)),
            "summary": summary[1:], "config_rows": config_rows, "data": data,
            "diverged": meta.get("diverged"), "diverged_step": diverged_step,
            "sizes": sizes, "max_units": MAX_UNITS, "metric": metric,
            "importmap": inline_importmap(), "drawings_note": drawings_note,
            "drawings_css": assets.text("drawings.css"),
            "animation": gif_uri(at("animation.gif")), "figure": _file_uri(at("figure.png")),
            "diagnostics": _file_uri(at("diagnostics.png")), "trace": trace,
            "trace_note": trace_note, "n_frames": n, "folder": shown or os.path.abspath(folder)}


def build_run(folder, out=None, shown=None, pictures_ready=None, data_of=None) -> str:
    """Write the run page of ``folder`` (default ``folder/report.html``); returns its path.

    ``shown``, ``pictures_ready`` and ``data_of``: see ``run_context``.
    """
    page = _environment().get_template("run.html.j2").render(
        **run_context(folder, shown, pictures_ready, data_of))
    out = out or os.path.join(folder, "report.html")
    atomic_write_text(out, page)
    return os.fspath(out)


@dataclasses.dataclass
class Comparison:
    """A ``brickprop compare`` folder: its table, its grid figure and its variants' pages.

    In a notebook it shows itself as the table and the grid (``_repr_html_``).
    """

    folder: str
    columns: list
    rows: list            # one dict column -> text per variant, in table.csv's order
    grid: str | None      # comparison.png as a data URI
    pages: dict           # variant -> relative link to its report.html

    @classmethod
    def from_folder(cls, folder) -> Comparison:
        folder = os.fspath(folder)
        table = os.path.join(folder, "table.csv")
        if not os.path.isfile(table):
            raise FileNotFoundError(f"{folder!r} is not a comparison folder (no table.csv); "
                                    "give a folder written by brickprop compare")
        with open(table, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            rows, columns = list(reader), list(reader.fieldnames or [])
        if "variant" not in columns:
            raise ValueError(f"{table} has no 'variant' column; its columns are {columns}")
        pages = {r["variant"]: f"{r['variant']}/report.html" for r in rows
                 if os.path.isfile(os.path.join(folder, r["variant"], "report.html"))}
        return cls(folder, columns, rows, _file_uri(os.path.join(folder, "comparison.png")),
                   pages)

    def _context(self) -> dict:
        name = os.path.basename(os.path.abspath(self.folder))
        return {"columns": self.columns, "rows": self.rows, "grid": self.grid,
                "pages": self.pages, "title": f"Comparison: {name}",
                "numeric": _numeric_columns(self)}

    def _repr_html_(self) -> str:
        from .._style import style

        body = _environment().get_template("comparison_body.html.j2").render(**self._context())
        return body.replace('<div class="brickprop-comparison">',
                            '<div class="brickprop-comparison bp-rich">', 1) + style()


def _numeric_columns(c: Comparison) -> list:
    def number(text):
        try:
            float(text)
            return True
        except ValueError:
            return text.strip() in ("", "never", "-")
    return [col for col in c.columns if all(number(r[col]) for r in c.rows)]


def build_comparison(folder, out=None) -> str:
    """Write the page of a comparison folder (default ``folder/report.html``).

    The folder holds ``table.csv`` (one row per variant, a ``variant`` column),
    optionally ``comparison.png`` (the grid) and ``<variant>/`` run folders, whose
    own ``report.html`` the table links to.  Returns the path written.
    """
    comparison = Comparison.from_folder(folder)
    page = _environment().get_template("comparison.html.j2").render(**comparison._context())
    out = out or os.path.join(folder, "report.html")
    atomic_write_text(out, page)
    return os.fspath(out)
