"""What the live page opens: a config.toml, a run folder or a model file, as an ``Opened``.

Shared by ``brickprop live SOURCE`` and ``bp.notebook.playground(SOURCE)``.
"""

from __future__ import annotations

import os

from ..runs.config import ConfigError, from_dict, from_toml, load_config
from .server import Opened


def open_source(source) -> Opened:
    """``source`` (None, a config.toml, a run folder or a model.npz) opened; ConfigError."""
    from ..store.model import read

    if source is None:
        return Opened(from_dict({}))
    source = os.fspath(source)
    if os.path.isdir(source):
        cfg = load_config(os.path.join(source, "config.toml"))
        model, steps = os.path.join(source, "model.npz"), 0
        if not os.path.isfile(model):
            return Opened(cfg, source=f"run folder {source}")
        metrics = os.path.join(source, "metrics.csv")
        if os.path.isfile(metrics):
            with open(metrics, encoding="utf-8") as f:
                steps = max(sum(1 for _ in f) - 1, 0)
        net, _ = read(model)
        return Opened(cfg, {p.name: p.data for p in net.parameters()}, steps,
                      f"run folder {source}")
    if source.endswith(".npz"):
        net, meta = read(source)
        text = meta["extra"].get("config")
        if not isinstance(text, str):
            raise ConfigError(f"{source} keeps no run config; give the config.toml of the "
                              "run that wrote it")
        return Opened(from_toml(text, source), {p.name: p.data for p in net.parameters()},
                      0, f"model {source}")
    return Opened(load_config(source), source=f"config {source}")
