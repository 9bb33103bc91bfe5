"""Compare runs side by side: a grid of config variants, each trained like ``brickprop train``.

``plan`` turns base configs, ``--vary key=v1,v2`` lists and a number of seeds into
:class:`Variant` s; ``compare`` trains them in parallel (local worker processes, or a
Dask cluster through joblib's Dask backend: see ``pool``) and writes ``OUT/<variant>/`` run
folders, ``table.csv``, ``table.md`` and ``comparison.png``.  Each worker trains in a
temporary folder and returns the folder's files, which the parent writes: a
cluster needs no shared disk, and whichever backend ran a variant, its files are
the same bytes.  A variant that fails becomes a row of the table; Ctrl-C keeps
every run that finished.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field

from ..runs.config import ConfigError, RunConfig, from_dict, parse_value
from .pool import CompareError, Pool, check_dask  # noqa: F401  (re-exported)
from .worker import run_metrics, run_variant  # noqa: F401  (re-exported)

COLUMNS = ("variant", "status", "final_accuracy", "best_accuracy", "final_loss", "best_loss",
           "steps_to_95", "first_nonfinite_step", "peak_grad_norm", "seconds")
EXTRA = ("total_seconds", "steps_run", "seed", "group", "message")
SEP = "_"  # between the parts of a variant's name: lr=0.5_clip_norm=none_seed=2018


def _cost(v: Variant) -> float:
    """A variant's training time, roughly: its steps times the work of one step.

    The grid hands out the longest runs first, so that no worker is left with a long
    one at the end while the others wait (longest-processing-time-first).  A step costs
    a fixed Python overhead per layer (about as much as 100,000 flops here) and six
    flops per weight and sample of its batch (forward and backward).
    """
    cfg = v.cfg
    if cfg is None:
        return 0.0
    widths = [2, *cfg.hidden, 2]  # the inputs and outputs of a CSV are not known yet
    weights = sum((a + 1) * b for a, b in zip(widths, widths[1:]))
    batch = cfg.batch_size or cfg.n_samples
    return cfg.steps * (100_000 * (len(widths) - 1) + 6 * batch * weights)


def import_drawing() -> None:
    """Import what the grid's figure and page draw with (a second off the end of a grid)."""
    import importlib

    for name in ("matplotlib.figure", "matplotlib.backends.backend_agg", "jinja2"):
        try:
            importlib.import_module(name)
        except ImportError:  # no report extra: the page says so later, not this thread
            pass


@dataclass
class Variant:
    """One run of the grid: its folder name, its group (the name without the seed) and config."""

    name: str
    group: str
    seed: int
    values: dict = field(default_factory=dict)  # the varied keys, as the user wrote them
    cfg: RunConfig | None = None
    error: str = ""                             # why cfg could not be made
    folder: str = ""                            # its run folder's name in reports


def parse_vary(specs) -> dict:
    """``["lr=0.5,0.05", "clip_norm=none,1"]`` -> ``{"lr": [("0.5", 0.5), ...], ...}``.

    Each value is checked against the config key's type (``none`` is the key's off
    value, list items are joined by ``+``); a problem is a ``ConfigError``.
    """
    grid = {}
    for spec in specs or []:
        key, sep, values = spec.partition("=")
        key = key.strip()
        texts = [v.strip() for v in values.split(",")]
        if not sep or not key or not all(texts):
            raise ConfigError(f"--vary {spec!r}: write KEY=V1,V2,..., e.g. --vary lr=0.5,0.05")
        if key in grid:
            raise ConfigError(f"--vary {key} is given twice; list all its values in one --vary")
        if len(set(texts)) != len(texts):
            raise ConfigError(f"--vary {spec!r} repeats a value")
        grid[key] = [(t, parse_value(key, t, f"--vary {key}")) for t in texts]
    return grid


def _safe(text: str) -> str:
    text = re.sub(r"[^A-Za-z0-9._=+-]", "-", text)
    return "_" + text[1:] if text.startswith(".") else text  # never hidden, never ".."


MAX_NAME = 120  # characters of a folder name before it is shortened to a hash


def _names(raw: list[str]) -> list[str]:
    """A distinct folder name for each distinct ``raw`` name, however it sanitizes.

    Names that sanitize alike (``csv/good.csv`` and ``csv-good.csv``), alike but for
    case (a case-insensitive disk), or that are too long get ``-<hash of raw>``.
    """
    safe = [_safe(r) for r in raw]
    folded = [s.lower() for s in safe]
    out = []
    for r, s, f in zip(raw, safe, folded):
        if len(s) > MAX_NAME or sum(g == f for g in folded) > 1:
            digest = hashlib.sha1(r.encode("utf-8", "surrogatepass")).hexdigest()[:8]
            s = f"{s[:MAX_NAME]}-{digest}"
        out.append(s)
    return out


def plan(bases, grid: dict | None = None, seeds: int = 1, fixed: dict | None = None) -> list:
    """The variants of a grid, in table order.

    Parameters
    ----------
    bases : list of (label, RunConfig or ConfigError)
        The base configs (a config file that failed to load is its error).  Labels
        name the variants when there is more than one base or nothing is varied.
    grid : dict
        From :func:`parse_vary`; every combination of values is one variant per base.
    seeds : int
        Runs per variant, with seeds ``cfg.seed, cfg.seed + 1, ...``.
    fixed : dict
        Config values set in every variant (``--set``), applied before the grid.
    """
    grid, fixed = grid or {}, fixed or {}
    if not isinstance(seeds, int) or seeds < 1:
        raise ConfigError(f"--seeds must be a positive integer, got {seeds!r}")
    if seeds > 1 and "seed" in grid:
        raise ConfigError("vary the seed with either --seeds N or --vary seed=..., not both")
    labels = [label for label, _ in bases]
    if len(set(labels)) != len(labels):
        labels = [f"{i + 1}-{label}" for i, label in enumerate(labels)]
    combos = [(label, base, combo) for label, (_, base) in zip(labels, bases)
              for combo in itertools.product(*grid.values())]
    raw = [SEP.join([label] * (len(bases) > 1 or not grid) +
                    [f"{k}={text}" for k, (text, _) in zip(grid, combo)])
           for label, _, combo in combos]
    variants = []
    for (_, base, combo), group in zip(combos, _names(raw)):
        values = {k: text for k, (text, _) in zip(grid, combo)}
        for i in range(seeds):
            v = Variant(group, group, 0, values)
            try:
                if isinstance(base, Exception):
                    raise base
                # --set and --vary in one step: data and target are checked together
                cfg = from_dict({**fixed, **{k: value for k, (_, value) in zip(grid, combo)}},
                                base=base, source="--set/--vary")
                v.cfg = cfg.replace(seed=cfg.seed + i) if seeds > 1 else cfg
                v.seed = v.cfg.seed
            except ConfigError as e:
                v.error, v.seed = str(e), getattr(base, "seed", 0) + i
            if seeds > 1:
                v.name = f"{group}{SEP}seed={v.seed}"
            variants.append(v)
    return variants


def _write_files(folder: str, files: dict) -> None:
    """Write a run folder whole: into a hidden sibling, then renamed onto ``folder``.

    Ctrl-C midway leaves the old folder (or none), never half of the new one.
    """
    parent, name = os.path.split(folder)
    tmp = tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=parent)
    try:
        for file, data in files.items():
            with open(os.path.join(tmp, file), "wb") as f:
                f.write(data)
        if os.path.isdir(folder):  # a run of an earlier comparison into the same folder
            old = tempfile.mkdtemp(prefix=f".old-{name}-", dir=parent)
            os.replace(folder, os.path.join(old, name))
            shutil.rmtree(old)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def compare(variants, out, jobs: int | None = None, dask: str | None = None,
            progress: bool | None = None, shown: str | None = None,
            figures: str = "summary", outputs=None) -> tuple[list, bool]:
    """Train ``variants``, write their run folders under ``out``; ``(rows, interrupted)``.

    Parameters
    ----------
    variants : list of Variant
        From :func:`plan`.
    out : str
        The output folder (created); each variant's run folder is ``out/<variant.name>``.
    jobs : int, optional
        Parallel processes (default: all cores), forked from this one when that is safe
        (``pool.fork_is_safe``); with ``dask``, the LocalCluster's workers.
    dask : str, optional
        ``"tcp://HOST:PORT"`` of a Dask scheduler, or ``"local"``.
    progress : bool, optional
        One tqdm bar for the grid (None: only on a terminal).
    shown : str, optional
        The comparison folder's name in the run reports, when ``out`` is where it is staged.
    figures : "all", "summary" or "none"
        "all" draws each variant's figures, animation and page as ``brickprop train``
        does; otherwise the variants get none (``write_outputs`` draws the grid's own).
    outputs : output.Outputs, optional
        Told as the grid runs, to draw while the runs train: ``outputs.started()`` once
        the workers are started, ``outputs.done(variant, row)`` after each run folder
        is written; forked workers leave
        each trained variant at ``outputs.tell`` (``apart.Apart``) when it has one.
        Without it, the figure's libraries are imported meanwhile, for ``write_outputs``.

    Rows come back in the order of ``variants``; those not run after Ctrl-C have the
    status ``interrupted``.  The tables and the figure are written by :func:`write_outputs`.
    """
    import sys

    from tqdm import tqdm

    os.makedirs(out, exist_ok=True)
    for v in variants:
        v.folder = os.path.abspath(os.path.join(shown or out, v.name))
    parent = os.getpid() if dask in (None, "local") else None
    tasks = [(v, parent, figures == "all") for v in sorted(variants, key=_cost, reverse=True)]
    named = {v.name: v for v in variants}
    done, interrupted = {}, False
    try:
        # the pool first: forked workers start before the bar's and the import's threads
        with Pool(run_variant, tasks, jobs, dask, tell=getattr(outputs, "tell", None)) as pool, \
                tqdm(total=len(variants), desc="compare", unit="run", disable=not progress
                     if progress is not None else None, file=sys.stderr) as bar:
            if outputs is not None:
                outputs.started()
            elif figures != "none":  # the figure's and page's libraries, while the runs train
                threading.Thread(target=import_drawing, daemon=True).start()
            for row, files in pool:
                if files:
                    _write_files(os.path.join(out, row["variant"]), files)
                done[row["variant"]] = row
                if outputs is not None:
                    outputs.done(named[row["variant"]], row)
                bar.set_postfix_str(f"{row['variant']}: {row['status']}", refresh=False)
                bar.update()
    except KeyboardInterrupt:
        interrupted = True
    rows = [done.get(v.name) or {"variant": v.name, "group": v.group, "seed": v.seed,
                                 **v.values, "status": "interrupted",
                                 "message": "not finished: the grid was interrupted "
                                            "(Ctrl-C or SIGTERM)"}
            for v in variants]
    return rows, interrupted
