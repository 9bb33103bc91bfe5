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

from .base import (
    EXIT_BAD_INPUT,
    EXIT_DIVERGED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    _Parser,
    add_config_flags,
    config_overrides,
    output_folder,
    subcommand,
)


def _train_parser(sub):
    p = subcommand(
        sub, "train", help="train a network and write a run folder",
        description="Train a network (default: the article's 2-3-2 sigmoid network on XOR) "
                    "and write a run folder with config.toml, metrics.csv, model.npz, "
                    "figure.png, animation.gif and summary.txt. Flags override the config.")
    p.add_argument("config", nargs="?", help="TOML run config, e.g. runs/X/config.toml "
                   "to replay a run (default: the article's XOR run)")
    add_config_flags(p)
    p.add_argument("--out", help="run folder (default: runs/<date-time>)")
    p.set_defaults(func=cmd_train)
    return p


def cmd_train(args) -> int:
    from tqdm import tqdm

    from ..jobs.run import train_run
    from ..runs.build import build, describe
    from ..runs.config import ConfigError, from_dict, load_config

    try:
        cfg = load_config(args.config) if args.config else from_dict({})
        overrides = config_overrides(args)
        if args.dataset is not None and args.data is not None:
            raise UsageError("give --dataset NAME or --data FILE.csv, not both")
        if args.dataset is not None:  # a generated set replaces a config's CSV file
            overrides.setdefault("data", "")
            overrides.setdefault("target", "")
        if args.data is not None and args.noise is None:  # a CSV file has no noise setting
            overrides["noise"] = None
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
            cfg, folder, run=run, progress=bar)
    train_seconds = history.meta["seconds"]
    diverged = history.meta.get("diverged")
    loaded = f"{load_seconds:.1f} s loading {os.path.basename(cfg.data)}, " if cfg.data else ""
    summary_lines.append(f"{loaded}{train_seconds:.1f} s training, "
                         f"{time.perf_counter() - started:.1f} s with figures")
    summary_lines.append(f"run folder: {folder}/  ({', '.join(files)})")
    if "report.html" not in files:
        from ..report.pages import MISSING

        summary_lines.append(f"no report.html: {MISSING}")
    print("\n".join(summary_lines))
    return EXIT_DIVERGED if diverged else EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from . import compare as cli_compare
    from . import inspect as cli_inspect
    from . import live as cli_live
    from . import predict as cli_predict
    from . import report as cli_report

    parser = _Parser(prog="brickprop", description="See backpropagation, one brick at a time.")
    parser.add_argument("--version", action="version", version=f"brickprop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _train_parser(sub)
    cli_compare.add_parser(sub)
    cli_inspect.add_parsers(sub)
    cli_predict.add_parser(sub)
    cli_report.add_parser(sub)
    cli_live.add_parser(sub)
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


