"""Run configuration: one flat TOML table <-> a validated ``RunConfig``.

Every option of a run lives here; command-line flags override it, and the run
folder keeps the resolved config so ``brickprop train runs/X/config.toml`` replays
the run exactly.  Unknown keys and wrong types are errors, never silently ignored;
``rules.validate`` holds the checks a config must pass, ``parse_changes`` those of its
``changes``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..bricks.activations import ACTIVATIONS
from ..bricks.features import FEATURES
from ..bricks.init import INITIALIZERS
from ..bricks.losses import LOSSES
from ..data.datasets import DATASETS, default_noise
from ..debug.bugs import BUGS, SWITCHABLE
from ..optim.optimizers import OPTIMIZERS
from ..optim.schedules import SCHEDULES
from .options import (
    ConfigError,
    _parse_value,
    _toml_line,
    check_type,
    opt,
    options,
)
from .rules import validate


@dataclass
class RunConfig:
    """Everything that defines a run (the article's XOR network by default).

    Each field is declared once with ``opt``: type, default, help, constraint and
    what 0 or none means; ``brickprop.runs.options.options(RunConfig)`` reads them.
    """

    # data
    dataset: str = opt("xor", "generated data: xor, circles, moons, spiral, gaussian "
                       "(classes) or sine, surface (regression; use loss mse)",
                       choices=tuple(DATASETS), group="data")
    n_samples: int = opt(300, "points to generate", low=0, low_open=True, group="data")
    noise: float | None = opt(None, "spread of the Gaussian noise added to the generated "
                              "points (0: none); unset, each set's own: " + ", ".join(
                                  f"{name} {default_noise(name):g}" for name in DATASETS),
                              low=0, none="the data set's own", group="data")
    data_seed: int = opt(0, "seed of the generated data and of the validation split (0: the "
                         "article's XOR points)", low=0, group="data")
    data: str = opt("", "train on a CSV file instead: numeric features, an optional header "
                    "row; features are standardized and the statistics saved with the model",
                    metavar="FILE.csv", off="generated data", group="data")
    target: str = opt("", "the CSV's target column: its header name, or #N for the 0-based "
                      "column N (a number that names no column is an index too); class "
                      "labels or regression numbers", metavar="COLUMN", group="data")
    task: str = opt("auto", "what the target holds: classification, regression, or auto "
                    "(numbers that are not all whole: regression; else classes)",
                    choices=("auto", "classification", "regression"), group="data")
    val_split: float = opt(0.0, "share of the data held out for validation", low=0,
                           off="no validation", group="data")
    # network
    features: list[str] = opt([], "engineered inputs computed from the raw ones (a Features "
                              "brick first): " + ", ".join(FEATURES), kind="list[str]",
                              nargs="+", metavar="NAME",
                              off="the raw inputs", group="network")
    hidden: list[int] = opt([3], "hidden layer sizes, e.g. --hidden 50 or --hidden 8 8",
                            kind="list[int]", metavar="N", nargs="+", group="network")
    activation: str = opt("sigmoid", "hidden activation", choices=tuple(ACTIVATIONS),
                          group="network")
    output: str = opt("auto", "output activation; auto: sigmoid for mse, else identity",
                      choices=("auto", *ACTIVATIONS), group="network")
    loss: str = opt("mse", "loss: mse, cross-entropy (softmax on logits) or "
                    "binary-cross-entropy", choices=tuple(LOSSES), group="network")
    init: str = opt("article", "weight initializer", choices=tuple(INITIALIZERS),
                    group="network")
    bias: bool = opt(True, "biases in every Linear (--no-bias: without them three sigmoid "
                     "units cannot solve XOR)", flag="--no-bias", group="network")
    dtype: str = opt("float64", "precision of the data, the weights and the training: "
                     "float32 halves the memory of a large CSV and speeds up its products",
                     choices=("float64", "float32"), group="network")
    # optimizer
    optimizer: str = opt("sgd", "optimizer, with PyTorch's update rules",
                         choices=tuple(OPTIMIZERS), group="optimizer")
    lr: float = opt(5.0, "learning rate (the peak rate of a schedule)", low=0, low_open=True,
                    group="optimizer")
    momentum: float = opt(0.0, "SGD/RMSProp momentum", low=0,
                          off="none; optimizers momentum and nesterov use 0.9",
                          group="optimizer")
    betas: list[float] = opt([0.9, 0.999], "Adam's betas", kind="list[float]",
                             metavar=("B1", "B2"), nargs=2, group="optimizer")
    weight_decay: float = opt(0.0, "the optimizer's own weight decay (PyTorch's)", low=0,
                              off="none", group="optimizer")
    l2: float = opt(1e-4, "L2 strength: lam * sum(W^2) / 2N", low=0, off="no L2 penalty",
                    group="optimizer")
    l1: float = opt(0.0, "L1 strength: lam * sum(|W|) / N", low=0, off="no L1 penalty",
                    group="optimizer")
    clip_norm: float = opt(0.0, "clip the global gradient norm", low=0, off="no clipping",
                           group="optimizer")
    clip_value: float = opt(0.0, "clip each gradient entry to [-v, v]", low=0,
                            off="no clipping", group="optimizer")
    # schedule
    schedule: str = opt("constant", "learning-rate schedule", choices=tuple(SCHEDULES),
                        group="schedule")
    gamma: float = opt(0.0, "decay factor of step, multistep, exponential and plateau",
                       low=0, off="the schedule's default", group="schedule")
    step_size: int = opt(1000, "schedule step: decay every N steps", low=0,
                        low_open=True, group="schedule")
    milestones: list[int] = opt([], "schedule multistep: steps at which to decay",
                                kind="list[step]", metavar="STEP", nargs="+", group="schedule")
    t_max: int = opt(0, "schedule cosine and onecycle: period in steps", low=0, off="all steps",
                     group="schedule")
    restarts: bool = opt(False, "schedule cosine: warm restarts every period",
                         group="schedule")
    power_t: float = opt(0.5, "schedule inverse_time: exponent", low=0, group="schedule")
    min_lr: float = opt(0.0, "floor of the cosine and plateau schedules", low=0,
                        group="schedule")
    plateau_patience: int = opt(10, "schedule plateau: epochs without improvement",
                                low=0, low_open=True, group="schedule")
    warmup: int = opt(0, "linear warm-up steps before the schedule", low=0, off="none",
                      group="schedule")
    # training
    steps: int = opt(5000, "number of updates", low=0, low_open=True, group="training")
    batch_size: int = opt(0, "minibatch size", low=0, off="full batch", group="training")
    drop_last: bool = opt(False, "skip a short last minibatch of each epoch", group="training")
    patience: int = opt(0, "early stopping: epochs without improvement of the validation "
                        "loss", low=0, off="no early stopping", group="training")
    min_delta: float = opt(0.0, "early stopping: improvement that counts", low=0,
                           group="training")
    seed: int = opt(2017, "seed of the weights and of minibatch shuffling (2017, with init "
                    "article: the article's np.random.seed, its weights)", low=0,
                    group="training")
    bugs: list[str] = opt([], "switch on a classic mistake, repeatable: " + ", ".join(BUGS),
                          kind="list[str]", flag="--bug", metavar="NAME", group="training")
    changes: list[str] = opt([], "change lr, l1, l2, clip_norm, clip_value or bugs from a "
                             "step on, repeatable: STEP:KEY=VALUE after STEP updates (bugs "
                             "joined by commas); what the live page's Save as run records",
                             kind="list[str]", flag="--change", metavar="STEP:KEY=VALUE",
                             group="training")
    # watching
    diagnose_every: int | None = opt(None, "layer diagnostics every N steps", low=0,
                                     off="never", none="about 200 per run", kind=int,
                                     group="watching")
    on_diverge: str = opt("stop", "on a NaN/inf or exploding loss: stop (exit code 3), "
                          "rollback (restore the last good weights and halve the learning "
                          "rate) or ignore", choices=("stop", "rollback", "ignore"),
                          group="watching")
    diverge_factor: float = opt(1000.0, "a loss above this multiple of its start counts as "
                                "divergence", low=1, low_open=True, group="watching")
    frames: int = opt(40, "animation frames", low=0, off="no animation", group="watching")
    log_every: int = opt(0, "write every Nth step to metrics.csv and the report (the guard "
                         "and early stopping still watch every step)", low=0,
                         off="every step up to 10,000 steps, then 10,000 rows or so",
                         group="watching")

    def __post_init__(self):
        validate(self)
        parse_changes(self.changes)  # a bad STEP:KEY=VALUE is told now, not mid-run

    def resolved_output(self) -> str:
        if self.output != "auto":
            return self.output
        return "sigmoid" if self.loss == "mse" else "identity"

    def to_toml(self, note: str | None = None) -> str:
        """The config as TOML text that ``load_config`` reads back to an equal config.

        ``note`` is a comment line under the header (e.g. why ``steps`` is what it is).
        """
        lines = ["# brickprop run configuration (replay: brickprop train THIS_FILE)"]
        lines += [f"# {' '.join(note.split())}"] if note else []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:  # TOML has no null: a missing optional key reads back as None
                lines.append(f"# {f.name}: not set ({NOT_SET[f.name]})")
            else:
                lines.append(_toml_line(f.name, value))
        return "\n".join(lines) + "\n"

    def replace(self, **changes) -> RunConfig:
        return dataclasses.replace(self, **changes)


OPTIONS = options(RunConfig)  # {name: (Option, default)}: the one declaration, read once
NOT_SET = {name: o.none for name, (o, _) in OPTIONS.items() if o.none}  # may be None


def _kinds() -> dict:
    """Each key's declared type."""
    return {name: o.kind for name, (o, _) in OPTIONS.items()}


CHANGE_KEYS = ("lr", "l1", "l2", "clip_norm", "clip_value", "bugs")


def parse_changes(changes) -> list[tuple[int, str, object]]:
    """``[(step, key, value)]`` of ``"STEP:KEY=VALUE"`` texts, by step; ConfigError."""
    out = []
    for text in changes:
        head, _, value = text.partition("=")
        step, _, key = head.partition(":")
        if not (step.strip().isdigit() and key.strip() in CHANGE_KEYS and _):
            raise ConfigError(f"changes entry {text!r} must be STEP:KEY=VALUE with KEY one of "
                              f"{', '.join(CHANGE_KEYS)}, e.g. '1200:lr=0.5'")
        key = key.strip()
        item = parse_value(key, value.replace(",", "+") if key == "bugs" else value,
                           source=f"changes entry {text!r}")
        fixed = [b for b in item if b not in SWITCHABLE] if key == "bugs" else []
        if fixed:
            raise ConfigError(f"changes entry {text!r}: bug {fixed[0]} cannot be switched "
                              f"mid-run (only {', '.join(SWITCHABLE)}); set it in bugs")
        try:  # the value's own bounds and choices, as for the key itself
            from_dict({key: item}, source=f"changes entry {text!r}")
        except ConfigError as e:
            raise ConfigError(f"changes entry {text!r}: {e}") from None
        out.append((int(step), key, item))
    return sorted(out, key=lambda c: c[0])


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
            check_type(name, value, kinds[name])
            values[name] = float(value) if kinds[name] is float else value
    return dataclasses.replace(base or RunConfig(), **values)


def parse_value(name: str, text: str, source: str = "the command line"):
    """The value of config key ``name`` written as command-line ``text`` (see ``options``)."""
    return _parse_value(name, text, _kinds(), source)


MAX_CONFIG = 1_000_000  # bytes: a config is a few hundred; a larger file is another file


def load_config(path) -> RunConfig:
    """Read a TOML run config; every problem is a one-line ``ConfigError``."""
    try:
        if os.path.getsize(path) > MAX_CONFIG:
            raise ConfigError(f"{path} is {os.path.getsize(path)} bytes; a run config is a few "
                              "hundred: is it the right file?")
        with open(path, "rb") as f:
            values = tomllib.load(f)
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path} is not UTF-8 text (byte {e.object[e.start]:#04x} at "
                          f"position {e.start}); save it as UTF-8") from None
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
