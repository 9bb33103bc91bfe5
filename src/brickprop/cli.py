"""The ``brickprop`` command.

``brickprop train`` with no arguments trains the article's XOR network (2-3-2,
sigmoid, MSE + L2, SGD) and writes a run folder.  Bad input is one line on stderr
and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import time

EXIT_OK, EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 2, 3, 130


class UsageError(Exception):
    """A problem with what the user asked for; printed as one line, exit code 2."""


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default only when it has one (flags left unset defer to the config)."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + message
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _train_parser(sub):
    p = sub.add_parser(
        "train", help="train a network and write a run folder",
        description="Train a network (default: the article's 2-3-2 sigmoid network on XOR) "
                    "and write a run folder with config.toml, metrics.csv, model.npz, "
                    "figure.png, animation.gif and summary.txt. Flags override the config.",
        formatter_class=_HelpFormatter)
    p.add_argument("config", nargs="?", help="TOML run config, e.g. runs/X/config.toml "
                   "to replay a run (default: the article's XOR run)")
    p.add_argument("--dataset", help="generated data: xor, circles, moons, spiral, gaussian "
                   "(classes) or sine, surface (regression; use --loss mse)")
    p.add_argument("--n-samples", type=int, help="points to generate")
    p.add_argument("--data", metavar="FILE.csv", help="train on a CSV file instead: numeric "
                   "features, an optional header row; features are standardized and the "
                   "statistics saved with the model")
    p.add_argument("--target", metavar="COLUMN", help="the CSV's target column: its header "
                   "name, or its 0-based index; class labels or regression numbers")
    p.add_argument("--hidden", type=int, nargs="+", metavar="N",
                   help="hidden layer sizes, e.g. --hidden 50 or --hidden 8 8")
    p.add_argument("--activation", help="hidden activation: sigmoid, tanh, relu, leaky-relu, "
                   "identity")
    p.add_argument("--loss", help="mse, cross-entropy or binary-cross-entropy")
    p.add_argument("--lr", type=float, help="learning rate")
    p.add_argument("--steps", type=int, help="number of updates")
    p.add_argument("--batch-size", type=int, help="minibatch size (0: full batch)")
    p.add_argument("--l2", type=float, help="L2 strength: lam * sum(W^2) / 2N")
    p.add_argument("--l1", type=float, help="L1 strength: lam * sum(|W|) / N")
    p.add_argument("--optimizer", help="sgd, momentum, nesterov, rmsprop, adam or adamw "
                   "(PyTorch's update rules)")
    p.add_argument("--momentum", type=float, help="SGD/RMSProp momentum (momentum and "
                   "nesterov use 0.9 when it is 0)")
    p.add_argument("--betas", type=float, nargs=2, metavar=("B1", "B2"), help="Adam's betas")
    p.add_argument("--weight-decay", type=float, help="the optimizer's weight decay")
    p.add_argument("--schedule", help="learning-rate schedule: constant, step, multistep, "
                   "exponential, inverse_time, cosine, onecycle, plateau")
    p.add_argument("--gamma", type=float, help="decay factor of step, multistep, "
                   "exponential and plateau (0: their default)")
    p.add_argument("--step-size", type=int, help="schedule step: decay every N steps")
    p.add_argument("--milestones", type=int, nargs="+", metavar="STEP",
                   help="schedule multistep: steps at which to decay")
    p.add_argument("--t-max", type=int, help="schedule cosine: period in steps (0: all)")
    p.add_argument("--restarts", action="store_const", const=True,
                   help="schedule cosine: warm restarts every period")
    p.add_argument("--power-t", type=float, help="schedule inverse_time: exponent")
    p.add_argument("--min-lr", type=float, help="floor of cosine and plateau")
    p.add_argument("--plateau-patience", type=int, help="schedule plateau: epochs to wait")
    p.add_argument("--warmup", type=int, help="linear warm-up steps before the schedule")
    p.add_argument("--clip-norm", type=float, help="clip the global gradient norm (0: off)")
    p.add_argument("--clip-value", type=float, help="clip each gradient entry (0: off)")
    p.add_argument("--val-split", type=float, help="share of the data held out for validation")
    p.add_argument("--patience", type=int, help="early stopping: epochs without improvement "
                   "of the validation loss (0: off)")
    p.add_argument("--min-delta", type=float, help="early stopping: improvement that counts")
    p.add_argument("--drop-last", action="store_const", const=True,
                   help="skip a short last minibatch of each epoch")
    p.add_argument("--init", help="weight initializer: article, glorot, he, normal, zeros")
    p.add_argument("--no-bias", dest="bias", action="store_const", const=False,
                   help="leave the biases out (three sigmoid units then cannot solve XOR)")
    p.add_argument("--diagnose-every", type=int, help="layer diagnostics every N steps "
                   "(0: about 200 per run)")
    p.add_argument("--on-diverge", choices=["stop", "rollback", "ignore"],
                   help="on a NaN/inf or exploding loss: stop (exit code 3), restore the "
                   "last good weights and halve the learning rate, or carry on")
    p.add_argument("--diverge-factor", type=float, help="a loss above this multiple of its "
                   "start counts as divergence")
    p.add_argument("--bug", dest="bugs", action="append", metavar="NAME",
                   help="switch on a classic mistake, repeatable: missing-1-over-n, "
                   "scalar-l2-gradient, sigmoid-derivative-of-z, no-shuffle, no-bias")
    p.add_argument("--seed", type=int, help="seed of the weights and minibatches")
    p.add_argument("--frames", type=int, help="animation frames (0: no animation)")
    p.add_argument("--out", help="run folder (default: runs/<date-time>)")
    p.set_defaults(func=cmd_train)
    return p


OVERRIDES = ("dataset", "n_samples", "data", "target", "hidden", "activation", "loss", "lr",
             "steps", "batch_size", "l2", "l1",
             "optimizer", "momentum", "betas", "weight_decay", "schedule", "gamma", "step_size",
             "milestones", "t_max", "restarts", "power_t", "min_lr", "plateau_patience",
             "warmup", "clip_norm", "clip_value", "val_split", "patience", "min_delta",
             "drop_last", "bugs", "diagnose_every", "on_diverge", "diverge_factor", "init", "bias",
             "seed", "frames")


def _run_folder(out: str | None) -> str:
    """Create (or reuse a previous run's) folder; refuse folders that hold other files."""
    if out is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out, k = os.path.join("runs", stamp), 1
        while os.path.exists(out):
            k += 1
            out = os.path.join("runs", f"{stamp}-{k}")
    if os.path.isfile(out):
        raise UsageError(f"--out {out!r} is a file; give a folder path")
    if os.path.isdir(out) and os.listdir(out) and \
            not os.path.exists(os.path.join(out, "config.toml")):
        raise UsageError(f"folder {out!r} already holds files that are not a brickprop run; "
                         "choose another --out")
    try:
        os.makedirs(out, exist_ok=True)
        probe = os.path.join(out, ".brickprop-write-test")
        open(probe, "w").close()
        os.unlink(probe)
    except OSError as e:
        raise UsageError(f"cannot write to run folder {out!r}: {e.strerror}; "
                         "choose another --out") from None
    return out


def cmd_train(args) -> int:
    from tqdm import tqdm

    from .config import ConfigError, from_dict, load_config
    from .io import train_run
    from .runs import build, describe

    try:
        cfg = load_config(args.config) if args.config else from_dict({})
        overrides = {k: getattr(args, k) for k in OVERRIDES if getattr(args, k) is not None}
        if args.dataset is not None and args.data is not None:
            raise UsageError("give --dataset NAME or --data FILE.csv, not both")
        if args.dataset is not None:  # a generated set replaces a config's CSV file
            overrides.setdefault("data", "")
            overrides.setdefault("target", "")
        if "betas" in overrides:
            overrides["betas"] = list(overrides["betas"])
        cfg = from_dict(overrides, base=cfg, source="the command line")
    except ConfigError as e:
        raise UsageError(str(e)) from None
    run = build(cfg)  # before the folder: a bad combination must not leave an empty folder
    folder = _run_folder(args.out)
    started = time.perf_counter()
    print(f"brickprop train: {describe(cfg, run)}", file=sys.stderr)
    if cfg.bugs:
        print(f"brickprop train: WARNING: deliberate bugs switched on: {', '.join(cfg.bugs)}; "
              "this run's gradients are wrong on purpose", file=sys.stderr)
    with tqdm(total=cfg.steps, desc="training", unit="step", disable=None,
              file=sys.stderr, leave=False) as bar:
        history, summary_lines, files = train_run(
            cfg, folder, run=run, progress=lambda done: bar.update(done - bar.n))
    train_seconds = history.meta["seconds"]
    diverged = history.meta.get("diverged")
    summary_lines.append(f"{train_seconds:.1f} s training, "
                         f"{time.perf_counter() - started:.1f} s with figures")
    summary_lines.append(f"run folder: {folder}/  ({', '.join(files)})")
    print("\n".join(summary_lines))
    return EXIT_DIVERGED if diverged else EXIT_OK


SCHEDULE_KEYS = ("lr", "steps", "gamma", "step_size", "milestones", "t_max", "restarts",
                 "power_t", "min_lr", "plateau_patience", "warmup")


def _schedule_parser(sub):
    p = sub.add_parser(
        "schedule", help="show a learning-rate schedule over steps",
        description="Print (and with --out, draw) the learning rate a schedule gives at "
                    "each step, with the same options as 'brickprop train'.",
        formatter_class=_HelpFormatter)
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
    p.set_defaults(func=cmd_schedule)


def cmd_schedule(args) -> int:
    import numpy as np

    from .config import ConfigError, from_dict
    from .runs import make_lr
    from .schedules import lr_curve

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
        from .plots import schedule_curve

        schedule_curve(rates, args.out, title=f"schedule {cfg.schedule}")
        print(f"wrote {args.out}")
    return EXIT_OK


def _load_source(source: str | None, overrides: dict | None = None):
    """``(cfg, run, net, is_model)`` for a TOML config, a saved model.npz or the default run.

    A model brings the config of the run that wrote it (its data, loss and
    regularizer), or the default run's when it has none; the config's bugs are
    applied to it as they are to a config's network.
    """
    from .bugs import apply_bugs
    from .config import ConfigError, from_dict, from_toml, load_config
    from .io import read
    from .runs import build

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
    p = sub.add_parser(
        "explain", help="trace one training iteration, number by number",
        description="Print one training iteration in the order of the chain rule: forward "
                    "pass, loss, every factor of the backward pass and the updated weights.",
        formatter_class=_HelpFormatter)
    p.add_argument("source", nargs="?", help="TOML run config or a saved model.npz "
                   "(default: the article's XOR network)")
    p.add_argument("--samples", type=int, default=1,
                   help="XOR samples in the batch traced (0: the whole data set)")
    p.add_argument("--show", type=int, default=4, help="rows shown per array (0: all)")
    p.add_argument("--precision", type=int, default=4, help="digits after the point")
    p.add_argument("--format", choices=["text", "markdown", "latex"], default="text")
    p.add_argument("--lr", type=float, help="learning rate of a plain SGD step "
                   "(default: the config's optimizer)")
    p.set_defaults(func=cmd_explain)


def cmd_explain(args) -> int:
    from .explain import explain, render

    if args.samples < 0 or args.show < 0 or not 0 <= args.precision <= 16:
        raise UsageError("--samples and --show must be >= 0 and --precision in 0..16")
    cfg, run, net, model = _load_source(args.source)
    n = args.samples or len(run.X)
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


def _gradcheck_parser(sub):
    p = sub.add_parser(
        "gradcheck", help="check every gradient against finite differences",
        description="Compare every brick's analytic gradients (each parameter and the "
                    "input), the loss's and the regularizer's with central finite "
                    "differences, and name the brick that is wrong. Exit code 1 when a "
                    "check fails.",
        formatter_class=_HelpFormatter)
    p.add_argument("source", nargs="?", help="TOML run config or a saved model.npz "
                   "(default: the article's XOR network)")
    p.add_argument("--bug", dest="bugs", action="append", metavar="NAME",
                   help="switch on a classic mistake (see 'brickprop train --help')")
    p.add_argument("--samples", type=int, default=5, help="data samples in the check")
    p.set_defaults(func=cmd_gradcheck)


def cmd_gradcheck(args) -> int:
    from .gradcheck import gradcheck

    if args.samples < 1:
        raise UsageError("--samples must be at least 1")
    cfg, run, net, _ = _load_source(args.source, {"bugs": args.bugs} if args.bugs else {})
    loss, regularizer = run.fit_kwargs["loss"], run.fit_kwargs["regularizer"]
    if cfg.bugs:
        print(f"deliberate bugs switched on: {', '.join(cfg.bugs)}")
    report = gradcheck(net, run.X[:args.samples], run.Y[:args.samples], loss, regularizer)
    print(report)
    return EXIT_OK if report.passed else 1


def _report_parser(sub):
    p = sub.add_parser(
        "report", help="(re)build the HTML report of a run or comparison folder",
        description="Write FOLDER/report.html: one self-contained page (no network needed) "
                    "with the run's config and summary, the training animation with a step "
                    "slider, the network's weights and gradients at each snapshot, the "
                    "diagnostics and the first iteration typeset as math. For a folder of "
                    "'brickprop compare' (it holds table.csv): the grid and a sortable table. "
                    "Needs Jinja2: pip install 'brickprop[report]'.",
        formatter_class=_HelpFormatter)
    p.add_argument("folder", help="a run folder (holds config.toml) or a comparison folder "
                   "(holds table.csv)")
    p.add_argument("--out", help="write the page here instead of FOLDER/report.html")
    p.set_defaults(func=cmd_report)


def cmd_report(args) -> int:
    from . import report

    folder = args.folder
    if not os.path.isdir(folder):
        raise UsageError(f"{folder!r} is not a folder; give a run folder written by "
                         "brickprop train (or compare)")
    comparison = os.path.isfile(os.path.join(folder, "table.csv")) and \
        not os.path.isfile(os.path.join(folder, "config.toml"))
    try:
        path = (report.build_comparison if comparison else report.build_run)(folder, args.out)
    except report.MissingDependency as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        if e.filename is None:  # the report's own message: a folder that is not a run's
            raise UsageError(str(e)) from None
        target = args.out or os.path.join(folder, "report.html")
        raise UsageError(f"cannot write the report {target}: {e.strerror}; choose "
                         "another --out") from None
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.2f} MB)")
    return EXIT_OK


def _compare_parser(sub):
    p = sub.add_parser(
        "compare", help="train variants of a run side by side, in parallel",
        description="Train a grid of variants -- one base config with --vary lists, or a "
                    "list of configs -- each exactly like 'brickprop train', in parallel "
                    "processes or on a Dask cluster. OUT gets every run folder, "
                    "comparison.png (a row per variant: accuracy, decision boundary, loss; "
                    "and a gradient-norm overlay), table.md and table.csv. A variant that "
                    "fails is a row of the table; Ctrl-C keeps the finished runs. Exit "
                    "code 0 when every variant trained (diverging counts), 1 when one "
                    "could not run, 130 when interrupted.",
        epilog="examples:\n"
               "  brickprop compare --vary lr=5,50 --vary clip_norm=none,1 --seeds 3\n"
               "  brickprop compare experiments/exploding.toml experiments/exploding-*.toml\n"
               "  brickprop compare --vary hidden=3,50 --set steps=500 --dask local",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("configs", nargs="*", metavar="CONFIG", help="TOML run configs: the base "
                   "of the grid, or several to compare (default: the article's XOR run)")
    p.add_argument("--vary", action="append", metavar="KEY=V1,V2",
                   help="a config key and its values, repeatable (every combination runs); "
                   "'none' switches a setting off, list items are joined by '+': "
                   "--vary lr=5,0.5 --vary clip_norm=none,1 --vary hidden=3,16+16")
    p.add_argument("--set", dest="fixed", action="append", metavar="KEY=VALUE",
                   help="set a config key in every variant, repeatable: --set steps=500")
    p.add_argument("--seeds", type=int, default=1, help="runs per variant with seeds "
                   "seed, seed+1, ...; the table adds their mean and standard deviation "
                   "(default: 1)")
    p.add_argument("--jobs", type=int, help="parallel processes (default: all cores); with "
                   "--dask local, the cluster's workers")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster: a scheduler "
                   "address tcp://HOST:PORT or 'local' (needs pip install 'brickprop[dask]')")
    p.add_argument("--out", help="output folder (default: runs/compare-<date-time>)")
    p.set_defaults(func=cmd_compare)


def _compare_folder(out: str | None) -> str:
    """Create the comparison folder; refuse one that holds anything but an earlier comparison."""
    if out is None:
        out = os.path.join("runs", time.strftime("compare-%Y%m%d-%H%M%S"))
    if os.path.isfile(out):
        raise UsageError(f"--out {out!r} is a file; give a folder path")
    if os.path.isdir(out) and os.listdir(out) and \
            not os.path.exists(os.path.join(out, "table.csv")):
        raise UsageError(f"folder {out!r} already holds files that are not a brickprop "
                         "comparison; choose another --out")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create {out!r}: {e.strerror}; choose another --out") from None
    return out


def cmd_compare(args) -> int:
    from .compare import CompareError, check_dask, compare, parse_vary, plan
    from .compare_output import write_outputs
    from .config import ConfigError, from_dict, load_config, parse_value

    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    try:
        grid = parse_vary(args.vary)
        fixed = {}
        for item in args.fixed or []:
            key, sep, text = item.partition("=")
            if not sep:
                raise ConfigError(f"--set {item!r}: write KEY=VALUE, e.g. --set steps=500")
            fixed[key.strip()] = parse_value(key.strip(), text, "--set")
        bases = []
        for path in args.configs or [None]:
            try:
                cfg = load_config(path) if path else from_dict({})
            except ConfigError as e:  # a bad file is one failing row, not the end of the grid
                cfg = e
            bases.append((os.path.splitext(os.path.basename(path))[0] if path else "base", cfg))
        variants = plan(bases, grid, args.seeds, fixed)
        if args.dask:
            check_dask(args.dask)
    except (ConfigError, CompareError) as e:
        raise UsageError(str(e)) from None
    out = _compare_folder(args.out)
    print(f"brickprop compare: {len(variants)} runs into {out}/", file=sys.stderr)
    try:
        rows, interrupted = compare(variants, out, jobs=args.jobs, dask=args.dask)
    except CompareError as e:
        raise UsageError(str(e)) from None
    names = [os.path.basename(c) for c in args.configs] or ["the default run"]
    title = "\n".join(textwrap.wrap(f"brickprop compare {' '.join(names)} "
                                     + " ".join(f"--vary {v}" for v in args.vary or []), 110))
    paths = write_outputs(out, variants, rows, list(grid), title=title)
    print(open(paths[1], encoding="utf-8").read(), end="")
    print(f"wrote {', '.join(paths)} and {sum(r['status'] != 'interrupted' for r in rows)} "
          f"run folders")
    if interrupted:
        print("brickprop compare: interrupted; the finished runs are kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 1 if any(r["status"] in ("bad config", "failed") for r in rows) else EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .predict_cli import predict_parser

    parser = _Parser(prog="brickprop", description="See backpropagation, one brick at a time.")
    parser.add_argument("--version", action="version", version=f"brickprop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _train_parser(sub)
    _compare_parser(sub)
    _explain_parser(sub)
    _gradcheck_parser(sub)
    _schedule_parser(sub)
    predict_parser(sub)
    _report_parser(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``brickprop`` command; returns the exit code."""
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_BAD_INPUT
        return args.func(args)
    except UsageError as e:
        print(f"brickprop: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValueError, TypeError, FileNotFoundError) as e:
        if os.environ.get("BRICKPROP_DEBUG"):
            raise
        print(f"brickprop: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("brickprop: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `brickprop explain | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
