"""Progress that fits the place: a bar with the loss in a terminal, nothing in a pipe.

The terminal is a real pseudo-terminal (python's ``pty``): the script and the CLI run
as a user runs them, and the test reads what they drew.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import numpy as np
import pytest

import brickprop as bp

SCRIPT = """
import brickprop as bp
X, y = bp.datasets.xor(300, 0)
h = bp.fit(bp.mlp(2, [3], 2), X, bp.one_hot(y), steps=300, progress=True)
print("final loss", h["loss"][-1])
"""


def in_terminal(args) -> str:
    """Run ``args`` with stdout and stderr on a pseudo-terminal; all it wrote, as text."""
    main, child = pty.openpty()
    # 40 rows of 120 columns: a new pty is 0 x 0, and tqdm fits its bar to the width
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(args, stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    proc.wait(60)
    os.close(main)
    return out.decode("utf-8", "replace")


def piped(args) -> tuple[str, str]:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return proc.stdout, proc.stderr


BAR = re.compile(r"training: +\d+%.*\| *(\d+)/(\d+) .*loss=([-\d.e]+), accuracy=([\d.]+)")


def test_fit_progress_true_draws_a_bar_with_loss_and_accuracy_in_a_terminal():
    text = in_terminal([sys.executable, "-c", SCRIPT])
    bars = BAR.findall(text)
    assert bars, text
    done, total, loss, _ = bars[-1]
    assert (int(done), int(total)) == (300, 300)
    final = float(re.search(r"final loss ([\d.e-]+)", text).group(1))
    np.testing.assert_allclose(float(loss), final, rtol=1e-3)


def test_fit_progress_true_prints_nothing_into_a_pipe():
    out, err = piped([sys.executable, "-c", SCRIPT])
    assert out.startswith("final loss ") and out.count("\n") == 1
    assert err == ""


def test_cli_train_bar_in_a_terminal_and_only_the_summary_in_a_pipe(tmp_path):
    args = [sys.executable, "-m", "brickprop.cli", "train", "--steps", "200", "--frames", "0",
            "--out"]
    text = in_terminal([*args, str(tmp_path / "tty")])
    assert BAR.search(text), text
    out, err = piped([*args, str(tmp_path / "pipe")])
    assert "training:" not in err and "%|" not in err and "%|" not in out
    assert err.startswith("brickprop train: ")
    assert "trained all 200 steps" in out


def test_progress_drives_a_given_bar_and_a_callable_still_gets_step_counts(xor_data):
    from tqdm import tqdm

    X, Y, _ = xor_data
    out = io.StringIO()
    with tqdm(total=50, file=out) as bar:
        history = bp.fit(bp.mlp(2, [3], 2), X, Y, steps=50, progress=bar)
        assert bar.n == 50
    assert f"loss={history['loss'][-1]:.4g}, accuracy={history['accuracy'][-1]:.4g}" in \
        out.getvalue()
    seen = []
    bp.fit(bp.mlp(2, [3], 2), X, Y, steps=200, progress=seen.append)
    assert seen == list(range(2, 201, 2))
    with pytest.raises(TypeError, match="progress must be True"):
        bp.fit(bp.mlp(2, [3], 2), X, Y, steps=5, progress=3)
