"""The page's controls, generated from the run options' one declaration (``RunConfig``).

Every field of :class:`~brickprop.runs.config.RunConfig` becomes one control named
by its key, typed by the config's own kinds and choices, with the field's help
text; values travel as the text the command line takes (``parse_value``: lists
joined by ``+``, ``none`` for off), so the page, the URL and ``--set`` agree.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import tokenize

from ..bricks.features import FEATURES, LABELS
from ..debug.bugs import BUGS
from ..runs import config
from ..runs.config import NOT_SET, ConfigError, RunConfig, from_dict, parse_value

# Where a key sits on the page; every other key goes under "All run options".
PLACES = {"data": ("dataset", "n_samples", "noise", "val_split", "batch_size", "data_seed"),
          "features": ("features",), "network": ("hidden", "activation"),
          "training": ("lr", "l1", "l2", "loss", "optimizer")}
READ_ONLY = ("data", "target")  # file paths: from the command line only, never the page

LIVE_KEYS = ("lr", "l1", "l2", "clip_norm", "clip_value")  # applied without a reset
LIMITS = {"hidden layers": 8, "units per layer": 64, "n_samples": 5000}


def _help() -> dict:
    """Each field's help: the comment beside it in ``RunConfig``'s source."""
    out, source = {}, inspect.getsource(RunConfig)
    name = None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.start[1] == 4 and name is None:
            name = tok.string
        elif tok.type == tokenize.COMMENT and name:
            out[name] = tok.string.lstrip("# ").strip()
        elif tok.type == tokenize.NEWLINE:
            name = None
    return out


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
    kinds, help_ = config._kinds(), _help()
    choices = {**config._CHOICES, "bugs": list(BUGS), "features": list(FEATURES)}
    place = {key: where for where, keys in PLACES.items() for key in keys}
    out = []
    for f in dataclasses.fields(RunConfig):
        kind = kinds[f.name]
        kind = kind if isinstance(kind, str) else kind.__name__
        default = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
        out.append({"name": f.name, "kind": kind, "default": to_text(f.name, default),
                    "choices": [str(c) for c in choices.get(f.name, [])],
                    "labels": [LABELS[c] for c in FEATURES] if f.name == "features" else None,
                    "help": help_.get(f.name, ""), "live": f.name in LIVE_KEYS,
                    "optional": f.name in NOT_SET, "read_only": f.name in READ_ONLY,
                    "place": place.get(f.name, "more")})
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
