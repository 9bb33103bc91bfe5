"""docs/notebooks run headless in a real kernel (nbclient + ipykernel) and show what they
promise: the article's h2, its explosion and fix; the guard's message and the remedies."""

from __future__ import annotations

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")
pytest.importorskip("anywidget")
pytest.importorskip("starlette")  # the playground serves the live page's protocol


def execute(path) -> list[str]:
    """Run the notebook at ``path`` in a fresh kernel; each code cell's text output."""
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for out in cell.outputs:
            assert out.output_type != "error", "\n".join(out.get("traceback", []))
            if out.output_type == "stream":
                parts.append(out.text)
            elif "data" in out:
                parts.append(out.data.get("text/plain", ""))
                parts.append(out.data.get("text/html", ""))
                parts.append(str(out.data.get("application/vnd.jupyter.widget-view+json", "")))
        texts.append("".join(parts))
    return texts


def test_the_article_notebook_retells_the_article(repo):
    cells = execute(repo / "docs" / "notebooks" / "article.ipynb")
    text = "\n".join(cells)
    assert "h2 = [0.37166596 0.45414264]" in text
    assert "dh2/dz2: the article printed [-0.23353037 0.2478971]; the first sign is a typo" \
        in text
    assert "article-explosion: 102664 steps" in text
    assert "diverged at step 102664 (metrics.csv step 102663)" in text
    assert "Missing1OverN" in text and "ScalarL2Gradient" in text
    assert "article-fixed: 5000 steps" in text
    assert text.count("brickprop LiveView: a widget") == 4  # each run's view, as text
    assert "training:   0%" in text  # progress=True: tqdm's notebook bar, a widget too
    # the playground trained the fixed run's 300 steps as bp.fit does, bit for bit
    assert "playground: step 300, loss " in text
    assert "bp.fit of its config ends with the same weights: True" in text
    assert "brickprop playground (config " in text and "article-fixed.toml): a widget" in text


def test_the_debug_notebook_shows_the_guard_and_the_remedies(repo):
    cells = execute(repo / "docs" / "notebooks" / "debug-my-training.ipynb")
    text = "\n".join(cells)
    assert "diverged at step 5 (metrics.csv step 4)" in text
    assert "grew fastest" in text and "Try, most likely first" in text
    assert "gradients agree with finite differences: True" in text
    for remedy in ("He initialization", "learning rate / 10", "clip the gradient norm to 1",
                   "roll back and halve the rate"):
        line = next(line for line in text.splitlines() if line.startswith(remedy + ":"))
        assert "2000 steps, accuracy" in line, line
