"""Save as run: the live session since its last reset, as a normal run folder.

The folder is what ``brickprop train`` writes for the run's starting config with
``steps`` set to the shown step and ``changes`` set to what was changed live
(``"STEP:KEY=VALUE"``, applied after STEP updates, as the page applied it).  It is
written by replaying that config (``jobs.run.train_run``), and the replay's final
weights are compared with the page's: equal means the folder is exactly what the
learner saw, and ``brickprop train FOLDER/config.toml`` writes the same metrics.
"""

from __future__ import annotations

import dataclasses
import os
import time

import numpy as np

from ..jobs.run import train_run
from ..runs.config import ConfigError

BASE = "runs"  # relative to where brickprop live was started, like brickprop train's


def new_folder(base: str = BASE) -> str:
    """``runs/live-<date-time>``, never an existing folder (created)."""
    stamp = "live-" + time.strftime("%Y%m%d-%H%M%S")
    path, k = os.path.join(base, stamp), 1
    while os.path.exists(path):
        k += 1
        path = os.path.join(base, f"{stamp}-{k}")
    os.makedirs(path)
    return path


def save(snap, start_cfg, base: str = BASE) -> dict:
    """Write the run folder of ``snap``'s run; ``{"type": "saved", "path", "same", ...}``."""
    if snap.step < 1:
        raise ConfigError("nothing to save yet: train at least one step")
    cfg = dataclasses.replace(start_cfg, steps=snap.step, changes=list(snap.changes or []))
    path = new_folder(base)
    history, lines, files = train_run(cfg, path)
    replayed = [p.data for p in _params_of(cfg, path)]
    same = len(replayed) == len(snap.params) and all(
        np.array_equal(a, b) for a, b in zip(replayed, snap.params))
    note = "replays bit for bit what the page trained" if same else (
        "the replay's weights differ from the page's (a change the schedule cannot "
        "replay, e.g. a remedy after the guard stopped the run)")
    return {"type": "saved", "path": os.path.abspath(path), "same": bool(same),
            "steps": snap.step, "changes": cfg.changes, "message": f"saved {len(files)} files "
            f"to {os.path.abspath(path)}: {note}"}


def _params_of(cfg, path):
    from ..store.model import read

    net, _ = read(os.path.join(path, "model.npz"))
    return net.parameters()
