"""The live worker in this process: what each segment's ``fit`` is given."""

from __future__ import annotations

import multiprocessing
from types import SimpleNamespace

import pytest

from brickprop.cli import main
from brickprop.live import worker as live_worker
from brickprop.live.resume import run_folder
from brickprop.runs.config import from_dict
from brickprop.train.history import History


@pytest.fixture
def segments(monkeypatch):
    """The ``diverge_start`` of each segment's fit call, in order."""
    seen, real = [], live_worker.fit

    def fit(*args, **kwargs):
        seen.append(kwargs["diverge_start"])
        return real(*args, **kwargs)

    monkeypatch.setattr(live_worker, "fit", fit)
    return seen


def _worker():
    commands, _ = multiprocessing.Pipe()
    return live_worker.Worker(commands, multiprocessing.Pipe()[1], SimpleNamespace(value=0))


def _train_two_segments(worker, monkeypatch):
    monkeypatch.setattr(live_worker, "SEGMENT", 50)
    worker.playing = True
    worker.install()
    worker.playing, worker.state = True, "playing"
    worker.train_segment()
    worker.train_segment()


def test_a_run_folders_guard_measures_from_the_runs_first_loss(tmp_path, segments,
                                                               monkeypatch):
    folder = tmp_path / "run"
    assert main(["train", "--steps", "300", "--frames", "0", "--out", str(folder)]) == 0
    opened = run_folder(str(folder))
    first = History.read_csv(folder / "metrics.csv")["loss"][0]
    assert opened.start_loss == first
    worker = _worker()
    worker.do_run(1, opened.cfg, opened.weights, opened.step, opened.start_loss)
    _train_two_segments(worker, monkeypatch)
    assert segments == [first, first]  # not the trained network's much smaller loss


def test_a_new_runs_guard_measures_from_its_own_first_loss(segments, monkeypatch):
    worker = _worker()
    worker.do_run(1, from_dict({}), None, 0)
    _train_two_segments(worker, monkeypatch)
    assert segments[0] is None and segments[1] == worker.start_loss > 0
