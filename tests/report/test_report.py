"""The HTML report: run pages, comparison pages, notebook views and the `report` command."""

from __future__ import annotations

import base64
import csv
import json
import re
import shutil
import sys

import numpy as np
import pytest

import brickprop as bp
from brickprop.cli import main

pytest.importorskip("jinja2")

from brickprop.report import pages as report  # noqa: E402
from brickprop.store.model import load_snapshots  # noqa: E402

SHORT = ["--steps", "300", "--frames", "4"]
DIVERGING = ["--hidden", "64", "64", "64", "--activation", "relu", "--lr", "10", "--loss",
             "cross-entropy", "--steps", "60", "--frames", "4"]
COLUMNS = ["variant", "status", "final_accuracy", "best_accuracy", "final_loss", "best_loss",
           "steps_to_95", "first_nonfinite_step", "peak_grad_norm", "seconds"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "short"
    assert main(["train", *SHORT, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def diverged_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "diverged"
    assert main(["train", *DIVERGING, "--out", str(out)]) == 3
    return out


def page_data(path) -> dict:
    """The JSON the run page's script draws from."""
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)
    return json.loads(m.group(1))


def test_every_run_folder_gets_a_self_contained_page(run_dir):
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    # Nothing fetched: no external scripts, styles or images, only data URIs.
    assert not re.search(r'(src|href)="(?!data:|#)', page)
    assert "<link" not in page and "http://" not in page and "https://" not in page
    # The animation as it is, and the diagnostics; the drawings come from the data.
    assert page.count("data:image/gif;base64,") == 1
    assert page.count("data:image/png;base64,") == 1
    assert 'type="range"' in page and 'aria-pressed="false"' in page and "<label" in page
    assert '<img id="frame"' in page and 'alt="' in page
    assert "<math>" in page and "<mfrac>" in page  # the first iteration, typeset
    assert "final loss" in page and "<code>lr</code>" in page  # summary and config


def test_page_data_holds_each_snapshots_weights_and_gradients(run_dir):
    data = page_data(run_dir / "report.html")
    steps, weights, grads, meta = load_snapshots(run_dir / "snapshots.npz")
    assert [f["step"] for f in data["frames"]] == steps == [0, 100, 200, 300]
    metrics = np.loadtxt(run_dir / "metrics.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(data["frames"][1]["loss"], metrics[100, 1], rtol=1e-3)
    # Links in layer order, W[i, j] row-major: 2x3 weights of layer 0, then 3x2 of layer 2.
    for k in range(len(steps)):
        expected = np.concatenate([weights[k]["0.W"].ravel(), weights[k]["2.W"].ravel()])
        np.testing.assert_allclose(data["weights"][k], expected, rtol=1e-3)
    np.testing.assert_allclose(data["grads"][0][:6], grads[0]["0.W"].ravel(), rtol=1e-3)
    assert grads[-1] is None and data["grads"][-1] is None  # the final weights took no step
    assert data["diverged_frame"] is None and "diverged" not in meta


def test_fit_records_the_gradient_of_each_snapshot_step():
    X, y = bp.datasets.xor(100, seed=1)
    Y = bp.one_hot(y)
    net = bp.mlp(2, [3], 2, seed=0)
    history = bp.fit(net, X, Y, bp.MSE(), bp.SGD(net.parameters(), lr=2.0), bp.L2(1e-3),
                     steps=50, snapshots=3)
    assert [s for s, _ in history.snapshots] == [0, 25, 50]
    assert sorted(history.snapshot_grads) == [0, 25]
    step, arrays = history.snapshots[1]
    twin = bp.mlp(2, [3], 2, seed=0)
    for p, a in zip(twin.parameters(), arrays):
        p.data[...] = a
    loss, l2 = bp.MSE(), bp.L2(1e-3)
    loss.forward(twin.forward(X), Y)
    twin.backward(loss.backward())
    l2.backward(twin.parameters(), X.shape[0])
    for p, g in zip(twin.parameters(), history.snapshot_grads[step]):
        np.testing.assert_allclose(g, p.grad, rtol=1e-12, atol=1e-15)


def test_a_diverged_run_shows_the_message_and_marks_the_step(diverged_dir):
    page = (diverged_dir / "report.html").read_text(encoding="utf-8")
    data = page_data(diverged_dir / "report.html")
    _, _, _, meta = load_snapshots(diverged_dir / "snapshots.npz")
    step = meta["diverged_step"]
    assert f"This run diverged at step {step}." in page and 'role="alert"' in page
    assert f"diverged at step {step}" in meta["diverged"]
    assert data["frames"][data["diverged_frame"]]["step"] >= step - 1
    assert 'id="goto-divergence"' in page and f"▲ diverged at step {step}" in page
    assert "16 drawn" in page  # 64-unit layers are drawn with their first 16 units


def test_the_report_command_rebuilds_the_page(run_dir, tmp_path, capsys):
    (run_dir / "report.html").unlink()
    assert main(["report", str(run_dir)]) == 0
    assert (run_dir / "report.html").stat().st_size > 10_000
    assert "wrote" in capsys.readouterr().out
    assert main(["report", str(run_dir), "--out", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").read_bytes() == (run_dir / "report.html").read_bytes()


@pytest.mark.parametrize("case, fragment", [
    ("missing", "is not a folder"),
    ("empty", "is not a run folder (no config.toml)"),
    ("out", "cannot write the report"),
    ("partial", "has no metrics.csv, model.npz; train it again with brickprop train"),
])
def test_the_report_command_rejects_bad_input_in_one_line(run_dir, tmp_path, capsys, case,
                                                          fragment):
    (tmp_path / "partial").mkdir()
    for name in ("config.toml", "summary.txt"):
        shutil.copy(run_dir / name, tmp_path / "partial")
    args = {"missing": [str(tmp_path / "nope")], "empty": [str(tmp_path)],
            "partial": [str(tmp_path / "partial")],
            "out": [str(run_dir), "--out", str(tmp_path / "no" / "such" / "r.html")]}[case]
    assert main(["report", *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err


def test_without_jinja2_the_error_says_how_to_install_it(run_dir, tmp_path, monkeypatch,
                                                         capsys):
    monkeypatch.setitem(sys.modules, "jinja2", None)  # import jinja2 now fails
    assert not report.available()
    with pytest.raises(report.MissingDependency, match=r"pip install 'brickprop\[report\]'"):
        report.build_run(run_dir)
    assert main(["report", str(run_dir)]) == 2
    assert "brickprop[report]" in capsys.readouterr().err
    out = tmp_path / "plain"
    assert main(["train", "--steps", "20", "--frames", "0", "--out", str(out)]) == 0
    assert not (out / "report.html").exists()
    assert "no report.html: the HTML report needs Jinja2" in (out / "summary.txt").read_text()
    assert "no report.html: the HTML report needs Jinja2" in capsys.readouterr().out


def test_a_run_without_frames_still_gets_a_page(tmp_path):
    out = tmp_path / "still"
    assert main(["train", "--steps", "30", "--frames", "0", "--out", str(out)]) == 0
    data = page_data(out / "report.html")
    assert len(data["weights"]) == 1  # the final weights
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "This run has no animation" in page and "data:image/gif" not in page
    uri = re.search(r'<img id="frame" src="(data:image/png;base64,[^"]*)"', page).group(1)
    assert base64.b64decode(uri.removeprefix("data:image/png;base64,")) == (
        out / "figure.png").read_bytes()


def grid_png(path, folders):
    """A real grid figure: each variant's loss curve in its own panel."""
    from brickprop.viz._figures import new_figure, save_png

    fig = new_figure((6, 2.5))
    for ax, folder in zip(fig.subplots(1, len(folders)), folders):
        m = np.loadtxt(folder / "metrics.csv", delimiter=",", skiprows=1)
        ax.semilogy(m[:, 0], m[:, 1])
        ax.set_title(folder.name)
    save_png(fig, path)


@pytest.fixture(scope="module")
def comparison_dir(run_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    shutil.copytree(run_dir, out / "sgd")
    assert main(["train", *SHORT, "--optimizer", "adam", "--lr", "0.05",
                 "--out", str(out / "adam")]) == 0
    rows = []
    for name in ("sgd", "adam"):
        m = np.loadtxt(out / name / "metrics.csv", delimiter=",", skiprows=1)
        reached = np.flatnonzero(m[:, 4] >= 0.95)
        rows.append([name, "ok", m[-1, 4], m[:, 4].max(), m[-1, 1], m[:, 1].min(),
                     int(reached[0]) if reached.size else "", "", m[:, 6].max(), 0.5])
    with open(out / "table.csv", "w", newline="") as f:
        csv.writer(f).writerows([COLUMNS, *rows])
    grid_png(out / "comparison.png", [out / "sgd", out / "adam"])
    return out


def test_comparison_page_has_the_grid_and_a_sortable_table(comparison_dir):
    path = report.build_comparison(comparison_dir)
    page = open(path, encoding="utf-8").read()
    grid = base64.b64encode((comparison_dir / "comparison.png").read_bytes()).decode()
    assert grid in page
    assert page.count('<button type="button" class="sort">') == len(COLUMNS)
    assert '<a href="sgd/report.html">sgd</a>' in page and '<a href="adam/report.html">' in page
    numeric = re.findall(r'<th scope="col" data-numeric><button type="button" class="sort">'
                         r"(\w+)</button>", page)
    assert set(numeric) == set(COLUMNS) - {"variant", "status"}
    assert not re.search(r'(src|href)="(?!data:|#|sgd/|adam/)', page)


def test_comparison_in_a_notebook_and_the_command(comparison_dir, tmp_path):
    c = report.Comparison.from_folder(comparison_dir)
    assert [r["variant"] for r in c.rows] == ["sgd", "adam"]
    view = c._repr_html_()
    assert view.startswith('<div class="brickprop-comparison bp-rich">') and "<table" in view
    assert view.endswith("</style>") and ".bp-rich" in view
    assert main(["report", str(comparison_dir), "--out", str(tmp_path / "c.html")]) == 0
    assert 'id="comparison"' in (tmp_path / "c.html").read_text(encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="not a comparison folder"):
        report.Comparison.from_folder(tmp_path)
    (tmp_path / "table.csv").write_text("name,loss\na,1\n")
    with pytest.raises(ValueError, match="no 'variant' column"):
        report.Comparison.from_folder(tmp_path)


def test_history_shows_itself_in_a_notebook():
    X, y = bp.datasets.xor(60, seed=0)
    net = bp.mlp(2, [3], 2, seed=0)
    history = bp.fit(net, X, bp.one_hot(y), steps=40, snapshots=2)
    view = history._repr_html_()
    assert "History: 40 steps" in view and view.count("<svg") == 2
    assert f"{history.last()['loss']:.6g}" in view
    assert "accuracy over 40 steps" in view and "loss over 40 steps (log scale)" in view
    empty = bp.History(["step", "loss"], 3)
    assert "no steps" in empty._repr_html_()


def test_mathml_trace_typesets_names_escapes_text_and_elides_big_arrays():
    from brickprop.debug.explain import Entry, Trace
    from brickprop.debug.trace_format import to_mathml

    X, y = bp.datasets.xor(4, seed=0)
    net = bp.mlp(2, [20], 2, seed=0)
    html = to_mathml(bp.explain(net, X, bp.one_hot(y), lr=1.0), max_size=8)
    assert ("<mfrac><mrow><mo>∂</mo><mi>L</mi></mrow><mrow><mo>∂</mo>"
            "<msub><mi>W</mi><mn>1</mn></msub></mrow></mfrac>") in html
    assert "<msubsup><mi>W</mi><mn>1</mn><mtext>new</mtext></msubsup>" in html
    assert "⋯ 12 more" in html and "⋮ 12 more" in html  # W2 is 20 x 2: rows elided
    evil = to_mathml(Trace([Entry("forward", "<b>", "a < b & c", np.ones(2))], "<script>"))
    assert "<script>" not in evil and "&lt;b&gt;" in evil and "a &lt; b &amp; c" in evil


def test_the_page_embeds_the_animation_as_it_is(run_dir):
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    uri = re.search(r'<img id="frame" src="(data:image/gif;base64,[^"]*)"', page).group(1)
    assert base64.b64decode(uri.removeprefix("data:image/gif;base64,")) == (
        run_dir / "animation.gif").read_bytes()


def test_every_template_is_declared_as_package_data():
    import fnmatch
    from pathlib import Path

    from brickprop.runs.config import tomllib  # tomli before Python 3.11

    root = Path(__file__).resolve().parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["brickprop.report"]
    templates = root / "src" / "brickprop" / "report" / "templates"
    files = [f"templates/{p.name}" for p in templates.iterdir() if p.is_file()]
    assert len(files) >= 6
    assert [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)] == []


@pytest.mark.parametrize("data", ["xor", "csv"])
def test_the_page_train_writes_from_the_runs_own_data_is_the_page_of_its_folder(
        tmp_path, monkeypatch, data):
    """``write_run`` lends the page the data it trained on; the page is the same as one
    read from the folder alone (which reads the CSV file again)."""
    from brickprop.jobs.run import train_run
    from brickprop.runs import build as builds
    from brickprop.runs.config import from_dict

    options = {"steps": 120, "frames": 3}
    if data == "csv":
        rng = np.random.default_rng(0)
        X = rng.normal(size=(90, 3))
        rows = [f"{a:.6f},{b:.6f},{c:.6f},{int(a + b > 0)}" for a, b, c in X]
        (tmp_path / "d.csv").write_text("a,b,c,label\n" + "\n".join(rows) + "\n")
        options.update(data=str(tmp_path / "d.csv"), target="label", val_split=0.2,
                       loss="cross-entropy")
    cfg = from_dict(options)
    folder = tmp_path / "run"
    folder.mkdir()
    loads = []
    real = builds.load_data
    monkeypatch.setattr(builds, "load_data", lambda c: loads.append(c) or real(c))
    train_run(cfg, folder)
    assert len(loads) == 1  # the training's: the page did not read the data again
    report.build_run(folder, out=tmp_path / "again.html")
    assert len(loads) == 2
    assert (folder / "report.html").read_text() == (tmp_path / "again.html").read_text()
