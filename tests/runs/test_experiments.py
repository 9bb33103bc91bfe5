"""Every config in experiments/ runs (with fewer steps) and does what its comments claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from brickprop.compare.grid import run_metrics
from brickprop.runs.build import build
from brickprop.runs.config import load_config
from brickprop.train.loop import fit

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def first_to_last_gradient(history) -> float:
    """The first layer's gradient norm over the last layer's, at the first step."""
    norms = [c for c in history.columns if c.startswith("grad_norm_") and c[10:].isdigit()]
    return float(history[norms[0]][0] / history[norms[-1]][0])


def explodes(m, h):
    assert m["first_nonfinite_step"] is not None and m["first_nonfinite_step"] <= 20
    assert "diverged" in h.meta and m["peak_grad_norm"] > 1e20
    return True


def trains(m, h, by=100):
    assert m["first_nonfinite_step"] is None and "diverged" not in h.meta
    assert m["steps_to_95"] is not None and m["steps_to_95"] <= by
    return True


def stuck(m, h):
    assert m["best_accuracy"] < 0.6  # chance level on XOR
    assert first_to_last_gradient(h) < 1e-4
    return True


def stays_calm(m, h):
    assert m["first_nonfinite_step"] is None and "diverged" not in h.meta
    assert h["loss"][-1] < h["loss"][0]
    return True


# name -> (steps of the reduced run, the claim of the config's comments); the article's runs
# are also checked against its own loop, step for step, by tests/test_article.py
CLAIMS = {
    "article-3-units": (3000, lambda m, h: stays_calm(m, h) and bool(m["best_accuracy"] < 0.7)),
    "article-50-units": (3000, lambda m, h: stays_calm(m, h)
                         and bool(h["penalty"][-1] < 1e-5 * h["data_loss"][-1])),
    "article-fixed": (10000, lambda m, h: trains(m, h, by=10000)),
    "xor-3-units": (1000, lambda m, h: 0.8 < m["final_accuracy"] < 0.95
                    and m["steps_to_95"] is None),
    "xor-50-units": (1000, lambda m, h: m["steps_to_95"] < 400 and m["final_accuracy"] > 0.97),
    "exploding": (300, explodes),
    "exploding-lower-lr": (300, trains),
    "exploding-decay": (300, explodes),
    "exploding-l2": (300, explodes),
    "exploding-l1": (300, explodes),
    "exploding-full-batch": (300, explodes),
    "exploding-clip": (300, trains),
    "exploding-he-init": (300, lambda m, h: trains(m, h) and m["peak_grad_norm"] < 50),
    "vanishing": (300, stuck),
    "vanishing-glorot": (300, lambda m, h: stuck(m, h) and first_to_last_gradient(h) > 1e-5),
    "vanishing-tanh": (300, lambda m, h: trains(m, h, by=200)
                       and first_to_last_gradient(h) > 0.1),
    "vanishing-relu": (300, lambda m, h: trains(m, h, by=200)
                       and first_to_last_gradient(h) > 0.1),
}


def test_every_experiment_has_a_claim():
    names = {p.stem for p in EXPERIMENTS.glob("*.toml")}
    assert names - {"article-explosion"} == set(CLAIMS)


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_experiment_headline_claim(name):
    steps, claim = CLAIMS[name]
    cfg = load_config(EXPERIMENTS / f"{name}.toml").replace(steps=steps, frames=0)
    run = build(cfg)
    history = fit(run.net, run.X, run.Y, **run.fit_kwargs)
    assert claim(run_metrics(history), history) is True


def test_article_explosion_gradcheck_names_both_gradient_bugs():
    """Its comments point at gradcheck; the full run, to the article's step of explosion, is
    tests/debug/test_article.py::test_the_explosion_trips_the_guard_at_the_articles_iteration."""
    from brickprop.debug.gradcheck import gradcheck

    run = build(load_config(EXPERIMENTS / "article-explosion.toml"))
    kw = run.fit_kwargs
    report = gradcheck(run.net, run.X[:5], run.Y[:5], kw["loss"], kw["regularizer"])
    assert not report.passed
    text = str(report)
    assert "Missing1OverN" in text and "ScalarL2Gradient" in text
