"""The per-layer diagnostics figure: gradient norms, update ratios, saturated and dead units."""

import os

import numpy as np
import pytest
from PIL import Image

import brickprop as bp
from brickprop.viz import plots

STATS = ("weight_norm", "update_ratio", "saturated", "dead", "max_activation")


def assert_png(path):
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as im:
        assert im.format == "PNG"
        width, height = im.size
    assert 1300 <= width <= 1500 and 400 <= height <= 520  # about 13 x 4.2 in at 110 dpi
    assert os.path.getsize(path) > 20_000


def layer_lines(ax):
    """The per-layer curves of ``ax`` (not the reference or divergence lines)."""
    return [line for line in ax.lines if line.get_gid() is None]


def notes(ax) -> str:
    return " ".join(t.get_text() for t in ax.texts)


def synthetic(n_rows=400, layers=(0, 2, 4), blow_up=350, every=10):
    """A History with every diagnostic column: stats every ``every`` rows, then inf at ``blow_up``.

    Layers 0 and 2 are followed by sigmoids (``dead`` is NaN), layer 4 by a ReLU
    (``saturated`` is NaN).  ``update_ratio_0`` is inf at row 200.
    """
    columns = ["step", "loss"] + [f"{s}_{k}" for k in layers for s in ("grad_norm", *STATS)]
    history = bp.History(columns, n_rows)
    for t in range(n_rows):
        row = dict.fromkeys(columns, np.nan)
        row["step"], row["loss"] = t, 1 / (1 + t) if t < blow_up else np.inf
        for j, k in enumerate(layers):
            row[f"grad_norm_{k}"] = 10.0 ** (j - 3) * np.exp(t / 100) if t < blow_up else np.inf
            if t % every == 0:
                row[f"weight_norm_{k}"] = 1 + t / 100
                row[f"update_ratio_{k}"] = 10.0 ** (j - 4) * (1.5 + np.sin(t))
                row[f"saturated_{k}"] = min(1.0, (j + 1) * t / n_rows) if k != 4 else np.nan
                row[f"dead_{k}"] = 0.1 + t / 1000 if k == 4 else np.nan
                row[f"max_activation_{k}"] = 1.0
        if t == 200:
            row["update_ratio_0"] = np.inf
        history.record([row[c] for c in columns])
    return history


def test_a_real_fit_history_builds_and_saves(tmp_path):
    X, y = bp.datasets.xor(200, 0)
    net = bp.mlp(2, [3], 2, seed=0)
    history = bp.fit(net, X, bp.one_hot(y), bp.MSE(), bp.SGD(net.parameters(), lr=5.0),
                     bp.L2(1e-4), steps=300)
    path = tmp_path / "diagnostics.png"
    fig = plots.diagnostics_figure(history, path=path)
    assert_png(path)
    assert os.listdir(tmp_path) == ["diagnostics.png"]  # no temporary file left behind
    assert [ax.get_title() for ax in fig.axes] == [
        "Gradient norm per layer", "Update / weight ratio per layer", "Saturated and dead units"]
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in layer_lines(ax)] == ["layer 1 (brick 0)",
                                                              "layer 2 (brick 2)"]
    np.testing.assert_allclose(layer_lines(ax)[1].get_ydata(), history["grad_norm_2"],
                               rtol=0, atol=0)
    assert fig.get_suptitle() == "Per-layer diagnostics · 2 layers · 300 steps"


def test_a_fit_with_diagnostics_fills_every_panel(tmp_path):
    X, y = bp.datasets.xor(200, 0)
    net = bp.mlp(2, [3], 2, seed=0)
    history = bp.fit(net, X, bp.one_hot(y), bp.MSE(), bp.SGD(net.parameters(), lr=5.0),
                     steps=300, diagnose_every=10)
    fig = plots.diagnostics_figure(history, path=tmp_path / "d.png")
    assert_png(tmp_path / "d.png")
    grad, ratio, units = fig.axes
    assert len(layer_lines(grad)) == len(layer_lines(ratio)) == len(layer_lines(units)) == 2
    assert not any(notes(ax) for ax in fig.axes)
    assert len(layer_lines(ratio)[0].get_xdata()) == 30  # one point every 10 steps


def test_only_gradient_norms_leaves_a_note_in_the_other_panels():
    history = bp.History(["step", "loss", "grad_norm_0", "grad_norm_2"], 5)
    for t in range(5):
        history.record([t, 1.0, 0.1 * (t + 1), 0.2])
    grad, ratio, units = plots.diagnostics_figure(history, title="only norms").axes
    assert len(layer_lines(grad)) == 2 and not notes(grad)
    assert "No update ratios" in notes(ratio) and "diagnose_every" in notes(ratio)
    assert "No saturated or dead units" in notes(units)
    assert not layer_lines(ratio) and not layer_lines(units)


def test_no_diagnostic_columns_at_all_gives_three_notes(tmp_path):
    history = bp.History(["step", "loss"], 3)
    for t in range(3):
        history.record([t, 0.5])
    fig = plots.diagnostics_figure(history, path=tmp_path / "empty.png")
    assert "No gradient norms" in notes(fig.axes[0])
    assert all(notes(ax) for ax in fig.axes)
    assert fig.get_suptitle() == "Per-layer diagnostics · 0 layers · 3 steps"


def test_a_synthetic_history_with_nan_rows_and_inf_draws_only_finite_points(tmp_path):
    history = synthetic()
    path = tmp_path / "synthetic.png"
    # Masking, not arithmetic on inf and NaN, keeps the plot quiet.
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        fig = plots.diagnostics_figure(history, path=path, title="synthetic")
    assert_png(path)
    grad, ratio, units = fig.axes
    assert fig.get_suptitle() == "synthetic"
    assert [ax.get_yscale() for ax in fig.axes] == ["log", "log", "linear"]
    assert len(layer_lines(grad)) == len(layer_lines(ratio)) == 3
    for ax in fig.axes:
        for line in layer_lines(ax):
            assert np.isfinite(line.get_ydata()).all()
    # Gradient norms every step until the blow-up; update ratios every 10th step, minus the inf.
    assert [line.get_xdata().size for line in layer_lines(grad)] == [350] * 3
    assert [line.get_xdata().size for line in layer_lines(ratio)] == [39, 40, 40]
    assert "loss = inf at step 350" in notes(grad)
    assert [line.get_xdata()[0] for line in grad.lines if line.get_gid() == "diverged"] == [350]
    # Saturation of the two sigmoid layers solid, dead ReLUs of layer 4 dashed.
    styles = [line.get_linestyle() for line in layer_lines(units)]
    assert styles == ["-", "-", "--"]
    assert units.get_ylim()[0] <= 0 and units.get_ylim()[1] >= 1
    assert "1e-3" in " ".join(t.get_text() for t in ratio.get_legend().get_texts())


def test_a_deep_net_has_one_gradient_line_per_layer(tmp_path):
    X, y = bp.datasets.xor(100, 1)
    net = bp.mlp(2, [16] * 6, 2, init="normal", seed=0)
    history = bp.fit(net, X, bp.one_hot(y), bp.MSE(), bp.SGD(net.parameters(), lr=1.0),
                     steps=20)
    fig = plots.diagnostics_figure(history, path=tmp_path / "deep.png")
    assert_png(tmp_path / "deep.png")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    lines = layer_lines(ax)
    assert len(lines) == 7
    assert [line.get_label() for line in lines] == [
        f"layer {i} (brick {k})" for i, k in enumerate(range(0, 14, 2), 1)]
    assert len({tuple(line.get_color()) for line in lines}) == 7
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        [line.get_label() for line in lines]


def test_all_nan_statistics_say_so():
    columns = ["step", "loss", "grad_norm_0", *(f"{s}_0" for s in STATS)]
    history = bp.History(columns, 4)
    for t in range(4):
        history.record([t, np.nan, np.inf, *[np.nan] * len(STATS)])
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        grad, ratio, units = plots.diagnostics_figure(history).axes
    assert "NaN or inf" in notes(grad) and "loss = nan at step 0" in notes(grad)
    assert "NaN or inf" in notes(ratio)
    assert "no sigmoid, tanh or ReLU" in notes(units)


def test_missing_folder_and_failed_save(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    history = synthetic(50)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plots.diagnostics_figure(history, path=tmp_path / "missing" / "d.png")
    old = tmp_path / "old.png"
    old.write_bytes(b"old png")

    def half_written(self, fp, *args, **kwargs):
        with open(fp, "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", half_written)
    with pytest.raises(OSError, match="disk full"):
        plots.diagnostics_figure(history, path=old)
    assert old.read_bytes() == b"old png"
    assert os.listdir(tmp_path) == ["old.png"]
