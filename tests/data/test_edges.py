"""Data and sizes at the edges: standardizing any finite magnitude, target naming, --task,
config text that round-trips, distinct variant names, bounded memory, interrupts."""

from __future__ import annotations

import numpy as np
import pytest

import brickprop as bp
from brickprop.data.datasets import Standardizer, from_csv
from brickprop.runs.config import ConfigError, from_dict, from_toml


@pytest.mark.parametrize("magnitude", [1e300, 1.7e308 / 4, 1e-200, 1e-310, 1.0])
def test_standardizing_works_for_any_finite_magnitude(magnitude):
    X = np.random.default_rng(0).standard_normal((200, 2)) * magnitude
    Z = Standardizer().fit_transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-12 if magnitude > 1e-300 else 1e-3)


def test_ordinary_columns_keep_numpys_mean_and_std_exactly():
    X = np.random.default_rng(1).standard_normal((50, 3)) * [1.0, 1e5, 1e-5]
    s = Standardizer().fit(X)
    np.testing.assert_array_equal(s.mean, X.mean(axis=0))
    np.testing.assert_array_equal(s.scale, X.std(axis=0))


def test_only_a_truly_constant_column_is_left_unscaled():
    rng = np.random.default_rng(2)
    X = np.column_stack([1 + rng.standard_normal(100) * 4e-16, np.full(100, 0.1),
                         np.array([-1.7e308, 1.7e308] * 50)])
    s = Standardizer().fit(X)
    assert 0 < s.scale[0] < 1e-15 and s.scale[1] == 1.0 and s.mean[1] == 0.1
    Z = s.transform(X)
    assert np.isfinite(Z).all() and (Z[:, 1] == 0).all()
    np.testing.assert_allclose(Z[:, 2], np.tile([-1.0, 1.0], 50), rtol=1e-12)


def test_a_z_score_that_overflows_says_the_data_is_the_problem():
    s = Standardizer().fit(np.array([[0.0], [1e-300]]))
    with pytest.raises(ValueError, match="the data is the problem: row 0, column 0"):
        s.transform(np.array([[1e308]]))


def test_a_header_name_wins_and_hash_n_is_an_index(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,1,2\n0.1,a,5\n0.2,b,6\n0.3,a,7\n0.4,b,8\n")
    X, y, info = from_csv(path, "1")
    assert info["target"] == "1" and info["features"] == ["x", "2"]
    np.testing.assert_array_equal(y, [0, 1, 0, 1])
    named = tmp_path / "n.csv"
    named.write_text("x,y,label\n0.1,1,5\n0.2,2,6\n0.3,1,7\n")
    _, _, info = from_csv(named, "#0", task="classification")
    assert info["target"] == "x" and info["classes"] == ["0.1", "0.2", "0.3"]
    headerless = tmp_path / "h.csv"
    headerless.write_text("1,2,0\n3,4,1\n5,6,0\n")
    _, y, info = from_csv(headerless, "2")  # no header: a number is an index
    assert info["features"] == ["0", "1"]
    np.testing.assert_array_equal(y, [0, 1, 0])


def test_task_overrides_the_guess(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("x,price\n" + "".join(f"{i / 10},{i}\n" for i in range(40)))
    _, y, info = from_csv(path, "price")
    assert info["task"] == "classification" and len(info["classes"]) == 40
    _, y, info = from_csv(path, "price", task="regression")
    assert info["task"] == "regression" and y.dtype == np.float64
    np.testing.assert_array_equal(y, np.arange(40.0))


def test_duplicate_column_names_are_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,a,label\n1,2,x\n3,4,y\n")
    with pytest.raises(ValueError, match="the header names two columns 'a'"):
        from_csv(path, "label")


@pytest.mark.parametrize("text", ["we\nird.csv", 'q"uo\\te', "tab\there", "\x01\x7f\u2028",
                                  "naïve/日本.csv"])
def test_any_string_round_trips_through_config_toml(text):
    cfg = from_dict({"data": text, "target": text, "hidden": [8, 8], "bugs": []})
    toml = cfg.to_toml(note="a note\nover two lines")
    assert from_toml(toml, "test") == cfg
    assert "hidden = [8, 8]\n" in toml and "# a note over two lines\n" in toml
    assert "# noise: not set (the data set's own)" in toml


def test_every_variant_gets_its_own_folder_and_data_can_vary():
    from brickprop.compare.grid import parse_vary, plan

    grid = parse_vary(["data=csv/good.csv,csv-good.csv,CSV-good.csv"])
    variants = plan([("base", from_dict({}))], grid, fixed={"target": "label"})
    names = [v.name for v in variants]
    assert len({n.lower() for n in names}) == 3 and all(v.cfg is not None for v in variants)
    assert all(n.startswith("data=") and "/" not in n for n in names)
    long = plan([("." + "x" * 300, from_dict({}))])
    assert not long[0].name.startswith(".") and len(long[0].name) <= 129


def test_figure_grids_are_evaluated_in_blocks(monkeypatch):
    from brickprop.viz import _figures

    net = bp.mlp(2, [50], 2, seed=0)
    X = np.random.default_rng(0).standard_normal((1000, 2))
    whole = np.array(net.forward(X))
    monkeypatch.setattr(_figures, "CHUNK_BYTES", 8 * 50 * 7)  # 7 rows at a time
    np.testing.assert_array_equal(_figures.forward_in_chunks(net, X), whole)


def test_the_history_grows_with_the_steps_not_before_them():
    X, y = bp.datasets.xor(20)
    history = bp.fit(bp.mlp(2, [3], 2), X, bp.one_hot(y), steps=5)
    history["loss"]
    assert history._data.shape[0] <= 10


def test_memory_limit_names_the_setting_and_the_most_that_fits():
    from brickprop.runs.limits import check_memory, parts

    cfg = from_dict({"steps": 10**9, "log_every": 1})  # every step's row kept
    memory = 10**9
    with pytest.raises(ConfigError) as e:
        check_memory(cfg, 300, 2, 3, memory=memory)
    message = str(e.value)
    assert message.startswith("steps 1000000000 needs about ") and "steps fit here" in message
    most = int(message.split("at most about ")[1].split()[0])
    assert sum(parts(cfg.replace(steps=most), 300, 2, 3).values()) <= memory
    assert sum(parts(cfg.replace(steps=most + 1), 300, 2, 3).values()) > memory
    check_memory(from_dict({}), 300, 2, 3, memory=memory)  # the default run fits
    check_memory(cfg.replace(log_every=0), 300, 2, 3, memory=memory)  # ~10,000 rows kept


def test_a_compare_variant_no_machine_holds_is_a_failing_row(tmp_path, capsys):
    from brickprop.cli import main

    out = tmp_path / "c"
    assert main(["compare", "--vary", "steps=5,1000000000000", "--set", "frames=0",
                 "--set", "log_every=1",
                 "--jobs", "1", "--out", str(out)]) == 1
    table = (out / "table.csv").read_text().splitlines()
    assert table[1].startswith("steps=5,ok,")
    assert table[2].startswith("steps=1000000000000,bad config,")
    assert "needs about" in table[2]


def test_an_interrupt_stops_after_the_current_step_and_says_so():
    from brickprop.jobs.run import replayable
    from brickprop.train.callbacks import Interrupt

    X, y = bp.datasets.xor(20)
    stop = Interrupt(steps=100)
    stop.request("Ctrl-C")  # before the first step: that step still runs
    history = bp.fit(bp.mlp(2, [3], 2), X, bp.one_hot(y), steps=100, callbacks=[stop])
    assert len(history) == 1
    assert history.meta["interrupted"] == "interrupted by Ctrl-C after 1 of 100 steps"
    cfg = replayable(from_dict({"schedule": "cosine", "steps": 100}), 1)
    assert (cfg.steps, cfg.t_max, cfg.diagnose_every) == (1, 100, 1)
