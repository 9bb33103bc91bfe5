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

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"

RUNS = {
    "xor-2-3-2.png": [],                     # the default: the article's network
    "xor-2-50-2.png": ["--hidden", "50"],
    "article-3-units.png": [str(ROOT / "experiments" / "article-3-units.toml")],
    "article-50-units.png": [str(ROOT / "experiments" / "article-50-units.toml")],
    "article-explosion.png": [str(ROOT / "experiments" / "article-explosion.toml")],
    "article-fixed.png": [str(ROOT / "experiments" / "article-fixed.toml")],
    "spiral-3-classes.png": ["--dataset", "spiral", "--loss", "cross-entropy", "--hidden", "32",
                             "--activation", "tanh", "--init", "glorot", "--optimizer", "adam",
                             "--lr", "0.02", "--steps", "3000"],
    "sine-regression.png": ["--dataset", "sine", "--hidden", "16", "--activation", "tanh",
                            "--init", "glorot", "--optimizer", "adam", "--lr", "0.02",
                            "--steps", "2000"],
}
DIAGNOSTICS = {"article-explosion-diagnostics.png": "article-explosion.png"}


def make(name: str, args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        code = brickprop(["train", *args, "--frames", "0", "--out", str(out)])
        if code not in (0, 3):  # 3: the run diverged, which some figures show on purpose
            sys.exit(f"brickprop train {' '.join(args)} failed with exit code {code}")
        shutil.copyfile(out / "figure.png", FIGURES / name)
        print(f"wrote {FIGURES / name}")
        for diag, source in DIAGNOSTICS.items():
            if source == name:
                shutil.copyfile(out / "diagnostics.png", FIGURES / diag)
                print(f"wrote {FIGURES / diag}")


if __name__ == "__main__":  # python scripts/make_figures.py [NAME.png ...]: all or some
    FIGURES.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(sys.argv[1:]) - set(RUNS))
    if unknown:
        sys.exit(f"unknown figure {unknown[0]!r}; choose from {', '.join(RUNS)}")
    for figure, flags in RUNS.items():
        if figure in sys.argv[1:] or not sys.argv[1:]:
            make(figure, flags)
