"""brickprop against the article, number for number.

The reference here is the article's math re-typed from the facts in DESIGN.md ("The
article, as facts"), not its code: its data ``RandomState(0).randn(300, 2)``, its weights
drawn after ``np.random.seed(2017)``, its worked example (2-3-2, no biases, first point,
no penalty, SGD lr 0.001) and its training loop (the same first 50 points every step, the
data gradient without 1/N, ``reg * sum(W**2)`` added to every weight-gradient entry).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import brickprop as bp
from brickprop.cli import main
from brickprop.runs.build import build
from brickprop.runs.config import load_config
from brickprop.train.loop import fit

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
EXACT = dict(rtol=1e-12, atol=0)


def assert_same_weights(W, A, what):
    """Equal to 1e-12 of the matrix's largest entry: an entry crossing zero on its way has
    a tiny value whose own relative rounding error is not meaningful."""
    np.testing.assert_allclose(W, A, rtol=1e-12, atol=1e-12 * np.abs(A).max(), err_msg=what)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def article_data():
    """Its 300 points and one-hot targets: label 1 (target [0, 1]) where the signs differ."""
    X = np.random.RandomState(0).randn(300, 2)
    differ = np.sign(X[:, 0]) != np.sign(X[:, 1])
    return X, np.column_stack([~differ, differ]).astype(float)


def article_weights(hidden):
    """``np.random.seed(2017)``, then W1 (2, H) and W2 (H, 2): (2 u - 1) / sqrt(fan-in)."""
    np.random.seed(2017)
    W1 = (2 * np.random.random((2, hidden)) - 1) / np.sqrt(2)
    W2 = (2 * np.random.random((hidden, 2)) - 1) / np.sqrt(hidden)
    return W1, W2


# ------------------------------------------------------------ the worked example


def test_explain_article_is_the_worked_example_retyped():
    X, Y = article_data()
    x, y = X[:1], Y[:1]  # (1, 2) each: [1.76405235, 0.40015721] and [1, 0]
    W1, W2 = article_weights(3)
    z1 = x @ W1
    h1 = sigmoid(z1)
    z2 = h1 @ W2
    h2 = sigmoid(z2)
    dL_dh2 = h2 - y                     # of 1/2 sum((h2 - y)^2), one sample
    dh2_dz2 = h2 * (1 - h2)
    dL_dz2 = dL_dh2 * dh2_dz2
    dL_dW2 = h1.T @ dL_dz2
    dL_dh1 = dL_dz2 @ W2.T
    dh1_dz1 = h1 * (1 - h1)
    dL_dz1 = dL_dh1 * dh1_dz1
    dL_dW1 = x.T @ dL_dz1
    expected = {"h0": x, "y": y, "W1": W1, "W2": W2, "z1": z1, "h1": h1, "z2": z2, "h2": h2,
                "L_data": 0.5 * np.sum((h2 - y) ** 2), "L_penalty": 0.0,
                "L": 0.5 * np.sum((h2 - y) ** 2), "dL/dh2": dL_dh2, "dh2/dz2": dh2_dz2,
                "dL/dz2": dL_dz2, "dz2/dW2": h1, "dL/dW2": dL_dW2, "dz2/dh1": W2,
                "dL/dh1": dL_dh1, "dh1/dz1": dh1_dz1, "dL/dz1": dL_dz1, "dz1/dW1": x,
                "dL/dW1": dL_dW1, "W1_new": W1 - 0.001 * dL_dW1, "W2_new": W2 - 0.001 * dL_dW2}
    trace = bp.explain_article()
    assert {e.name for e in trace} == set(expected)  # no biases, nothing else
    for name, value in expected.items():
        np.testing.assert_allclose(trace[name].array, value, rtol=1e-12, atol=1e-15,
                                   err_msg=name)
    np.testing.assert_allclose(h2, [[0.37166596, 0.45414264]], atol=5e-9)  # the article's text


def test_the_articles_figures_agree_but_for_the_sign_typo_and_one_mislabelled_factor():
    trace = bp.explain_article()
    verdicts = {p.name: p.agrees for p in trace.printed}
    assert len(verdicts) == 19
    assert [name for name, ok in verdicts.items() if not ok] == ["dh2/dz2", "dL/dz2"]
    typo = next(p for p in trace.printed if p.name == "dh2/dz2")
    assert typo.digits == "[-0.23353037 0.2478971]" and "typo" in typo.note
    assert (trace["dh2/dz2"].array > 0).all()  # h2 (1 - h2) with 0 < h2 < 1
    # flipping the printed first sign makes the figure right to its last digit
    assert bp.debug.article.agrees(trace["dh2/dz2"].array, "[0.23353037 0.2478971]")
    assert not bp.debug.article.agrees([0.1, 0.2], "[0.1 0.2 0.3]")
    assert not bp.debug.article.agrees([0.123456786], "[0.12345678]")  # rounds to ...79


def test_explain_article_on_the_command_line_in_every_format(capsys):
    assert main(["explain", "--article", "--precision", "8"]) == 0
    text = capsys.readouterr().out
    assert "  h2 = [0.37166596 0.45414264]\n" in text
    assert "[0.37166596  0.45414264]" in text  # the trace's own row of h2
    assert "the article, figure of dLoss/dW2: [-0.23353037 0.2478971]; DIFFERS: the first " \
           "sign is a typo" in text
    assert "W1_new = [[-0.67747178 0.37768878 -0.07368900] [-0.53663683 0.60920372 " \
           "0.21148795]]" in text
    assert main(["explain", "--article"]) == 0  # 8 digits by default, as the article prints
    assert capsys.readouterr().out == text
    for fmt, h2 in (("markdown", "| `h2` | `[0.3717 0.4541]` | `[0.37166596 0.45414264]` |"),
                    ("latex", r"$\displaystyle h_{2}$ = \texttt{[0.3717 0.4541]}")):
        assert main(["explain", "--article", "--precision", "4", "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert h2 in out and "typo" in out and "side by side" in out.lower()
    html = bp.explain_article()._repr_html_()
    assert "the article, side by side" in html and "[-0.23353037 0.2478971]" in html


@pytest.mark.parametrize("args", [["--samples", "3"], ["--lr", "1"], ["x.toml"]])
def test_explain_article_refuses_what_would_change_the_example(args, capsys):
    assert main(["explain", "--article", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--article traces the article's own network" in err


# ------------------------------------------------------------ the three runs


def article_loop(hidden, lr, reg, steps):
    """The article's loop: losses (steps,) and weights [(W1, W2)] before each step and after."""
    X, Y = article_data()
    x, y = X[:50], Y[:50]  # the same first 50 points every step
    n = len(x)
    W1, W2 = article_weights(hidden)
    losses, weights = [], [(W1, W2)]
    for _ in range(steps):
        h1 = sigmoid(x @ W1)
        h2 = sigmoid(h1 @ W2)
        losses.append((np.sum((y - h2) ** 2) + reg * (np.sum(W1**2) + np.sum(W2**2))) / (2 * n))
        delta2 = (h2 - y) * h2 * (1 - h2)  # no 1/N: the gradient of n times the data loss
        delta1 = (delta2 @ W2.T) * h1 * (1 - h1)
        g2 = h1.T @ delta2 + reg * np.sum(W2**2)  # one scalar added to every entry
        g1 = x.T @ delta1 + reg * np.sum(W1**2)
        W1, W2 = W1 - lr * g1, W2 - lr * g2
        weights.append((W1, W2))
    return np.array(losses), weights


RUNS = {"article-3-units": (3, 0.003, 0.0), "article-50-units": (50, 0.003, 1e-6),
        "article-explosion": (50, 0.003, 1e-4)}


@pytest.mark.parametrize("name", RUNS)
def test_the_articles_runs_follow_its_loop_step_for_step(name):
    steps = 3000
    cfg = load_config(EXPERIMENTS / f"{name}.toml")
    assert (cfg.hidden, cfg.lr, cfg.l2) == ([RUNS[name][0]], *RUNS[name][1:])
    run = build(cfg.replace(steps=steps, frames=steps + 1))  # a snapshot before every step
    history = fit(run.net, run.X, run.Y, **run.fit_kwargs)
    losses, weights = article_loop(*RUNS[name], steps)
    # brickprop's loss column is the article's L: squared error and penalty, both over 2N
    np.testing.assert_allclose(history["loss"], losses, **EXACT)
    assert [s for s, _ in history.snapshots] == list(range(steps + 1))
    for (step, (W1, W2)), (A1, A2) in zip(history.snapshots, weights):
        assert_same_weights(W1, A1, f"W1 before step {step}")
        assert_same_weights(W2, A2, f"W2 before step {step}")
    if name == "article-explosion":
        np.testing.assert_allclose(losses[0], 0.25724, atol=5e-6)  # the article's start


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no NumPy overflow warning reaches a user
def test_the_explosion_trips_the_guard_at_the_articles_iteration(tmp_path, capsys):
    """The article's loop first exceeds 1000x its start at iteration 102,663 (0-based)."""
    out = tmp_path / "explosion"
    assert main(["train", str(EXPERIMENTS / "article-explosion.toml"), "--out", str(out)]) == 3
    message = "diverged at step 102664 (metrics.csv step 102663): the loss rose to"
    captured = capsys.readouterr()
    assert message in captured.out and "Warning" not in captured.err
    assert message in (out / "summary.txt").read_text()
    with open(out / "metrics.csv") as f:
        assert f.readline().startswith("step,loss,data_loss,penalty,")
    step, loss, data_loss, penalty = np.loadtxt(out / "metrics.csv", delimiter=",", skiprows=1,
                                                usecols=(0, 1, 2, 3), unpack=True)
    assert step[-1] == 102663  # the last row is the step that tripped
    assert loss[-1] > 1000 * loss[0] >= loss[:-1].max()
    np.testing.assert_allclose(loss[0], 0.25724, atol=5e-6)
    assert penalty[-1] > 100 * data_loss[-1]  # the penalty runs away
    net = bp.load(out / "model.npz")  # the weights from before the explosion, all finite
    assert all(np.isfinite(p.data).all() for p in net.parameters())
