"""What every ``brickprop`` subcommand shares: exit codes, the one-line usage error, the parser.

The subcommands live in ``main.py`` (train) and a module each (the rest); ``cli.main``
turns a :class:`UsageError` (and ``ValueError``/``FileNotFoundError``) into one line
on stderr with exit code 2.
"""

from __future__ import annotations

import argparse

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class UsageError(Exception):
    """A problem with what the user asked for; printed as one line, exit code 2."""


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default only when it has one (flags left unset defer to the config)."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)  # --seed must never be read as --seeds
        super().__init__(*args, **kwargs)

    def error(self, message):  # one line instead of usage + message
        raise UsageError(f"{message} (see '{self.prog} --help')")


def subcommand(sub, func, **kwargs):
    """Add ``func`` (``cmd_<name>(args) -> exit code``) to ``sub`` as ``brickprop <name>``.

    Its docstring is its help, written once: the first line is the subcommand's line in
    ``brickprop --help``, the paragraph below it the description that ``brickprop <name>
    --help`` shows (reflowed).  Returns the parser, with the shared help layout.
    """
    summary, _, description = (func.__doc__ or "").strip().partition("\n")
    kwargs.setdefault("formatter_class", _HelpFormatter)
    p = sub.add_parser(func.__name__.removeprefix("cmd_"), help=summary or None,
                       description=" ".join(description.split()) or None, **kwargs)
    p.set_defaults(func=func)
    return p


def output_folder(out: str | None, kind: str, marker: str, prefix: str = "",
                  overwrite: bool = False, allowed=None, reads=()):
    """Claim the folder a command writes into: a locked :class:`~brickprop.store.folders.Staged`.

    Without ``out``: a fresh ``runs/<prefix><date-time>``.  An existing folder of this
    ``kind`` (it holds ``marker``) is refused unless ``overwrite``; one holding other
    files, one being written by another process, or one holding a file the command
    reads (``reads``) is always refused.  Write into ``.path``, then ``.commit()``.
    """
    from ..store.folders import FolderError, claim

    try:
        return claim(out, kind, marker, overwrite=overwrite, allowed=allowed, reads=reads,
                     prefix=prefix)
    except FolderError as e:
        raise UsageError(str(e)) from None


def add_overwrite_flag(parser, kind: str) -> None:
    parser.add_argument("--overwrite", action="store_true",
                        help=f"replace an existing {kind} folder --out whole (without it, an "
                        "existing folder is refused)")


def _flag_help(o, default) -> str:
    """An option's help line: what it does, its choices, what 0/none means, its default."""
    text = o.help
    if o.choices and not all(c in text for c in o.choices):
        text += ": " + ", ".join(o.choices)
    if o.off:
        text += f" (0: {o.off})" if o.kind in (int, float) else f" (empty: {o.off})"
    if o.none:
        text += f" [default: {o.none}]"
    elif default not in ("", [], None) and not isinstance(default, bool):
        shown = " ".join(map(str, default)) if isinstance(default, list) else default
        text += f" [default run: {shown}]"
    return text


def add_config_flags(parser) -> None:
    """One flag per run option, generated from its declaration (``RunConfig``'s fields).

    A flag left unset is None, so the config file (or the default run) decides.
    """
    from ..runs.config import OPTIONS

    groups = {}
    for name, (o, default) in OPTIONS.items():
        if o.group not in groups:
            groups[o.group] = parser.add_argument_group(f"run options: {o.group}")
        flag = o.flag or "--" + name.replace("_", "-")
        kw = {"dest": name, "help": _flag_help(o, default), "default": None}
        if o.kind is bool:
            kw.update(action="store_const", const=not default)
        elif name == "bugs":
            kw.update(action="append", metavar=o.metavar)
        elif isinstance(o.kind, str):  # a list option
            item = float if o.kind == "list[float]" else str if o.kind == "list[str]" else int
            kw.update(type=item, nargs=o.nargs or "+", metavar=o.metavar)
        else:
            kw.update(type=o.kind, metavar=o.metavar)
        groups[o.group].add_argument(flag, **kw)


def config_overrides(args) -> dict:
    """The run options given as flags: ``{name: value}`` of every flag that was set."""
    from ..runs.config import OPTIONS

    values = {name: getattr(args, name) for name in OPTIONS}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()
            if v is not None}


def run_overrides(args) -> dict:
    """The run options of ``train``'s flags (also ``compare``'s), as config values.

    ``--dataset`` replaces a config's CSV file (its data and target); ``--data``
    without ``--noise`` drops the noise setting, which a CSV file does not have.
    """
    overrides = config_overrides(args)
    if args.dataset is not None and args.data is not None:
        raise UsageError("give --dataset NAME or --data FILE.csv, not both")
    if args.dataset is not None:
        overrides.setdefault("data", "")
        overrides.setdefault("target", "")
    if args.data is not None and args.noise is None:
        overrides["noise"] = None
    return overrides
