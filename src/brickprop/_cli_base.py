"""What every ``brickprop`` subcommand shares: exit codes, the one-line usage error, the parser.

The subcommands live in ``cli.py`` (train) and ``cli_*.py`` (the rest); ``cli.main``
turns a :class:`UsageError` (and ``ValueError``/``FileNotFoundError``) into one line
on stderr with exit code 2.
"""

from __future__ import annotations

import argparse

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
