"""The divergence guard's remedies as one-click changes of the live page's config.

The guard (``train.diagnose.DivergenceGuard``) ranks its remedies in words; each
maps here to the config values that carry it out.  A learning rate or clipping is
applied from the weights the guard restored (the step before the blow-up); an
initializer, an activation or fewer layers need fresh weights, so the run restarts.
"""

from __future__ import annotations

from .options import to_text

LABELS = {"lower the learning rate": "lr ÷ 10", "clip gradients": "clip the gradient norm to 1",
          "use fewer layers": "one hidden layer fewer",
          "use another initialization": "another initialization (restart)"}


def values_for(remedy: str, cfg) -> dict:
    """``{key: text}`` carrying out ``remedy`` (the guard's words) on ``cfg``; ValueError."""
    if remedy.startswith("lower the learning rate"):
        return {"lr": to_text("lr", cfg.lr / 10)}
    if remedy.startswith("clip gradients"):
        return {"clip_norm": "1.0"}
    if remedy.startswith("use fewer layers") and len(cfg.hidden) > 1:
        return {"hidden": to_text("hidden", cfg.hidden[:-1])}
    if remedy.startswith("use another initialization"):
        return {"init": "he" if cfg.init == "glorot" else "glorot"}
    raise ValueError(f"the page cannot apply {remedy!r}; change the run by hand")


def buttons(remedies, cfg) -> list[dict]:
    """``[{"index", "label", "text"}]`` of the remedies the page can apply, ranked."""
    out = []
    for index, remedy in enumerate(remedies or []):
        try:
            values = values_for(remedy, cfg)
        except ValueError:
            continue
        label = next((v for k, v in LABELS.items() if remedy.startswith(k)), remedy)
        out.append({"index": index, "label": label, "text": remedy, "values": values})
    return out
