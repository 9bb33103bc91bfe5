"""Hostile input to every command: malformed flags, configs, CSVs, model and run files,
output paths, concurrent writers, interrupts and a full or read-only disk.

Each row of ``CASES`` runs ``brickprop`` in a fresh folder holding its files and asserts
the exit code, a single stderr line (``brickprop: error: ...``, no traceback) holding the
expected words, and that every file that was there before is byte-identical afterwards,
with nothing added.  The tests below the table do the same for what needs processes,
signals or a mounted file system.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from brickprop.cli import main

GOOD = "a,b,label\n0.1,1.5,yes\n0.9,-0.5,no\n0.4,0.2,yes\n-0.3,0.8,no\n"
T = ["train", "--steps", "5", "--frames", "0"]
RUN, CMP, MODEL = "<run>", "<comparison>", "<model>"


def _meta(architecture, fmt="brickprop-model-1", preprocessing=None):
    return np.array(json.dumps({"format": fmt, "architecture": architecture, "extra": {},
                                "preprocessing": preprocessing}))


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _bomb() -> bytes:
    """A zip whose one member inflates 1 MB of deflate to ~1 GB of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("0.W.npy", "w", force_zip64=True) as f:
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                          "shape": (11585, 11585)})
            f.write(header.getvalue())
            chunk = bytes(1 << 24)
            for _ in range(64):
                f.write(chunk)
    return buf.getvalue()


def _lying_header() -> bytes:
    """An .npz whose array header claims a 1e6 x 1e6 array over 16 bytes of data."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                      "shape": (10**6, 10**6)})
        z.writestr("__meta__.npy", header.getvalue() + bytes(16))
    return buf.getvalue()


def _gif(width, height) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("P", (1, 1)).save(buf, format="GIF")
    data = bytearray(buf.getvalue())
    data[6:10] = width.to_bytes(2, "little") + height.to_bytes(2, "little")
    return bytes(data)


@pytest.fixture(scope="module")
def assets(tmp_path_factory):
    """A trained run folder (on GOOD), a comparison folder, and crafted file contents."""
    root = tmp_path_factory.mktemp("assets")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        Path("d.csv").write_text(GOOD)
        assert main([*T, "--frames", "2", "--data", "d.csv", "--target", "label",
                     "--out", "run"]) == 0
        assert main(["compare", "--vary", "hidden=2,3", "--set", "steps=5", "--set",
                     "frames=0", "--jobs", "1", "--out", "cmp"]) == 0
    finally:
        os.chdir(cwd)
    model = (root / "run" / "model.npz").read_bytes()
    return {"root": root, MODEL: model}


CRAFTED = {
    "<attr>": lambda: _npz(__meta__=_meta(["Linear"])),
    "<huge-layer>": lambda: _npz(__meta__=_meta([{"type": "Linear", "n_in": 10**6,
                                                   "n_out": 10**6}])),
    "<bomb>": _bomb,
    "<lying-header>": _lying_header,
    "<meta-list>": lambda: _npz(__meta__=np.array(json.dumps([1, 2]))),
    "<meta-not-json>": lambda: _npz(__meta__=np.array("{not json")),
    "<wrong-format>": lambda: _npz(__meta__=_meta([], fmt="keras-9")),
    "<missing-param>": lambda: _npz(__meta__=_meta([{"type": "Linear", "n_in": 2,
                                                     "n_out": 2}])),
    "<bad-brick>": lambda: _npz(__meta__=_meta([{"type": "Attention"}])),
    "<snap-list>": lambda: _npz(__meta__=np.array(json.dumps([1])), steps=np.arange(2)),
    "<gif-65000>": lambda: _gif(65000, 65000),
    "<png>": lambda: b"\x89PNG\r\n\x1a\n" + bytes(64),
}


def _damaged_preprocessing(model: bytes) -> bytes:
    with np.load(io.BytesIO(model)) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["__meta__"]))
    meta["preprocessing"]["standardizer"]["scale"] = [-1.0, 1.0]
    arrays["__meta__"] = np.array(json.dumps(meta))
    return _npz(**arrays)


CRAFTED["<bad-preprocessing>"] = "model"  # built from the trained model in _write

LONG = "x" * 300

CASES = [
    # -- train: flags -------------------------------------------------------------------
    ("abbreviated flag", {}, ["train", "--ste", "10"], 2, "unrecognized arguments: --ste"),
    ("abbreviated hidden", {}, ["train", "--hid", "8"], 2, "unrecognized arguments: --hid"),
    ("steps not a number", {}, ["train", "--steps", "abc"], 2, "invalid int value: 'abc'"),
    ("steps negative", {}, ["train", "--steps", "-5"], 2, "steps must be > 0"),
    ("steps 1e12 each logged", {}, ["train", "--steps", "1000000000000", "--log-every", "1"], 2,
     "steps 1000000000000 needs about"),
    ("hidden 1e9", {}, ["train", "--hidden", "1000000000"], 2, "units in a layer fit here"),
    ("hidden zero", {}, ["train", "--hidden", "0"], 2, "list of positive integers"),
    ("hidden negative", {}, ["train", "--hidden", "-3"], 2, "list of positive integers"),
    ("n-samples 1e12", {}, ["train", "--n-samples", "1000000000000"], 2, "samples fit here"),
    ("n-samples zero", {}, ["train", "--n-samples", "0"], 2, "n_samples must be > 0"),
    ("frames one", {}, ["train", "--frames", "1"], 2, "frames must be 0 (no animation)"),
    ("frames 1e8", {}, ["train", "--frames", "100000000"], 2, "frames fit here"),
    ("lr nan", {}, ["train", "--lr", "nan"], 2, "must be finite"),
    ("lr inf", {}, ["train", "--lr", "inf"], 2, "must be finite"),
    ("lr zero", {}, ["train", "--lr", "0"], 2, "lr must be > 0"),
    ("momentum negative", {}, ["train", "--momentum", "-1"], 2, "momentum must be >= 0"),
    ("batch size negative", {}, ["train", "--batch-size", "-1"], 2, "batch_size must be >= 0"),
    ("val split 1.5", {}, ["train", "--val-split", "1.5"], 2, "val_split must be in [0, 1)"),
    ("patience without validation", {}, ["train", "--patience", "3"], 2,
     "patience (early stopping) needs validation data"),
    ("unknown task", {}, ["train", "--task", "maybe"], 2, "unknown task 'maybe'"),
    ("task of a generated set", {}, ["train", "--task", "regression"], 2,
     "dataset 'xor' is classification data"),
    ("multistep without milestones", {}, ["train", "--schedule", "multistep"], 2,
     "needs milestones"),
    ("unknown bug", {}, ["train", "--bug", "nope"], 2, "unknown bug 'nope'"),
    ("one beta", {}, ["train", "--betas", "0.9"], 2, "expected 2 arguments"),
    ("betas of one", {}, ["train", "--betas", "1", "1"], 2, "betas must be two numbers"),
    ("unknown optimizer", {}, ["train", "--optimizer", "adamm"], 2, "unknown optimizer"),
    ("diverge factor one", {}, ["train", "--diverge-factor", "1"], 2, "diverge_factor must be"),
    ("dataset and data", {"d.csv": GOOD},
     ["train", "--dataset", "xor", "--data", "d.csv", "--target", "label"], 2, "not both"),
    ("two positionals", {}, ["train", "a.toml", "b.toml"], 2, "unrecognized arguments: b.toml"),
    ("overwrite with a value", {}, ["train", "--overwrite=yes"], 2,
     "ignored explicit argument 'yes'"),
    ("seed not an integer", {}, ["train", "--seed", "1.5"], 2, "invalid int value: '1.5'"),
    ("clip norm negative", {}, ["train", "--clip-norm", "-1"], 2, "clip_norm must be >= 0"),
    ("unknown command", {}, ["trian"], 2, "invalid choice: 'trian'"),
    # -- train: config files ------------------------------------------------------------
    ("config not UTF-8", {"c.toml": b"lr = 0.5\n# caf\xe9\n"}, ["train", "c.toml"], 2,
     "c.toml is not UTF-8 text (byte 0xe9 at position 14); save it as UTF-8"),
    ("config not TOML", {"c.toml": "lr = \n"}, ["train", "c.toml"], 2, "is not valid TOML"),
    ("config unknown key", {"c.toml": "lrr = 1\n"}, ["train", "c.toml"], 2,
     "unknown key 'lrr'"),
    ("config lr a string", {"c.toml": 'lr = "0.1"\n'}, ["train", "c.toml"], 2,
     "config key 'lr' must be a number"),
    ("config hidden a number", {"c.toml": "hidden = 3\n"}, ["train", "c.toml"], 2,
     "config key 'hidden' must be a list of positive integers"),
    ("config data path with control characters",
     {"c.toml": 'data = "we\\nird\\u0001.csv"\ntarget = "label"\n'}, ["train", "c.toml"], 2,
     "does not exist"),
    ("config is a folder", {"c.toml/x": ""}, ["train", "c.toml"], 2,
     "'c.toml' is a folder; pass its config.toml"),
    ("config missing", {}, ["train", "c.toml"], 2, "config file 'c.toml' does not exist"),
    ("config is a PNG", {"c.toml": "<png>"}, ["train", "c.toml"], 2, "is not UTF-8 text"),
    ("config of 2 MB", {"c.toml": "# " + "x" * 2_000_000 + "\n"}, ["train", "c.toml"], 2,
     "a run config is a few hundred"),
    ("config steps 1e12", {"c.toml": "steps = 1000000000000\nlog_every = 1\n"},
     ["train", "c.toml"], 2,
     "steps 1000000000000 needs about"),
    ("config with a table", {"c.toml": "[x]\ny = 1\n"}, ["train", "c.toml"], 2,
     "unknown key 'x'"),
    ("config data a number", {"c.toml": 'data = 3\ntarget = "label"\n'}, ["train", "c.toml"],
     2, "config key 'data' must be a string"),
    ("config steps true", {"c.toml": "steps = true\n"}, ["train", "c.toml"], 2,
     "config key 'steps' must be an integer"),
    ("config unknown task", {"c.toml": 'task = "both"\n'}, ["train", "c.toml"], 2,
     "unknown task 'both'"),
    # -- train: CSV files ---------------------------------------------------------------
    ("csv duplicate names", {"d.csv": "a,a,label\n1,2,x\n3,4,y\n"},
     [*T, "--data", "d.csv", "--target", "label"], 2,
     "d.csv: the header names two columns 'a' (columns 0 and 1)"),
    ("csv index out of range", {"d.csv": GOOD}, [*T, "--data", "d.csv", "--target", "#9"], 2,
     "target column '#9' is not in d.csv"),
    ("csv index not a number", {"d.csv": GOOD}, [*T, "--data", "d.csv", "--target", "#x"], 2,
     "target column '#x' is not in d.csv"),
    ("csv regression of words", {"d.csv": GOOD},
     [*T, "--data", "d.csv", "--target", "label", "--task", "regression"], 2,
     "holds 'yes', not a number; a regression target is numbers"),
    ("csv value overflowing to inf", {"d.csv": GOOD.replace("1.5", "1e309")},
     [*T, "--data", "d.csv", "--target", "label"], 2, "not a finite number"),
    ("csv nan", {"d.csv": GOOD.replace("1.5", "nan")},
     [*T, "--data", "d.csv", "--target", "label"], 2, "not a finite number"),
    ("csv not UTF-8", {"d.csv": GOOD.encode() + b"\xff\xfe,1,2\n"},
     [*T, "--data", "d.csv", "--target", "label"], 2, "save it as UTF-8"),
    ("csv is a folder", {"d.csv/x": ""}, [*T, "--data", "d.csv", "--target", "label"], 2,
     "cannot read d.csv as CSV"),
    ("csv with a NUL byte", {"d.csv": GOOD.replace("0.4", "0\x004")},
     [*T, "--data", "d.csv", "--target", "label"], 2, "d.csv"),
    ("csv single class", {"d.csv": GOOD.replace("no", "yes")},
     [*T, "--data", "d.csv", "--target", "label"], 2, "holds a single class"),
    ("csv ragged", {"d.csv": GOOD + "1,2\n"}, [*T, "--data", "d.csv", "--target", "label"], 2,
     "row 6 has 2 values"),
    ("csv header only", {"d.csv": "a,b,label\n"}, [*T, "--data", "d.csv", "--target", "label"],
     2, "has only a header row"),
    ("csv empty target cell", {"d.csv": GOOD.replace(",no\n", ",\n", 1)},
     [*T, "--data", "d.csv", "--target", "label"], 2, "is empty"),
    ("csv target column only", {"d.csv": "label\nyes\nno\n"},
     [*T, "--data", "d.csv", "--target", "label"], 2, "has one column"),
    ("csv validation share too big", {"d.csv": GOOD},
     [*T, "--data", "d.csv", "--target", "label", "--val-split", "0.9"], 2,
     "leaves no validation or no training sample"),
    ("csv path with a newline", {}, [*T, "--data", "we\nird.csv", "--target", "label"], 2,
     "does not exist"),
    ("csv empty", {"d.csv": ""}, [*T, "--data", "d.csv", "--target", "label"], 2, "is empty"),
    ("csv batch larger than file", {"d.csv": GOOD},
     [*T, "--data", "d.csv", "--target", "label", "--batch-size", "9"], 2,
     "batch_size 9 is larger than the 4 samples"),
    # -- predict, explain, gradcheck: model files ------------------------------------------
    ("model architecture of strings", {"m.npz": "<attr>", "d.csv": GOOD},
     ["predict", "m.npz", "d.csv"], 2, "the architecture in the file is damaged"),
    ("model with a 1e6 x 1e6 layer", {"m.npz": "<huge-layer>", "d.csv": GOOD},
     ["predict", "m.npz", "d.csv"], 2, "the architecture in the file is damaged"),
    ("model zip bomb", {"m.npz": "<bomb>", "d.csv": GOOD}, ["predict", "m.npz", "d.csv"], 2,
     "a decompression bomb is not a brickprop file"),
    ("model header lying about its shape", {"m.npz": "<lying-header>", "d.csv": GOOD},
     ["predict", "m.npz", "d.csv"], 2, "declares an array of shape (1000000, 1000000)"),
    ("model meta a list", {"m.npz": "<meta-list>", "d.csv": GOOD},
     ["predict", "m.npz", "d.csv"], 2, "m.npz is not a brickprop-model-1 file"),
    ("model meta not JSON", {"m.npz": "<meta-not-json>", "d.csv": GOOD},
     ["predict", "m.npz", "d.csv"], 2, "m.npz is not a brickprop model file"),
    ("model of another format", {"m.npz": "<wrong-format>", "d.csv": GOOD},
     ["predict", "m.npz", "d.csv"], 2, "m.npz is not a brickprop-model-1 file"),
    ("model missing its weights", {"m.npz": "<missing-param>", "d.csv": GOOD},
     ["predict", "m.npz", "d.csv"], 2, "the architecture in the file is damaged"),
    ("model with an unknown brick", {"m.npz": "<bad-brick>", "d.csv": GOOD},
     ["predict", "m.npz", "d.csv"], 2, "the architecture in the file is damaged"),
    ("model damaged preprocessing", {"m.npz": "<bad-preprocessing>", "d.csv": GOOD},
     ["predict", "m.npz", "d.csv"], 2, "the preprocessing description in the file is damaged"),
    ("model is a folder", {"m.npz/x": "", "d.csv": GOOD}, ["predict", "m.npz", "d.csv"], 2,
     "m.npz is a folder"),
    ("model empty", {"m.npz": "", "d.csv": GOOD}, ["predict", "m.npz", "d.csv"], 2,
     "m.npz is not a brickprop model file"),
    ("model is a PNG", {"m.npz": "<png>", "d.csv": GOOD}, ["predict", "m.npz", "d.csv"], 2,
     "m.npz is not a brickprop model file"),
    ("explain a bomb", {"m.npz": "<bomb>"}, ["explain", "m.npz"], 2,
     "a decompression bomb is not a brickprop file"),
    ("gradcheck a crafted model", {"m.npz": "<attr>"}, ["gradcheck", "m.npz"], 2,
     "the architecture in the file is damaged"),
    ("explain a truncated model", {"m.npz": "<truncated>"}, ["explain", "m.npz"], 2,
     "m.npz is not a brickprop model file"),
    ("predict a row that overflows", {"m.npz": MODEL, "d.csv": "a,b\n1e308,-1e308\n"},
     ["predict", "m.npz", "d.csv"], 2, "the data is the problem"),
    ("predict duplicate names", {"m.npz": MODEL, "d.csv": "a,a,b\n1,2,3\n"},
     ["predict", "m.npz", "d.csv"], 2, "appears twice"),
    # -- report: run and comparison folders ----------------------------------------------
    ("report a missing folder", {}, ["report", "nope"], 2, "'nope' is not a folder"),
    ("report a file", {"f.txt": "x"}, ["report", "f.txt"], 2, "'f.txt' is not a folder"),
    ("report an empty folder", {"e/.keep": ""}, ["report", "e"], 2,
     "'e' is not a run folder (no config.toml)"),
    ("report a run without metrics", {"r": RUN, "-r/metrics.csv": ""}, ["report", "r"], 2,
     "has no metrics.csv"),
    ("report damaged metrics", {"r": RUN, "r/metrics.csv": "step,loss\n1,x\n"},
     ["report", "r"], 2, "r/metrics.csv is damaged"),
    ("report metrics not UTF-8", {"r": RUN, "r/metrics.csv": b"step,loss\n\xff\n"},
     ["report", "r"], 2, "r/metrics.csv is damaged"),
    ("report a snapshot bomb", {"r": RUN, "r/snapshots.npz": "<bomb>"}, ["report", "r"], 2,
     "a decompression bomb is not a brickprop file"),
    ("report snapshots meta a list", {"r": RUN, "r/snapshots.npz": "<snap-list>"},
     ["report", "r"], 2, "r/snapshots.npz is not a brickprop snapshot file"),
    ("report a 65000 x 65000 GIF", {"r": RUN, "r/animation.gif": "<gif-65000>"},
     ["report", "r"], 2, "has frames of too many pixels"),
    ("report a GIF that is not one", {"r": RUN, "r/animation.gif": "GIF89a garbage"},
     ["report", "r"], 2, "r/animation.gif is not a readable GIF"),
    ("report summary not UTF-8", {"r": RUN, "r/summary.txt": b"\xff\xfe\n"},
     ["report", "r"], 2, "r/summary.txt is not UTF-8 text"),
    ("report config not UTF-8", {"r": RUN, "r/config.toml": b"lr = 1 # \xe9\n"},
     ["report", "r"], 2, "r/config.toml is not UTF-8 text"),
    ("report a crafted model", {"r": RUN, "r/model.npz": "<attr>"}, ["report", "r"], 2,
     "the architecture in the file is damaged"),
    ("report --out over the model", {"r": RUN}, ["report", "r", "--out", "r/model.npz"], 2,
     "--out 'r/model.npz' is a file of the run folder 'r'"),
    ("report --out a folder", {"r": RUN}, ["report", "r", "--out", "r"], 2,
     "--out 'r' is a folder"),
    ("report a table without variants", {"c/table.csv": "name,loss\nx,1\n"}, ["report", "c"],
     2, "has no 'variant' column"),
    ("report --out in a missing folder", {"r": RUN}, ["report", "r", "--out", "no/x.html"], 2,
     "cannot write the report no/x.html"),
    ("report --out over a comparison's table", {"c": CMP},
     ["report", "c", "--out", "c/table.csv"], 2, "is a file of the comparison folder 'c'"),
    # -- output paths ---------------------------------------------------------------------
    ("train into an existing run", {"r": RUN}, [*T, "--out", "r"], 2,
     "run folder 'r' already exists; choose another --out, or add --overwrite"),
    ("train into a file", {"r": "mine"}, [*T, "--out", "r"], 2, "--out 'r' is a file"),
    ("train into a foreign folder", {"r/thesis.tex": "precious"}, [*T, "--out", "r"], 2,
     "already holds files that are not a brickprop run"),
    ("overwrite a foreign folder", {"r/thesis.tex": "precious"},
     [*T, "--out", "r", "--overwrite"], 2, "already holds files that are not a brickprop run"),
    ("overwrite a run holding a note", {"r": RUN, "r/notes.txt": "mine"},
     [*T, "--out", "r", "--overwrite"], 2,
     "--overwrite would delete 'r/notes.txt', which brickprop did not write"),
    ("overwrite the folder holding the data", {"r": RUN, "r/d.csv": GOOD},
     [*T, "--data", "r/d.csv", "--target", "label", "--out", "r", "--overwrite"], 2,
     "--out 'r' holds r/d.csv, which this run reads"),
    ("overwrite the run being replayed", {"r": RUN, "d.csv": GOOD},
     ["train", "r/config.toml", "--out", "r", "--overwrite"], 2,
     "--out 'r' holds r/config.toml, which this run reads"),
    ("train --out empty", {}, [*T, "--out", ""], 2, "does not name a folder to create"),
    ("train --out too long", {}, [*T, "--out", LONG], 2, "File name too long"),
    ("train --out under a file", {"f": "mine"}, [*T, "--out", "f/r"], 2,
     "cannot write to run folder 'f/r'"),
    ("train into a comparison", {"c": CMP}, [*T, "--out", "c"], 2,
     "already holds files that are not a brickprop run"),
    ("predict --out the model", {"m.npz": MODEL, "d.csv": GOOD},
     ["predict", "m.npz", "d.csv", "--out", "m.npz"], 2,
     "--out 'm.npz' is 'm.npz', which this command reads"),
    ("predict --out the data", {"m.npz": MODEL, "d.csv": GOOD},
     ["predict", "m.npz", "d.csv", "--out", "d.csv"], 2, "is the data file"),
    ("predict --out a run file", {"r": RUN, "d.csv": GOOD},
     ["predict", "r/model.npz", "d.csv", "--out", "r/config.toml"], 2,
     "--out 'r/config.toml' is a file of the run folder 'r'"),
    ("predict --out a folder", {"m.npz": MODEL, "d.csv": GOOD, "o/x": ""},
     ["predict", "m.npz", "d.csv", "--out", "o"], 2, "it is a folder"),
    ("predict --out a missing folder", {"m.npz": MODEL, "d.csv": GOOD},
     ["predict", "m.npz", "d.csv", "--out", "no/p.csv"], 2, "its folder does not exist"),
    ("predict --out too long", {"m.npz": MODEL, "d.csv": GOOD},
     ["predict", "m.npz", "d.csv", "--out", LONG], 2, "the path is too long"),
    ("schedule --out a run file", {"r": RUN}, ["schedule", "cosine", "--out", "r/figure.png"],
     2, "is a file of the run folder 'r'"),
    ("schedule --out a folder", {"o/x": ""}, ["schedule", "cosine", "--out", "o"], 2,
     "--out 'o' is a folder"),
    ("compare into an existing comparison", {"c": CMP},
     ["compare", "--set", "steps=5", "--out", "c"], 2,
     "comparison folder 'c' already exists"),
    ("compare into a run folder", {"r": RUN}, ["compare", "--set", "steps=5", "--out", "r"], 2,
     "already holds files that are not a brickprop comparison"),
    ("compare into a foreign folder", {"c/thesis.tex": "x"},
     ["compare", "--set", "steps=5", "--out", "c"], 2, "not a brickprop comparison"),
    ("compare overwrite a comparison with a note", {"c": CMP, "c/notes.txt": "mine"},
     ["compare", "--set", "steps=5", "--out", "c", "--overwrite"], 2,
     "--overwrite would delete 'c/notes.txt'"),
    ("compare overwrite the folder of its config", {"c": CMP, "c/x.toml": "steps = 5\n"},
     ["compare", "c/x.toml", "--out", "c", "--overwrite"], 2,
     "--out 'c' holds c/x.toml, which this comparison reads"),
    ("compare into a file", {"c": "mine"}, ["compare", "--out", "c"], 2, "--out 'c' is a file"),
    # -- compare: flags -------------------------------------------------------------------
    ("compare abbreviated --see", {}, ["compare", "--see", "3"], 2,
     "unrecognized arguments: --see"),
    ("compare abbreviated --step", {}, ["compare", "--step", "100"], 2,
     "unrecognized arguments: --step"),
    ("compare --steps and --set steps", {}, ["compare", "--steps", "100", "--set", "steps=5"],
     2, "--steps and --set steps=... both set steps; give it once"),
    ("compare --steps and --vary steps", {},
     ["compare", "--steps", "100", "--vary", "steps=1,2"], 2,
     "--steps and --vary steps=... both set steps"),
    ("compare repeated value", {}, ["compare", "--vary", "lr=1,1"], 2, "repeats a value"),
    ("compare vary without values", {}, ["compare", "--vary", "lr"], 2, "write KEY=V1,V2"),
    ("compare vary an unknown key", {}, ["compare", "--vary", "nope=1,2"], 2,
     "unknown key 'nope'"),
    ("compare set without value", {}, ["compare", "--set", "steps"], 2, "write KEY=VALUE"),
    ("compare set twice", {}, ["compare", "--set", "steps=1", "--set", "steps=2"], 2,
     "--set steps is given twice"),
    ("compare zero seeds", {}, ["compare", "--seeds", "0"], 2,
     "--seeds must be a positive integer"),
    ("compare zero jobs", {}, ["compare", "--jobs", "0"], 2, "--jobs must be at least 1"),
    ("compare bad dask address", {}, ["compare", "--dask", "foo"], 2,
     "give a scheduler address"),
    ("compare seeds and vary seed", {}, ["compare", "--seeds", "2", "--vary", "seed=1,2"], 2,
     "not both"),
    ("compare dataset and data", {"d.csv": GOOD},
     ["compare", "--dataset", "xor", "--data", "d.csv"], 2, "not both"),
    ("compare lr not a number", {}, ["compare", "--lr", "abc"], 2,
     "invalid float value: 'abc'"),
    ("compare overwrite with a value", {}, ["compare", "--overwrite=1"], 2,
     "ignored explicit argument '1'"),
    # -- explain, gradcheck, schedule ------------------------------------------------------
    ("explain negative samples", {}, ["explain", "--samples", "-1"], 2,
     "--samples and --show must be >= 0"),
    ("explain precision 99", {}, ["explain", "--precision", "99"], 2, "--precision in 0..16"),
    ("explain unknown format", {}, ["explain", "--format", "html"], 2,
     "invalid choice: 'html'"),
    ("explain a missing config", {}, ["explain", "nope.toml"], 2, "does not exist"),
    ("explain abbreviated flag", {}, ["explain", "--samp", "2"], 2,
     "unrecognized arguments: --samp"),
    ("gradcheck zero samples", {}, ["gradcheck", "--samples", "0"], 2,
     "--samples must be at least 1"),
    ("gradcheck unknown bug", {}, ["gradcheck", "--bug", "nope"], 2, "unknown bug 'nope'"),
    ("schedule unknown", {}, ["schedule", "nope"], 2, "unknown schedule 'nope'"),
    ("schedule zero steps", {}, ["schedule", "cosine", "--steps", "0"], 2,
     "steps must be > 0"),
    ("schedule 1e12 steps", {}, ["schedule", "cosine", "--steps", "1000000000000"], 2,
     "schedule shows at most 100000000 steps"),
    ("schedule negative lr", {}, ["schedule", "cosine", "--lr", "-1"], 2, "lr must be > 0"),
]


def _write(root: Path, files: dict, assets) -> None:
    for name, content in files.items():
        path = root / name.lstrip("-")
        if name.startswith("-"):  # remove a file of a copied folder
            path.unlink()
            continue
        if content in (RUN, CMP):
            shutil.copytree(assets["root"] / ("run" if content == RUN else "cmp"), path)
            continue
        if content == MODEL:
            content = assets[MODEL]
        elif content == "<truncated>":
            content = assets[MODEL][: len(assets[MODEL]) // 2]
        elif content == "<bad-preprocessing>":
            content = _damaged_preprocessing(assets[MODEL])
        elif isinstance(content, str) and content in CRAFTED:
            content = CRAFTED[content]()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())


def snapshot(root: Path) -> dict:
    """Every file and folder under ``root``: its bytes (None for a folder)."""
    out = {}
    for path in sorted(root.rglob("*")):
        out[str(path.relative_to(root))] = None if path.is_dir() else path.read_bytes()
    return out


def test_the_table_is_long_and_its_names_distinct():
    assert len(CASES) >= 120 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("files, argv, code, words", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_hostile_input_is_one_line_and_changes_nothing(files, argv, code, words, assets,
                                                       tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BRICKPROP_DEBUG", raising=False)
    _write(tmp_path, files, assets)
    before = snapshot(tmp_path)
    assert main(argv) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("brickprop: error: "), err
    assert words in lines[0]
    assert snapshot(tmp_path) == before  # every file byte-identical, nothing added


# -- what needs processes, signals or a file system of its own ------------------------------


def _cli(*args, cwd):
    return subprocess.Popen([sys.executable, "-m", "brickprop.cli", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path, monkeypatch,
                                                                       capsys):
    from brickprop.store.folders import Lock, lock_path

    monkeypatch.chdir(tmp_path)
    lock = Lock(lock_path("r"))
    assert lock.acquire()  # another brickprop process writing r
    try:
        before = snapshot(tmp_path)
        for argv in ([*T, "--out", "r"], ["compare", "--set", "steps=5", "--out", "r"]):
            assert main(argv) == 2
            err = capsys.readouterr().err.splitlines()
            assert len(err) == 1 and "is being written by another brickprop process (pid " \
                in err[0]
            assert snapshot(tmp_path) == before
    finally:
        lock.release()
    assert main([*T, "--out", "r"]) == 0  # free again


def test_two_trains_into_one_folder_at_once_leave_one_complete_run(tmp_path):
    a = _cli("train", "--steps", "3000", "--frames", "5", "--out", "r", cwd=tmp_path)
    b = _cli("train", "--steps", "3000", "--frames", "0", "--hidden", "8", "--out", "r",
             cwd=tmp_path)
    results = [(p.wait(timeout=300), p.stderr.read()) for p in (a, b)]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2]
    loser = next(err for code, err in results if code == 2)
    assert "Traceback" not in loser and len(loser.splitlines()) == 1
    assert "being written by another brickprop process" in loser or "already exists" in loser
    config = (tmp_path / "r" / "config.toml").read_text()
    animated = (tmp_path / "r" / "animation.gif").exists()
    assert ("hidden = [8]" in config) != animated  # one run's files, not a mix
    assert sorted(os.listdir(tmp_path)) == ["r"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_train_keeps_a_complete_replayable_run(tmp_path, sig):
    run = subprocess.Popen([sys.executable, "-c", "import signal, sys; from brickprop.cli "
                            "import main; signal.signal(signal.SIGINT, signal.default_int_handler);"
                            " sys.exit(main(sys.argv[1:]))", "train", "--steps", "5000000",
                            "--frames", "4", "--schedule", "cosine", "--out", "r"],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".r.partial-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # some steps
    run.send_signal(sig)
    _, err = run.communicate(timeout=300)
    assert run.returncode == 130 and "Traceback" not in err
    assert err.splitlines()[-1].startswith("brickprop train: ")  # the stop notice, last
    folder = tmp_path / "r"
    assert {"config.toml", "metrics.csv", "model.npz", "summary.txt", "animation.gif",
            "figure.png"} <= set(os.listdir(folder))
    last = (folder / "summary.txt").read_text().splitlines()[-1]
    name = "Ctrl-C" if sig == signal.SIGINT else "SIGTERM"
    assert last.startswith(f"interrupted by {name} after ") and last.endswith(
        " of 5000000 steps")
    steps = int(last.split(" after ")[1].split()[0])
    config = (folder / "config.toml").read_text()
    assert f"steps = {steps}\n" in config and "t_max = 5000000\n" in config
    every = int(config.split("log_every = ")[1].split()[0])  # pinned: 5M steps thin the rows
    logged = [int(float(line.split(",")[0]))
              for line in (folder / "metrics.csv").read_text().splitlines()[1:]]
    assert logged == sorted({*range(0, steps, every), steps - 1})  # every step it took
    replay = _cli("train", "r/config.toml", "--out", "replay", cwd=tmp_path)
    assert replay.wait(timeout=600) == 0
    assert (tmp_path / "replay" / "metrics.csv").read_bytes() == \
        (folder / "metrics.csv").read_bytes()  # bit for bit


def _descendants(pid: int) -> set:
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, todo = set(), [pid]
    while todo:
        pid = todo.pop()
        kids = {p for p, pp in parent.items() if pp == pid} - found
        todo += kids
        found |= kids
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_compare_workers_die_with_their_parent_even_on_sigkill(tmp_path):
    proc = _cli("compare", "--vary", "lr=5,0.5", "--set", "steps=5000000", "--set", "frames=0",
                "--jobs", "2", "--out", "g", cwd=tmp_path)
    deadline = time.monotonic() + 60
    workers: set = set()
    while len(workers) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)  # the two workers and the process drawing the figure, all forked
        command = Path(f"/proc/{proc.pid}/cmdline").read_text(errors="replace")  # once exec'd
        workers = {w for w in _descendants(proc.pid)
                   if Path(f"/proc/{w}/cmdline").read_text(errors="replace") == command}
    assert len(workers) == 3
    time.sleep(1)  # inside their first task
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()
             and Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    assert not alive
    assert not (tmp_path / "g").exists()  # nothing half-written under the name


@pytest.fixture
def mounted(tmp_path):
    """``mount(name, options)``: a small tmpfs at tmp_path/name (root only); unmounted after."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root on Linux")
    points = []

    def mount(name, options):
        point = tmp_path / name
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                              capture_output=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        points.append(point)
        return point

    yield mount
    for point in points:
        done = subprocess.run(["umount", str(point)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


DISK_CASES = [
    ("train into a nearly full disk", "nearly", [*T, "--frames", "3", "--out", "full/r"],
     "cannot write the run folder 'full/r': the run folder needs at least"),
    ("compare into a nearly full disk", "nearly", ["compare", "--vary", "lr=5,0.5", "--set",
                                                   "steps=5", "--jobs", "1", "--out", "full/c"],
     "cannot write the comparison folder 'full/c': the comparison needs at least"),
    ("train into a full disk", "full", [*T, "--out", "full/r"],
     "cannot write to run folder 'full/r': No space left on device"),
    ("compare into a full disk", "full", ["compare", "--set", "steps=5", "--out", "full/c"],
     "cannot write to comparison folder 'full/c': No space left on device"),
    ("predict --out on a full disk", "full", ["predict", "m.npz", "d.csv", "--out",
                                              "full/p.csv"], "the disk is full"),
    ("schedule --out on a full disk", "full", ["schedule", "cosine", "--out", "full/s.png"],
     "the disk is full"),
    ("report --out on a full disk", "full", ["report", "r", "--out", "full/x.html"],
     "cannot write the report full/x.html"),
    ("train into a read-only disk", "ro", [*T, "--out", "ro/r"],
     "cannot write to run folder 'ro/r': Read-only file system"),
    ("compare into a read-only disk", "ro", ["compare", "--set", "steps=5", "--out", "ro/c"],
     "cannot write to comparison folder 'ro/c': Read-only file system"),
    ("predict --out on a read-only disk", "ro", ["predict", "m.npz", "d.csv", "--out",
                                                 "ro/p.csv"], "Read-only file system"),
    ("schedule --out on a read-only disk", "ro", ["schedule", "cosine", "--out", "ro/s.png"],
     "Read-only file system"),
    ("report --out on a read-only disk", "ro", ["report", "r", "--out", "ro/x.html"],
     "Read-only file system"),
]


@pytest.mark.parametrize("disk, argv, words", [c[1:] for c in DISK_CASES],
                         ids=[c[0] for c in DISK_CASES])
def test_a_full_or_read_only_disk_is_one_line(disk, argv, words, mounted, assets, tmp_path,
                                              monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"m.npz": MODEL, "d.csv": GOOD, "r": RUN}, assets)
    point = mounted("ro" if disk == "ro" else "full",
                    "size=64k,ro" if disk == "ro" else "size=64k")
    if disk == "nearly":
        (point / "pad").write_bytes(bytes(32_000))
    if disk == "full":  # full to the last block (unbuffered: no fd left open on the mount)
        fd = os.open(point / "pad", os.O_WRONLY | os.O_CREAT)
        try:
            for _ in range(128):
                os.write(fd, bytes(1024))
        except OSError:
            pass
        finally:
            os.close(fd)
    before = snapshot(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith("brickprop: error: ") and words in lines[0], lines[0]
    assert snapshot(tmp_path) == before  # no temporary file, folder or lock file left


def test_a_disk_that_fills_during_the_write_leaves_nothing_half_written(mounted, tmp_path,
                                                                         monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    point = mounted("small", "size=400k")  # above the up-front estimate, below the folder
    assert main([*T, "--frames", "3", "--out", "small/r"]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert "Traceback" not in err and lines[-1].startswith(
        "brickprop: error: cannot write the run folder 'small/r': ")
    assert lines[:-1] == [ln for ln in lines[:-1] if ln.startswith("brickprop train: ")]
    assert os.listdir(point) == []  # neither a partial folder nor a lock file
