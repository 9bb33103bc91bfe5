"""``import brickprop``: free until a name is used, and every public name is there."""

import subprocess
import sys

import pytest

import brickprop as bp


def test_import_brickprop_imports_nothing_heavy_until_a_name_is_used():
    code = ("import sys, brickprop as bp\n"
            "print('numpy' in sys.modules)\n"
            "bp.Linear\n"
            "print('numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("name", bp.__all__)
def test_every_public_name_resolves_and_is_listed(name):
    value = getattr(bp, name)
    assert value is getattr(bp, name)  # kept once imported
    assert name in dir(bp)
    assert getattr(value, "__name__", name).rsplit(".", 1)[-1] == name  # not a namesake


def test_from_import_and_a_missing_name():
    from brickprop import MSE, explain, fit

    assert callable(fit) and callable(explain) and MSE.__name__ == "MSE"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        bp.nope  # noqa: B018


def test_a_model_file_loads_in_a_process_that_imported_nothing_else(tmp_path):
    """Bricks register as their modules are imported; ``load`` imports them itself."""
    net = bp.mlp(2, [3], 2, activation="tanh", seed=0)
    bp.save(net, tmp_path / "model.npz")
    code = ("import sys, numpy as np\n"
            "from brickprop.store.model import load\n"
            f"net = load({str(tmp_path / 'model.npz')!r})\n"
            "print(net.forward(np.ones((1, 2))).round(6).tolist())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    import numpy as np

    assert result.stdout.strip() == str(net.forward(np.ones((1, 2))).round(6).tolist())
