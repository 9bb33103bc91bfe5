"""Fixtures shared by the tests, which mirror the package: tests/bricks, tests/train, ...

``REPO`` is the checkout's root (the experiments, scripts and docs the tests read).
"""

from pathlib import Path

import pytest

import brickprop as bp

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def xor_data():
    """The article's 300 XOR points: ``(X (300, 2), Y one-hot (300, 2), y labels (300,))``."""
    X, y = bp.datasets.xor(300, 0)
    return X, bp.one_hot(y), y


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
