"""Model files and atomic writes."""

from __future__ import annotations

import numpy as np
import pytest

import brickprop as bp
from brickprop.store.files import atomic_path, atomic_write_text
from brickprop.store.model import load, save


def test_save_load_round_trip_keeps_architecture_and_weights(tmp_path):
    net = bp.Sequential(bp.Linear(2, 4, rng=0), bp.Tanh(), bp.Linear(4, 3, bias=False, rng=1),
                        bp.LeakyReLU(0.2), bp.Linear(3, 2, rng=2), bp.Softmax())
    save(net, tmp_path / "m.npz")
    back = load(tmp_path / "m.npz")
    assert repr(back) == repr(net)
    X = np.random.default_rng(0).standard_normal((5, 2))
    np.testing.assert_allclose(back.forward(X), net.forward(X).copy(), rtol=0, atol=0)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "foreign", "pickle"])
def test_damaged_or_foreign_files_get_a_clear_error(tmp_path, damage):
    path = tmp_path / "m.npz"
    save(bp.mlp(2, [3], 2), path)
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "garbage":
        path.write_bytes(b"not a model at all")
    elif damage == "foreign":
        np.savez(path, weights=np.ones(3))
    else:
        with open(path, "wb") as f:
            np.save(f, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="not a brickprop model file"):
        load(path)


def test_missing_model_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load(tmp_path / "nope.npz")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        with open(tmp, "w") as f:
            f.write("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
