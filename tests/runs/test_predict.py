"""Own data end to end: train --dataset/--data, model files with preprocessing, predict."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import brickprop as bp
from brickprop.cli import main
from brickprop.runs.build import build, preprocessing
from brickprop.runs.config import from_dict
from brickprop.runs.predict import Model
from brickprop.store.model import read, save

QUICK = ["--steps", "30", "--frames", "0", "--optimizer", "adam", "--lr", "0.01"]


def write_csv(path, header, X, target):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        if header:
            w.writerow(header)
        for row, t in zip(X, target):
            w.writerow([repr(float(v)) for v in row] + [t])
    return path


def read_column(path, name="prediction"):
    with open(path, newline="") as f:
        return [row[name] for row in csv.DictReader(f)]


@pytest.fixture
def blobs_csv(tmp_path):
    """Three labelled blobs with features on large, shifted scales (standardization matters)."""
    X, y = bp.datasets.gaussian(150, noise=0.8, centers=3, seed=1)
    X = X * [1000.0, 0.01] + [5e4, -3.0]
    labels = np.array(["ant", "bee", "cat"])[y]
    return write_csv(tmp_path / "blobs.csv", ["width", "height", "kind"], X, labels), X, labels


def trained(csv_path, loss="cross-entropy", target="kind", steps=300):
    """A run on ``csv_path`` trained in-process, as ``brickprop train`` does."""
    cfg = from_dict({"data": str(csv_path), "target": target, "loss": loss, "hidden": [8],
                     "optimizer": "adam", "lr": 0.05, "steps": steps, "frames": 0,
                     "init": "glorot"})
    run = build(cfg)
    bp.fit(run.net, run.X, run.Y, **{**run.fit_kwargs, "snapshots": 0})
    return cfg, run


@pytest.mark.parametrize("name", sorted(bp.datasets.DATASETS))
def test_train_dataset_flag_for_every_generated_set(name, tmp_path, capsys):
    out = tmp_path / "run"
    loss = "mse" if name in bp.datasets.REGRESSION else "cross-entropy"
    assert main(["train", "--dataset", name, "--n-samples", "90", "--loss", loss, *QUICK,
                 "--out", str(out)]) == 0
    assert f'dataset = "{name}"' in (out / "config.toml").read_text()
    assert "n_samples = 90" in (out / "config.toml").read_text()
    header = (out / "metrics.csv").read_text().splitlines()[0].split(",")
    info = read(out / "model.npz")[1]["preprocessing"]
    if name in bp.datasets.REGRESSION:
        assert "r2" in header and info["task"] == "regression" and info["classes"] is None
    else:
        n_classes = len(np.unique(bp.datasets.DATASETS[name](90, seed=0)[1]))
        assert "accuracy" in header and info["classes"] == [str(k) for k in range(n_classes)]
    assert (out / "figure.png").stat().st_size > 0
    assert "training " in capsys.readouterr().out


def test_spiral_boundary_panel_shows_every_class(tmp_path):
    from brickprop.viz import plots

    X, y = bp.datasets.spiral(150, classes=4, seed=0)
    net = bp.mlp(2, [16], 4, output="identity", init="glorot", seed=0)
    history = bp.fit(net, X, bp.one_hot(y), bp.CrossEntropy(), bp.Adam(net.parameters(), 0.05),
                     steps=200)
    fig = plots.three_panel(history, net, X, y, threshold=0.0)
    shown = np.asarray(fig.axes[1].images[0].get_array())
    assert set(np.unique(shown)) == {0.0, 1.0, 2.0, 3.0}  # four regions, one per arm


def test_regression_figures_show_the_fit_or_a_note(tmp_path):
    from brickprop.viz import plots

    for n_features in (1, 2, 3):
        X = np.random.default_rng(0).uniform(-2, 2, (60, n_features))
        y = np.sin(X).sum(axis=1)
        net = bp.mlp(n_features, [8], 1, output="identity", init="glorot", seed=0)
        history = bp.fit(net, X, y.reshape(-1, 1), bp.MSE(), bp.Adam(net.parameters(), 0.05),
                         steps=50, metric="r2", snapshots=3)
        fig = plots.three_panel(history, net, X, y, path=tmp_path / f"f{n_features}.png")
        left, middle = fig.axes[0], fig.axes[1]
        assert left.get_ylabel() == "R$^2$"
        if n_features == 1:  # the network's curve over the data
            line = middle.lines[0]
            expected = net.forward(np.asarray(line.get_xdata()).reshape(-1, 1))[:, 0]
            np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-12, atol=1e-12)
        elif n_features == 2:  # the prediction over the plane
            assert middle.images[0].get_array().shape == (120, 120)
        else:
            assert any("3 features" in t.get_text() for t in middle.texts)
        assert plots.animate(history, net, X, y, tmp_path / f"a{n_features}.gif") == 3


def test_standardization_is_saved_and_applied_at_predict_time(blobs_csv, tmp_path):
    path, X, labels = blobs_csv
    cfg, run = trained(path)
    save(run.net, tmp_path / "m.npz", preprocessing=preprocessing(cfg, run))
    model = Model.load(tmp_path / "m.npz")
    np.testing.assert_allclose(model.standardizer.mean, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(model.standardizer.scale, X.std(axis=0), rtol=1e-12)
    assert model.info["features"] == ["width", "height"]
    assert model.info["classes"] == ["ant", "bee", "cat"]
    assert np.mean(model.predict(X) == labels) > 0.95
    with np.errstate(over="ignore"):  # raw widths near 5e4 saturate the hidden units
        raw = np.array(["ant", "bee", "cat"], dtype=object)[run.net.forward(X).argmax(axis=1)]
    assert np.mean(raw == labels) < 0.7  # the unstandardized features would mislead it


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_save_load_predict_gives_identical_predictions(task, blobs_csv, tmp_path, capsys):
    path, X, labels = blobs_csv
    if task == "regression":
        target = X[:, 0] / 1000 + np.sin(X[:, 1] * 100)
        path = write_csv(tmp_path / "reg.csv", ["width", "height", "size"], X,
                         [repr(float(t)) for t in target])
        cfg, run = trained(path, loss="mse", target="size")
    else:
        cfg, run = trained(path)
    save(run.net, tmp_path / "m.npz", preprocessing=preprocessing(cfg, run))
    assert main(["predict", str(tmp_path / "m.npz"), str(path),
                 "--out", str(tmp_path / "p.csv")]) == 0
    got = read_column(tmp_path / "p.csv")
    out = run.net.forward(run.X)  # the trained network on the standardized training rows
    if task == "regression":
        np.testing.assert_array_equal(np.array(got, dtype=float), out[:, 0])
        r2 = 1 - np.sum((out[:, 0] - target) ** 2) / np.sum((target - target.mean()) ** 2)
        assert f"R^2 {r2:.4f} against the column 'size'" in capsys.readouterr().err
    else:
        assert got == [["ant", "bee", "cat"][k] for k in out.argmax(axis=1)]
        assert "accuracy 1.0000 against the column 'kind'" in capsys.readouterr().err


def test_predict_by_header_name_in_any_order_or_by_position(blobs_csv, tmp_path, capsys):
    path, X, labels = blobs_csv
    cfg, run = trained(path)
    save(run.net, tmp_path / "m.npz", preprocessing=preprocessing(cfg, run))
    expected = Model.load(tmp_path / "m.npz").predict(X).tolist()
    swapped = tmp_path / "swapped.csv"  # a header, the columns in another order
    swapped.write_text("height,width\n" + "".join(f"{b!r},{a!r}\n" for a, b in X.tolist()))
    bare = tmp_path / "bare.csv"  # no header: the features in training order
    bare.write_text("".join(f"{a!r},{b!r}\n" for a, b in X.tolist()))
    with_target = write_csv(tmp_path / "full.csv", None, X, labels)
    for data in (swapped, bare, with_target):
        assert main(["predict", str(tmp_path / "m.npz"), str(data)]) == 0
        printed = capsys.readouterr().out.splitlines()
        assert printed[0] == "prediction" and printed[1:] == expected


@pytest.mark.parametrize("layout", ["header", "swapped", "target first", "bare",
                                    "bare with target", "blank lines and CRLF"])
def test_read_features_of_a_valid_file_uses_numpys_reader_alone(layout, blobs_csv, tmp_path,
                                                                monkeypatch):
    from brickprop.data import _fastcsv
    from brickprop.runs import predict

    path, X, labels = blobs_csv
    cfg, run = trained(path, steps=5)
    save(run.net, tmp_path / "m.npz", preprocessing=preprocessing(cfg, run))
    model = Model.load(tmp_path / "m.npz")
    rows = [(repr(a), repr(b), k) for (a, b), k in zip(X.tolist(), labels)]
    lines = {"header": ["width,height,kind"] + [f"{a},{b},{k}" for a, b, k in rows],
             "swapped": ["height,width"] + [f"{b},{a}" for a, b, _ in rows],
             "target first": ["kind,width,height"] + [f"{k},{a},{b}" for a, b, k in rows],
             "bare": [f"{a},{b}" for a, b, _ in rows],
             "bare with target": [f"{a},{b},{k}" for a, b, k in rows],
             "blank lines and CRLF": ["width,height,kind", ""] + [f" {a} ,{b}, {k}"
                                                                  for a, b, k in rows]}[layout]
    data = tmp_path / "d.csv"
    data.write_bytes(("\r\n" if "CRLF" in layout else "\n").join(lines).encode())
    with monkeypatch.context() as m:
        m.setattr(_fastcsv, "load", lambda *args, **kwargs: None)
        careful_X, careful_targets = predict.read_features(data, model)
    monkeypatch.setattr(predict, "_read_rows", lambda path: pytest.fail("read row by row"))
    got_X, got_targets = predict.read_features(data, model)
    np.testing.assert_allclose(got_X, X, rtol=0, atol=0)
    np.testing.assert_allclose(careful_X, X, rtol=0, atol=0)
    assert got_targets == careful_targets
    assert got_targets == (None if layout in ("swapped", "bare") else list(labels))


@pytest.mark.parametrize("text, message", [
    ("width,kind\n1,ant\n", "the header has no column 'height'"),
    ("width,height,id\n1,2,3\n", "column 'id' is not a feature of the model"),
    ("1,2,3,4\n5,6,7,8\n", "has 4 columns but the model takes 2 features"),
])
def test_a_valid_file_that_does_not_fit_the_model_is_told_without_the_row_reader(
        text, message, blobs_csv, tmp_path, monkeypatch):
    from brickprop.runs import predict

    cfg, run = trained(blobs_csv[0], steps=5)
    save(run.net, tmp_path / "m.npz", preprocessing=preprocessing(cfg, run))
    model = Model.load(tmp_path / "m.npz")
    data = tmp_path / "d.csv"
    data.write_text(text.replace(",ant", ",2"))  # numbers only: NumPy's reader takes it
    monkeypatch.setattr(predict, "_read_rows", lambda path: pytest.fail("read row by row"))
    with pytest.raises(ValueError, match=re.escape(message)):
        predict.read_features(data, model)


def test_a_float32_run_trains_and_predicts_in_float32(blobs_csv, tmp_path, capsys):
    path, X, labels = blobs_csv
    out = tmp_path / "run"
    assert main(["train", "--data", str(path), "--target", "kind", "--loss", "cross-entropy",
                 "--dtype", "float32", *QUICK, "--out", str(out)]) == 0
    assert 'dtype = "float32"' in (out / "config.toml").read_text()
    assert "float32" in capsys.readouterr().err  # the run's one-line description says so
    model = Model.load(out / "model.npz")
    assert {p.data.dtype for p in model.net.parameters()} == {np.dtype(np.float32)}
    from brickprop.runs.predict import read_features

    X_read, _ = read_features(path, model)
    assert X_read.dtype == np.float32
    run = build(from_dict({"data": str(path), "target": "kind", "dtype": "float32"}))
    assert run.X.dtype == run.Y.dtype == np.float32
    expected = model.standardizer.transform(X.astype(np.float32))
    np.testing.assert_allclose(run.X, expected, rtol=0, atol=0)
    assert main(["predict", str(out / "model.npz"), str(path)]) == 0
    printed = capsys.readouterr().out.splitlines()[1:]
    assert printed == model.predict(X).tolist()


def test_proba_columns_are_probabilities_that_agree_with_the_prediction(blobs_csv, tmp_path):
    path, X, _ = blobs_csv
    cfg, run = trained(path)
    save(run.net, tmp_path / "m.npz", preprocessing=preprocessing(cfg, run))
    assert main(["predict", str(tmp_path / "m.npz"), str(path), "--proba",
                 "--out", str(tmp_path / "p.csv")]) == 0
    with open(tmp_path / "p.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["prediction", "p_ant", "p_bee", "p_cat"]
    p = np.array([r[1:] for r in rows[1:]], dtype=float)  # (150, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert [r[0] for r in rows[1:]] == [["ant", "bee", "cat"][k] for k in p.argmax(axis=1)]


def test_a_save_interrupted_halfway_leaves_the_previous_model(tmp_path, monkeypatch):
    import brickprop.store.model as bio

    path = tmp_path / "model.npz"
    X = np.random.default_rng(0).standard_normal((5, 2))
    old = bp.mlp(2, [3], 2, seed=0)
    save(old, path)
    before = path.read_bytes()
    real_savez = np.savez

    def half_then_interrupt(file, **arrays):
        real_savez(file, **arrays)
        with open(file, "r+b") as f:  # the first half is on disk when the user hits Ctrl-C
            f.truncate(os.path.getsize(file) // 2)
        raise KeyboardInterrupt

    monkeypatch.setattr(bio.np, "savez", half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        save(bp.mlp(2, [3], 2, seed=1), path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]
    np.testing.assert_array_equal(bp.load(path).forward(X), old.forward(X))


def test_a_save_killed_halfway_leaves_the_previous_model(tmp_path):
    """A real SIGKILL in the middle of writing: no cleanup runs, the old file survives."""
    path = tmp_path / "model.npz"
    save(bp.mlp(2, [3], 2, seed=0), path)
    before = path.read_bytes()
    script = textwrap.dedent(f"""
        import os, signal
        import numpy as np
        import brickprop as bp

        def half_then_killed(file, **arrays):
            with open(file, "wb") as f:
                f.write(b"PK" + bytes(300))  # the start of an archive
                f.flush()
                os.fsync(f.fileno())
            os.kill(os.getpid(), signal.SIGKILL)

        np.savez = half_then_killed
        bp.save(bp.mlp(2, [3], 2, seed=1), {str(path)!r})
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert result.returncode == -9
    assert path.read_bytes() == before
    leftovers = [p for p in os.listdir(tmp_path) if p != "model.npz"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".tmp-")  # never the model's name
    bp.load(path)


def test_model_files_hold_no_pickle_and_reject_a_damaged_description(blobs_csv, tmp_path):
    import json
    import zipfile

    path, _, _ = blobs_csv
    cfg, run = trained(path, steps=5)
    model_path = tmp_path / "m.npz"
    save(run.net, model_path, preprocessing=preprocessing(cfg, run))
    with zipfile.ZipFile(model_path) as z:
        assert all(np.lib.format.read_array(z.open(n), allow_pickle=False) is not None
                   for n in z.namelist())
    net, meta = read(model_path)
    meta["preprocessing"]["features"] = ["only-one"]
    arrays = {p.name: p.data for p in net.parameters()}
    bad = {"format": "brickprop-model-1", "architecture": bp.store.model.describe(net), "extra": {},
           "preprocessing": meta["preprocessing"]}
    np.savez(tmp_path / "bad.npz", __meta__=np.array(json.dumps(bad)), **arrays)
    with pytest.raises(ValueError, match="preprocessing description in the file is damaged"):
        Model.load(tmp_path / "bad.npz")
    bad["architecture"] = [{"type": "Linear", "n_in": "two"}]
    np.savez(tmp_path / "bad.npz", __meta__=np.array(json.dumps(bad)), **arrays)
    with pytest.raises(ValueError, match="architecture in the file is damaged"):
        bp.load(tmp_path / "bad.npz")


@pytest.fixture(scope="module")
def digits_csv(tmp_path_factory):
    """scikit-learn's 1,797 handwritten 8x8 digits as train.csv and test.csv (80/20)."""
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = bp.datasets.split(X, y, 0.2, seed=0)
    folder = tmp_path_factory.mktemp("digits")
    header = [f"pixel{i}" for i in range(64)]
    return (write_csv(folder / "train.csv", header + ["digit"], X_train, y_train),
            write_csv(folder / "test.csv", header + ["digit"], X_test, y_test), y_test)


def test_digits_csv_through_train_and_predict_reach_95_percent(digits_csv, tmp_path):
    train_csv, test_csv, y_test = digits_csv
    out = tmp_path / "run"
    assert main(["train", "--data", str(train_csv), "--target", "digit", "--loss",
                 "cross-entropy", "--hidden", "32", "--activation", "relu", "--init", "he",
                 "--optimizer", "adam", "--lr", "0.01", "--batch-size", "64", "--steps", "600",
                 "--frames", "0", "--out", str(out)]) == 0
    assert main(["predict", str(out / "model.npz"), str(test_csv),
                 "--out", str(tmp_path / "pred.csv")]) == 0
    predicted = np.array(read_column(tmp_path / "pred.csv"), dtype=int)
    assert len(predicted) == len(y_test) == 359
    assert np.mean(predicted == y_test) >= 0.95


def test_digits_csv_through_brick_classifier_reach_95_percent(digits_csv):
    pytest.importorskip("sklearn")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from brickprop.sklearn import BrickClassifier

    train_csv, test_csv, _ = digits_csv
    X_train, y_train, info = bp.datasets.from_csv(train_csv, "digit")
    X_test, y_test, test_info = bp.datasets.from_csv(test_csv, "digit")
    assert info["classes"] == test_info["classes"] == [str(d) for d in range(10)]
    model = make_pipeline(StandardScaler(), BrickClassifier(
        hidden_layer_sizes=(32,), batch_size=64, max_iter=30, random_state=0))
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95


def test_dataset_flag_replaces_the_data_file_of_a_config(blobs_csv, tmp_path):
    path, _, _ = blobs_csv
    config = tmp_path / "c.toml"
    config.write_text(f'data = "{path}"\ntarget = "kind"\nloss = "cross-entropy"\n')
    out = tmp_path / "run"
    assert main(["train", str(config), "--dataset", "moons", *QUICK, "--out", str(out)]) == 0
    text = (out / "config.toml").read_text()
    assert 'dataset = "moons"' in text and 'data = ""' in text and 'target = ""' in text


def test_proba_of_a_single_logit_gives_both_classes(tmp_path):
    X, y = bp.datasets.moons(120, seed=0)
    path = write_csv(tmp_path / "moons.csv", ["u", "v", "side"], X,
                     np.array(["up", "down"])[y])
    cfg, run = trained(path, loss="binary-cross-entropy", target="side")
    assert run.net.forward(run.X).shape == (120, 1)
    save(run.net, tmp_path / "m.npz", preprocessing=preprocessing(cfg, run))
    model = Model.load(tmp_path / "m.npz")
    p = model.predict_proba(X)  # (120, 2): classes in sorted order, "down" then "up"
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    z = run.net.forward(run.X)[:, 0]
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-12, atol=1e-15)
    assert list(model.predict(X)) == [["down", "up"][int(k)] for k in (z > 0)]


def test_explain_and_gradcheck_of_a_csv_model_use_the_runs_own_data(blobs_csv, tmp_path, capsys):
    csv_path, _, _ = blobs_csv
    out = tmp_path / "run"
    assert main(["train", "--data", str(csv_path), "--target", "kind", "--loss",
                 "cross-entropy", "--hidden", "4", *QUICK, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["explain", str(out / "model.npz"), "--samples", "1"]) == 0
    text = capsys.readouterr().out
    assert "2-4-3 network" in text and "CrossEntropy()" in text
    assert main(["gradcheck", str(out / "model.npz")]) == 0
    assert "all gradients match" in capsys.readouterr().out
