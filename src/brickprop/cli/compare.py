"""``brickprop compare``: train variants of a run side by side, in parallel.

The grid is planned and run by ``brickprop.compare``; its tables and figure are
written by ``brickprop.compare_output``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap

from .base import EXIT_INTERRUPTED, EXIT_OK, UsageError, output_folder, subcommand


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def add_parser(sub):
    """Add ``brickprop compare`` to the subcommands ``sub``."""
    p = subcommand(
        sub, "compare", help="train variants of a run side by side, in parallel",
        description="Train a grid of variants -- one base config with --vary lists, or a "
                    "list of configs -- each exactly like 'brickprop train', in parallel "
                    "processes or on a Dask cluster. OUT gets every run folder, "
                    "comparison.png (a row per variant: accuracy, decision boundary, loss; "
                    "and a gradient-norm overlay), table.md and table.csv. A variant that "
                    "fails is a row of the table; Ctrl-C or SIGTERM keeps the finished runs. Exit "
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
    p.add_argument("--figures", choices=("all", "summary", "none"), default="summary",
                   help="summary (default): comparison.png, the tables and the page; all: "
                   "also each variant's figures, animation and report.html, as brickprop "
                   "train draws them; none: the tables and the page only")
    p.add_argument("--out", help="output folder (default: runs/compare-<date-time>)")
    p.set_defaults(func=cmd_compare)


def cmd_compare(args) -> int:
    from ..compare.grid import CompareError, check_dask, compare, parse_vary, plan
    from ..compare.output import write_outputs
    from ..runs.config import ConfigError, from_dict, load_config, parse_value

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
    out = output_folder(args.out, "comparison", "table.csv", prefix="compare-")
    print(f"brickprop compare: {len(variants)} runs into {out}/", file=sys.stderr)
    # SIGTERM (kill, a job scheduler's timeout) stops the grid as Ctrl-C does: the
    # workers are shut down with it and the finished runs are kept.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        rows, interrupted = compare(variants, out, jobs=args.jobs, dask=args.dask,
                                    figures=args.figures)
    except CompareError as e:
        raise UsageError(str(e)) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    names = [os.path.basename(c) for c in args.configs] or ["the default run"]
    flags = [f"--set {v}" for v in args.fixed or []] + [f"--vary {v}" for v in args.vary or []]
    title = "\n".join(textwrap.wrap(f"brickprop compare {' '.join(names + flags)}", 110))
    paths = write_outputs(out, variants, rows, list(grid), title=title,
                          figure=args.figures != "none")
    with open(paths[1], encoding="utf-8") as table:
        print(table.read(), end="")
    print(f"wrote {', '.join(paths)} and {sum(r['status'] != 'interrupted' for r in rows)} "
          f"run folders")
    if interrupted:
        print("brickprop compare: interrupted; the finished runs are kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 1 if any(r["status"] in ("bad config", "failed") for r in rows) else EXIT_OK
