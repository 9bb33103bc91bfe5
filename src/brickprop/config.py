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
from .bugs import BUGS
from .datasets import DATASETS, REGRESSION
from .init import INITIALIZERS
from .losses import LOSSES
from .optim import OPTIMIZERS
from .schedules import SCHEDULES


class ConfigError(ValueError):
    """A configuration value or file that cannot be used; the message says how to fix it."""


@dataclass
class RunConfig:
    """Everything that defines a run (the article's XOR network by default)."""

    dataset: str = "xor"            # generated data set (see brickprop.datasets.DATASETS)
    n_samples: int = 300            # points to generate
    noise: float | None = None      # spread of the points' Gaussian noise (None: the set's own)
    data_seed: int = 0              # seed of the data (and of the validation split)
    data: str = ""                  # a CSV file to train on instead (features standardized)
    target: str = ""                # its target column (name, or index without a header)
    hidden: list[int] = field(default_factory=lambda: [3])  # hidden layer sizes
    activation: str = "sigmoid"     # hidden activation
    output: str = "auto"            # output activation; auto: sigmoid for mse, else identity
    loss: str = "mse"               # mse, cross-entropy, binary-cross-entropy
    init: str = "article"           # weight initializer
    bias: bool = True               # biases in every Linear
    dtype: str = "float64"          # float32: data, weights and training in single precision
    optimizer: str = "sgd"          # sgd, momentum, nesterov, rmsprop, adam, adamw
    lr: float = 5.0                 # learning rate (the peak rate of a schedule)
    momentum: float = 0.0           # SGD/RMSProp momentum (momentum, nesterov: 0 means 0.9)
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])  # Adam's betas
    weight_decay: float = 0.0       # the optimizer's own weight decay (PyTorch's)
    schedule: str = "constant"      # learning-rate schedule
    gamma: float = 0.0              # decay factor (0: the schedule's default)
    step_size: int = 1000           # schedule "step": decay every step_size steps
    milestones: list[int] = field(default_factory=list)  # schedule "multistep"
    t_max: int = 0                  # schedule "cosine": period (0: all steps)
    restarts: bool = False          # schedule "cosine": warm restarts
    power_t: float = 0.5            # schedule "inverse_time"
    min_lr: float = 0.0             # floor of "cosine" and "plateau"
    plateau_patience: int = 10      # schedule "plateau": epochs without improvement
    warmup: int = 0                 # linear warm-up steps before the schedule
    steps: int = 5000               # updates
    batch_size: int = 0             # 0 = full batch
    drop_last: bool = False         # skip a short last minibatch of each epoch
    l2: float = 1e-4                # L2 strength (lam * sum(W^2) / 2N)
    l1: float = 0.0                 # L1 strength (lam * sum(|W|) / N)
    clip_norm: float = 0.0          # clip the global gradient norm (0: off)
    clip_value: float = 0.0         # clip each gradient entry to [-v, v] (0: off)
    val_split: float = 0.0          # share of the data held out for validation
    patience: int = 0               # early stopping after this many epochs (0: off)
    min_delta: float = 0.0          # improvement that resets the patience
    diagnose_every: int = 0         # layer diagnostics every N steps (0: about 200 per run)
    on_diverge: str = "stop"        # stop, rollback (restore, halve lr) or ignore
    diverge_factor: float = 1000.0  # a loss above this multiple of its start is divergence
    bugs: list[str] = field(default_factory=list)  # deliberate mistakes (brickprop.bugs.BUGS)
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
            value = getattr(self, f.name)
            if value is None:  # TOML has no null: a missing optional key reads back as None
                lines.append(f"# {f.name}: not set ({NOT_SET[f.name]})")
            else:
                lines.append(f"{f.name} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"

    def replace(self, **changes) -> RunConfig:
        return dataclasses.replace(self, **changes)


_CHOICES = {"dataset": DATASETS, "activation": ACTIVATIONS, "loss": LOSSES,
            "init": INITIALIZERS, "output": ["auto", *ACTIVATIONS], "optimizer": OPTIMIZERS,
            "schedule": SCHEDULES, "on_diverge": ["stop", "rollback", "ignore"],
            "dtype": ["float64", "float32"]}
_POSITIVE = {"n_samples", "steps", "lr", "step_size", "plateau_patience"}
_NON_NEGATIVE = {"noise", "momentum", "batch_size", "l2", "l1", "frames", "weight_decay", "gamma",
                 "diagnose_every", "t_max", "power_t", "min_lr", "warmup", "clip_norm",
                 "clip_value",
                 "val_split", "patience", "min_delta"}
_LISTS = {"hidden": "list[int]", "betas": "list[float]", "milestones": "list[step]",
          "bugs": "list[str]"}
NOT_SET = {"noise": "the data set's own"}  # keys that may be None: a number, or what None means


def _type_name(t) -> str:
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string",
            "list[int]": "a list of positive integers", "list[float]": "a list of numbers",
            "list[step]": "a list of positive step numbers (may be empty)",
            "list[str]": "a list of names (may be empty)"}.get(t, str(t))


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_type(name, value, kind):
    if kind in ("list[int]", "list[step]"):
        ok = isinstance(value, list) and (value or kind == "list[step]") and all(
            _is_int(v) and v > 0 for v in value)
    elif kind == "list[str]":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif kind == "list[float]":
        ok = isinstance(value, list) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    elif kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise ConfigError(f"config key {name!r} must be {_type_name(kind)}, got {value!r}")


def _kinds() -> dict:
    """Each key's expected type, read off its default value (float for ``NOT_SET`` keys)."""
    return {f.name: _LISTS.get(f.name) or (float if f.name in NOT_SET else type(f.default))
            for f in dataclasses.fields(RunConfig)}


def validate(cfg: RunConfig) -> None:
    """Raise ``ConfigError`` naming the first bad value of ``cfg``."""
    for name, kind in _kinds().items():
        value = getattr(cfg, name)
        if value is None and name in NOT_SET:
            continue
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
    if cfg.data and not cfg.target:
        raise ConfigError("data needs its target column: set target, e.g. --target label")
    if cfg.target and not cfg.data:
        raise ConfigError(f"target {cfg.target!r} names a column of a data file: set data "
                          "too, e.g. --data file.csv --target label")
    if cfg.data and cfg.noise is not None:
        raise ConfigError("noise applies to generated data sets, not to a data file: "
                          "remove it, or use a dataset instead of data")
    if cfg.dataset in REGRESSION and not cfg.data and cfg.loss != "mse":
        raise ConfigError(f"dataset {cfg.dataset!r} is a regression set: use loss mse")
    if cfg.batch_size > cfg.n_samples and not cfg.data:
        raise ConfigError(f"batch_size {cfg.batch_size} is larger than n_samples "
                          f"{cfg.n_samples}; use 0 for full batch")
    if cfg.diverge_factor <= 1:
        raise ConfigError(f"diverge_factor must be > 1, got {cfg.diverge_factor!r}")
    if cfg.frames == 1:
        raise ConfigError("frames must be 0 (no animation) or at least 2")
    if len(cfg.betas) != 2 or not all(0 <= b < 1 for b in cfg.betas):
        raise ConfigError(f"betas must be two numbers in [0, 1), got {cfg.betas!r}")
    if not cfg.val_split < 1:
        raise ConfigError(f"val_split must be in [0, 1), got {cfg.val_split!r}")
    if cfg.val_split and not cfg.data and round(cfg.n_samples * cfg.val_split) < 1:
        raise ConfigError(f"val_split {cfg.val_split:g} of {cfg.n_samples} samples holds out "
                          "no sample; raise it or set it to 0")
    if cfg.patience and not cfg.val_split:
        raise ConfigError("patience (early stopping) needs validation data; "
                          "set val_split, e.g. --val-split 0.2")
    bad = [b for b in cfg.bugs if b not in BUGS]
    if bad:
        raise ConfigError(f"unknown bug {bad[0]!r}; choose from {', '.join(BUGS)}")
    if "scalar-l2-gradient" in cfg.bugs and not cfg.l2:
        raise ConfigError("bug scalar-l2-gradient needs an L2 penalty (set l2 > 0)")
    if "sigmoid-derivative-of-z" in cfg.bugs and "sigmoid" not in (
            cfg.activation, cfg.resolved_output()):
        raise ConfigError("bug sigmoid-derivative-of-z needs a sigmoid activation or output")
    if "no-shuffle" in cfg.bugs and not cfg.batch_size:
        raise ConfigError("bug no-shuffle changes nothing in full batch; set batch_size "
                          "(the article's script: 50)")
    if cfg.schedule == "multistep" and not cfg.milestones:
        raise ConfigError("schedule 'multistep' needs milestones, e.g. --milestones 1000 3000")


def from_dict(values: dict, base: RunConfig | None = None, source: str = "config") -> RunConfig:
    """A ``RunConfig`` from ``base`` (default: the defaults) updated with ``values``."""
    kinds = _kinds()
    unknown = sorted(set(values) - set(kinds))
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in {source}; valid keys: "
                          f"{', '.join(kinds)}")
    values = dict(values)
    for name, value in values.items():
        if not (value is None and name in NOT_SET):
            _check_type(name, value, kinds[name])
            values[name] = float(value) if kinds[name] is float else value
    return dataclasses.replace(base or RunConfig(), **values)


OFF = {"schedule": "constant", "output": "auto"}  # "none" of a str key; numbers: 0, lists: []


def parse_value(name: str, text: str, source: str = "the command line"):
    """The value of config key ``name`` written as command-line ``text``.

    ``"none"`` is the key's "off" value (0 for numbers, false, an empty list, the
    constant schedule); list items are joined by ``+`` (``hidden`` ``16+16``).  The
    result passes the same type checks as a TOML value; a problem is a ``ConfigError``.
    """
    kinds = _kinds()
    if name not in kinds:
        raise ConfigError(f"unknown key {name!r} in {source}; valid keys: {', '.join(kinds)}")
    kind, text = kinds[name], text.strip()
    if text.lower() == "none":
        if name in OFF or kind in (int, float, bool) or kind in _LISTS.values():
            value = OFF.get(name, [] if kind in _LISTS.values() else kind())
            if kind in ("list[int]", "list[float]") and not value:
                raise ConfigError(f"{name} cannot be none in {source}; give a value")
            return value
        raise ConfigError(f"{name} has no 'none' (off) value in {source}; give a value")
    try:
        if kind is bool:
            if text.lower() not in ("true", "false"):
                raise ValueError
            value = text.lower() == "true"
        elif kind in (int, float, str):
            value = kind(text)
        else:
            item = float if kind == "list[float]" else str if kind == "list[str]" else int
            value = [item(v) for v in text.split("+") if v] if text else []
    except ValueError:
        raise ConfigError(f"{name}={text!r} in {source}: {name} must be "
                          f"{_type_name(kind)}") from None
    _check_type(name, value, kind)
    return float(value) if kind is float else value


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


def from_toml(text: str, source: str) -> RunConfig:
    """A run config from TOML text, such as the one a model file keeps."""
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source} is not valid TOML: {e}") from None
    return from_dict(values, source=source)


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
