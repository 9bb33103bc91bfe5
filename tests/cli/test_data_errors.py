"""What a user sees for malformed data files, configs and model files: one exact line.

Each row runs the ``brickprop`` command in a fresh working folder holding its files and
asserts the whole of stderr, exit code 2, nothing on stdout and no run folder left behind.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pytest

import brickprop as bp
from brickprop.cli import main
from brickprop.runs.build import build, preprocessing
from brickprop.runs.config import from_dict

GOOD = "a,b,label\n0.1,1.5,yes\n0.9,-0.5,no\n0.4,0.2,yes\n-0.3,0.8,no\n"
TRAIN = ["train", "--steps", "5", "--frames", "0", "--out", "run"]
MODEL, BARE, TRUNCATED, FOREIGN = "<model>", "<bare>", "<truncated>", "<foreign>"


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory):
    """The bytes of model files: trained on GOOD with mse, without preprocessing, damaged."""
    folder = tmp_path_factory.mktemp("models")
    (folder / "good.csv").write_text(GOOD)
    cfg = from_dict({"data": str(folder / "good.csv"), "target": "label", "steps": 5})
    run = build(cfg)
    bp.save(run.net, folder / "m.npz", preprocessing=preprocessing(cfg, run))
    bp.save(run.net, folder / "bare.npz")
    foreign = io.BytesIO()
    np.savez(foreign, weights=np.ones(3))
    model = (folder / "m.npz").read_bytes()
    return {MODEL: model, BARE: (folder / "bare.npz").read_bytes(),
            TRUNCATED: model[:len(model) // 2], FOREIGN: foreign.getvalue()}


CASES = [
    # -- CSV files given to train --data --------------------------------------------------
    ("missing file", {}, [*TRAIN, "--data", "nope.csv", "--target", "label"],
     "CSV file nope.csv does not exist; check the path (relative paths start at {cwd})"),
    ("empty file", {"d.csv": ""}, [*TRAIN, "--data", "d.csv", "--target", "label"],
     "d.csv is empty; write rows of comma-separated values into it"),
    ("blank lines only", {"d.csv": "\n , \n\n"}, [*TRAIN, "--data", "d.csv", "--target", "0"],
     "d.csv is empty; write rows of comma-separated values into it"),
    ("header only", {"d.csv": "a,b,label\n"}, [*TRAIN, "--data", "d.csv", "--target", "label"],
     "d.csv has only a header row (a, b, label); add data rows"),
    ("one column", {"d.csv": "label\nyes\nno\n"},
     [*TRAIN, "--data", "d.csv", "--target", "label"],
     "d.csv has one column ('label'), so no features besides the target 'label'; add feature "
     "columns, separated by commas"),
    ("unknown target", {"d.csv": GOOD}, [*TRAIN, "--data", "d.csv", "--target", "class"],
     "target column 'class' is not in d.csv; its columns are 'a', 'b', 'label': pass a name "
     "or #N for the 0-based column N"),
    ("target index too large", {"d.csv": "1,2,0\n3,4,1\n"},
     [*TRAIN, "--data", "d.csv", "--target", "3"],
     "target column '3' is not in d.csv; its columns are '0', '1', '2': pass a name or #N "
     "for the 0-based column N"),
    ("non-numeric cell", {"d.csv": GOOD.replace("0.9,", "0.9x,")},
     [*TRAIN, "--data", "d.csv", "--target", "label"],
     "d.csv: row 3, column 'a' holds '0.9x', not a finite number; make every feature a number"),
    ("missing value", {"d.csv": GOOD.replace("-0.5", "")},
     [*TRAIN, "--data", "d.csv", "--target", "label"],
     "d.csv: row 3, column 'b' is empty; fill in the missing value or delete the row"),
    ("infinite value", {"d.csv": GOOD.replace("1.5", "inf")},
     [*TRAIN, "--data", "d.csv", "--target", "label"],
     "d.csv: row 2, column 'b' holds 'inf', not a finite number; make every feature a number"),
    ("single class", {"d.csv": GOOD.replace("no", "yes")},
     [*TRAIN, "--data", "d.csv", "--target", "label"],
     "target column 'label' of d.csv holds a single class ('yes'); pick a target with two or "
     "more labels"),
    ("ragged row", {"d.csv": GOOD + "1,2\n"}, [*TRAIN, "--data", "d.csv", "--target", "label"],
     "d.csv: row 6 has 2 values but row 1 has 3; give every row 3 values"),
    # -- configs and flags ----------------------------------------------------------------
    ("data without target", {"d.csv": GOOD}, [*TRAIN, "--data", "d.csv"],
     "data needs its target column: set target, e.g. --target label"),
    ("target without data", {}, [*TRAIN, "--target", "label"],
     "target 'label' names a column of a data file: set data too, e.g. --data file.csv "
     "--target label"),
    ("dataset and data", {"d.csv": GOOD},
     [*TRAIN, "--dataset", "moons", "--data", "d.csv", "--target", "label"],
     "give --dataset NAME or --data FILE.csv, not both"),
    ("unknown dataset", {}, [*TRAIN, "--dataset", "mnist"],
     "unknown dataset 'mnist'; choose one of xor, circles, moons, spiral, gaussian, sine, "
     "surface"),
    ("regression set, class loss", {}, [*TRAIN, "--dataset", "sine", "--loss", "cross-entropy"],
     "dataset 'sine' is a regression set: use loss mse"),
    ("regression CSV, class loss", {"d.csv": "x,price\n1,0.5\n2,1.5\n3,2.25\n"},
     [*TRAIN, "--data", "d.csv", "--target", "price", "--loss", "cross-entropy"],
     "d.csv is regression data: use loss mse"),
    ("batch larger than the file", {"d.csv": GOOD},
     [*TRAIN, "--data", "d.csv", "--target", "label", "--batch-size", "10"],
     "batch_size 10 is larger than the 4 samples; use 0 for full batch"),
    ("validation share of a small file", {"d.csv": GOOD},
     [*TRAIN, "--data", "d.csv", "--target", "label", "--val-split", "0.1"],
     "val_split 0.1 of the 4 samples of d.csv leaves no validation or no training sample; "
     "change it or set it to 0"),
    ("n-samples zero", {}, [*TRAIN, "--dataset", "moons", "--n-samples", "0"],
     "n_samples must be > 0, got 0"),
    ("config data not a string", {"c.toml": "data = 3\ntarget = \"label\"\n"},
     [*TRAIN, "c.toml"], "config key 'data' must be a string, got 3"),
    ("noise below zero", {}, [*TRAIN, "--dataset", "moons", "--noise", "-0.1"],
     "noise must be >= 0, got -0.1"),
    ("noise of a data file", {"d.csv": GOOD},
     [*TRAIN, "--data", "d.csv", "--target", "label", "--noise", "0.1"],
     "noise applies to generated data sets, not to a data file: remove it, or use a dataset "
     "instead of data"),
    ("config noise not a number", {"c.toml": 'noise = "high"\n'}, [*TRAIN, "c.toml"],
     "config key 'noise' must be a number, got 'high'"),
    ("config unknown dataset", {"c.toml": 'dataset = "iris"\n'}, [*TRAIN, "c.toml"],
     "unknown dataset 'iris'; choose one of xor, circles, moons, spiral, gaussian, sine, "
     "surface"),
    # -- predict: model files and data files ----------------------------------------------
    ("model missing", {"d.csv": GOOD}, ["predict", "m.npz", "d.csv"],
     "model file 'm.npz' does not exist"),
    ("model truncated", {"m.npz": TRUNCATED, "d.csv": GOOD}, ["predict", "m.npz", "d.csv"],
     "m.npz is not a brickprop model file (truncated, corrupted or foreign); save one with "
     "brickprop.save(net, path)"),
    ("model foreign", {"m.npz": FOREIGN, "d.csv": GOOD}, ["predict", "m.npz", "d.csv"],
     "m.npz is not a brickprop model file (truncated, corrupted or foreign); save one with "
     "brickprop.save(net, path)"),
    ("model text", {"m.npz": "weights: 1 2 3\n", "d.csv": GOOD}, ["predict", "m.npz", "d.csv"],
     "m.npz is not a brickprop model file (truncated, corrupted or foreign); save one with "
     "brickprop.save(net, path)"),
    ("model without preprocessing", {"m.npz": BARE, "d.csv": GOOD},
     ["predict", "m.npz", "d.csv"],
     "m.npz holds a network but not how its data was prepared; predict with a model.npz "
     "written by brickprop train"),
    ("data missing", {"m.npz": MODEL}, ["predict", "m.npz", "nope.csv"],
     "CSV file nope.csv does not exist; check the path (relative paths start at {cwd})"),
    ("data lacks a feature column", {"m.npz": MODEL, "d.csv": "a,label\n1,yes\n"},
     ["predict", "m.npz", "d.csv"],
     "d.csv: the header has no column 'b'; the model needs the features 'a', 'b'"),
    ("data neither header nor numbers", {"m.npz": MODEL, "d.csv": "1,x\n2,3\n"},
     ["predict", "m.npz", "d.csv"],
     "d.csv: the first row is neither a header naming the model's features ('a', 'b') nor "
     "numbers; fix the header or the row"),
    ("data with a foreign column", {"m.npz": MODEL, "d.csv": "a,b,id\n1,2,7\n"},
     ["predict", "m.npz", "d.csv"],
     "d.csv: column 'id' is not a feature of the model or appears twice; its features are "
     "'a', 'b'"),
    ("data too wide without header", {"m.npz": MODEL, "d.csv": "1,2,3,4\n"},
     ["predict", "m.npz", "d.csv"],
     "d.csv has 4 columns but the model takes 2 features ('a', 'b'), plus optionally the "
     "target; add a header row naming them"),
    ("data with a bad cell", {"m.npz": MODEL, "d.csv": "b,a\n1,2\n3,oops\n"},
     ["predict", "m.npz", "d.csv"],
     "d.csv: row 3, column 'a' holds 'oops', not a finite number; make every feature a number"),
    ("data with a header only", {"m.npz": MODEL, "d.csv": "a,b\n"},
     ["predict", "m.npz", "d.csv"],
     "d.csv has only a header row; add rows of features to predict"),
    ("proba of an mse model", {"m.npz": MODEL, "d.csv": GOOD},
     ["predict", "m.npz", "d.csv", "--proba"],
     "m.npz was trained with mse: its outputs are scores, not probabilities; train with "
     "--loss cross-entropy for --proba"),
    ("out into a missing folder", {"m.npz": MODEL, "d.csv": GOOD},
     ["predict", "m.npz", "d.csv", "--out", "no/p.csv"],
     "cannot write --out 'no/p.csv': its folder does not exist or it is a folder; give a file "
     "path in an existing folder"),
    ("out over the data", {"m.npz": MODEL, "d.csv": GOOD},
     ["predict", "m.npz", "d.csv", "--out", "d.csv"],
     "--out 'd.csv' is the data file; choose another file name"),
]


@pytest.mark.parametrize("files, argv, message", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_input_is_one_exact_line_and_exit_code_2(files, argv, message, model_bytes,
                                                           tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BRICKPROP_DEBUG", raising=False)
    for name, content in files.items():
        content = model_bytes.get(content, content)
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else
                                      content.encode())
    before = sorted(os.listdir(tmp_path))
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"brickprop: error: {message.format(cwd=tmp_path)}\n"
    assert captured.out == ""
    assert sorted(os.listdir(tmp_path)) == before  # no run folder, no partial output


def test_the_table_is_long_enough():
    assert len(CASES) >= 15 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("argv", [["train", "--data", "d.csv", "--target", "label"],
                                  ["predict", "m.npz", "d.csv"]])
def test_a_user_at_the_shell_sees_no_traceback(argv, tmp_path):
    (tmp_path / "d.csv").write_text(GOOD.replace("0.9,", "0.9x,"))
    (tmp_path / "m.npz").write_bytes(b"PK\x03\x04 not really a zip")
    result = subprocess.run([sys.executable, "-m", "brickprop.cli", *argv], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("brickprop: error: ") and len(
        result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
