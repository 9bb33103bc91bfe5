"""Write a synthetic CSV of MNIST's shape, to try ``brickprop train --data`` at full size.

    python scripts/mnist_csv.py [FILE] [--rows 60000] [--seed 0]   # default: data/mnist.csv

A header ``label,pixel0,...,pixel783`` and one 28x28 image per row: a label 0-9 and
784 grey levels, integers 0-255, as in the usual MNIST CSV (nothing is downloaded).
Each class has a fixed prototype image (a smoothed random field, the same for every
``--seed``); an image is its class's prototype shifted by up to 4 pixels each way, its
contrast scaled by U(0.3, 1.2), plus N(0, 90^2) noise on every pixel, rounded and
clipped to 0-255.  A 784-256-10 network learns it in an epoch or two, not perfectly;
``--seed 1`` gives a test file of new images of the same classes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from brickprop.store.files import atomic_path

SIDE, N_CLASSES = 28, 10
HEADER = ",".join(["label", *(f"pixel{i}" for i in range(SIDE * SIDE))]) + "\n"


def prototypes(seed: int = 2024) -> np.ndarray:
    """(10, 28, 28) float64 in [0, 255]: white noise blurred by a Gaussian (sigma 2.5 px)."""
    rng = np.random.default_rng(seed)
    field = rng.standard_normal((N_CLASSES, SIDE, SIDE))
    t = np.arange(-7, 8)
    kernel = np.exp(-t ** 2 / (2 * 2.5 ** 2))
    kernel /= kernel.sum()
    for axis in (1, 2):  # separable blur, 'same' size with zero padding
        field = np.apply_along_axis(np.convolve, axis, field, kernel, mode="same")
    low = field.min(axis=(1, 2), keepdims=True)
    high = field.max(axis=(1, 2), keepdims=True)
    return 255 * (field - low) / (high - low)


def images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels (n,) uint8 in 0..9 and pixels (n, 784) uint8: prototype, shift, contrast, noise."""
    rng = np.random.default_rng(seed)
    protos = prototypes()
    y = rng.integers(0, N_CLASSES, n).astype(np.uint8)
    shifts = rng.integers(-4, 5, (n, 2))
    X = np.empty((n, SIDE * SIDE), np.uint8)
    for start in range(0, n, 4096):  # in blocks: the float64 working copy stays small
        stop = min(start + 4096, n)
        dy, dx = shifts[start:stop].T
        rows = (np.arange(SIDE) - dy[:, None]) % SIDE  # (rows, 28): np.roll by dy, dx
        cols = (np.arange(SIDE) - dx[:, None]) % SIDE
        block = protos[y[start:stop, None, None], rows[:, :, None], cols[:, None, :]]
        block *= rng.uniform(0.3, 1.2, (stop - start, 1, 1))
        block += rng.normal(0.0, 90.0, block.shape)
        X[start:stop] = np.clip(np.rint(block), 0, 255).reshape(stop - start, -1)
    return y, X


def csv_bytes(rows: np.ndarray) -> bytes:
    """Integers 0-255 (n, k) as CSV lines ``v,v,...,v\\n``, decimal without leading zeros.

    Vectorized: every value becomes 3 digits and a separator (n, k, 4); the leading
    zeros are then masked out (a value keeps its hundreds digit only if >= 100, its
    tens digit only if >= 10), so no Python code runs per cell.
    """
    v = rows.astype(np.uint16)
    chars = np.empty((*v.shape, 4), np.uint8)
    chars[..., 0], chars[..., 1], chars[..., 2] = v // 100, v // 10 % 10, v % 10
    chars[..., :3] += ord("0")
    chars[..., 3] = ord(",")
    chars[:, -1, 3] = ord("\n")
    keep = np.ones(chars.shape, bool)
    keep[..., 0], keep[..., 1] = v >= 100, v >= 10
    return chars[keep].tobytes()


def write(path, n: int = 60_000, seed: int = 0) -> None:
    """Write ``n`` labelled images (seeded by ``seed``) to ``path`` atomically."""
    y, X = images(n, seed)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(HEADER.encode())
        for start in range(0, n, 2048):
            rows = np.column_stack([y[start:start + 2048], X[start:start + 2048]])
            f.write(csv_bytes(rows))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default="data/mnist.csv", help="CSV file to write "
                        "[default: data/mnist.csv]")
    parser.add_argument("--rows", type=int, default=60_000, help="images [default: 60000]")
    parser.add_argument("--seed", type=int, default=0, help="seed of the images (not of the "
                        "class prototypes) [default: 0]")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error(f"--rows must be a positive number of images, got {args.rows}")
    path = Path(args.file)
    started = time.perf_counter()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path, args.rows, args.seed)
    except OSError as e:
        print(f"mnist_csv.py: error: cannot write {path} ({e}); give a file path "
              "in a folder you can write to", file=sys.stderr)
        return 2
    print(f"wrote {path}: {args.rows} images of {SIDE}x{SIDE} pixels, "
          f"{path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
