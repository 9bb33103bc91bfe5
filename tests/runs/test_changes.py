"""The ``changes`` key: a schedule of mid-run changes that ``brickprop train`` replays."""

from __future__ import annotations

import numpy as np
import pytest

from brickprop.cli import main
from brickprop.runs.build import build
from brickprop.runs.config import ConfigError, from_dict, parse_changes
from brickprop.train.loop import fit


def test_changes_parse_by_step_and_bad_ones_say_how_to_write_them():
    both = ["missing-1-over-n", "scalar-l2-gradient"]
    assert parse_changes(["20:l2=0.001", "5:lr=0.5", "9:bugs=" + ",".join(both)]) == [
        (5, "lr", 0.5), (9, "bugs", both), (20, "l2", 0.001)]
    for bad in ("lr=0.5", "x:lr=1", "5:steps=3", "5:lr", "5:lr=-1", "5:bugs=no-shuffle"):
        with pytest.raises(ConfigError) as e:
            from_dict({"changes": [bad]})
        assert "\n" not in str(e.value)


def test_the_schedule_applies_each_change_after_its_step():
    cfg = from_dict({"steps": 30, "changes": ["10:lr=1.0", "20:bugs=missing-1-over-n",
                                              "25:bugs=none"]})
    run = build(cfg)
    h = fit(run.net, run.X, run.Y, **{**run.fit_kwargs, "snapshots": 0, "progress": None})
    np.testing.assert_array_equal(h["lr"], [5.0] * 10 + [1.0] * 20)
    plain = build(from_dict({"steps": 30, "changes": ["10:lr=1.0"]}))
    p = fit(plain.net, plain.X, plain.Y, **{**plain.fit_kwargs, "snapshots": 0,
                                            "progress": None})
    # the bug (N times the data gradient) changes the weights only from step 20 on
    np.testing.assert_array_equal(h["loss"][:21], p["loss"][:21])
    assert not np.allclose(h["loss"][22:], p["loss"][22:], rtol=1e-6, atol=0)


def test_train_takes_changes_on_the_command_line(tmp_path, capsys):
    assert main(["train", "--steps", "8", "--frames", "0", "--change", "4:lr=0.5",
                 "--out", str(tmp_path / "r")]) == 0
    rows = (tmp_path / "r" / "metrics.csv").read_text().splitlines()
    lr = rows[0].split(",").index("lr")
    assert [float(r.split(",")[lr]) for r in rows[1:]] == [5.0] * 4 + [0.5] * 4
    capsys.readouterr()
    assert main(["train", "--change", "4:steps=1"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
