"""How a run option is declared, once: ``opt(default, help, ...)`` on a ``RunConfig`` field.

Each field of :class:`~brickprop.runs.config.RunConfig` carries its type, default,
one-line help, constraint (choices, lower bound) and what 0 or none means in the
field's metadata.  The config's checks, the TOML it writes, ``brickprop train``'s
flags, ``compare --set/--vary`` and the live page's controls all read it from here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import tomli_w


class ConfigError(ValueError):
    """A configuration value or file that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Option:
    """One run option as declared: what ``opt`` stores in a field's metadata."""

    help: str
    kind: object = None            # int, float, bool, str, or "list[int]" and the like
    choices: tuple = ()            # the allowed values of a str option
    low: float | None = None       # smallest allowed value (with low_open: must exceed it)
    low_open: bool = False
    off: str = ""                  # what 0, false, [] or none means for this option
    none: str = ""                 # an option that may be None (unset): what None means
    flag: str = ""                 # the CLI flag when not --<name-with-dashes>
    metavar: str | None = None
    nargs: object = None           # argparse nargs of a list option
    group: str = "run"             # the section of --help and of the live page


def opt(default, help: str, **how):
    """A ``RunConfig`` field: its ``default`` and its :class:`Option` declaration."""
    meta = {"option": Option(help=help, **how)}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def options(config_class) -> dict[str, tuple[Option, object]]:
    """``{name: (Option, default)}`` of every field of ``config_class``, in order."""
    out = {}
    for f in dataclasses.fields(config_class):
        default = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
        option = f.metadata["option"]
        if option.kind is None:  # read the type off the default
            kind = float if option.none else type(default)
            option = dataclasses.replace(option, kind=kind)
        out[f.name] = (option, default)
    return out


TYPE_NAMES = {int: "an integer", float: "a number", bool: "true or false", str: "a string",
              "list[int]": "a list of positive integers", "list[float]": "a list of numbers",
              "list[step]": "a list of positive step numbers (may be empty)",
              "list[str]": "a list of names (may be empty)"}


def check_type(name, value, kind) -> None:
    """Raise ``ConfigError`` unless ``value`` is of the declared ``kind``."""
    if not has_type(value, kind):
        raise ConfigError(f"config key {name!r} must be {type_name(kind)}, got {value!r}")


def type_name(kind) -> str:
    return TYPE_NAMES.get(kind, str(kind))


def is_list(kind) -> bool:
    return isinstance(kind, str) and kind.startswith("list[")


def has_type(value, kind) -> bool:
    """Whether ``value`` is of the declared ``kind`` (a bool is never a number)."""
    def number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    def integer(v):
        return isinstance(v, int) and not isinstance(v, bool)

    if kind in ("list[int]", "list[step]"):
        return isinstance(value, list) and bool(value or kind == "list[step]") and all(
            integer(v) and v > 0 for v in value)
    if kind == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "list[float]":
        return isinstance(value, list) and all(number(v) for v in value)
    if kind is float:
        return number(value)
    if kind is int:
        return integer(value)
    return isinstance(value, kind)


def _check_option(name, value, o) -> None:
    """The declared constraint of one option: finite, its lower bound, its choices."""
    check_type(name, value, o.kind)
    if o.kind is float and not math.isfinite(value):
        raise ConfigError(f"config key {name!r} must be finite, got {value!r}")
    if o.low is not None and (value <= o.low if o.low_open else value < o.low):
        raise ConfigError(f"{name} must be {'>' if o.low_open else '>='} {o.low:g}, "
                          f"got {value!r}")
    bad = [v for v in (value if is_list(o.kind) else [value]) if o.choices and v not in o.choices]
    if bad:
        raise ConfigError(f"unknown {name} {bad[0]!r}; choose one of {', '.join(o.choices)}")


def _toml_line(name: str, value) -> str:
    """``name = value`` written by tomli-w (so any string round-trips), a list on one line."""
    if isinstance(value, list):
        items = [tomli_w.dumps({"v": item}).rstrip("\n")[len("v = "):] for item in value]
        return f"{name} = [{', '.join(items)}]"
    return tomli_w.dumps({name: value}).rstrip("\n")


OFF = {"schedule": "constant", "output": "auto"}  # "none" of a str key; numbers: 0, lists: []


def _parse_value(name: str, text: str, kinds: dict, source: str = "the command line"):
    """The value of config key ``name`` written as command-line ``text``.

    ``"none"`` is the key's "off" value (0 for numbers, false, an empty list, the
    constant schedule); list items are joined by ``+`` (``hidden`` ``16+16``).  The
    result passes the same type checks as a TOML value; a problem is a ``ConfigError``.
    """
    if name not in kinds:
        raise ConfigError(f"unknown key {name!r} in {source}; valid keys: {', '.join(kinds)}")
    kind, text = kinds[name], text.strip()
    if text.lower() == "none":
        if name in OFF or kind in (int, float, bool) or is_list(kind):
            value = OFF.get(name, [] if is_list(kind) else kind())
            if kind in ("list[int]", "list[float]") and not value:
                raise ConfigError(f"{name} cannot be none in {source}; give a value")
            return value
        raise ConfigError(f"{name} has no 'none' (off) value in {source}; give a value")
    try:
        if kind is bool:
            if text.lower() not in ("true", "false"):
                raise ValueError
            value = text.lower() == "true"
        elif kind in (int, float, str):
            value = kind(text)
        else:
            item = float if kind == "list[float]" else str if kind == "list[str]" else int
            value = [item(v) for v in text.split("+") if v] if text else []
    except ValueError:
        raise ConfigError(f"{name}={text!r} in {source}: {name} must be "
                          f"{type_name(kind)}") from None
    check_type(name, value, kind)
    return float(value) if kind is float else value
