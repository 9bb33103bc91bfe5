"""``Standardizer``: column-wise z-scores of a CSV's features, for any finite magnitude."""

from __future__ import annotations

import numpy as np


class Standardizer:
    """Column-wise z-scores ``z = (x - mean) / scale``; a constant column gets scale 1.

    Works for any finite magnitude: columns beyond 1e150 (whose squares overflow) or
    below 1e-150 (whose squares underflow) are divided by their largest ``|x|`` before
    the mean and spread are taken.  Only a column whose values are all equal is left
    unscaled, however small the spread of another.
    """

    mean = scale = None  # (n_features,) float64 each, learnt by fit(X (n, n_features))

    def fit(self, X, block: int = 1024) -> Standardizer:
        """Column means and standard deviations of X (n, n_features), in float64.

        Two passes over ``block`` rows at a time, so that a float32 X is never copied
        whole to float64 (a 60,000 x 784 one would take 376 MB).
        """
        X = np.asarray(X)
        X = X if np.issubdtype(X.dtype, np.floating) else X.astype(np.float64)
        if X.ndim != 2 or not len(X):
            raise ValueError(f"Standardizer.fit needs a non-empty (n, n_features) array: {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError("Standardizer.fit needs finite values; X holds a NaN or inf")
        constant = (X == X[0]).all(axis=0)
        big = np.abs(X).max(axis=0).astype(np.float64)  # (n_features,)
        plain = (big < 1e150) & ((big > 1e-150) | constant)
        unit = np.where(plain | (big == 0), 1.0, big)  # the statistics of X / max|x| otherwise
        n, mean, squares = len(X), np.zeros(X.shape[1]), np.zeros(X.shape[1])
        with np.errstate(over="ignore", under="ignore"):
            for start in range(0, n, block):
                mean += (X[start:start + block] / unit).sum(axis=0)
            mean /= n
            for start in range(0, n, block):
                d = X[start:start + block] / unit - mean  # (block, n_features) float64
                squares += (d * d).sum(axis=0)
            std = np.sqrt(squares / n) * unit
        self.mean = np.where(constant, X[0], mean * unit)
        self.scale = np.where(constant | ~(std > 0), 1.0, std)
        return self

    def transform(self, X, copy: bool = True) -> np.ndarray:
        """X (n, n_features) -> ``(X - mean) / scale``, in X's float dtype.

        ``x - mean`` near the float limit is taken as ``x/2 - mean/2`` (exact halving,
        so the same z).  A z-score that still overflows is the data's problem: a
        ``ValueError`` says which value.  ``copy=False`` writes the result into a float X.
        """
        X = self._check(X)
        mean, scale = self.mean.astype(X.dtype), self.scale.astype(X.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            Z = (X - mean) / scale
            bad = ~np.isfinite(Z)
            if bad.any():
                Z = np.where(bad, (X * 0.5 - mean * 0.5) / (scale * 0.5), Z)
                bad = ~np.isfinite(Z)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(f"the data is the problem: row {i}, column {j} holds {X[i, j]!r}, "
                             f"which standardizes to {Z[i, j]} (the column's mean is "
                             f"{self.mean[j]:.4g}, its spread {self.scale[j]:.4g}); "
                             "clean or rescale that value")
        if not copy and X.dtype == Z.dtype:
            X[...] = Z
            return X
        return Z.astype(X.dtype, copy=False)

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def to_dict(self) -> dict:
        """``{"mean": [floats], "scale": [floats]}``, ready for JSON."""
        self._check()
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, d) -> Standardizer:
        try:
            mean, scale = (np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale"))
        except (KeyError, TypeError, ValueError):
            mean = scale = np.zeros(0)  # reported below
        if not (mean.ndim == 1 and mean.size and mean.shape == scale.shape
                and np.isfinite(mean).all() and np.isfinite(scale).all() and (scale > 0).all()):
            raise ValueError("Standardizer.from_dict needs {'mean': [finite numbers], "
                             f"'scale': [as many positive numbers]}}, got {d!r}")
        out = cls()
        out.mean, out.scale = mean, scale
        return out

    def _check(self, X=None):
        if self.mean is None:
            raise ValueError("this Standardizer is not fitted yet; call fit(X) first")
        X = np.zeros((0, self.mean.size)) if X is None else np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.mean.size:
            raise ValueError(f"Standardizer was fitted on {self.mean.size} columns; "
                             f"got an array of shape {X.shape}")
        return X if np.issubdtype(X.dtype, np.floating) else X.astype(np.float64)
