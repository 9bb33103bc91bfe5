"""The ``brickprop`` command.

``brickprop train`` with no arguments trains the article's XOR network (2-3-2,
sigmoid, MSE + L2, SGD) and writes a run folder.  The other subcommands live in
``cli_compare`` (compare), ``cli_inspect`` (explain, gradcheck, schedule),
``cli_predict`` and ``cli_report``.  Bad input is one line on stderr and exit code
2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from ._cli_base import (
    EXIT_BAD_INPUT,
    EXIT_DIVERGED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    _HelpFormatter,
    _Parser,
    output_folder,
)
from .datasets import DATASETS, default_noise


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
    p.add_argument("--noise", type=float, help="spread of the Gaussian noise added to the "
                   "generated points (0: none) [default: the data set's own: " + ", ".join(
                       f"{name} {default_noise(name):g}" for name in DATASETS) + "]")
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
    p.add_argument("--dtype", choices=["float64", "float32"], help="precision of the data, "
                   "the weights and the training: float32 halves the memory of a large CSV "
                   "and speeds up its products")
    p.add_argument("--seed", type=int, help="seed of the weights and minibatches")
    p.add_argument("--frames", type=int, help="animation frames (0: no animation)")
    p.add_argument("--out", help="run folder (default: runs/<date-time>)")
    p.set_defaults(func=cmd_train)
    _show_config_defaults(p)
    return p


def _show_config_defaults(parser) -> None:
    """Append the default run's value to the help of each flag that overrides a config key."""
    import dataclasses

    from .config import RunConfig

    defaults = {f.name: f.default if f.default_factory is dataclasses.MISSING
                else f.default_factory() for f in dataclasses.fields(RunConfig)}
    for action in parser._actions:
        value = defaults.get(action.dest)
        if action.help and value not in (None, "", [], ()) and not isinstance(value, bool):
            shown = " ".join(map(str, value)) if isinstance(value, (list, tuple)) else value
            action.help += f" [default run: {shown}]"


OVERRIDES = ("dataset", "n_samples", "noise", "data", "target", "hidden", "activation", "loss",
             "lr", "steps", "batch_size", "l2", "l1",
             "optimizer", "momentum", "betas", "weight_decay", "schedule", "gamma", "step_size",
             "milestones", "t_max", "restarts", "power_t", "min_lr", "plateau_patience",
             "warmup", "clip_norm", "clip_value", "val_split", "patience", "min_delta",
             "drop_last", "bugs", "diagnose_every", "on_diverge", "diverge_factor", "init", "bias",
             "dtype", "seed", "frames")


def cmd_train(args) -> int:
    from tqdm import tqdm

    from .config import ConfigError, from_dict, load_config
    from .rundir import train_run
    from .runs import build, describe

    try:
        cfg = load_config(args.config) if args.config else from_dict({})
        overrides = {k: getattr(args, k) for k in OVERRIDES if getattr(args, k) is not None}
        if args.dataset is not None and args.data is not None:
            raise UsageError("give --dataset NAME or --data FILE.csv, not both")
        if args.dataset is not None:  # a generated set replaces a config's CSV file
            overrides.setdefault("data", "")
            overrides.setdefault("target", "")
        if args.data is not None and args.noise is None:  # a CSV file has no noise setting
            overrides["noise"] = None
        if "betas" in overrides:
            overrides["betas"] = list(overrides["betas"])
        cfg = from_dict(overrides, base=cfg, source="the command line")
    except ConfigError as e:
        raise UsageError(str(e)) from None
    loading = time.perf_counter()
    run = build(cfg)  # before the folder: a bad combination must not leave an empty folder
    load_seconds = time.perf_counter() - loading
    folder = output_folder(args.out, "run", "config.toml")
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
    loaded = f"{load_seconds:.1f} s loading {os.path.basename(cfg.data)}, " if cfg.data else ""
    summary_lines.append(f"{loaded}{train_seconds:.1f} s training, "
                         f"{time.perf_counter() - started:.1f} s with figures")
    summary_lines.append(f"run folder: {folder}/  ({', '.join(files)})")
    if "report.html" not in files:
        from .report import MISSING

        summary_lines.append(f"no report.html: {MISSING}")
    print("\n".join(summary_lines))
    return EXIT_DIVERGED if diverged else EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    from . import __version__, cli_compare, cli_inspect, cli_predict, cli_report

    parser = _Parser(prog="brickprop", description="See backpropagation, one brick at a time.")
    parser.add_argument("--version", action="version", version=f"brickprop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _train_parser(sub)
    cli_compare.add_parser(sub)
    cli_inspect.add_parsers(sub)
    cli_predict.add_parser(sub)
    cli_report.add_parser(sub)
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
