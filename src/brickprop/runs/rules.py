"""The rules a run config must satisfy: each option's declared constraint, then those
between options (a data file needs its target, early stopping needs validation data, ...).

``RunConfig`` checks itself with ``validate`` whenever it is made or replaced.
"""

from __future__ import annotations

import functools

from ..bricks.features import check_features
from ..data.datasets import REGRESSION
from ..debug.bugs import BUGS
from .options import ConfigError, _check_option, options


@functools.cache
def _declared(config_class) -> tuple:
    """``(name, Option)`` of every field of ``config_class``, read once per class."""
    return tuple((name, o) for name, (o, _) in options(config_class).items())


def validate(cfg) -> None:
    """Raise ``ConfigError`` naming the first bad value of the run config ``cfg``.

    ``changes`` is checked by ``config.parse_changes``, which reads it into values.
    """
    for name, o in _declared(type(cfg)):
        value = getattr(cfg, name)
        if not (value is None and o.none):
            _check_option(name, value, o)
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
    if cfg.features:
        try:
            check_features(cfg.features)
        except ValueError as e:
            raise ConfigError(f"features: {e}") from None
    if max(cfg.seed, cfg.data_seed) >= 2**32:  # the legacy RandomState takes no larger seed
        raise ConfigError(f"seed and data_seed must be < 2**32: {cfg.seed}, {cfg.data_seed}")
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
