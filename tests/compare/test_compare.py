"""`brickprop compare`: grids of variants, tables, failing variants, Ctrl-C, Dask."""

from __future__ import annotations

import csv
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from brickprop.cli import main
from brickprop.compare import grid
from brickprop.compare.grid import COLUMNS, parse_vary, plan, run_metrics
from brickprop.jobs.run import RUN_FILES
from brickprop.report.pages import available as report_available
from brickprop.runs.config import ConfigError, from_dict, parse_value
from brickprop.train.history import History

QUICK = ["--set", "steps=60", "--set", "frames=0"]


def read_table(out):
    with open(out / "table.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_vary_values_are_parsed_with_the_config_types():
    grid = parse_vary(["lr=0.5,5", "clip_norm=none,1", "hidden=3,16+16", "bugs=none,no-bias"])
    assert [v for _, v in grid["lr"]] == [0.5, 5.0]
    assert [v for _, v in grid["clip_norm"]] == [0.0, 1.0]  # none: the key's "off" value
    assert [v for _, v in grid["hidden"]] == [[3], [16, 16]]
    assert [v for _, v in grid["bugs"]] == [[], ["no-bias"]]
    assert parse_value("schedule", "none") == "constant" and parse_value("bias", "false") is False


@pytest.mark.parametrize("spec, fragment", [
    ("lr", "write KEY=V1,V2"),
    ("lrr=1,2", "unknown key 'lrr'"),
    ("lr=fast", "lr must be a number"),
    ("steps=1.5", "steps must be an integer"),
    ("hidden=0", "'hidden' must be a list of positive integers"),
    ("activation=none", "activation has no 'none'"),
    ("lr=1,1", "repeats a value"),
])
def test_bad_vary_is_a_one_line_error_with_exit_code_2(spec, fragment, tmp_path, capsys):
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(")):
        parse_vary([spec])
    assert main(["compare", "--vary", spec, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()  # nothing ran, nothing written


def test_plan_makes_every_combination_and_seed_in_order():
    variants = plan([("base", from_dict({}))], parse_vary(["lr=5,50", "l2=none,0.01"]), seeds=2)
    s = from_dict({}).seed  # seeds count up from the config's (the default run's: 2017)
    assert [v.name for v in variants][:3] == [f"lr=5_l2=none_seed={s}",
                                              f"lr=5_l2=none_seed={s + 1}",
                                              f"lr=5_l2=0.01_seed={s}"]
    assert len(variants) == 8 and len({v.name for v in variants}) == 8
    assert variants[3].cfg.lr == 5.0 and variants[3].cfg.l2 == 0.01 and variants[3].seed == s + 1
    with pytest.raises(ConfigError, match="not both"):
        plan([("base", from_dict({}))], parse_vary(["seed=1,2"]), seeds=2)


def test_run_metrics_reads_steps_to_95_nonfinite_step_and_peak_norm():
    h = History(["step", "loss", "accuracy", "grad_norm_0", "grad_norm_2"], 5)
    for row in [(0, 1.0, 0.5, 3.0, 4.0), (1, 0.5, 0.96, 6.0, 8.0), (2, 0.4, 0.9, 1.0, 1.0),
                (3, math.inf, 0.5, math.inf, 1.0), (4, math.nan, 0.5, 1.0, 1.0)]:
        h.record(row)
    h.meta["seconds"] = 0.25
    m = run_metrics(h)
    assert m["steps_to_95"] == 2 and m["first_nonfinite_step"] == 4
    assert m["peak_grad_norm"] == 10.0  # the global norm sqrt(6^2 + 8^2); inf is left out
    assert m["best_loss"] == 0.4 and m["best_accuracy"] == 0.96 and math.isnan(m["final_loss"])


def test_a_failing_variant_is_a_row_and_the_others_still_run(tmp_path, capsys):
    out = tmp_path / "grid"
    code = main(["compare", "--set", "hidden=64+64+64", "--set", "activation=relu",
                 "--set", "loss=cross-entropy", "--set", "steps=200", "--set", "frames=0",
                 "--vary", "lr=10,-1", "--vary", "clip_norm=none,0.1", "--jobs", "2",
                 "--out", str(out)])
    assert code == 1  # a variant could not run
    rows = {r["variant"]: r for r in read_table(out)}
    assert list(read_table(out)[0])[:len(COLUMNS)] == list(COLUMNS)
    assert rows["lr=10_clip_norm=none"]["status"] == "diverged"
    assert rows["lr=10_clip_norm=0.1"]["status"] == "ok"
    assert float(rows["lr=10_clip_norm=0.1"]["final_accuracy"]) > 0.9
    assert rows["lr=-1_clip_norm=none"]["status"] == "bad config"
    assert "lr must be > 0" in rows["lr=-1_clip_norm=none"]["message"]
    assert rows["lr=10_clip_norm=0.1"]["clip_norm"] == "0.1"  # the varied keys are columns
    drawn = {"figure.png", "diagnostics.png", "animation.gif", "report.html"}
    for name in ("lr=10_clip_norm=none", "lr=10_clip_norm=0.1"):  # --figures summary
        assert set(RUN_FILES) - drawn == set(os.listdir(out / name))
    assert not (out / "lr=-1_clip_norm=none").exists()
    assert (out / "comparison.png").stat().st_size > 10_000
    table = (out / "table.md").read_text()
    assert "| lr=10_clip_norm=none | diverged |" in table and "lr must be > 0" in table
    if report_available():
        page = (out / "report.html").read_text()
        assert "lr=10_clip_norm=0.1/report.html" not in page and "diverged" in page
    assert "| lr=10_clip_norm=none | diverged |" in capsys.readouterr().out


@pytest.mark.parametrize("figures", ["all", "none"])
def test_figures_all_draws_each_variant_and_none_draws_no_picture(tmp_path, figures):
    out = tmp_path / "grid"
    assert main(["compare", *QUICK, "--vary", "lr=1,5", "--jobs", "1", "--figures", figures,
                 "--out", str(out)]) == 0
    for name in ("lr=1", "lr=5"):
        files = set(os.listdir(out / name))
        drawn = {"figure.png", "diagnostics.png"}
        drawn |= {"report.html"} if report_available() else set()
        assert drawn <= files if figures == "all" else not drawn & files
    assert (out / "comparison.png").exists() == (figures == "all")
    if report_available():
        page = (out / "report.html").read_text()
        assert ("lr=5/report.html" in page) == (figures == "all")


def test_each_variant_is_the_same_run_as_brickprop_train(tmp_path):
    out = tmp_path / "grid"
    assert main(["compare", *QUICK, "--set", "hidden=4", "--seeds", "2", "--jobs", "1",
                 "--out", str(out)]) == 0
    s = from_dict({}).seed  # --seeds 2 runs seeds s and s + 1
    assert main(["train", "--steps", "60", "--frames", "0", "--hidden", "4", "--seed",
                 str(s + 1), "--out", str(tmp_path / "single")]) == 0
    assert (out / f"base_seed={s + 1}" / "metrics.csv").read_bytes() == \
        (tmp_path / "single" / "metrics.csv").read_bytes()
    assert (out / f"base_seed={s}" / "metrics.csv").read_bytes() != \
        (out / f"base_seed={s + 1}" / "metrics.csv").read_bytes()
    table = (out / "table.md").read_text()
    assert "Mean ± standard deviation over seeds" in table and "| base | 2 | 0 |" in table


def test_the_figure_title_names_the_set_and_varied_keys(tmp_path, monkeypatch):
    import brickprop.compare.apart as apart
    import brickprop.compare.output as output

    monkeypatch.setattr(apart, "fork_is_safe", lambda: False)  # drawn in this process
    titles, drawing = [], output.ComparisonDrawing
    monkeypatch.setattr(output, "ComparisonDrawing",
                        lambda names, title=None: titles.append(title) or drawing(names, title))
    assert main(["compare", *QUICK, "--set", "dataset=moons", "--vary", "noise=0,0.3",
                 "--jobs", "1", "--out", str(tmp_path / "grid")]) == 0
    assert titles == ["brickprop compare the default run --set steps=60 --set frames=0 "
                      "--set dataset=moons --vary noise=0,0.3"]


def test_a_list_of_configs_with_a_broken_one(tmp_path):
    good, bad = tmp_path / "three.toml", tmp_path / "broken.toml"
    good.write_text("hidden = [3]\nsteps = 40\nframes = 0\n")
    bad.write_text("lrr = 1\n")
    out = tmp_path / "grid"
    assert main(["compare", str(good), str(bad), "--vary", "lr=5,0.5", "--jobs", "2",
                 "--out", str(out)]) == 1
    rows = {r["variant"]: r for r in read_table(out)}
    assert rows["three_lr=5"]["status"] == rows["three_lr=0.5"]["status"] == "ok"
    assert rows["broken_lr=5"]["status"] == "bad config"
    assert "unknown key 'lrr'" in rows["broken_lr=5"]["message"]


def test_output_folder_of_other_files_and_bad_jobs_are_refused(tmp_path, capsys):
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert main(["compare", *QUICK, "--out", str(foreign)]) == 2
    assert "not a brickprop comparison" in capsys.readouterr().err
    assert main(["compare", *QUICK, "--jobs", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err


def _descendants(pid) -> set[int]:
    """PIDs of the live descendants of ``pid``, from each process's parent in /proc (Linux)."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:  # "PID (name) STATE PPID ...": the name may hold spaces, so split after ")"
            parent[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, todo = set(), [pid]
    while todo:
        kids = {p for p, pp in parent.items() if pp == todo[-1]} - found
        todo.pop()
        todo += kids
        found |= kids
    return found


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_the_grid_and_keeps_the_finished_runs(tmp_path, sig):
    out = tmp_path / "grid"
    proc = subprocess.Popen(
        [sys.executable, "-m", "brickprop.cli", "compare", "--vary", "seed=0,1,2,3,4,5,6,7",
         "--set", "steps=4000", "--set", "frames=0", "--jobs", "2", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90  # the grid is written into .grid.partial-* until it ends
    while not list(tmp_path.glob(".grid.partial-*/seed=0/summary.txt")) and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    workers = _descendants(proc.pid)  # loky's worker processes (and its resource tracker)
    proc.send_signal(sig)  # to the command alone, as kill PID does, not its process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err
    if Path("/proc").is_dir():  # the workers stop with the command, mid-task
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers and not [w for w in workers if Path(f"/proc/{w}").exists()]
    rows = read_table(out)
    finished = [r["variant"] for r in rows if r["status"] == "ok"]
    stopped = [r["variant"] for r in rows if r["status"] == "interrupted"]
    assert finished and stopped and len(finished) + len(stopped) == 8
    for name in finished:
        assert {"config.toml", "metrics.csv", "model.npz", "summary.txt"} <= \
            set(os.listdir(out / name))
    assert not any((out / name).exists() for name in stopped)
    assert not [p for p in os.listdir(out) if p.startswith(".tmp-")]
    assert sorted(os.listdir(tmp_path)) == ["grid"]  # no staging folder, no lock file left
    assert (out / "comparison.png").exists()


def test_dask_missing_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main(["compare", *QUICK, "--dask", "local", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert "pip install 'brickprop[dask]'" in err and len(err.splitlines()) == 1


def test_dask_local_cluster_gives_byte_identical_metrics(tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    assert main(["compare", "--dask", "localhost:1", "--out", str(tmp_path / "x")]) == 2
    assert "tcp://HOST:8786" in capsys.readouterr().err
    grid = [*QUICK, "--vary", "hidden=3,8", "--set", "batch_size=50"]
    assert main(["compare", *grid, "--jobs", "1", "--out", str(tmp_path / "local")]) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert main(["compare", *grid, "--dask", cluster.scheduler_address,
                     "--out", str(tmp_path / "dask")]) == 0
    names = [r["variant"] for r in read_table(tmp_path / "local")]
    assert names == ["hidden=3", "hidden=8"]
    for name in names:
        for file in ("metrics.csv", "model.npz", "config.toml"):
            assert (tmp_path / "local" / name / file).read_bytes() == \
                (tmp_path / "dask" / name / file).read_bytes()
    local, dask = read_table(tmp_path / "local"), read_table(tmp_path / "dask")
    for a, b in zip(local, dask):
        assert [a[c] for c in COLUMNS[:-1]] == [b[c] for c in COLUMNS[:-1]]  # all but time
    assert np.isfinite(float(local[0]["final_loss"]))


def test_the_longest_runs_are_handed_out_first(monkeypatch, tmp_path):
    from brickprop.compare import grid

    variants = grid.plan([("", from_dict({"frames": 0}))],
                         grid.parse_vary(["steps=20,400", "hidden=3,8"]))
    handed = []
    real = grid.run_variant

    def record(v, *args):
        handed.append(v.name)
        return real(v, *args)

    monkeypatch.setattr(grid, "run_variant", record)
    rows, _ = grid.compare(variants, str(tmp_path / "g"), jobs=1, figures="none")
    assert [r["variant"] for r in rows] == [v.name for v in variants]  # the table's order
    assert handed == ["steps=400_hidden=8", "steps=400_hidden=3", "steps=20_hidden=8",
                      "steps=20_hidden=3"]


def test_forked_workers_and_loky_workers_write_the_same_runs(tmp_path):
    """Workers are forked when only one thread runs; with another thread alive, loky's."""
    import threading

    from brickprop.compare import pool

    variants = plan([("", from_dict({"frames": 0, "steps": 80}))],
                    parse_vary(["hidden=3,8", "lr=1,5"]))
    assert pool.fork_is_safe() == (threading.active_count() == 1 and sys.platform == "linux")
    with pool.Pool(os.getppid, [()] * 3, jobs=2, fork=True) as p:
        assert p.forked and list(p) == [os.getpid()] * 3  # run in children of this process
    from threadpoolctl import threadpool_info

    # Two workers share the cores' BLAS threads.
    with pool.Pool(threadpool_info, [()], jobs=2, fork=True) as p:
        blas = [lib for lib in next(iter(p)) if lib["user_api"] == "blas"]
    assert all(lib["num_threads"] == max(1, os.cpu_count() // 1) for lib in blas)
    with pool.Pool(threadpool_info, [()] * 2, jobs=2, fork=True) as p:
        blas = [lib for info in p for lib in info if lib["user_api"] == "blas"]
    assert all(lib["num_threads"] == max(1, os.cpu_count() // 2) for lib in blas)
    outs = {}
    for how in ("forked", "loky"):
        busy = threading.Event()
        if how == "loky":  # a live thread makes forking unsafe: fresh loky processes
            threading.Thread(target=busy.wait, daemon=True).start()
        try:
            outs[how] = tmp_path / how
            rows, interrupted = grid.compare(variants, str(outs[how]), jobs=2, figures="none")
        finally:
            busy.set()
        assert not interrupted and [r["status"] for r in rows] == ["ok"] * 4
    for v in variants:
        for file in ("metrics.csv", "model.npz", "config.toml", "summary.txt"):
            assert (outs["forked"] / v.name / file).read_bytes() == \
                (outs["loky"] / v.name / file).read_bytes()


def test_the_figure_drawn_as_runs_finish_is_the_one_drawn_at_once(tmp_path):
    """Rows drawn in the order the runs finish, rendered before the last: the same pixels."""
    import shutil

    import matplotlib.image

    from brickprop.compare import output

    variants = plan([("", from_dict({"frames": 0, "steps": 60}))],
                    parse_vary(["hidden=3,8", "lr=1,-1,5"]))
    rows, _ = grid.compare(variants, str(tmp_path / "a"), jobs=1, figures="none")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    title = "a title\non two lines"
    output.write_outputs(str(tmp_path / "a"), variants, rows, ["hidden", "lr"], title=title)
    drawn = output.Outputs(str(tmp_path / "b"), variants, ["hidden", "lr"], title=title)
    finished = [5, 0, 4, 1, 3, 2]  # as a grid's runs might: one is left after the fifth
    for k, i in enumerate(finished):
        drawn.done(variants[i], rows[i])
        assert (drawn.drawing._background is not None) == (k >= len(finished) - 2)
        assert drawn.saved == (k == len(finished) - 1)  # saved once every row is drawn
    assert drawn.write(rows)[2] == str(tmp_path / "b" / "comparison.png")
    at_once, as_they_came = (matplotlib.image.imread(tmp_path / d / "comparison.png")
                             for d in ("a", "b"))
    assert at_once.shape == as_they_came.shape and (at_once == as_they_came).all()


def test_outputs_made_apart_or_here_when_that_process_is_gone(tmp_path):
    import shutil

    from brickprop.compare import apart

    variants = plan([("", from_dict({"frames": 0, "steps": 40}))], parse_vary(["hidden=3,8"]))
    out = str(tmp_path / "g")
    rows, _ = grid.compare(variants, out, jobs=1, figures="none")
    for gone in (False, True):
        made = apart.Apart(out, variants, ["hidden"], "a title", True)
        for v, row in zip(variants, rows):
            made.done(v, row)
        if gone:  # killed: this process draws the figure again
            made.process.kill()
            os.remove(os.path.join(out, "comparison.png"))
        paths = made.write(rows)
        assert [os.path.basename(p) for p in paths[:3]] == ["table.csv", "table.md",
                                                             "comparison.png"]
        assert os.path.getsize(paths[2]) > 10_000 and not made.process.is_alive()
    made = apart.Apart(out, variants, ["hidden"], None, True)
    shutil.rmtree(out)
    with pytest.raises(FileNotFoundError):  # the child's failure, raised here
        made.write(rows)


def test_a_grid_draws_the_figure_of_its_run_folders(tmp_path, monkeypatch):
    """Rows drawn from what the forked workers left as they trained: the folders' picture."""
    import matplotlib.image

    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))

    from brickprop.compare import output
    from brickprop.compare.figure import comparison_figure

    out = tmp_path / "grid"
    assert main(["compare", *QUICK, "--vary", "hidden=3,8", "--vary", "lr=1,5", "--jobs", "2",
                 "--out", str(out)]) == 0
    variants = plan([("", from_dict({"steps": 60, "frames": 0}))],
                    parse_vary(["hidden=3,8", "lr=1,5"]))
    panels = [output._panel(str(out / v.name), row, v.cfg)
              for v, row in zip(variants, read_table(out))]
    comparison_figure(panels, tmp_path / "again.png",
                      title="brickprop compare the default run --set steps=60 --set frames=0 "
                            "--vary hidden=3,8 --vary lr=1,5")
    first, again = (matplotlib.image.imread(p)
                    for p in (out / "comparison.png", tmp_path / "again.png"))
    assert first.shape == again.shape and (first == again).all()
    assert not os.listdir(tmp_path / "tmp")  # the panels the workers left are removed


def test_the_figure_builds_each_data_once_however_many_variants_share_it(tmp_path,
                                                                         monkeypatch):
    from brickprop.compare import output

    variants = plan([("", from_dict({"frames": 0, "steps": 40}))],
                    parse_vary(["lr=1,5", "data_seed=0,1"]))
    rows, _ = grid.compare(variants, str(tmp_path), jobs=1, figures="none")
    built = []
    real = output.build
    monkeypatch.setattr(output, "build", lambda cfg: built.append(cfg.data_seed) or real(cfg))
    output.write_outputs(str(tmp_path), variants, rows, ["lr", "data_seed"])
    assert sorted(built) == [0, 1]  # four variants, two data sets
