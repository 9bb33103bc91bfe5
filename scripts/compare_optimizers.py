"""Compare optimizers on the article's XOR data and write the table into the README.

    python scripts/compare_optimizers.py

Each variant is a ``brickprop train`` configuration (same data, seed and steps);
the table reports the first step at which training accuracy reaches 95% and the
final loss, for 3 and 50 hidden units.  The README's table between the
``optimizers`` markers is replaced by the result.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from brickprop.runs.build import build
from brickprop.runs.config import from_dict
from brickprop.store.files import atomic_write_text
from brickprop.train.loop import fit

README = Path(__file__).resolve().parent.parent / "README.md"
STEPS = 5000
VARIANTS = {
    "SGD, lr 5": {"optimizer": "sgd", "lr": 5.0},
    "SGD + momentum 0.9, lr 1": {"optimizer": "momentum", "lr": 1.0},
    "Adam, lr 0.05": {"optimizer": "adam", "lr": 0.05},
    "SGD, lr 10 decayed to 0 (cosine)": {"optimizer": "sgd", "lr": 10.0, "schedule": "cosine"},
}


def run(hidden: int, values: dict) -> tuple[str, float]:
    r = build(from_dict({**values, "hidden": [hidden], "steps": STEPS, "frames": 0}))
    history = fit(r.net, r.X, r.Y, **r.fit_kwargs)
    reached = np.flatnonzero(history["accuracy"] >= 0.95)
    return (str(reached[0] + 1) if reached.size else "never"), float(history["loss"][-1])


def table() -> str:
    lines = ["| optimizer | steps to 95% (3 hidden) | final loss (3) | "
             "steps to 95% (50 hidden) | final loss (50) |",
             "|---|---:|---:|---:|---:|"]
    for name, values in VARIANTS.items():
        (s3, l3), (s50, l50) = run(3, values), run(50, values)
        lines.append(f"| {name} | {s3} | {l3:.4f} | {s50} | {l50:.4f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    result = table()
    print(result)
    text = README.read_text()
    pattern = re.compile(r"(<!-- optimizers:start -->\n).*?(<!-- optimizers:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit("README.md has no <!-- optimizers:start/end --> markers")
    atomic_write_text(README, pattern.sub(lambda m: m.group(1) + result + "\n" + m.group(2),
                                          text))
    print(f"updated {README}")
