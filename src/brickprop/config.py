"""Run configuration: one flat TOML table <-> a validated ``RunConfig``.

Every option of a run lives here; command-line flags override it, and the run
folder keeps the resolved config so ``brickprop train runs/X/config.toml`` replays
the run exactly.  Unknown keys and wrong types are errors, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass, field

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .activations import ACTIVATIONS
from .datasets import DATASETS
from .init import INITIALIZERS
from .losses import LOSSES


class ConfigError(ValueError):
    """A configuration value or file that cannot be used; the message says how to fix it."""


@dataclass
class RunConfig:
    """Everything that defines a run (the article's XOR network by default)."""

    dataset: str = "xor"            # data set name
    n_samples: int = 300            # points to generate
    data_seed: int = 0              # seed of the data
    hidden: list[int] = field(default_factory=lambda: [3])  # hidden layer sizes
    activation: str = "sigmoid"     # hidden activation
    output: str = "auto"            # output activation; auto: sigmoid for mse, else identity
    loss: str = "mse"               # mse, cross-entropy, binary-cross-entropy
    init: str = "article"           # weight initializer
    bias: bool = True               # biases in every Linear
    lr: float = 5.0                 # learning rate
    momentum: float = 0.0           # SGD momentum
    steps: int = 5000               # updates
    batch_size: int = 0             # 0 = full batch
    l2: float = 1e-4                # L2 strength (lam * sum(W^2) / 2N)
    l1: float = 0.0                 # L1 strength (lam * sum(|W|) / N)
    seed: int = 0                   # seed of the weights and of minibatch shuffling
    frames: int = 40                # animation frames (0: no animation)

    def __post_init__(self):
        validate(self)

    def resolved_output(self) -> str:
        if self.output != "auto":
            return self.output
        return "sigmoid" if self.loss == "mse" else "identity"

    def to_toml(self) -> str:
        """The config as TOML text that ``load_config`` reads back to an equal config."""
        lines = ["# brickprop run configuration (replay: brickprop train THIS_FILE)"]
        for f in dataclasses.fields(self):
            lines.append(f"{f.name} = {_toml_value(getattr(self, f.name))}")
        return "\n".join(lines) + "\n"

    def replace(self, **changes) -> RunConfig:
        return dataclasses.replace(self, **changes)


_CHOICES = {"dataset": DATASETS, "activation": ACTIVATIONS, "loss": LOSSES,
            "init": INITIALIZERS, "output": ["auto", *ACTIVATIONS]}
_POSITIVE = {"n_samples", "steps", "lr"}
_NON_NEGATIVE = {"momentum", "batch_size", "l2", "l1", "frames"}


def _type_name(t) -> str:
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string",
            "list[int]": "a list of positive integers"}.get(t, str(t))


def _check_type(name, value, kind):
    if kind == "list[int]":
        ok = isinstance(value, list) and value and all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    elif kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise ConfigError(f"config key {name!r} must be {_type_name(kind)}, got {value!r}")


def _kinds() -> dict:
    """Each key's expected type, read off its default value."""
    return {f.name: "list[int]" if f.name == "hidden" else type(f.default)
            for f in dataclasses.fields(RunConfig)}


def validate(cfg: RunConfig) -> None:
    """Raise ``ConfigError`` naming the first bad value of ``cfg``."""
    for name, kind in _kinds().items():
        value = getattr(cfg, name)
        _check_type(name, value, kind)
        if kind is float and not math.isfinite(value):
            raise ConfigError(f"config key {name!r} must be finite, got {value!r}")
        if name in _POSITIVE and value <= 0:
            raise ConfigError(f"{name} must be > 0, got {value!r}")
        if name in _NON_NEGATIVE and value < 0:
            raise ConfigError(f"{name} must be >= 0, got {value!r}")
        if name in _CHOICES and value not in _CHOICES[name]:
            raise ConfigError(f"unknown {name} {value!r}; choose one of "
                              f"{', '.join(_CHOICES[name])}")
    if cfg.batch_size > cfg.n_samples:
        raise ConfigError(f"batch_size {cfg.batch_size} is larger than n_samples "
                          f"{cfg.n_samples}; use 0 for full batch")
    if cfg.frames == 1:
        raise ConfigError("frames must be 0 (no animation) or at least 2")


def from_dict(values: dict, base: RunConfig | None = None, source: str = "config") -> RunConfig:
    """A ``RunConfig`` from ``base`` (default: the defaults) updated with ``values``."""
    kinds = _kinds()
    unknown = sorted(set(values) - set(kinds))
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in {source}; valid keys: "
                          f"{', '.join(kinds)}")
    for name, value in values.items():
        _check_type(name, value, kinds[name])
    values = {k: float(v) if kinds[k] is float else v for k, v in values.items()}
    return dataclasses.replace(base or RunConfig(), **values)


def load_config(path) -> RunConfig:
    """Read a TOML run config; every problem is a one-line ``ConfigError``."""
    try:
        with open(path, "rb") as f:
            values = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"{str(path)!r} is a folder; pass its config.toml") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path} is not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"cannot read config {str(path)!r}: {e.strerror}") from None
    return from_dict(values, source=str(path))


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} as TOML")


@dataclass
class Run:
    """The objects a config describes, ready for ``fit``."""

    X: object
    y: object
    Y: object
    net: object
    loss: object
    optimizer: object
    regularizer: object


def build(cfg: RunConfig) -> Run:
    """Data, network, loss, optimizer and regularizer for ``cfg``, all seeded."""
    from .datasets import one_hot
    from .losses import loss_by_name
    from .models import mlp
    from .optim import SGD
    from .regularizers import L1, L2, ElasticNet

    X, y = DATASETS[cfg.dataset](cfg.n_samples, seed=cfg.data_seed)
    n_classes = int(y.max()) + 1
    Y = one_hot(y, n_classes) if cfg.loss != "binary-cross-entropy" or n_classes > 2 \
        else y.reshape(-1, 1).astype(float)
    net = mlp(X.shape[1], cfg.hidden, Y.shape[1], activation=cfg.activation,
              output=cfg.resolved_output(), init=cfg.init, bias=cfg.bias, seed=cfg.seed)
    optimizer = SGD(net.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    if cfg.l1 and cfg.l2:
        regularizer = ElasticNet(l1=cfg.l1, l2=cfg.l2)
    else:
        regularizer = L1(cfg.l1) if cfg.l1 else L2(cfg.l2) if cfg.l2 else None
    return Run(X, y, Y, net, loss_by_name(cfg.loss), optimizer, regularizer)


def describe(cfg: RunConfig) -> str:
    """One line naming the run: ``2-3-2 sigmoid · mse + L2(0.0001) · SGD lr 5 · 5000 steps``."""
    sizes = "-".join(str(s) for s in [2, *cfg.hidden, 2])
    penalty = "".join(f" + {name}({lam:g})" for name, lam in (("L1", cfg.l1), ("L2", cfg.l2))
                      if lam)
    momentum = f" momentum {cfg.momentum:g}" if cfg.momentum else ""
    batch = f"batches of {cfg.batch_size}" if cfg.batch_size else "full batch"
    bias = "" if cfg.bias else " no bias"
    return (f"{cfg.dataset} · {sizes} {cfg.activation}{bias} · {cfg.loss}{penalty} · "
            f"SGD lr {cfg.lr:g}{momentum} · {cfg.steps} steps, {batch}")
