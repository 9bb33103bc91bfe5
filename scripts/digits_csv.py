"""Write scikit-learn's handwritten digits as two CSV files, to try ``brickprop train --data``.

    python scripts/digits_csv.py [FOLDER]      # default: data/

The 1,797 images of 8x8 pixels (grey levels 0-16) shipped with scikit-learn become
``digits-train.csv`` (80 %) and ``digits-test.csv`` (20 %, the same share of each digit,
split by ``brickprop.datasets.split`` with seed 0): a header ``pixel0 ... pixel63,digit``
and one image per row.  Needs scikit-learn (``pip install scikit-learn``).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from brickprop.data.datasets import split
from brickprop.store.files import atomic_path


def write(path: Path, X, y) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([f"pixel{i}" for i in range(X.shape[1])] + ["digit"])
        for row, label in zip(X.astype(int).tolist(), y.tolist()):
            writer.writerow([*row, label])
    print(f"wrote {path} ({len(y)} images)")


if __name__ == "__main__":
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("scripts/digits_csv.py needs scikit-learn: pip install scikit-learn")
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "data")
    folder.mkdir(parents=True, exist_ok=True)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = split(X, y, test_size=0.2, seed=0)
    write(folder / "digits-train.csv", X_train, y_train)
    write(folder / "digits-test.csv", X_test, y_test)
