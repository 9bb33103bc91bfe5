"""``brickprop report FOLDER``: (re)build the HTML page of a run or comparison folder."""

from __future__ import annotations

import os

from .base import EXIT_OK, UsageError, subcommand


def add_parser(sub):
    """Add ``brickprop report`` to the subcommands ``sub``."""
    p = subcommand(sub, cmd_report)
    p.add_argument("folder", help="a run folder (holds config.toml) or a comparison folder "
                   "(holds table.csv)")
    p.add_argument("--out", help="write the page here instead of FOLDER/report.html")


def cmd_report(args) -> int:
    """(re)build the HTML report of a run or comparison folder

    Write FOLDER/report.html: one self-contained page (no network needed) with the run's config
    and summary, the training animation with a step slider, the network's weights and gradients
    at each snapshot, the diagnostics and the first iteration typeset as math. For a folder of
    'brickprop compare' (it holds table.csv): the grid and a sortable table. Needs Jinja2: pip
    install 'brickprop[report]'.
    """
    from ..report import pages as report

    folder = args.folder
    if not os.path.isdir(folder):
        raise UsageError(f"{folder!r} is not a folder; give a run folder written by "
                         "brickprop train (or compare)")
    if args.out is not None:
        from ..store.folders import FolderError, refuse_inputs

        try:
            refuse_inputs(args.out, allowed=[os.path.join(folder, "report.html")])
        except FolderError as e:
            raise UsageError(str(e)) from None
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
