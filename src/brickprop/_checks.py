"""Argument checks shared by the modules: each returns the value or raises ValueError."""

from __future__ import annotations

import math

import numpy as np


def check_number(name, value, low=0.0, high=math.inf, low_open=False, high_open=True):
    """Return ``float(value)`` if it is a finite real inside the interval, else raise."""
    real = isinstance(value, (int, float, np.integer, np.floating)) and type(value) is not bool
    if not (real and math.isfinite(value) and (low < value if low_open else low <= value)
            and (value < high if high_open else value <= high)):
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a finite number in {interval}, got {value!r}")
    return float(value)


def check_int(name, value, low=0):
    """Return ``int(value)`` if it is an integer (not a bool) >= ``low``, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def machine_memory() -> int | None:
    """Bytes of physical memory, or None where the system does not say."""
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None
