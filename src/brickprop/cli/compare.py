"""``brickprop compare``: train variants of a run side by side, in parallel.

The grid is planned and run by ``brickprop.compare``; its tables and figure are
written by ``brickprop.compare.output``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap

from .base import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    add_config_flags,
    add_overwrite_flag,
    output_folder,
    run_overrides,
    subcommand,
)


def add_parser(sub):
    """Add ``brickprop compare`` to the subcommands ``sub``."""
    p = subcommand(
        sub, cmd_compare,
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
    p.add_argument("--figures", choices=("all", "summary", "none"), default="summary",
                   help="summary (default): comparison.png, the tables and the page; all: "
                   "also each variant's figures, animation and report.html, as brickprop "
                   "train draws them; none: the tables and the page only")
    p.add_argument("--out", help="output folder (default: runs/compare-<date-time>)")
    add_overwrite_flag(p, "comparison")
    add_config_flags(p)  # train's run options, each the same as --set KEY=VALUE


def cmd_compare(args) -> int:
    """train variants of a run side by side, in parallel

    Train a grid of variants -- one base config with --vary lists, or a list of configs -- each
    exactly like 'brickprop train', in parallel processes or on a Dask cluster. OUT gets every
    run folder, comparison.png (a row per variant: accuracy, decision boundary, loss; and a
    gradient-norm overlay), table.md and table.csv. A variant that fails is a row of the table;
    Ctrl-C or SIGTERM keeps the finished runs. The run options of 'brickprop train' are
    accepted too: --steps 100 is --set steps=100. An existing OUT is refused unless
    --overwrite; OUT appears when the comparison ends (it is written beside it, hidden, until
    then). Exit code 0 when every variant trained (diverging counts), 1 when one could not run,
    130 when interrupted.
    """
    from ..compare.apart import outputs
    from ..compare.grid import CompareError, check_dask, compare, parse_vary, plan
    from ..compare.output import written_by_compare
    from ..runs.config import ConfigError, from_dict, load_config, parse_value
    from ..runs.limits import check_disk, check_memory, folder_bytes

    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    try:
        grid = parse_vary(args.vary)
        fixed = {}
        for item in args.fixed or []:
            key, sep, text = item.partition("=")
            if not sep:
                raise ConfigError(f"--set {item!r}: write KEY=VALUE, e.g. --set steps=500")
            if key.strip() in fixed:
                raise ConfigError(f"--set {key.strip()} is given twice; give it once")
            fixed[key.strip()] = parse_value(key.strip(), text, "--set")
        flags = run_overrides(args)  # train's flags: --steps 100 is --set steps=100
        for key, value in flags.items():
            flag = "--" + key.replace("_", "-")
            if key in fixed or key in grid:
                how = "--set" if key in fixed else "--vary"
                raise ConfigError(f"{flag} and {how} {key}=... both set {key}; give it once")
            fixed[key] = value
        bases = []
        for path in args.configs or [None]:
            try:
                cfg = load_config(path) if path else from_dict({})
            except ConfigError as e:  # a bad file is one failing row, not the end of the grid
                cfg = e
            bases.append((os.path.splitext(os.path.basename(path))[0] if path else "base", cfg))
        variants = plan(bases, grid, args.seeds, fixed)
        for v in variants:  # a run no machine holds is a failing row before any worker starts
            if v.cfg is not None and not v.cfg.data:
                try:
                    check_memory(v.cfg, v.cfg.n_samples, 2, 3)
                except ConfigError as e:
                    v.cfg, v.error = None, str(e)
        if args.dask:
            check_dask(args.dask)
    except (ConfigError, CompareError) as e:
        raise UsageError(str(e)) from None
    reads = [*args.configs, *(v.cfg.data for v in variants if v.cfg is not None)]
    staged = output_folder(args.out, "comparison", "table.csv", prefix="compare-",
                           overwrite=args.overwrite, allowed=written_by_compare, reads=reads)
    out = staged.folder
    with staged:
        try:
            check_disk(staged.path, sum(folder_bytes(v.cfg, 2, 2) for v in variants
                                        if v.cfg is not None) + 200_000, "the comparison")
        except OSError as e:
            raise UsageError(f"cannot write the comparison folder {out!r}: {e.strerror}; free "
                             "some space or choose another --out") from None
        # the workers' resource trackers warn on stderr when the command is killed
        warned = os.environ.get("PYTHONWARNINGS")
        os.environ.setdefault("PYTHONWARNINGS", "ignore")
        print(f"brickprop compare: {len(variants)} runs into {out}/", file=sys.stderr)
        # SIGTERM (kill, a job scheduler's timeout) stops the grid as Ctrl-C does: the
        # workers are shut down with it and the finished runs are kept (Python's own
        # Ctrl-C handler raises KeyboardInterrupt).
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            names = [os.path.basename(c) for c in args.configs] or ["the default run"]
            given = [f"--set {v}" for v in args.fixed or []] + [
                f"--{k.replace('_', '-')} {v}" for k, v in flags.items()] + [
                f"--vary {v}" for v in args.vary or []]
            title = "\n".join(textwrap.wrap(f"brickprop compare {' '.join(names + given)}",
                                            110))
            # the figure draws each run's row as it finishes, while the others train
            drawing = outputs(staged.path, variants, list(grid), title=title,
                              figure=args.figures != "none")
            try:
                rows, interrupted = compare(variants, staged.path, jobs=args.jobs,
                                            dask=args.dask, shown=out, figures=args.figures,
                                            outputs=drawing)
                paths = drawing.write(rows)
            finally:
                drawing.close()
            with open(paths[1], encoding="utf-8") as table:
                text = table.read()
            staged.commit()
        except CompareError as e:
            raise UsageError(str(e)) from None
        except OSError as e:
            raise UsageError(f"cannot write the comparison folder {out!r}: "
                             f"{e.strerror or e}; nothing was written there") from None
        finally:
            signal.signal(signal.SIGTERM, previous)
            if warned is None:
                os.environ.pop("PYTHONWARNINGS", None)
    print(text, end="")
    paths = [os.path.join(out, os.path.relpath(p, staged.path)) for p in paths]
    print(f"wrote {', '.join(paths)} and {sum(r['status'] != 'interrupted' for r in rows)} "
          f"run folders")
    if interrupted:
        print("brickprop compare: interrupted; the finished runs are kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 1 if any(r["status"] in ("bad config", "failed") for r in rows) else EXIT_OK
