"""``brickprop explain``, ``brickprop gradcheck`` and ``brickprop schedule``: look inside a run.

Each takes a TOML config, a saved ``model.npz`` (which carries the config of the
run that wrote it) or nothing (the article's XOR run).
"""

from __future__ import annotations

import argparse

from .base import EXIT_OK, UsageError, subcommand

MAX_SCHEDULE_STEPS = 100_000_000  # 800 MB of float64 rates
SCHEDULE_KEYS = ("lr", "steps", "gamma", "step_size", "milestones", "t_max", "restarts",
                 "power_t", "min_lr", "plateau_patience", "warmup")


def add_parsers(sub):
    """Add ``explain``, ``gradcheck`` and ``schedule`` to the subcommands ``sub``."""
    _explain_parser(sub)
    _gradcheck_parser(sub)
    _schedule_parser(sub)


def _schedule_parser(sub):
    p = subcommand(sub, cmd_schedule)
    p.add_argument("name", help="constant, step, multistep, exponential, inverse_time, "
                   "cosine, onecycle or plateau")
    p.add_argument("--lr", type=float, default=0.1, help="base (or peak) learning rate")
    p.add_argument("--steps", type=int, default=1000, help="steps to show")
    for flag, kind, text in (("--gamma", float, "decay factor (0: the schedule's default)"),
                             ("--step-size", int, "schedule step: decay every N steps"),
                             ("--t-max", int, "schedule cosine: period (0: all steps)"),
                             ("--power-t", float, "schedule inverse_time: exponent"),
                             ("--min-lr", float, "floor of cosine and plateau"),
                             ("--warmup", int, "linear warm-up steps")):
        p.add_argument(flag, type=kind, help=text)
    p.add_argument("--milestones", type=int, nargs="+", metavar="STEP",
                   help="schedule multistep: steps at which to decay")
    p.add_argument("--restarts", action="store_const", const=True,
                   help="schedule cosine: warm restarts")
    p.add_argument("--plateau-patience", type=int, help=argparse.SUPPRESS)
    p.add_argument("--out", help="also draw the curve into this PNG file")


def cmd_schedule(args) -> int:
    """show a learning-rate schedule over steps

    Print (and with --out, draw) the learning rate a schedule gives at each step, with the same
    options as 'brickprop train'.
    """
    import numpy as np

    from ..optim.schedules import lr_curve
    from ..runs.build import make_lr
    from ..runs.config import ConfigError, from_dict

    if args.steps > MAX_SCHEDULE_STEPS:
        raise UsageError(f"--steps {args.steps}: schedule shows at most {MAX_SCHEDULE_STEPS} "
                         "steps (it keeps the whole curve in memory); use fewer")
    values = {k: getattr(args, k) for k in SCHEDULE_KEYS if getattr(args, k) is not None}
    try:
        cfg = from_dict({**values, "schedule": args.name}, source="the command line")
    except ConfigError as e:
        raise UsageError(str(e)) from None
    schedule = make_lr(cfg)
    rates = lr_curve(schedule, cfg.steps)
    print(f"{schedule!r}" if callable(schedule) else f"constant learning rate {schedule:g}")
    if cfg.schedule == "plateau":
        print("(plateau lowers the rate only when the training loop reports no progress; "
              "without a loss the curve stays flat)")
    print(f"{'step':>8}  learning rate")
    for t in np.unique(np.linspace(0, cfg.steps - 1, 11).round().astype(int)):
        print(f"{t:>8}  {rates[t]:.6g}")
    if args.out:
        from ..store.folders import FolderError, refuse_inputs
        from ..viz.plots import schedule_curve

        try:
            refuse_inputs(args.out)
        except FolderError as e:
            raise UsageError(str(e)) from None
        schedule_curve(rates, args.out, title=f"schedule {cfg.schedule}")
        print(f"wrote {args.out}")
    return EXIT_OK


def _load_source(source: str | None, overrides: dict | None = None):
    """``(cfg, run, net, is_model)`` for a TOML config, a saved model.npz or the default run.

    A model brings the config of the run that wrote it (its data, loss and
    regularizer), or the default run's when it has none; the config's bugs are
    applied to it as they are to a config's network.
    """
    from ..debug.bugs import apply_bugs
    from ..runs.build import build
    from ..runs.config import ConfigError, from_dict, from_toml, load_config
    from ..store.model import read

    model = bool(source) and source.endswith(".npz")
    try:
        if model:
            saved_net, meta = read(source)
            saved = meta["extra"].get("config")
            cfg = from_toml(saved, f"{source}'s config") if saved else from_dict({})
        else:
            cfg = load_config(source) if source else from_dict({})
        cfg = from_dict(overrides or {}, base=cfg, source="the command line")
    except ConfigError as e:
        raise UsageError(str(e)) from None
    run = build(cfg)
    net = run.net
    if model:
        kw = run.fit_kwargs
        net, kw["loss"], kw["regularizer"] = apply_bugs(cfg.bugs, saved_net, kw["loss"],
                                                        kw["regularizer"])
    return cfg, run, net, model


def _explain_parser(sub):
    p = subcommand(sub, cmd_explain)
    p.add_argument("source", nargs="?", help="TOML run config or a saved model.npz "
                   "(default: the article's XOR network)")
    p.add_argument("--article", action="store_true",
                   help="the article's own worked example, number for number: its 2-3-2 "
                   "network without biases, its first point, squared error without penalty, "
                   "SGD with lr 0.001, and its figures' numbers side by side")
    p.add_argument("--samples", type=int,
                   help="XOR samples in the batch traced (0: the whole data set) (default: 1)")
    p.add_argument("--show", type=int, default=4, help="rows shown per array (0: all)")
    p.add_argument("--precision", type=int, help="digits after the point (default: 4; 8 "
                   "with --article, as many as the article prints)")
    p.add_argument("--format", choices=["text", "markdown", "latex"], default="text")
    p.add_argument("--lr", type=float, help="learning rate of a plain SGD step "
                   "(default: the config's optimizer)")


def cmd_explain(args) -> int:
    """trace one training iteration, number by number

    Print one training iteration in the order of the chain rule: forward pass, loss, every
    factor of the backward pass and the updated weights.
    """
    from ..debug.explain import explain, render

    samples = 1 if args.samples is None else args.samples
    if args.precision is None:
        args.precision = 8 if args.article else 4
    if samples < 0 or args.show < 0 or not 0 <= args.precision <= 16:
        raise UsageError("--samples and --show must be >= 0 and --precision in 0..16")
    if args.article:
        return _explain_article(args)
    cfg, run, net, model = _load_source(args.source)
    n = samples or len(run.X)
    X, Y = run.X[:n], run.Y[:n]
    kw = run.fit_kwargs
    if model or args.lr is not None:  # the config's optimizer is bound to the config's net
        optimizer, lr = None, args.lr if args.lr is not None else cfg.lr
    else:
        optimizer, lr = kw["optimizer"], None
    trace = explain(net, X, Y, loss=kw["loss"], regularizer=kw["regularizer"], lr=lr,
                    optimizer=optimizer)
    print(render(trace, args.format, precision=args.precision, samples=args.show or None))
    return EXIT_OK


def _explain_article(args) -> int:
    from ..debug.article import explain_article
    from ..debug.explain import render

    given = [what for what, value in (("a SOURCE", args.source), ("--samples", args.samples),
                                      ("--lr", args.lr)) if value is not None]
    if given:
        raise UsageError(f"--article traces the article's own network, point and learning "
                         f"rate; leave out {' and '.join(given)}")
    print(render(explain_article(), args.format, precision=args.precision,
                 samples=args.show or None))
    return EXIT_OK


def _gradcheck_parser(sub):
    p = subcommand(sub, cmd_gradcheck)
    p.add_argument("source", nargs="?", help="TOML run config or a saved model.npz "
                   "(default: the article's XOR network)")
    p.add_argument("--bug", dest="bugs", action="append", metavar="NAME",
                   help="switch on a classic mistake (see 'brickprop train --help')")
    p.add_argument("--samples", type=int, default=5, help="data samples in the check")


def cmd_gradcheck(args) -> int:
    """check every gradient against finite differences

    Compare every brick's analytic gradients (each parameter and the input), the loss's and the
    regularizer's with central finite differences, and name the brick that is wrong. Exit code
    1 when a check fails.
    """
    from ..debug.gradcheck import gradcheck

    if args.samples < 1:
        raise UsageError("--samples must be at least 1")
    cfg, run, net, _ = _load_source(args.source, {"bugs": args.bugs} if args.bugs else {})
    loss, regularizer = run.fit_kwargs["loss"], run.fit_kwargs["regularizer"]
    if cfg.bugs:
        print(f"deliberate bugs switched on: {', '.join(cfg.bugs)}")
    report = gradcheck(net, run.X[:args.samples], run.Y[:args.samples], loss, regularizer)
    print(report)
    return EXIT_OK if report.passed else 1
