"""The moving parts of ``fit``'s loop, each small enough to test on its own.

Batches of a permutation reshuffled every epoch, gathered into buffers reused every
step; the copies of the weights that the divergence guard restores; early stopping
on the validation loss; a learning rate at half its value.
"""

from __future__ import annotations

import math

import numpy as np

from ..optim._flat import spans


class Batches:
    """Index batches of a permutation reshuffled every epoch from one generator."""

    def __init__(self, n, batch_size, drop_last, seed):
        self.n, self.size, self.drop_last = n, batch_size, drop_last
        self.rng = np.random.default_rng(seed)
        self.order, self.pos = None, n

    def next(self):
        """``(indices, epoch_done)``; ``indices`` is None for the full batch."""
        if self.size is None or self.size >= self.n:
            return None, True
        if self.pos >= self.n or self.drop_last and self.pos + self.size > self.n:
            self.order, self.pos = self.rng.permutation(self.n), 0
        idx = self.order[self.pos:self.pos + self.size]
        self.pos += self.size
        done = self.pos >= self.n or self.drop_last and self.pos + self.size > self.n
        return idx, done


def gather(arrays, idx, buffers):
    """Rows ``idx`` of each array, copied into ``buffers[len(idx)]`` (made on first use).

    The batch lands in the same memory every step, so neither the dataset nor a
    fresh batch is copied into new memory each step.
    """
    out = buffers.get(len(idx))
    if out is None:
        out = buffers[len(idx)] = [np.empty((len(idx), *a.shape[1:]), a.dtype) for a in arrays]
    # mode="clip" lets take() write straight into out; "raise" would copy the rows twice.
    # The method, not np.take: one Python call, not three (np.take wraps the method).
    return [a.take(idx, axis=0, out=b, mode="clip") for a, b in zip(arrays, out)]


MAX_ROLLBACKS = 10


class Halved:
    """A learning rate (float or schedule) at half its value: ``step -> lr(step) / 2``."""

    def __init__(self, lr):
        self.lr = lr
        self.observe = getattr(lr, "observe", None)

    def __call__(self, step):
        return 0.5 * (self.lr(step) if callable(self.lr) else self.lr)

    def __repr__(self):
        return f"Halved({self.lr!r})"


class Checkpoint:
    """Copies of the weights taken every ``every`` steps: the newest and the one before.

    A step's loss measures the weights *before* its update, so when the guard trips
    at step s the weights that step measured are suspect: ``restore(s)`` brings back
    the newest copy taken before step s, at most ``every`` steps old.  Copying every
    step is exact to the step but cost about a tenth of an MNIST-sized epoch (two
    passes over the weights, which do not fit in cache); every tenth step costs a
    tenth of that.  Each copy is one flat array filled by a single ``np.concatenate``.
    """

    def __init__(self, params, every: int = 10):
        self.params, self.every = params, every
        size, dtype = sum(p.data.size for p in params), np.result_type(*(p.data for p in params))
        self.flat = [np.empty(size, dtype), np.empty(size, dtype)]  # [newest, older]
        self.taken = [None, None]  # the step each copy was taken at (start of the step)

    def due(self, step) -> bool:
        return step % self.every == 0

    def save(self, step):
        self.flat.reverse()  # the old newest becomes the older one
        self.taken.reverse()
        np.concatenate([p.data for p in self.params], axis=None, out=self.flat[0])
        self.taken[0] = step

    def restore(self, step) -> int:
        """Restore the newest copy taken before ``step`` (else the newest); return its step."""
        i = 1 if self.taken[0] >= step and self.taken[1] is not None else 0
        for p, (start, stop) in zip(self.params, spans(self.params)):
            p.data[...] = self.flat[i][start:stop].reshape(p.data.shape)
        return self.taken[i]


class EarlyStop:
    """Validation-loss patience; keeps the best weights seen."""

    def __init__(self, patience, min_delta, params):
        self.patience, self.min_delta, self.params = patience, min_delta, params
        self.best, self.best_step, self.bad, self.weights = math.inf, None, 0, None

    def should_stop(self, val_loss, step) -> bool:
        if val_loss < self.best - self.min_delta:
            self.best, self.best_step, self.bad = val_loss, step, 0
            self.weights = [p.data.copy() for p in self.params]
            return False
        self.bad += 1
        return self.bad >= self.patience

    def restore(self):
        for p, w in zip(self.params, self.weights or []):
            p.data[...] = w


class SameFirstBatch:
    """``no-shuffle`` batching: every step trains on samples ``0 .. batch_size - 1``,
    as the article's script always trained on the same first 50 of its 300 points.

    Interface of ``fit``'s batch iterator, ``next() -> (indices, epoch_done)`` (None
    for the full batch); an "epoch" still ends every ``ceil(n / batch_size)`` steps.
    """

    def __init__(self, n: int, batch_size: int | None):
        self.full = batch_size is None or batch_size >= n
        self.idx = None if self.full else np.arange(batch_size)
        self.per_epoch = 1 if self.full else -(-n // batch_size)
        self.step = 0

    def next(self):
        self.step += 1
        return self.idx, self.step % self.per_epoch == 0
