"""The three-panel figure, its animation and the decision grid."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image  # Pillow comes with matplotlib

import brickprop as bp
from brickprop.viz import plots


@pytest.fixture(scope="module")
def trained():
    """The article's 2-3-2 sigmoid network after 3000 steps on XOR, with 40 snapshots."""
    X, y = bp.datasets.xor(300, 0)
    net = bp.mlp(2, [3], 2, seed=0)
    history = bp.fit(net, X, bp.one_hot(y), bp.MSE(), bp.SGD(net.parameters(), lr=5.0),
                     bp.L2(1e-4), steps=3000, snapshots=40)
    return history, net, X, y


def test_importing_plots_does_not_import_matplotlib():
    code = "import sys, brickprop.viz.plots; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_three_panel_writes_a_png(trained, tmp_path):
    history, net, X, y = trained
    path = tmp_path / "three_panel.png"
    fig = plots.three_panel(history, net, X, y, path=path)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as im:
        assert im.format == "PNG"
        width, height = im.size
    assert 1300 <= width <= 1500 and 400 <= height <= 520  # about 13 x 4.2 in at 110 dpi
    assert 20_000 < os.path.getsize(path) < 2_000_000
    assert [ax.get_title() for ax in fig.axes] == ["Training accuracy", "Decision boundary", "Loss"]
    assert fig.axes[2].get_yscale() == "log"
    assert fig.get_suptitle().startswith("2-3-2 sigmoid · step 3000 · accuracy 0.")
    assert os.listdir(tmp_path) == ["three_panel.png"]  # no temporary file left behind


def test_three_panel_takes_a_title_and_one_hot_targets(trained):
    history, net, X, y = trained
    fig = plots.three_panel(history, net, X, bp.one_hot(y), title="XOR")
    assert fig.get_suptitle() == "XOR"


def test_animate_writes_one_distinct_frame_per_snapshot(trained, tmp_path):
    history, net, X, y = trained
    path = tmp_path / "training.gif"
    n_frames = plots.animate(history, net, X, y, path, fps=10)
    assert n_frames == len(history.snapshots) >= 30
    with Image.open(path) as im:
        assert im.format == "GIF" and im.n_frames == n_frames
        frames = []
        for i in range(im.n_frames):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGB")))
    assert len({f.tobytes() for f in frames}) == n_frames
    # The boundary moves: the middle third of the first and last frames differ a lot.
    middle = slice(frames[0].shape[1] // 3, 2 * frames[0].shape[1] // 3)
    changed = np.any(frames[0][:, middle] != frames[-1][:, middle], axis=-1).mean()
    assert changed > 0.1
    assert os.listdir(tmp_path) == ["training.gif"]


def test_animate_leaves_the_users_network_unchanged(trained, tmp_path):
    history, net, X, y = trained
    before = [p.data.copy() for p in net.parameters()]
    ids = [id(p.data) for p in net.parameters()]
    plots.animate(history, net, X, y, tmp_path / "a.gif")
    plots.three_panel(history, net, X, y)
    for p, b, i in zip(net.parameters(), before, ids):
        assert id(p.data) == i
        np.testing.assert_array_equal(p.data, b)


def test_animate_without_snapshots_says_how_to_get_them(tmp_path):
    X, y = bp.datasets.xor(50, 0)
    net = bp.mlp(2, [3], 2, seed=0)
    history = bp.fit(net, X, bp.one_hot(y), steps=5)
    with pytest.raises(ValueError, match="snapshots=40"):
        plots.animate(history, net, X, y, tmp_path / "a.gif")
    assert os.listdir(tmp_path) == []


def test_three_features_get_a_note_instead_of_a_boundary(tmp_path):
    X = np.random.default_rng(0).standard_normal((60, 3))
    y = (X.sum(axis=1) > 0).astype(np.int64)
    net = bp.mlp(3, [4], 2, seed=0)
    history = bp.fit(net, X, bp.one_hot(y), steps=20, snapshots=5)
    fig = plots.three_panel(history, net, X, y, path=tmp_path / "f.png")
    assert any("3 features" in t.get_text() for t in fig.axes[1].texts)
    assert plots.animate(history, net, X, y, tmp_path / "f.gif") == len(history.snapshots)


def test_missing_folder_is_a_clear_error_and_leaves_nothing(trained, tmp_path):
    history, net, X, y = trained
    for save in (lambda p: plots.three_panel(history, net, X, y, path=p),
                 lambda p: plots.animate(history, net, X, y, p)):
        with pytest.raises(FileNotFoundError, match="does not exist"):
            save(tmp_path / "missing" / "out.png")
    assert os.listdir(tmp_path) == []


def test_a_failed_save_keeps_the_old_file(trained, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    history, net, X, y = trained
    png, gif = tmp_path / "old.png", tmp_path / "old.gif"
    png.write_bytes(b"old png")
    gif.write_bytes(b"old gif")

    def half_written(self, fp, *args, **kwargs):
        with open(fp, "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", half_written)
    monkeypatch.setattr(Image.Image, "save", half_written)
    with pytest.raises(OSError, match="disk full"):
        plots.three_panel(history, net, X, y, path=png)
    with pytest.raises(OSError, match="disk full"):
        plots.animate(history, net, X, y, gif)
    assert png.read_bytes() == b"old png" and gif.read_bytes() == b"old gif"
    assert sorted(os.listdir(tmp_path)) == ["old.gif", "old.png"]


def test_decision_grid_agrees_with_the_predicted_class(trained):
    _, net, X, _ = trained
    xx, yy, Z = plots.decision_grid(net, X, resolution=50)
    assert xx.shape == yy.shape == Z.shape == (50, 50)
    assert xx[0, 0] < X[:, 0].min() and yy[-1, 0] > X[:, 1].max()  # the grid covers X
    assert Z.min() >= 0 and Z.max() <= 1
    out = net.forward(np.column_stack([xx.ravel(), yy.ravel()]))
    np.testing.assert_array_equal((Z > 0.5).ravel(), out.argmax(axis=1) == 1)


def test_decision_grid_single_logit_and_many_classes():
    X = np.random.default_rng(1).standard_normal((40, 2))
    logit = bp.mlp(2, [4], 1, output="identity", seed=0)
    xx, yy, Z = plots.decision_grid(logit, X, resolution=30, threshold=0.0)
    out = logit.forward(np.column_stack([xx.ravel(), yy.ravel()]))  # (900, 1) logits
    np.testing.assert_allclose(Z.ravel(), 1 / (1 + np.exp(-out[:, 0])), rtol=1e-12, atol=1e-12)

    three = bp.mlp(2, [4], 3, seed=0)
    _, _, Z = plots.decision_grid(three, X, resolution=30)
    assert set(np.unique(Z)) <= {0.0, 1.0, 2.0}
    with pytest.raises(ValueError, match=r"\(n_samples, 2\)"):
        plots.decision_grid(three, np.zeros((5, 3)))


def test_describe_names_widths_and_activations():
    assert plots.describe(bp.mlp(2, [3], 2)) == "2-3-2 sigmoid"
    assert plots.describe(bp.mlp(2, [8, 8], 3, activation="relu", output="identity")) == \
        "2-8-8-3 relu/identity"


def test_a_diverged_run_still_plots(tmp_path):
    X, y = bp.datasets.xor(100, 1)
    net = bp.mlp(2, [3], 2, output="identity", seed=0)
    with np.errstate(all="ignore"):  # the loss overflows to inf, then NaN, on purpose
        history = bp.fit(net, X, bp.one_hot(y), bp.MSE(), bp.SGD(net.parameters(), lr=50.0),
                         steps=200, snapshots=10, on_diverge="ignore")
        assert not np.isfinite(history["loss"][-1])
        net.parameters()[0].data[0, 0] = np.nan  # fit never applies a NaN update; force one
        fig = plots.three_panel(history, net, X, y, path=tmp_path / "d.png")
        assert plots.animate(history, net, X, y, tmp_path / "d.gif") == 10
    assert any("loss = inf at step" in t.get_text() for t in fig.axes[2].texts)
    assert any("NaN" in t.get_text() for t in fig.axes[1].texts)


def test_a_large_sets_title_scores_an_even_subset_and_says_so(monkeypatch):
    from brickprop.train.metrics import accuracy
    from brickprop.viz import _panels

    X, y = bp.datasets.xor(300, seed=0)
    net = bp.mlp(2, [3], 2, seed=0)
    history = bp.fit(net, X, bp.one_hot(y), bp.MSE(), bp.SGD(net.parameters(), lr=5.0),
                     steps=50)
    title = plots.three_panel(history, net, X, y)._suptitle.get_text()
    assert title.endswith(f"accuracy {accuracy(net.forward(X), y):.2f}")
    monkeypatch.setattr(_panels, "SCORED", 100)
    title = plots.three_panel(history, net, X, y)._suptitle.get_text()
    assert title.endswith(f"accuracy {accuracy(net.forward(X[::3]), y[::3]):.2f} "
                          "on 100 of 300 samples")


@pytest.mark.parametrize("case", ["xor", "spiral", "sine", "diverged"])
def test_a_runs_figure_is_its_animations_last_frame_drawn_as_three_panel_draws_it(case, tmp_path):
    """draw_run saves figure.png from the animation's last frame: the same bytes."""
    if case == "sine":
        X, y = bp.datasets.sine(120, seed=0)
        net = bp.mlp(1, [8], 1, activation="tanh", output="identity", seed=0)
        y = y.reshape(-1, 1)
        target, loss, metric = y, bp.MSE(), "r2"
    else:
        X, y = (bp.datasets.spiral(150, 3, seed=0) if case == "spiral"
                else bp.datasets.xor(200, seed=0))
        net = bp.mlp(2, [6], int(y.max()) + 1, seed=0)
        target, loss, metric = bp.one_hot(y), bp.MSE(), "accuracy"
    lr = 1e6 if case == "diverged" else 1.0
    history = bp.fit(net, X, target, loss, bp.SGD(net.parameters(), lr=lr), steps=200,
                     snapshots=5, metric=metric)
    plots.three_panel(history, net, X, y, path=tmp_path / "three.png", title="a run")
    plots.draw_run(history, net, X, y, figure=tmp_path / "run.png",
                   diagnostics=tmp_path / "d.png", animation=tmp_path / "a.gif", title="a run")
    assert (tmp_path / "run.png").read_bytes() == (tmp_path / "three.png").read_bytes()
