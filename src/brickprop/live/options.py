"""The page's controls, generated from the run options' one declaration (``RunConfig``).

Every field of :class:`~brickprop.runs.config.RunConfig` becomes one control named
by its key, typed by the config's own kinds and choices, with the field's help
text; values travel as the text the command line takes (``parse_value``: lists
joined by ``+``, ``none`` for off), so the page, the URL and ``--set`` agree.
"""

from __future__ import annotations

import dataclasses

from ..bricks.features import FEATURES, LABELS
from ..debug.bugs import BUGS
from ..runs.config import NOT_SET, OPTIONS, ConfigError, RunConfig, from_dict, parse_value

# Where a key sits on the page; every other key goes under "All run options".
PLACES = {"data": ("dataset", "n_samples", "noise", "val_split", "batch_size", "data_seed"),
          "features": ("features",), "network": ("hidden", "activation"),
          "training": ("lr", "l1", "l2", "loss", "optimizer"), "bugs": ("bugs",)}
READ_ONLY = ("data", "target")  # file paths: from the command line only, never the page

LIVE_KEYS = ("lr", "l1", "l2", "clip_norm", "clip_value")  # applied without a reset
# (and the bugs of probe.LIVE_BUGS: toggled in place, checked by bp.gradcheck at once)
LIMITS = {"hidden layers": 8, "units per layer": 64, "n_samples": 5000}


def to_text(name: str, value) -> str:
    """A config value as the text ``parse_value`` reads back (``""``: not set)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "+".join(to_text(name, v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)


def texts(cfg: RunConfig) -> dict:
    """``{key: text}`` of every key of ``cfg``."""
    return {f.name: to_text(f.name, getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}


def declare() -> list[dict]:
    """One control per config key: name, kind, default, choices, help, live, place."""
    place = {key: where for where, keys in PLACES.items() for key in keys}
    out = []
    for name, (o, default) in OPTIONS.items():
        kind = o.kind if isinstance(o.kind, str) else o.kind.__name__
        choices = {"bugs": list(BUGS), "features": list(FEATURES)}.get(name, o.choices)
        out.append({"name": name, "kind": kind, "default": to_text(name, default),
                    "choices": [str(c) for c in choices],
                    "labels": [LABELS[c] for c in FEATURES] if name == "features" else None,
                    "help": o.help, "live": name in LIVE_KEYS, "optional": bool(o.none),
                    "read_only": name in READ_ONLY, "place": place.get(name, "more")})
    return out


def parse_texts(values: dict, base: RunConfig | None = None) -> RunConfig:
    """A config from page text ``{key: text}`` over ``base`` (the defaults); ConfigError."""
    typed = {}
    for name, text in values.items():
        if name in NOT_SET and text.strip() == "":
            typed[name] = None
        elif name in ("features", "bugs") and text.strip() == "":
            typed[name] = []
        else:
            typed[name] = parse_value(name, text, source="the page")
    cfg = from_dict(typed, base=base, source="the page")
    check_limits(cfg)
    return cfg


def check_limits(cfg: RunConfig) -> None:
    """Raise ConfigError when ``cfg`` is larger than the live page trains."""
    if len(cfg.hidden) > LIMITS["hidden layers"]:
        raise ConfigError(f"the live page trains at most {LIMITS['hidden layers']} hidden "
                          f"layers, got {len(cfg.hidden)}; remove some")
    if max(cfg.hidden) > LIMITS["units per layer"]:
        raise ConfigError(f"the live page trains at most {LIMITS['units per layer']} units per "
                          f"layer, got {max(cfg.hidden)}; use fewer")
    if cfg.n_samples > LIMITS["n_samples"] and not cfg.data:
        raise ConfigError(f"the live page generates at most {LIMITS['n_samples']} samples, "
                          f"got n_samples {cfg.n_samples}; use fewer")
