"""What a config describes, built: data, network, optimizer and the arguments of ``fit``.

``build(cfg)`` turns a validated :class:`~brickprop.config.RunConfig` into a
:class:`Run`; everything is seeded from the config, so the same config gives the
same run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from ..data.datasets import DATASETS, REGRESSION
from ..debug.bugs import apply_bugs
from .config import ConfigError, RunConfig, parse_changes

LIGHT = 2**20  # multiply-adds of a step's matrix products that NumPy does on one core


@dataclass
class Run:
    """The objects a config describes, ready for ``fit(net, X, Y, **fit_kwargs)``."""

    X: object             # (n_train, n_features) training inputs
    y: object             # (n_train,) training labels
    Y: object             # (n_train, n_out) training targets
    net: object
    fit_kwargs: dict      # loss, optimizer, regularizer, steps, ... for fit()
    info: dict            # task, feature names, class labels, where the data came from
    standardizer: object  # Standardizer of a CSV's features, or None

    @property
    def loss(self):
        return self.fit_kwargs["loss"]

    @property
    def light(self) -> bool:
        """Whether a step's matrix products are small enough for NumPy to do on one core.

        Then another core is free while the run trains (``jobs.run.train_run`` forks its
        drawing process before the training); larger products use every core (BLAS
        threads), and the drawing process is forked after it.
        """
        batch = self.fit_kwargs.get("batch_size") or len(self.X)
        return batch * sum(b.n_in * b.n_out for b in self.net if hasattr(b, "n_out")) < LIGHT


def make_lr(cfg: RunConfig):
    """The learning rate of ``cfg``: a float, or a schedule ``step -> lr``."""
    from ..optim.schedules import make_schedule

    if cfg.schedule == "constant" and not cfg.warmup:
        return cfg.lr
    kw = {"step": {"step_size": cfg.step_size, "gamma": cfg.gamma or 0.1},
          "multistep": {"milestones": cfg.milestones, "gamma": cfg.gamma or 0.1},
          "exponential": {"gamma": cfg.gamma or 0.999},
          "inverse_time": {"power_t": cfg.power_t},
          "cosine": {"t_max": cfg.t_max or cfg.steps, "eta_min": cfg.min_lr,
                     "restarts": cfg.restarts},
          "onecycle": {"total_steps": cfg.t_max or cfg.steps},
          "plateau": {"factor": cfg.gamma or 0.1, "patience": cfg.plateau_patience,
                      "min_lr": cfg.min_lr},
          }.get(cfg.schedule, {})
    return make_schedule(cfg.schedule, cfg.lr, warmup_steps=cfg.warmup, **kw)


def make_optimizer_for(cfg: RunConfig, params):
    """The optimizer of ``cfg`` over ``params``."""
    from ..optim.optimizers import make_optimizer

    lr = make_lr(cfg)
    kw = {"weight_decay": cfg.weight_decay}
    if cfg.optimizer in ("sgd", "momentum", "nesterov", "rmsprop") and cfg.momentum:
        kw["momentum"] = cfg.momentum
    if cfg.optimizer in ("adam", "adamw"):
        kw["betas"] = tuple(cfg.betas)
    return make_optimizer(cfg.optimizer, params, lr=lr, **kw)


def load_data(cfg: RunConfig):
    """``(X, y, info, standardizer)``: the generated set, or the CSV file standardized."""
    from ..data.csvfile import from_csv
    from ..data.standardizer import Standardizer

    if not cfg.data:
        noise = {} if cfg.noise is None else {"noise": cfg.noise}
        X, y = DATASETS[cfg.dataset](cfg.n_samples, seed=cfg.data_seed, **noise)
        task = "regression" if cfg.dataset in REGRESSION else "classification"
        if cfg.task not in ("auto", task):
            raise ConfigError(f"dataset {cfg.dataset!r} is {task} data; task {cfg.task} "
                              "applies to a data file: leave it auto")
        info = {"task": task, "source": f"dataset {cfg.dataset!r}", "classes": None,
                "features": [f"x{i + 1}" for i in range(X.shape[1])], "target": "y"}
        return X.astype(cfg.dtype, copy=False), y, info, None
    X, y, info = from_csv(cfg.data, cfg.target, cfg.task, dtype=cfg.dtype)  # X in the run's dtype
    standardizer = Standardizer().fit(X)
    X = standardizer.transform(X, copy=False)  # in place: X is ours, and may be large
    return X, y, {**info, "source": cfg.data}, standardizer


def make_regularizer(cfg: RunConfig, bugs: bool = True):
    """The penalty of ``cfg``: L1, L2, ElasticNet (both set) or None; with its bugs if any."""
    from ..bricks.regularizers import L1, L2, ElasticNet

    if cfg.l1 and cfg.l2:
        regularizer = ElasticNet(l1=cfg.l1, l2=cfg.l2)
    else:
        regularizer = L1(cfg.l1) if cfg.l1 else L2(cfg.l2) if cfg.l2 else None
    if bugs and "scalar-l2-gradient" in cfg.bugs:  # the one bug that lives in the penalty
        return apply_bugs(["scalar-l2-gradient"], None, None, regularizer)[2]
    return regularizer


def build(cfg: RunConfig, data_of: Run | None = None) -> Run:
    """Data, network and everything ``fit`` needs for ``cfg``, all seeded.

    ``data_of``, a ``Run`` that ``build(cfg)`` made (trained or not), lends its data:
    the same arrays, not read, standardized and split again (an MNIST-sized CSV takes
    seconds).  The network and the rest are made afresh from ``cfg``, as initialized.
    """
    if data_of is None:
        X, y, Y, validation, info, standardizer = _data(cfg)
    else:
        X, y, Y, info, standardizer = (data_of.X, data_of.y, data_of.Y, data_of.info,
                                       data_of.standardizer)
        validation = data_of.fit_kwargs.get("validation")
    return _assemble(cfg, X, y, Y, validation, info, standardizer)


def _data(cfg: RunConfig):
    """``(X, y, Y, validation, info, standardizer)`` of ``cfg``: loaded, checked and split."""
    import numpy as np

    from ..bricks.functional import one_hot
    from .limits import check_memory

    if not cfg.data:  # before generating: the sizes are the config's own (at most 3 classes)
        check_memory(cfg, cfg.n_samples, 2, 3)
    X, y, info, standardizer = load_data(cfg)
    if info["task"] == "regression":
        if cfg.loss != "mse":
            raise ConfigError(f"{info['source']} is regression data: use loss mse")
        Y = y.reshape(-1, 1).astype(cfg.dtype)
    else:
        n_classes = int(y.max()) + 1
        binary = cfg.loss == "binary-cross-entropy" and n_classes == 2
        Y = y.reshape(-1, 1).astype(cfg.dtype) if binary else one_hot(y, n_classes, cfg.dtype)
    if cfg.data:
        check_memory(cfg, len(X), X.shape[1], Y.shape[1])
    if cfg.batch_size > len(X):
        raise ConfigError(f"batch_size {cfg.batch_size} is larger than the {len(X)} samples; "
                          "use 0 for full batch")
    validation = None
    if cfg.val_split and not 1 <= round(len(X) * cfg.val_split) < len(X):
        raise ConfigError(f"val_split {cfg.val_split:g} of the {len(X)} samples of "
                          f"{info['source']} leaves no validation or no training sample; "
                          "change it or set it to 0")
    if cfg.val_split:
        order = np.random.default_rng(cfg.data_seed).permutation(len(X))
        held, kept = np.sort(order[:round(len(X) * cfg.val_split)]), np.sort(
            order[round(len(X) * cfg.val_split):])
        validation = (X[held], Y[held])
        X, y, Y = X[kept], y[kept], Y[kept]
    if cfg.features:
        from ..bricks.features import check_features
        try:
            check_features(cfg.features, X.shape[1])
        except ValueError as e:
            raise ConfigError(f"features: {e} (the data is {info['source']})") from None
    return X, y, Y, validation, info, standardizer


def _assemble(cfg: RunConfig, X, y, Y, validation, info, standardizer) -> Run:
    """The network, loss, optimizer and ``fit`` arguments of ``cfg`` around its data."""
    from ..bricks.losses import loss_by_name
    from ..bricks.models import mlp

    net = mlp(X.shape[1], cfg.hidden, Y.shape[1], activation=cfg.activation,
              output="identity" if info["task"] == "regression" and cfg.output == "auto"
              else cfg.resolved_output(), init=cfg.init,
              bias=cfg.bias and "no-bias" not in cfg.bugs, seed=cfg.seed,
              dtype=cfg.dtype, features=cfg.features or None)
    net, loss, regularizer = apply_bugs(cfg.bugs, net, loss_by_name(cfg.loss),
                                        make_regularizer(cfg, bugs=False))
    fit_kwargs = dict(
        loss=loss, optimizer=make_optimizer_for(cfg, net.parameters()),
        regularizer=regularizer, shuffle="no-shuffle" not in cfg.bugs, steps=cfg.steps,
        batch_size=cfg.batch_size or None,
        drop_last=cfg.drop_last, seed=cfg.seed, snapshots=cfg.frames,
        clip_norm=cfg.clip_norm or None, clip_value=cfg.clip_value or None,
        validation=validation, patience=cfg.patience or None, min_delta=cfg.min_delta,
        diagnose_every=max(1, cfg.steps // 200) if cfg.diagnose_every is None
        else cfg.diagnose_every,
        on_diverge=cfg.on_diverge, diverge_factor=cfg.diverge_factor,
        log_every=cfg.log_every,
        metric="r2" if info["task"] == "regression" else "accuracy")
    if cfg.changes:
        fit_kwargs["callbacks"] = [change_schedule(cfg)]
    return Run(X, y, Y, net, fit_kwargs, info, standardizer)


def rebug(cfg: RunConfig, net):
    """``(net, loss)`` with the switchable bugs of ``cfg`` on and the others healed."""
    from ..bricks.losses import loss_by_name
    from ..debug.bugs import SWITCHABLE, heal

    net, loss, _ = apply_bugs([b for b in cfg.bugs if b in SWITCHABLE], heal(net),
                              loss_by_name(cfg.loss), make_regularizer(cfg, bugs=False))
    return net, loss


def apply_change(run, cfg: RunConfig, bugs_changed: bool) -> None:
    """Train with ``cfg``'s lr, penalty, clipping (and bugs) from the next step on."""
    if bugs_changed:
        run.net, run.loss = rebug(cfg, run.net)
    run.set_lr(make_lr(cfg))
    run.set_regularizer(make_regularizer(cfg))
    run.set_clip(cfg.clip_norm or None, cfg.clip_value or None)


def change_schedule(cfg: RunConfig):
    """The ``Scheduled`` callback that applies ``cfg.changes`` at their steps."""
    from ..train.callbacks import Scheduled

    actions, now = {}, cfg
    by_step = {}
    for step, key, value in parse_changes(cfg.changes):
        by_step.setdefault(step, {})[key] = value
    for step, values in by_step.items():
        new = replace(now, **values)
        actions[step] = [lambda run, c=new, b=new.bugs != now.bugs: apply_change(run, c, b)]
        now = new
    return Scheduled(actions)


def preprocessing(cfg: RunConfig, run: Run) -> dict:
    """What predicting with ``run.net`` needs besides its weights, ready for JSON.

    The task, the feature and target names (and the target's column in the file), the
    class labels in output order, the loss (it decides what the outputs mean), the
    class-1 threshold of a single output, and the standardization statistics (or None).
    """
    info = run.info
    classes = info["classes"]
    if info["task"] == "classification" and classes is None:  # generated: labels 0..k-1
        classes = [str(k) for k in range(max(run.Y.shape[1], 2))]
    return {"task": info["task"], "features": list(info["features"]),
            "target": info["target"], "target_index": info.get("target_index",
                                                               len(info["features"])),
            "classes": classes, "loss": cfg.loss, "threshold": float(run.loss.threshold),
            "standardizer": run.standardizer.to_dict() if run.standardizer else None}


def _printable(name: str) -> str:
    """``name`` on one line: control characters (a newline in a file name) escaped."""
    return name if name.isprintable() else name.encode("unicode_escape").decode("ascii")


def describe(cfg: RunConfig, run: Run | None = None) -> str:
    """One line naming the run: ``xor · 2-3-2 sigmoid · mse + L2(0.0001) · sgd lr 5 · ...``."""
    n_in, n_out = (run.X.shape[1], run.Y.shape[1]) if run is not None else (2, 2)
    n_in = len(cfg.features) or n_in
    sizes = "-".join(str(s) for s in [n_in, *cfg.hidden, n_out])
    penalty = "".join(f" + {name}({lam:g})" for name, lam in (("L1", cfg.l1), ("L2", cfg.l2))
                      if lam)
    momentum = f" momentum {cfg.momentum:g}" if cfg.momentum else ""
    schedule = "" if cfg.schedule == "constant" else f" {cfg.schedule}"
    warmup = f" warm-up {cfg.warmup}" if cfg.warmup else ""
    clip = "".join(f" · {k.replace('_', ' ')} {getattr(cfg, k):g}"
                   for k in ("clip_norm", "clip_value") if getattr(cfg, k))
    batch = f"batches of {cfg.batch_size}" if cfg.batch_size else "full batch"
    val = f", {cfg.val_split:g} held out" if cfg.val_split else ""
    bias = "" if cfg.bias and "no-bias" not in cfg.bugs else " no bias"
    bias += "" if cfg.dtype == "float64" else f" {cfg.dtype}"
    bugs = f" · BUGS ON: {', '.join(cfg.bugs)}" if cfg.bugs else ""
    if cfg.features:
        data_features = f" · inputs {', '.join(cfg.features)}"
    else:
        data_features = ""
    data = _printable(os.path.basename(cfg.data)) if cfg.data else cfg.dataset + (
        "" if cfg.noise is None else f" (noise {cfg.noise:g})")
    return (f"{data}{data_features} · {sizes} {cfg.activation}{bias} · {cfg.loss}{penalty} · "
            f"{cfg.optimizer} lr {cfg.lr:g}{momentum}{schedule}{warmup}{clip} · "
            f"{cfg.steps} steps, {batch}{val}{bugs}")
