"""Resources checked before they are spent: a run's memory and its run folder's disk space.

``check_memory`` estimates what a run holds at its peak -- the data, the
activations of a batch, the parameters with their gradients, optimizer state and
snapshots, the History's rows, the animation's frames -- and refuses, in one line
that names the largest part and the most that fits, a run that this machine's
memory cannot hold.  ``folder_bytes`` is a lower bound of a run folder's size, for
a check of the free disk space before training.
"""

from __future__ import annotations

from .._checks import machine_memory
from ..train.loop import log_interval
from .options import ConfigError

FLOAT = 8                   # bytes of a float64
FRAME = 1040 * 336 * 3 * 2  # one animation frame: its pixels and their palette image


def _columns(n_layers: int) -> int:
    """History columns: step, losses, metric, lr, a gradient norm per layer and in all,
    validation, and five diagnostics per layer."""
    return 7 + n_layers + 2 + 5 * n_layers


def history_rows(cfg) -> int:
    """Rows the History of ``cfg``'s run keeps: one per ``log_every`` steps (automatic: ~10,000)."""
    every = cfg.log_every or log_interval(cfg.steps)
    return -(-cfg.steps // every) + 1  # the newest step's row besides


def parts(cfg, n_samples: int, n_in: int, n_out: int) -> dict:
    """Peak bytes of each part of a run, by the config key that sets its size.

    ``n_samples`` rows of ``n_in`` features, ``n_out`` outputs.
    """
    widths = [n_in, *cfg.hidden, n_out]
    n_params = sum((a + 1) * b for a, b in zip(widths, widths[1:]))
    batch = cfg.batch_size or n_samples
    return {
        # X, y, Y, and the copies made while generating or standardizing them
        "n_samples": 3 * FLOAT * n_samples * (n_in + n_out + 1),
        # each layer's forward output and cached input, and their gradients
        "hidden": 4 * FLOAT * batch * sum(widths) + FLOAT * n_params * 6,
        "steps": 2 * FLOAT * history_rows(cfg) * _columns(len(widths) - 1),
        "frames": cfg.frames * (FRAME + 2 * FLOAT * n_params),
    }


def check_memory(cfg, n_samples: int, n_in: int, n_out: int, memory: int | None = None):
    """Raise ``ConfigError`` if the run of ``cfg`` needs more memory than the machine has.

    The message names the setting furthest above the most that fits (changing it
    alone), and that most.
    """
    memory = machine_memory() if memory is None else memory
    if memory is None:
        return
    need = sum(parts(cfg, n_samples, n_in, n_out).values())
    if need <= memory:
        return
    values = {"n_samples": n_samples, "hidden": max(cfg.hidden), "steps": cfg.steps,
              "frames": cfg.frames}
    most = {k: _most(cfg, k, n_samples, n_in, n_out, memory) for k in values}
    over = {k: values[k] / most[k] for k in values if most[k] >= 1 and values[k] > most[k]}
    why = {"n_samples": "the data and the activations of each batch",
           "hidden": "the activations and weights of its widest layer",
           "steps": "the History, which keeps a row of numbers per step logged",
           "frames": "the animation's frames and the weight snapshots"}
    if not over:
        raise ConfigError(f"this run needs about {_size(need)} of memory but this machine has "
                          f"{_size(memory)}; use fewer samples, narrower layers and fewer steps")
    key = max(over, key=over.get)
    unit = {"n_samples": "samples", "hidden": "units in a layer", "steps": "steps",
            "frames": "frames"}[key]
    raise ConfigError(f"{key} {values[key]} needs about {_size(need)} of memory ({why[key]}) "
                      f"but this machine has {_size(memory)}; at most about {most[key]} {unit} "
                      "fit here")


def _most(cfg, key, n_samples, n_in, n_out, memory) -> int:
    """The largest value of ``key`` (the widest layer for ``hidden``) that fits ``memory``."""
    def fits(v):
        if key == "n_samples":
            return sum(parts(cfg, v, n_in, n_out).values()) <= memory
        if key == "hidden":
            widest = cfg.hidden.index(max(cfg.hidden))
            changed = cfg.replace(hidden=[*cfg.hidden[:widest], v, *cfg.hidden[widest + 1:]])
        else:
            changed = cfg.replace(**{key: v})
        return sum(parts(changed, n_samples, n_in, n_out).values()) <= memory

    if not fits(1 if key != "frames" else 0):
        return 0
    lo, hi = 1, 2
    while fits(hi) and hi < 1 << 62:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def folder_bytes(cfg, n_in: int, n_out: int) -> int:
    """A lower bound of a run folder's size: metrics, figures, report, snapshots, animation."""
    widths = [n_in, *cfg.hidden, n_out]
    n_params = sum((a + 1) * b for a, b in zip(widths, widths[1:]))
    metrics = 8 * history_rows(cfg) * (7 + 2 * (len(widths) - 1))
    return metrics + 300_000 + FLOAT * n_params * (2 + 2 * cfg.frames) + 8_000 * cfg.frames


def check_disk(folder: str, need: int, what: str) -> None:
    """Raise ``OSError(ENOSPC)`` when the disk holding ``folder`` has under ``need`` bytes free."""
    import errno
    import shutil

    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if free < need:
        raise OSError(errno.ENOSPC, f"{what} needs at least {_size(need)} but the disk has "
                      f"{_size(free)} free", folder)


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} EB"  # pragma: no cover
