"""Drawing at once in forked processes: the same files as drawing in turn, errors carried back."""

import errno
import os
import sys

import numpy as np
import pytest

import brickprop as bp
from brickprop.viz import _parallel, plots

can_fork = _parallel.can_fork  # the real rule, before the fixture below replaces it


@pytest.fixture(autouse=True)
def forking(monkeypatch):
    """Fork on Linux even when an earlier test left threads behind (idle loky or server
    threads; ``can_fork`` refuses any thread, to be safe in a user's process)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("at_once forks only on Linux")
    monkeypatch.setattr(_parallel, "can_fork", lambda: True)


def test_every_task_runs_and_children_write_shared_memory(tmp_path):
    out = _parallel.shared_array((3, 4))

    def fill(i):
        out[i] = i + 1
        (tmp_path / f"{i}.txt").write_text(str(os.getpid()))

    _parallel.at_once([lambda i=i: fill(i) for i in range(3)])
    np.testing.assert_array_equal(out, np.repeat([[1], [2], [3]], 4, axis=1))
    pids = {(tmp_path / f"{i}.txt").read_text() for i in range(3)}
    assert len(pids) == 3 and str(os.getpid()) in pids  # the first ran here, two in children


def test_a_childs_error_reaches_the_parent_as_itself():
    def full_disk():
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as caught:
        _parallel.at_once([lambda: None, full_disk])
    assert caught.value.errno == errno.ENOSPC


def test_a_child_that_dies_is_an_error():
    with pytest.raises(RuntimeError, match="status"):
        _parallel.at_once([lambda: None, lambda: os.kill(os.getpid(), 9)])


def test_the_parents_error_waits_for_the_children(tmp_path):
    def slow_write():
        import time

        time.sleep(0.3)
        (tmp_path / "done").write_text("yes")

    def fail():
        raise ValueError("here")

    with pytest.raises(ValueError, match="here"):
        _parallel.at_once([fail, slow_write])
    assert (tmp_path / "done").read_text() == "yes"  # not killed mid-write


def test_drawing_at_once_writes_the_same_files_as_drawing_in_turn(tmp_path, monkeypatch):
    X, y = bp.datasets.xor(100, seed=0)
    net = bp.mlp(2, [3], 2, seed=0)
    history = bp.fit(net, X, bp.one_hot(y), bp.MSE(), bp.SGD(net.parameters(), lr=5.0),
                     steps=300, snapshots=6, diagnose_every=10)

    def draw(folder):
        folder.mkdir()
        plots.draw_run(history, net, X, y, figure=folder / "f.png",
                       diagnostics=folder / "d.png", animation=folder / "a.gif", title="t")
        return {p.name: p.read_bytes() for p in folder.iterdir()}

    together = draw(tmp_path / "together")
    monkeypatch.setattr(_parallel, "can_fork", lambda: False)
    assert draw(tmp_path / "in-turn") == together
    assert sorted(together) == ["a.gif", "d.png", "f.png"]


def test_no_fork_while_another_thread_runs():
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not can_fork()
    finally:
        release.set()
        other.join()


def _write_pid(path, text):
    """A task for a warm child (module level, so it pickles)."""
    with open(path, "w") as f:
        f.write(f"{os.getpid()} {text} {'csv' in sys.modules}")


def _fail_with_full_disk():
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_warm_child_imports_first_and_runs_the_task_it_is_given_later(tmp_path):
    sys.modules.pop("csv", None)
    with _parallel.Warm(("csv",)) as warm:
        pid = warm.pid
        warm.run(_write_pid, tmp_path / "out", "given " * 20_000)  # larger than a pipe holds
        warm.wait()
    child, rest = (tmp_path / "out").read_text().split(" ", 1)
    text, imported = rest.rsplit(" ", 1)
    assert int(child) == pid != os.getpid()
    assert text.startswith("given given") and imported == "True"


def test_a_warm_childs_error_reaches_the_parent_as_itself():
    with _parallel.Warm() as warm:
        warm.run(_fail_with_full_disk)
        with pytest.raises(OSError) as caught:
            warm.wait()
    assert caught.value.errno == errno.ENOSPC


def test_a_warm_child_waits_through_ctrl_c_and_ends_when_closed_unused(tmp_path):
    import signal
    import time

    with _parallel.Warm() as warm:
        time.sleep(0.1)
        os.kill(warm.pid, signal.SIGINT)  # Ctrl-C while the run trains: the run is still drawn
        time.sleep(0.1)
        warm.run(_write_pid, tmp_path / "out", "drawn")
        warm.wait()
    assert "drawn" in (tmp_path / "out").read_text()
    warm = _parallel.Warm()
    pid = warm.pid
    warm.close()
    with pytest.raises(ChildProcessError):  # ended and reaped: no zombie left behind
        os.waitpid(pid, os.WNOHANG)


def test_without_fork_a_warm_child_is_this_process(tmp_path, monkeypatch):
    monkeypatch.setattr(_parallel, "can_fork", lambda: False)
    with _parallel.Warm() as warm:
        assert warm.pid is None
        warm.run(_write_pid, tmp_path / "out", "here")  # at once, here
        assert (tmp_path / "out").read_text().startswith(f"{os.getpid()} here")
        warm.wait()


def test_an_unhurried_task_runs_at_a_lower_priority_only_in_a_child_of_its_own():
    niceness = _parallel.shared_array((3,), dtype=np.int64)
    here = os.nice(0)

    def record(i):
        niceness[i] = os.nice(0)

    _parallel.at_once([_parallel.unhurried(lambda: record(0)), lambda: record(1),
                       _parallel.unhurried(lambda: record(2))])
    assert niceness.tolist() == [here, here, min(here + 10, 19)]
    assert os.nice(0) == here


def test_a_light_run_forks_its_drawing_process_before_training_a_heavy_one_after(
        tmp_path, monkeypatch):
    from brickprop.jobs import run as jobs
    from brickprop.runs.build import build
    from brickprop.runs.config import from_dict

    events = []  # "drawer" when a drawing process is made, "fit" when the training starts
    real = plots.drawer
    monkeypatch.setattr(plots, "drawer", lambda: events.append("drawer") or real())
    monkeypatch.setattr(jobs, "fit", lambda *a, **k: events.append("fit") or bp.fit(*a, **k))
    for name, options, order in (("light", {"steps": 30}, ["drawer", "fit"]),
                                 ("heavy", {"steps": 3, "hidden": [256, 256]}, ["fit", "drawer"])):
        cfg = from_dict({**options, "frames": 3})
        run = build(cfg)
        assert run.light is (name == "light")
        (tmp_path / name).mkdir()
        events.clear()
        jobs.train_run(cfg, tmp_path / name, run=run)
        assert events == order
        assert (tmp_path / name / "animation.gif").exists()


def _mark_ready():
    """A warm child's ``ready`` (named by module and function, as ``Warm`` takes it)."""
    os.environ["BRICKPROP_TEST_READY"] = "ready"


def _fail_to_get_ready():
    raise RuntimeError("no fonts")


def _write_ready(path):
    with open(path, "w") as f:
        f.write(os.environ.get("BRICKPROP_TEST_READY", "not ready"))


@pytest.mark.parametrize("ready, seen", [(f"{__name__}:_mark_ready", "ready"),
                                         (f"{__name__}:_fail_to_get_ready", "not ready")])
def test_a_warm_child_gets_ready_before_its_task_and_a_failed_head_start_is_no_failure(
        tmp_path, ready, seen):
    os.environ.pop("BRICKPROP_TEST_READY", None)
    with _parallel.Warm(("csv",), ready=ready) as warm:
        warm.run(_write_ready, tmp_path / "out")
        warm.wait()
    assert (tmp_path / "out").read_text() == seen
    assert "BRICKPROP_TEST_READY" not in os.environ  # it happened in the child


def test_the_drawing_process_gets_ready_to_draw_before_its_task(tmp_path, monkeypatch):
    from brickprop.viz import _figures

    monkeypatch.delenv("BRICKPROP_TEST_READY", raising=False)
    monkeypatch.setattr(_figures, "warm_up", _mark_ready)  # the child is forked with it
    with plots.drawer() as warm:
        assert warm.pid is not None
        warm.run(_write_ready, tmp_path / "out")
        warm.wait()
    assert (tmp_path / "out").read_text() == "ready"


def test_warming_up_draws_without_error_and_leaves_no_file(tmp_path, monkeypatch):
    from brickprop.viz import _figures

    monkeypatch.chdir(tmp_path)
    _figures.warm_up()
    assert os.listdir(tmp_path) == []
