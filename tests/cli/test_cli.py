"""The `brickprop` command as a user runs it: run folders, replay, and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import brickprop as bp
from brickprop.cli import main

FAST = ["--steps", "300", "--frames", "4"]


def run_cli(*args, cwd=None):
    """Run the installed module as a user would; returns the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "brickprop.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_train_writes_a_complete_run_folder(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *FAST, "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"config.toml", "metrics.csv", "model.npz", "figure.png", "animation.gif",
            "summary.txt"} <= names
    stdout = capsys.readouterr().out
    assert "training accuracy" in stdout and str(out) in stdout
    header = (out / "metrics.csv").read_text().splitlines()[0]
    assert header.startswith("step,loss,data_loss,penalty,accuracy,lr,grad_norm_0,grad_norm_2,")
    assert "update_ratio_0" in header and "saturated_2" in header  # layer diagnostics
    assert len((out / "metrics.csv").read_text().splitlines()) == 301


def test_same_command_twice_and_replay_give_identical_metrics(tmp_path):
    a, b, c = (tmp_path / n for n in "abc")
    args = ["train", "--steps", "200", "--frames", "0", "--hidden", "4", "--batch-size", "32"]
    assert main([*args, "--out", str(a)]) == 0
    assert main([*args, "--out", str(b)]) == 0
    assert main(["train", str(a / "config.toml"), "--out", str(c)]) == 0
    metrics = [(d / "metrics.csv").read_bytes() for d in (a, b, c)]
    assert metrics[0] == metrics[1] == metrics[2]


def test_flags_override_the_config(tmp_path):
    out = tmp_path / "r"
    assert main(["train", "--hidden", "8", "8", "--activation", "tanh", "--lr", "0.5",
                 "--no-bias", "--l1", "0.001", "--momentum", "0.9", *FAST,
                 "--out", str(out)]) == 0
    text = (out / "config.toml").read_text()
    for line in ("hidden = [8, 8]", 'activation = "tanh"', "lr = 0.5", "bias = false",
                 "l1 = 0.001", "momentum = 0.9"):
        assert line in text


def test_noise_is_kept_in_the_config_and_unset_replays_the_sets_own(tmp_path):
    from brickprop.runs.build import load_data
    from brickprop.runs.config import from_dict, load_config

    quiet, noisy = tmp_path / "quiet", tmp_path / "noisy"
    assert main(["train", "--dataset", "circles", *FAST, "--out", str(quiet)]) == 0
    assert main(["train", "--dataset", "circles", "--noise", "0.3", *FAST,
                 "--out", str(noisy)]) == 0
    assert "# noise: not set (the data set's own)" in (quiet / "config.toml").read_text()
    assert "noise = 0.3" in (noisy / "config.toml").read_text()
    cfg = load_config(quiet / "config.toml")
    assert cfg.noise is None
    np.testing.assert_array_equal(load_data(cfg)[0],
                                  load_data(from_dict({"dataset": "circles", "noise": 0.1}))[0])
    X_noisy = load_data(load_config(noisy / "config.toml"))[0]
    assert not np.array_equal(X_noisy, load_data(cfg)[0])
    summary = (noisy / "summary.txt").read_text()
    assert summary.startswith("circles (noise 0.3) · ")


def test_saved_model_reproduces_the_final_training_accuracy(tmp_path):
    import brickprop as bp
    from brickprop.store.model import load
    from brickprop.train.loop import accuracy

    out = tmp_path / "r"
    assert main(["train", "--steps", "500", "--frames", "0", "--out", str(out)]) == 0
    net = load(out / "model.npz")
    X, y = bp.datasets.xor(300, 0)
    final = np.loadtxt(out / "metrics.csv", delimiter=",", skiprows=1)[-1]
    # The last row is measured before the last update, so allow a point or two of change.
    assert abs(accuracy(net.forward(X), y) - final[4]) < 0.02


@pytest.mark.parametrize("args, fragment", [
    (["--activation", "swish"], "unknown activation 'swish'; choose one of sigmoid"),
    (["--loss", "hinge"], "unknown loss 'hinge'; choose one of mse"),
    (["--init", "xavier"], "unknown init 'xavier'; choose one of article"),
    (["--lr", "0"], "lr must be > 0"),
    (["--lr", "-1"], "lr must be > 0"),
    (["--steps", "0"], "steps must be > 0"),
    (["--batch-size", "1000"], "batch_size 1000 is larger than n_samples 300"),
    (["--hidden", "0"], "'hidden' must be a list of positive integers"),
    (["--lr", "fast"], "argument --lr: invalid float value: 'fast'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--seed", "-1"], "seed must be >= 0, got -1"),
    (["--seed", "4294967296"], "seed and data_seed must be < 2**32: 4294967296, 0"),
    (["--dtype", "float16"], "unknown dtype 'float16'; choose one of float64, float32"),
])
def test_bad_flags_are_one_line_errors_with_exit_code_2(args, fragment, capsys):
    assert main(["train", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err
    assert len(err.splitlines()) == 1 and err.startswith("brickprop: error:")


@pytest.mark.parametrize("content, fragment", [
    ("lrr = 1\n", "unknown key 'lrr'"),
    ('lr = "0.1"\n', "config key 'lr' must be a number, got '0.1'"),
    ("steps = 1.5\n", "config key 'steps' must be an integer"),
    ("hidden = 3\n", "config key 'hidden' must be a list of positive integers"),
    ("lr = \n", "is not valid TOML"),
    ('dtype = "float16"\n', "unknown dtype 'float16'; choose one of float64, float32"),
])
def test_bad_config_files_are_one_line_errors(tmp_path, content, fragment, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(content)
    assert main(["train", str(cfg), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and len(err.splitlines()) == 1


def test_missing_config_file(tmp_path, capsys):
    assert main(["train", str(tmp_path / "nope.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_unwritable_or_foreign_output_folder_is_refused_without_touching_it(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("mine")
    assert main(["train", *FAST, "--out", str(blocker)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert blocker.read_text() == "mine"
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.tex").write_text("precious")
    assert main(["train", *FAST, "--out", str(foreign)]) == 2
    assert "not a brickprop run" in capsys.readouterr().err
    assert sorted(p.name for p in foreign.iterdir()) == ["chapter1.tex"]
    assert main(["train", *FAST, "--out", str(blocker / "sub")]) == 2
    assert "cannot write to run folder" in capsys.readouterr().err


def test_command_line_has_no_traceback_and_help_works():
    bad = run_cli("train", "--activation", "nope")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    helped = run_cli("train", "--help")
    assert helped.returncode == 0 and "--hidden" in helped.stdout and "--no-bias" in helped.stdout


def test_every_config_key_has_a_train_flag_with_a_help_line(capsys):
    import dataclasses

    from brickprop.runs.config import RunConfig

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    for f in dataclasses.fields(RunConfig):
        flag = f.metadata["option"].flag or "--" + f.name.replace("_", "-")
        line = next((ln for ln in text.splitlines() if ln.strip().startswith(flag + " ")
                     or ln.strip() == flag), None)
        assert line is not None, f"no flag for config key {f.name}"
        assert f.metadata["option"].help.split()[0] in text


def test_diagnose_every_zero_means_never_and_unset_means_about_200_per_run(tmp_path):
    from brickprop.runs.build import build
    from brickprop.runs.config import from_dict

    assert build(from_dict({"diagnose_every": 0})).fit_kwargs["diagnose_every"] == 0
    assert build(from_dict({"steps": 4000})).fit_kwargs["diagnose_every"] == 20
    assert main(["train", *FAST, "--diagnose-every", "0", "--out", str(tmp_path / "r")]) == 0
    header = (tmp_path / "r" / "metrics.csv").read_text().splitlines()[0]
    assert "update_ratio_0" not in header


@pytest.mark.parametrize("options, heavy", [([], False), (["--hidden", "256", "256"], True)])
def test_train_forks_its_drawing_process_first_and_ends_it_for_a_heavy_run(
        tmp_path, monkeypatch, options, heavy):
    from brickprop.jobs import run as jobs
    from brickprop.viz import _parallel, plots

    events = []  # in the order they happen
    for module, name in ((_parallel, "early drawer"), (plots, "drawer after training")):
        real = module.drawer
        monkeypatch.setattr(module, "drawer", lambda real=real, name=name:
                            events.append(name) or real())
    real_close = _parallel.Warm.close

    def close(self):
        if "fit" not in events:  # afterwards, closing a drawer that has drawn is a no-op
            events.append("closed")
        real_close(self)

    monkeypatch.setattr(_parallel.Warm, "close", close)
    monkeypatch.setattr(jobs, "fit", lambda *a, **k: events.append("fit") or bp.fit(*a, **k))
    out = tmp_path / "run"
    assert main(["train", "--steps", "20", "--frames", "3", *options, "--out", str(out)]) == 0
    assert (out / "animation.gif").exists() and (out / "report.html").exists()
    assert events[:events.index("fit") + 1] == (
        ["early drawer", "closed", "fit"] if heavy else ["early drawer", "fit"])
    assert ("drawer after training" in events) is heavy
