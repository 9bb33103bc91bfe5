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
    if os.path.isdir(source):  # at its last step, with its curves (resume.py)
        from .resume import run_folder

        return run_folder(source)
    if source.endswith(".npz"):
        net, meta = read(source)
        text = meta["extra"].get("config")
        if not isinstance(text, str):
            raise ConfigError(f"{source} keeps no run config; give the config.toml of the "
                              "run that wrote it")
        return Opened(from_toml(text, source), {p.name: p.data for p in net.parameters()},
                      0, f"model {source}")
    return Opened(load_config(source), source=f"config {source}")
