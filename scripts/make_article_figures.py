"""Regenerate the comparisons that docs/article.md shows, from real runs.

    python scripts/make_article_figures.py            # all of them
    python scripts/make_article_figures.py exploding  # one, by name (or worked-example)

Each comparison is one ``brickprop compare`` command (the same code path a user
runs).  Its ``comparison.png`` is copied to ``docs/figures/compare-<name>.png`` and
its ``table.md`` replaces the text between the ``<!-- table:<name>:start -->`` and
``<!-- table:<name>:end -->`` markers of docs/article.md.  ``worked-example`` is the
side-by-side table of ``brickprop explain --article --format markdown``.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys
import tempfile
from pathlib import Path

from brickprop.cli import main as brickprop
from brickprop.store.files import atomic_write_text

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"
ARTICLE = ROOT / "docs" / "article.md"


def experiments(*names: str) -> list[str]:
    return [str(ROOT / "experiments" / f"{n}.toml") for n in names]


COMPARISONS = {
    "units": experiments("xor-3-units", "xor-50-units") + ["--set", "frames=0"],
    "article-runs": experiments("article-3-units", "article-50-units", "article-explosion",
                                "article-fixed"),
    "exploding": experiments("exploding", "exploding-lower-lr", "exploding-decay", "exploding-l2",
                             "exploding-l1", "exploding-clip", "exploding-full-batch",
                             "exploding-he-init"),
    "vanishing": experiments("vanishing", "vanishing-glorot", "vanishing-tanh", "vanishing-relu"),
    "seeds": experiments("xor-3-units") + ["--vary", "lr=0.5,5,50", "--seeds", "3",
                                           "--set", "frames=0"],
}


def make(name: str, args: list[str]) -> str:
    """Run one comparison; copy its figure, return its table (Markdown)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "grid"
        code = brickprop(["compare", *args, "--out", str(out)])
        if code != 0:
            sys.exit(f"brickprop compare {' '.join(args)} failed with exit code {code}")
        shutil.copyfile(out / "comparison.png", FIGURES / f"compare-{name}.png")
        print(f"wrote {FIGURES / f'compare-{name}.png'}")
        return (out / "table.md").read_text()


def worked_example() -> str:
    """The side-by-side table of ``brickprop explain --article``, at the article's 8 digits."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = brickprop(["explain", "--article", "--format", "markdown"])
    if code != 0:
        sys.exit(f"brickprop explain --article failed with exit code {code}")
    text = out.getvalue()
    return text[text.index("| name | brickprop |"):].rstrip("\n") + "\n"


def put_table(text: str, name: str, table: str) -> str:
    pattern = re.compile(rf"(<!-- table:{name}:start -->\n).*?(<!-- table:{name}:end -->)", re.S)
    if not pattern.search(text):
        sys.exit(f"{ARTICLE} has no <!-- table:{name}:start/end --> markers")
    return pattern.sub(lambda m: m.group(1) + table + m.group(2), text)


if __name__ == "__main__":
    names = ["worked-example", *COMPARISONS]
    chosen = sys.argv[1:] or names
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        sys.exit(f"unknown comparison {unknown[0]!r}; choose from {', '.join(names)}")
    FIGURES.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        table = worked_example() if name == "worked-example" else make(name, COMPARISONS[name])
        atomic_write_text(ARTICLE, put_table(ARTICLE.read_text(), name, table))
        print(f"updated the {name} table in {ARTICLE}")
