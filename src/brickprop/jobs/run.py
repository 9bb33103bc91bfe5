"""A run folder: train a config and write all that ``brickprop train`` leaves behind.

``train_run(cfg, folder)`` builds the run from its config, fits it and calls
``write_run``, which writes ``RUN_FILES`` -- config, metrics, model, snapshots,
figures, animation, summary and report -- each atomically.  ``brickprop train`` and
``brickprop compare`` both go through ``train_run``.  It sits above the plots and the
report in the import order: pages only read run folders, this writes them.
"""

from __future__ import annotations

import contextlib
import os
import textwrap

import numpy as np

from ..report import pages as report
from ..runs.build import build, preprocessing
from ..runs.build import describe as describe_config
from ..store.files import atomic_write_text
from ..store.model import save, save_snapshots
from ..train.loop import fit, log_interval
from ..viz import plots

RUN_FILES = ("config.toml", "metrics.csv", "model.npz", "snapshots.npz", "figure.png",
             "animation.gif", "diagnostics.png", "summary.txt", "report.html")


def written_by_run(folder, entry: str) -> bool:
    """Whether ``entry`` of a run folder is a file ``brickprop train`` writes (``--overwrite``)."""
    return entry in RUN_FILES or entry.startswith(".tmp-")


def replayable(cfg, steps_done: int):
    """The config of a run stopped after ``steps_done`` steps, replaying them bit for bit.

    ``steps`` becomes the steps trained; what ``steps`` decided besides (the period of a
    cosine or one-cycle schedule, how often diagnostics are taken) is pinned to the
    values the run used.
    """
    changes = {"steps": steps_done}
    if cfg.diagnose_every is None:
        changes["diagnose_every"] = max(1, cfg.steps // 200)
    if cfg.schedule in ("cosine", "onecycle") and not cfg.t_max:
        changes["t_max"] = cfg.steps
    if not cfg.log_every:  # automatic: the interval the run's own length picked
        changes["log_every"] = log_interval(cfg.steps)
    return cfg.replace(**changes)


def write_run(folder, cfg, run, history, summary: str, shown=None,
              figures: bool = True, drawer=None) -> list[str]:
    """Write a run folder: config, metrics, model, snapshots, figures, summary and report.

    ``run`` is the :class:`brickprop.config.Run` that was trained and ``history``
    what ``fit`` returned.  Each file is written atomically; returns the file names.
    ``report.html`` is built when Jinja2 is installed (from the folder, but with the data
    of ``run``: a CSV file is not read again); otherwise the summary says so.
    ``shown`` is the folder's name in the report, when ``folder`` is where it is staged.
    ``figures=False`` leaves out the pictures and the page (figure.png,
    diagnostics.png, animation.gif, report.html): what a grid's variants skip.
    ``drawer`` is a ``plots.drawer()`` (made here if not given), which draws the
    pictures while this process writes the other files and works out the page.
    """
    written = []

    def path(name):
        written.append(name)
        return os.path.join(folder, name)

    pictures = ["figure.png", "diagnostics.png"] + ["animation.gif"] * bool(cfg.frames)
    with contextlib.ExitStack() as stack:
        if figures and drawer is None:
            drawer = stack.enter_context(plots.drawer())
        if figures:  # first: the pictures are what the command waits for
            title = "\n".join(textwrap.wrap(describe_config(cfg, run), 110,
                                             break_on_hyphens=False))
            drawer.run(plots.draw_run, history, run.net, run.X, run.y,
                       **{kind: os.path.join(folder, name) for kind, name in
                          zip(("figure", "diagnostics", "animation"), pictures)},
                       title=title, threshold=run.loss.threshold)
        note = history.meta.get("interrupted")
        atomic_write_text(path("config.toml"), cfg.to_toml(
            note=note and f"{note}: steps is the steps trained, so this replays them"))
        history.to_csv(path("metrics.csv"))
        save(run.net, path("model.npz"), extra={"config": cfg.to_toml()},
             preprocessing=preprocessing(cfg, run))
        if figures:
            written += pictures
        save_snapshots(history, run.net, path("snapshots.npz"))
        if figures and not report.available():
            summary += f"\nno report.html: {report.MISSING}"
        atomic_write_text(path("summary.txt"), summary + "\n")
        if figures and report.available():  # the page reads the pictures once they are drawn
            report.build_run(folder, shown=shown, pictures_ready=drawer.wait, data_of=run)
            written.append("report.html")
        if figures:
            drawer.wait()
    return written


def summarize(cfg, run, history) -> list[str]:
    """The lines of a run's ``summary.txt``: the run, its final loss and metric, how it ended."""
    last = history.last()
    metric = run.fit_kwargs["metric"]
    name = "training accuracy" if metric == "accuracy" else "training R^2"
    lines = [describe_config(cfg, run),
             f"final loss {last['loss']:.6g} (data {last['data_loss']:.6g} + penalty "
             f"{last['penalty']:.3g}) · {name} {last[metric]:.3f}"]
    if "val_loss" in history.columns:
        val = history["val_loss"]
        at = np.flatnonzero(np.isfinite(val))
        if at.size:
            k = at[-1]
            lines.append(f"validation loss {val[k]:.6g} · validation {name.split()[1]} "
                         f"{history['val_' + metric][k]:.3f} (step {k + 1})")
    lines += history.meta.get("rollbacks", [])
    if cfg.bugs:
        lines.append(f"deliberate bugs on ({', '.join(cfg.bugs)}): see them caught with "
                     f"brickprop gradcheck {' '.join('--bug ' + b for b in cfg.bugs)}")
    lines.append(history.meta.get("diverged") or history.meta.get("interrupted") or
                 history.meta.get("stopped", f"trained all "
                                  f"{history.meta.get('steps', len(history))} steps"))
    return lines


def train_run(cfg, folder, run=None, progress=None, callbacks=(), shown=None,
              figures: bool = True, drawer=None):
    """Train ``cfg`` and write its run folder: what ``brickprop train`` and ``compare`` do.

    Parameters
    ----------
    cfg : RunConfig
    folder : str or PathLike
        An existing folder; the run's files are written into it atomically.
    run : Run, optional
        ``brickprop.runs.build(cfg)``, when the caller built it already.
    progress : True, tqdm bar or callable, optional
        Passed to ``fit``: a bar with the loss and metric, or ``progress(n_steps_done)``.
    callbacks : list of Callback
        Passed to ``fit`` (``brickprop train`` adds the one that Ctrl-C stops).  A run
        stopped by an interrupt is written with the config of the steps it trained.
    shown : str, optional
        The folder's name in the report, when ``folder`` is a staging folder.
    figures : bool
        False: no figures, animation or page (see ``write_run``).
    drawer : plots.drawer(), optional
        The drawing process, when the caller forked it already (``brickprop train``
        does, as soon as the run is built).  Otherwise one is forked here before the
        training when the run is light (``Run.light``), after it when not.

    Returns
    -------
    (history, summary_lines, file_names)
    """
    run = build(cfg) if run is None else run
    kw = {**run.fit_kwargs, "callbacks": [*run.fit_kwargs.get("callbacks", ()), *callbacks]}
    # Forked before a light training, so that it imports matplotlib while the run trains.
    ahead = figures and drawer is None and run.light
    with plots.drawer() if ahead else contextlib.nullcontext(drawer) as drawer:
        history = fit(run.net, run.X, run.Y, **kw, progress=progress)
        if "interrupted" in history.meta:
            cfg = replayable(cfg, history.meta["steps"])
        lines = summarize(cfg, run, history)
        files = write_run(folder, cfg, run, history, "\n".join(lines), shown=shown,
                          figures=figures, drawer=drawer)
    return history, lines, files
