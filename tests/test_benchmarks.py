"""The report logic of ``benchmarks/run_all.py`` on made-up timings (nothing is timed here)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
run_all = pytest.importorskip("run_all")


def _result(xor, mnist):
    return {"rows": [("XOR 2-3-2, a", xor), ("XOR 2-50-2, b", xor), ("MNIST, c", mnist)],
            "faults": [("XOR 2-3-2", 0.0, 0.0)], "load": [0.5, 0.6], "repeats": 3,
            "notes": [], "flops": 49e9, "animation": (3.0, 100),
            "memory": {"traced": 110, "dataset": 100, "model": 0, "rss_growth": 120},
            "epoch_profile": [("bricks/layers.py:forward", 0.61), ("<built-in take>", 0.1)]}


def test_ratio_pairs_the_runs_of_each_repeat():
    # Repeat 2 ran everything twice as slow: the ratio of medians (1.5 / 1.0) is
    # fooled by it, the median of paired ratios is not.
    times = {"a": [1.0, 2.0, 2.0], "b": [1.0, 2.0, 1.0]}
    assert run_all._ratio(times, "a", "b") == 1.0


def test_report_judges_each_target_on_paired_ratios():
    xor = {"brickprop": [100.0, 200.0, 110.0], "hand NumPy": [90.0, 180.0, 100.0],
           "PyTorch": [600.0, 900.0, 500.0], "scikit-learn": [180.0, 300.0, 200.0],
           "exp alone": [10.0, 20.0, 10.0]}
    mnist = {"brickprop": [0.6, 1.2, 0.6], "hand NumPy": [0.5, 1.0, 0.5],
             "PyTorch": [0.7, 1.4, 0.7], "scikit-learn": [1.0, 2.0, 1.0],
             "matmul floor": [0.4, 0.5, 0.4], "SGD floor": [0.5, 0.5, 0.5]}
    text = run_all.report(_result(xor, mnist))
    assert "brickprop / hand NumPy 1.11x (target at most 1.0x: NOT met" in text
    # medians 110 and 600 would say 0.18x, met; the repeats' own ratios say otherwise
    assert "brickprop / PyTorch 0.22x (target at most 0.2x: NOT met" in text
    assert "brickprop / scikit-learn 0.56x (target at most 0.5x: NOT met" in text
    assert "a step that did nothing else would be 50.00x faster than PyTorch" in text
    assert "brickprop / PyTorch 0.86x (target at most 0.9x: met" in text
    assert "brickprop / matrix-product floor 1.50x (target at most 1.25x: NOT met" in text
    assert "the products take 0.5 s, 1.25x the floor; brickprop takes 1.20x that, the hand " \
        "loop 1.00x" in text
    assert "`bricks/layers.py:forward` 61%, `<built-in take>` 10%." in text
    assert "so 1.10x (target at most 1.5x: met)" in text
    assert "| XOR 2-3-2, a | 110 | 100 | 600 | 200 | 0.90x |" in text  # medians in the table


def test_report_leaves_a_missing_peer_out():
    xor = {"brickprop": [1.0, 1.0, 1.0], "hand NumPy": [1.0, 1.0, 1.0], "exp alone": [0.1] * 3}
    mnist = {"brickprop": [1.0] * 3, "hand NumPy": [1.0] * 3, "matmul floor": [1.0] * 3}
    result = _result(xor, mnist)
    result["notes"] = ["torch is not installed: its column is empty"]
    text = run_all.report(result)
    assert "| — | — |" in text and "PyTorch 0." not in text
    assert "- torch is not installed" in text


def test_the_sgd_floor_does_the_floors_products_and_leaves_the_weights_as_they_are():
    import bench_epoch as ep

    X, _ = ep.mnist_like(2 * ep.BATCH + 5)
    floor, sgd = ep.MatmulFloor(X), ep.SgdFloor(X)
    floor()
    sgd()
    assert np.array_equal(sgd.W1, floor.W1) and np.array_equal(sgd.W2, floor.W2)
    assert np.allclose(sgd.dW1, X[sgd.order[ep.BATCH:2 * ep.BATCH]].T @ sgd.dz1, rtol=1e-4)


def test_exp_alone_runs():
    run_all.exp_alone(10, 3, steps=2)


def _csv(loadtxt_times, traced):
    return {"rows": 10_000, "bytes": 25_600_000,
            "times": {"from_csv": [1.0, 2.0, 0.6], "from_csv float32": [0.8, 1.6, 0.5],
                      "np.loadtxt": loadtxt_times},
            "memory": {"from_csv": {"traced": traced, "rss_growth": 70e6},
                       "from_csv float32": {"traced": 35e6, "rss_growth": 36e6},
                       "np.loadtxt": {"traced": 68e6, "rss_growth": 69e6}}}


MNIST_CLI = {"rows": 60_000, "test_rows": 10_000, "steps": 469, "epochs": 1,
             "phases": {"write train.csv": {"seconds": 5.0, "peak_rss": 300 * 2**20},
                        "write test.csv": {"seconds": 1.0, "peak_rss": 80 * 2**20},
                        "train": {"seconds": 40.0, "peak_rss": 900 * 2**20},
                        "predict": {"seconds": 2.0, "peak_rss": 200 * 2**20}},
             "train_split": {"load": 3.0, "train": 6.0, "figures": 30.0},
             "bytes": {"train.csv": 153_500_000, "test.csv": 25_600_000},
             "run_files": {"model.npz": 968_000, "snapshots.npz": 59_700_000},
             "train_accuracy": 0.95, "test_accuracy": 0.94}


def test_report_judges_from_csv_on_paired_ratios_and_memory_against_the_file():
    xor = {"brickprop": [1.0] * 3, "hand NumPy": [1.0] * 3, "exp alone": [0.1] * 3}
    mnist = {"brickprop": [1.0] * 3, "hand NumPy": [1.0] * 3, "matmul floor": [1.0] * 3}
    result = _result(xor, mnist)
    # repeat 2 ran slow for both readers: paired ratios 2.0, 2.0 and 1.2 -> 2.0, met
    result["csv"] = _csv([0.5, 1.0, 0.5], traced=66.56e6)
    result["mnist_cli"] = MNIST_CLI
    text = run_all.report(result)
    assert "brickprop / np.loadtxt 2.00x (target at most 2x: met" in text
    assert "so 2.60x (target at most 3x: met) the file's size" in text
    assert "np.loadtxt's own 2.66x, `dtype=float32` 1.37x" in text
    assert "| `brickprop train --data train.csv ... --dtype float32` | 40.0 | 900 |" in text
    assert "|   figures, animation, snapshots and report | 30.0 | |" in text
    assert "|   start-up and the rest | 1.0 | |" in text
    assert "`snapshots.npz` 59.7 MB" in text and "model.npz" not in text.split("Files of")[1]
    result["csv"] = _csv([0.4, 0.8, 0.2], traced=80e6)
    text = run_all.report(result)
    assert "brickprop / np.loadtxt 2.50x (target at most 2x: NOT met" in text
    assert "so 3.12x (target at most 3x: NOT met)" in text


def test_report_without_the_csv_and_command_line_workloads_leaves_them_out():
    xor = {"brickprop": [1.0] * 3, "hand NumPy": [1.0] * 3, "exp alone": [0.1] * 3}
    mnist = {"brickprop": [1.0] * 3, "hand NumPy": [1.0] * 3, "matmul floor": [1.0] * 3}
    text = run_all.report(_result(xor, mnist))
    assert "from_csv" not in text and "command line" not in text


def test_the_around_and_live_sections_judge_their_targets():
    import bench_around
    import bench_live

    around = {"main": {"wall": 2.0, "walls": [2.0, 1.9, 2.2], "train": 0.3, "figures": 1.4},
              "grid": {"wall": 12.0, "training": 20.0, "jobs": 2, "runs": 4, "ratio": 1.2,
                       "steps": 50_000},
              "long": {"steps": 1_000_000, "rss": 120 * 2**20, "csv": 4 * 2**20, "rows": 20_001,
                       "wall": 60.0}}
    text = "\n".join(bench_around.report(around))
    assert "2.00 s wall, median of 3 (target at most 1.5 s: NOT met)" in text
    assert "0.3 s training and 1.4 s from its end to the last file" in text
    assert "max(the 5,000-step training, 1 s): NOT met" in text
    assert "1.20x the training divided by the jobs (target at most 1.25x: met)" in text
    assert "peak resident memory 120 MiB (target under 300 MiB: met)" in text
    live = {"seconds": 10, "repeats": 3, "load": [0.1, 0.2],
            "runs": {"2-4-2-1, xor, batch 10": [(8000, 36), (7500, 35), (9000, 36)],
                     "2-8-8-8-8-8-8-3, spiral, batch 10": [(2000, 31), (2500, 33), (2400, 29)]}}
    rows = bench_live.report(live)
    assert rows[2] == "| 2-4-2-1, xor, batch 10 | 8,000 | 36.0 | 1,476 | 59 | 5.4x | met |"
    assert rows[3].endswith("| 2,400 | 31.0 | 489 | 19.6 | 4.9x | NOT met |")
    assert bench_live.report({"missing": "needs Playwright"}) == [
        "- brickprop live was not measured: needs Playwright"]


def test_the_printed_timing_line_splits_with_or_without_a_data_file():
    import bench_mnist_cli

    with_data = "0.4 s loading train.csv, 1.6 s training, 15.7 s with figures\nrun folder: r/"
    assert bench_mnist_cli._split(with_data) == pytest.approx(
        {"load": 0.4, "train": 1.6, "figures": 14.1})
    assert bench_mnist_cli._split("0.3 s training, 1.2 s with figures") == pytest.approx(
        {"load": 0.0, "train": 0.3, "figures": 0.9})
    with pytest.raises(RuntimeError, match="no timing line"):
        bench_mnist_cli._split("trained all 5000 steps")
