"""What a live run starts from: a config and weights, or a run folder at its last step.

``start_run`` builds a config (within the page's limits) with weights loaded.

``brickprop live runs/X`` shows the run's network with its final weights (model.npz),
the step counter at the run's last step and its loss and metric curves from
``metrics.csv`` (read by ``History.read_csv``, thinned like the report's); play trains
on from there, its divergence guard measuring growth from the run's first loss, as the
run's own did.  A run that trained all its ``steps`` gets as many again, so play goes on.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace

from ..report.drawings import curves
from ..report.runfiles import _metrics
from ..runs.build import build
from ..runs.config import ConfigError, load_config
from ..store.model import read
from . import options
from .server import Opened


def run_folder(folder: str) -> Opened:
    """What opening the run folder ``folder`` starts with; ConfigError says what is wrong."""
    cfg = load_config(os.path.join(folder, "config.toml"))
    model = os.path.join(folder, "model.npz")
    if not os.path.isfile(model):  # a folder with a config only: that config, from the start
        return Opened(cfg, source=f"run folder {folder} (no model.npz: from step 0)")
    net, _ = read(model)
    weights = {p.name: p.data for p in net.parameters()}
    metrics = os.path.join(folder, "metrics.csv")
    if not os.path.isfile(metrics):
        return Opened(cfg, weights, 0, f"run folder {folder} (no metrics.csv: step 0)")
    try:
        columns, rows = _metrics(metrics)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    step = int(rows[-1, 0]) + 1  # steps done: the last row is step N - 1's
    metric = "accuracy" if "accuracy" in columns else "r2"
    source = f"run folder {folder} at step {step}"
    if step >= cfg.steps:
        cfg = replace(cfg, steps=step + cfg.steps)
        source += f" (steps raised to {cfg.steps}: play trains on)"
    first = float(rows[0, columns.index("loss")])
    return Opened(cfg, weights, step, source, curves(columns, rows, metric),
                  start_loss=first if math.isfinite(first) and first > 0 else None)


def start_run(cfg, weights=None):
    """Build ``cfg`` (checked against the page's limits), with ``weights`` loaded if given."""
    options.check_limits(cfg)
    run = build(cfg)
    if weights:
        params = run.net.parameters()
        if sorted(weights) != sorted(p.name for p in params) or any(
                weights[p.name].shape != p.data.shape for p in params):
            raise ConfigError("the model's weights do not fit the network its config builds")
        for p in params:
            p.data[...] = weights[p.name]
    return run
