"""The ``brickprop`` command.

``brickprop train`` with no arguments trains the article's XOR network (2-3-2,
sigmoid, MSE + L2, SGD) and writes a run folder.  The other subcommands live in
``cli_compare`` (compare), ``cli_inspect`` (explain, gradcheck, schedule),
``cli_predict`` and ``cli_report``.  Bad input is one line on stderr and exit code
2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import sys
import time

from .base import (
    EXIT_BAD_INPUT,
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    _Parser,
    add_config_flags,
    add_overwrite_flag,
    output_folder,
    run_overrides,
    subcommand,
)


def _train_parser(sub):
    p = subcommand(sub, cmd_train)
    p.add_argument("config", nargs="?", help="TOML run config, e.g. runs/X/config.toml "
                   "to replay a run (default: the article's XOR run)")
    add_config_flags(p)
    p.add_argument("--out", help="run folder (default: runs/<date-time>)")
    add_overwrite_flag(p, "run")
    return p


def _stop_on_signals(interrupt):
    """Ctrl-C and SIGTERM ask ``interrupt`` to stop after the current step; a second one aborts.

    Returns the previous handlers, for ``signal.signal`` to put back.
    """
    names = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}

    def handler(signum, frame):
        if interrupt.requested:  # asked twice: stop now and keep nothing
            raise KeyboardInterrupt
        interrupt.request(names[signum])
        print(f"brickprop train: {names[signum]}: stopping after this step and writing the "
              "steps trained (again to abandon the run)", file=sys.stderr)

    return {s: signal.signal(s, handler) for s in names}


def cmd_train(args) -> int:
    """train a network and write a run folder

    Train a network (default: the article's 2-3-2 sigmoid network on XOR) and write a run
    folder with config.toml, metrics.csv, model.npz, figure.png, animation.gif and summary.txt.
    Flags override the config. An existing --out folder is refused unless --overwrite; Ctrl-C
    or SIGTERM stops after the current step and writes the steps trained (exit code 130).
    """
    from ..runs.build import build
    from ..runs.config import ConfigError, from_dict, load_config
    from ..viz import plots

    try:
        cfg = load_config(args.config) if args.config else from_dict({})
        cfg = from_dict(run_overrides(args), base=cfg, source="the command line")
        loading = time.perf_counter()
        run = build(cfg)  # before the folder: a bad combination must not leave an empty folder
        load_seconds = time.perf_counter() - loading
    except ConfigError as e:
        raise UsageError(str(e)) from None
    # A light run's drawing process imports matplotlib while this one gets the folder
    # ready and trains: the one main() forked first, or one forked now.  A heavy run's is
    # forked after its training (jobs/run.py): an import beside it would slow its BLAS.
    early = getattr(args, "drawer", None)
    if early is not None and not run.light:
        early.close()
    with (early or plots.drawer()) if run.light else contextlib.nullcontext() as drawer:
        return _train(args, cfg, run, load_seconds, drawer)


def _train(args, cfg, run, load_seconds, drawer) -> int:
    """``cmd_train`` once the run is built: stage the folder, train, write, tell."""
    from ..jobs.run import train_run, written_by_run
    from ..runs.build import describe
    from ..runs.limits import check_disk, folder_bytes
    from ..train.callbacks import Interrupt

    staged = output_folder(args.out, "run", "config.toml", overwrite=args.overwrite,
                           allowed=written_by_run, reads=(args.config, cfg.data))
    with staged:
        folder = staged.folder
        try:
            check_disk(staged.path, folder_bytes(cfg, run.X.shape[1], run.Y.shape[1]),
                       "the run folder")
        except OSError as e:
            raise UsageError(f"cannot write the run folder {folder!r}: {e.strerror}; free some "
                             "space or choose another --out") from None
        started = time.perf_counter()
        print(f"brickprop train: {describe(cfg, run)}", file=sys.stderr)
        classes = run.info.get("classes") or []
        if cfg.task == "auto" and len(classes) > 10 and all(
                c.lstrip("-").isdigit() for c in classes):
            print(f"brickprop train: the target holds {len(classes)} whole numbers, taken as "
                  "classes; add --task regression if they are quantities", file=sys.stderr)
        if cfg.bugs:
            print(f"brickprop train: WARNING: deliberate bugs switched on: "
                  f"{', '.join(cfg.bugs)}; this run's gradients are wrong on purpose",
                  file=sys.stderr)
        interrupt = Interrupt(cfg.steps)
        previous = _stop_on_signals(interrupt)
        try:
            with _progress_bar(cfg.steps) as bar:
                history, summary_lines, files = train_run(
                    cfg, staged.path, run=run, progress=bar,
                    callbacks=[interrupt], shown=folder, drawer=drawer)
            staged.commit()
        except OSError as e:
            raise UsageError(f"cannot write the run folder {folder!r}: "
                             f"{e.strerror or e}; nothing was written there") from None
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
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
    if interrupt.requested:
        return EXIT_INTERRUPTED
    return EXIT_DIVERGED if diverged else EXIT_OK


def _progress_bar(steps: int):
    """A tqdm bar of the training on a terminal; elsewhere nothing (and no tqdm import)."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    from tqdm import tqdm

    # No monitor thread: the run's figures are drawn in forked processes, which is only
    # safe in a process without other threads (viz/_parallel.py).
    tqdm.monitor_interval = 0
    return tqdm(total=steps, desc="training", unit="step", file=sys.stderr, leave=False)


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


def os_error_line(e: OSError) -> str:
    """One line for an ``OSError``: what could not be done to which file, and what to do."""
    where = f"{e.filename}" if e.filename else "a file"
    if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return f"cannot write {where}: the disk is full; free some space or write elsewhere"
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"cannot write {where}: {e.strerror}; choose a folder you can write to"
    if e.errno == errno.ENAMETOOLONG:
        return f"{where}: the path is too long; use a shorter name"
    return f"{where}: {e.strerror or e}"


def _run(args) -> int:
    """Run the command with NumPy's floating-point warnings and Python warnings kept quiet.

    The command says what went wrong in its own words; a warning would be a second,
    unexplained line on the terminal.
    """
    import warnings

    import numpy as np

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return args.func(args)


def _drawer_for(argv):
    """``brickprop train``'s drawing process, forked before NumPy is imported, or a no-op.

    Importing matplotlib (0.3 s) and NumPy then happens on the second core while this
    process starts up, and the child has its fonts ready by the end of a light training
    (``cmd_train`` ends it at once when the run turns out heavy).
    """
    if argv[:1] == ["train"] and not {"-h", "--help"} & set(argv):
        from ..viz._parallel import drawer

        return drawer()
    return contextlib.nullcontext()


def main(argv=None) -> int:
    """Entry point of the ``brickprop`` command; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    with _drawer_for(argv) as drawer:
        return _main(argv, drawer)


def _main(argv, drawer) -> int:
    parser = make_parser()
    debug = bool(os.environ.get("BRICKPROP_DEBUG"))
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_BAD_INPUT
        args.drawer = drawer
        return _run(args)
    except UsageError as e:
        print(f"brickprop: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValueError, TypeError, FileNotFoundError) as e:
        if debug:
            raise
        print(f"brickprop: error: {' '.join(str(e).split())}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("brickprop: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `brickprop explain | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as e:
        if debug:
            raise
        print(f"brickprop: error: {os_error_line(e)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        if debug:
            raise
        print("brickprop: error: out of memory; make the run smaller (fewer samples, "
              "narrower layers, fewer steps or frames)", file=sys.stderr)
        return EXIT_FAILED
    except Exception as e:  # the last net: a bug must still be one line, not a traceback
        if debug:
            raise
        print(f"brickprop: error: internal error, {type(e).__name__}: "
              f"{' '.join(str(e).split())} (rerun with BRICKPROP_DEBUG=1 for the traceback, "
              "and report it)", file=sys.stderr)
        return EXIT_FAILED
