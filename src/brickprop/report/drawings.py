"""What the run page's drawing modules show: the live page's frames, made from snapshots.

The run page draws the network, the boundary and the curves with the modules of
``brickprop/viz/static`` (inlined, see ``viz.assets``).  Here its data are made
the live page's way (``viz.frames``): one setup for the run, one frame per snapshot
(boundary, unit thumbnails, biases, the loss and metric on the full data sets), and
the curves of ``metrics.csv``, thinned to at most ``MAX_POINTS`` steps.
"""

from __future__ import annotations

import numpy as np

from ..viz.frames import FrameMaker, drawn_links, rounded

MAX_POINTS = 600  # steps per curve in the page; metrics.csv keeps every step


def link_values(arrays: dict, names: list[str], sizes) -> list:
    """The weight (or gradient) behind each drawn link, in the drawing's order.

    ``names`` are the Linear layers' weight names in order (``["0.W", "2.W"]``).
    """
    return rounded([arrays[names[k]][i, j] for k, i, j in drawn_links(sizes)])


def curves(columns, rows, metric) -> dict:
    """``{"x": steps, "loss", "metric", "val_loss", "val_metric"}`` at most MAX_POINTS long.

    ``rows`` is metrics.csv as an (n_steps, n_columns) array; validation values (NaN
    between epochs) are carried forward so the thinned curves keep them.
    """
    every = max(1, -(-len(rows) // MAX_POINTS))
    keep = np.arange(0, len(rows), every)
    if len(rows) and keep[-1] != len(rows) - 1:
        keep = np.append(keep, len(rows) - 1)
    out = {"x": [int(s) for s in rows[keep, 0]]}
    for key, column in (("loss", "loss"), ("metric", metric), ("val_loss", "val_loss"),
                        ("val_metric", f"val_{metric}")):
        if column not in columns:
            continue
        values = rows[:, columns.index(column)]
        if key.startswith("val_"):
            seen = np.where(np.isfinite(values), np.arange(len(values)), 0)
            values = values[np.maximum.accumulate(seen)]
        out[key] = rounded(values[keep])
    return out


def snapshot_frames(run, cfg, net, weights) -> dict:
    """``{"setup", "frames"}``: the run's setup and one frame per snapshot's weights.

    ``run`` is ``build(cfg)`` (its data: generated again, or read from its CSV file);
    ``weights`` are dicts name -> array.
    """
    kw = run.fit_kwargs
    maker = FrameMaker(net, run.X, run.Y, kw["loss"], run.info["task"], kw["validation"],
                       input_names=run.info["features"] if cfg.data else None)
    names = [p.name for p in net.parameters()]
    frames = []
    for w in weights:
        f = maker.frame([w[n] for n in names])
        frames.append({k: f[k] for k in ("loss", "metric", "val_loss", "val_metric", "biases",
                                         "units", "ranges", "boundary") if k in f})
    return {"setup": maker.setup(), "frames": frames}
