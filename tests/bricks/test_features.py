"""The Features brick: engineered inputs, their gradient, the config key and the CLI flag."""

from __future__ import annotations

import numpy as np
import pytest

import brickprop as bp
from brickprop.bricks.features import FEATURES, Features
from brickprop.cli import main
from brickprop.runs.build import build
from brickprop.runs.config import ConfigError, from_dict

ALL = list(FEATURES)


def test_each_feature_is_its_formula():
    X = np.random.default_rng(0).standard_normal((7, 2))
    y = Features(ALL).forward(X)
    x1, x2 = X[:, 0], X[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_allclose(y, expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("names, n_raw", [(ALL, 2), (["x1", "x1_sq", "sin_x1"], 1),
                                          (["x1_x2"], 2)])
def test_the_backward_pass_matches_finite_differences(names, n_raw):
    X = np.random.default_rng(1).standard_normal((6, n_raw))
    net = bp.Sequential(Features(names, n_raw), bp.Linear(len(names), 3, rng=0), bp.Tanh(),
                        bp.Linear(3, 2, rng=1))
    Y = bp.one_hot(np.array([0, 1, 1, 0, 1, 0]))
    report = bp.gradcheck(net, X, Y, bp.MSE())
    assert report.passed, report
    assert any(c.part.startswith("0 Features") for c in report.checks)


def test_a_model_with_features_saves_and_loads(tmp_path):
    net = bp.mlp(2, [4], 2, features=["x1", "x2", "x1_x2"], seed=3)
    bp.save(net, tmp_path / "m.npz")
    twin = bp.load(tmp_path / "m.npz")
    X = np.random.default_rng(2).standard_normal((5, 2))
    np.testing.assert_allclose(twin.forward(X), net.forward(X), rtol=1e-15, atol=0)
    assert repr(twin[0]) == "Features(['x1', 'x2', 'x1_x2'])"


@pytest.mark.parametrize("values, fragment", [
    ({"features": ["x3"]}, "unknown feature 'x3'; choose from x1, x2"),
    ({"features": ["x1", "x1"]}, "feature 'x1' is listed twice"),
    ({"features": "x1"}, "must be a list of names"),
])
def test_bad_features_are_one_line_config_errors(values, fragment):
    with pytest.raises(ConfigError, match=fragment):
        from_dict(values)


def test_a_feature_needs_the_input_it_reads():
    with pytest.raises(ConfigError, match="feature 'x2' needs x2 but the data has 1 input"):
        build(from_dict({"dataset": "sine", "features": ["x1", "x2"]}))


def test_the_cli_flag_puts_the_brick_first(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--features", "x1_sq", "x2_sq", "--steps", "20", "--frames", "0",
                 "--out", str(out)]) == 0
    assert 'features = ["x1_sq", "x2_sq"]' in (out / "config.toml").read_text()
    net = bp.load(out / "model.npz")
    assert repr(net[0]) == "Features(['x1_sq', 'x2_sq'])" and net[1].n_in == 2
    assert "inputs x1_sq, x2_sq" in capsys.readouterr().err
    assert main(["train", "--features", "nope", "--out", str(tmp_path / "bad")]) == 2
    assert "unknown feature 'nope'" in capsys.readouterr().err
