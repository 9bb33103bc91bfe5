"""The ``brickprop`` command: argparse front ends over the library (``main`` is the entry point)."""

from .main import main

__all__ = ["main"]
