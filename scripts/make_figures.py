"""Regenerate the figures the README and docs show, from real runs.

    python scripts/make_figures.py

Each figure is the ``figure.png`` of a ``brickprop train`` run (the same code path
a user runs), copied into ``docs/figures/``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from brickprop.cli import main as brickprop

FIGURES = Path(__file__).resolve().parent.parent / "docs" / "figures"

RUNS = {
    "xor-2-3-2.png": [],                     # the default: the article's network
    "xor-2-50-2.png": ["--hidden", "50"],
}


def make(name: str, args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        code = brickprop(["train", *args, "--frames", "0", "--out", str(out)])
        if code != 0:
            sys.exit(f"brickprop train {' '.join(args)} failed with exit code {code}")
        shutil.copyfile(out / "figure.png", FIGURES / name)
    print(f"wrote {FIGURES / name}")


if __name__ == "__main__":
    FIGURES.mkdir(parents=True, exist_ok=True)
    for figure, flags in RUNS.items():
        make(figure, flags)
