"""The report logic of ``benchmarks/run_all.py`` on made-up timings (nothing is timed here)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
run_all = pytest.importorskip("run_all")


def _result(xor, mnist):
    return {"rows": [("XOR 2-3-2, a", xor), ("XOR 2-50-2, b", xor), ("MNIST, c", mnist)],
            "faults": [("XOR 2-3-2", 0.0, 0.0)], "load": [0.5, 0.6], "repeats": 3,
            "notes": [], "flops": 49e9, "animation": (3.0, 100),
            "memory": {"traced": 110, "dataset": 100, "model": 0, "rss_growth": 120}}


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
             "matmul floor": [0.4, 0.5, 0.4]}
    text = run_all.report(_result(xor, mnist))
    assert "brickprop / hand NumPy 1.11x (target at most 1.25x: met" in text
    # medians 110 and 600 would say 0.18x, met; the repeats' own ratios say otherwise
    assert "brickprop / PyTorch 0.22x (target at most 0.2x: NOT met" in text
    assert "brickprop / scikit-learn 0.56x (target at most 0.5x: NOT met" in text
    assert "a step that did nothing else would be 50.00x faster than PyTorch" in text
    assert "brickprop / PyTorch 0.86x (target at most 0.9x: met" in text
    assert "brickprop / matrix-product floor 1.50x (target at most 1.25x: NOT met" in text
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


def test_exp_alone_runs():
    run_all.exp_alone(10, 3, steps=2)


def test_the_sections_around_the_training_are_judged_against_their_targets():
    around = pytest.importorskip("bench_around")
    lines = around.report({
        "main": {"wall": 1.4, "walls": [1.4, 1.5, 1.3]},
        "grid": {"wall": 30.0, "training": 40.0, "jobs": 2, "runs": 4, "ratio": 1.5,
                 "steps": 50_000},
        "long": {"steps": 1_000_000, "rss": 119 * 2**20, "csv": 11 * 2**20, "rows": 20_000,
                 "wall": 600.0}})
    text = "\n".join(lines)
    assert "1.40 s wall, median of 3 (target at most 1.5 s: met)" in text
    assert "1.50x the training divided by the jobs (target at most 1.25x: NOT met)" in text
    assert "peak resident memory 119 MiB (target under 300 MiB: met)" in text
    assert "metrics.csv 11.0 MiB, 20,000 rows (target under 10 MiB: NOT met)" in text
    assert around.report({}) == []
