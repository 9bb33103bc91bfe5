"""Predicting with a saved model: ``brickprop predict MODEL.npz DATA.csv``.

A model file written by ``brickprop train`` keeps, beside the weights, what predicting
needs: the feature names, the class labels in output order, the loss (which decides
what the outputs mean) and the standardization statistics of its training data.
``Model`` applies them in the same order as training did: standardize, forward, then
the class of each row (argmax, or the threshold of a single output) or the value.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from ..bricks.functional import sigmoid, softmax
from ..data import _fastcsv
from ..data.csvfile import _changed, _float, _listed, _read_rows, _scan
from ..data.standardizer import Standardizer
from ..store.model import read

_KEYS = ("task", "features", "target", "target_index", "classes", "loss", "threshold",
         "standardizer")


@dataclass
class Model:
    """A saved network and its preprocessing (see ``runs.preprocessing``)."""

    net: object
    info: dict
    standardizer: Standardizer | None
    path: str = ""

    @classmethod
    def load(cls, path) -> Model:
        """Read ``path``; a damaged description is a ``ValueError`` naming the file."""
        net, meta = read(path)
        info = meta["preprocessing"]
        if info is None:
            raise ValueError(f"{path} holds a network but not how its data was prepared; "
                             "predict with a model.npz written by brickprop train")
        layers = [brick for _, brick in net.layers()]
        try:
            info = {k: info[k] for k in _KEYS}
            standardizer = (Standardizer.from_dict(info["standardizer"])
                            if info["standardizer"] is not None else None)
            n_in, n_out = layers[0].n_in, layers[-1].n_out
            classes = info["classes"]
            ok = (info["task"] in ("classification", "regression")
                  and len(info["features"]) == n_in
                  and (standardizer is None or standardizer.mean.size == n_in)
                  and (info["task"] == "regression" or len(classes) == max(n_out, 2)))
        except (KeyError, TypeError, ValueError, IndexError):
            ok = False
        if not ok:
            raise ValueError(f"{path}: the preprocessing description in the file is damaged "
                             "or does not fit the network; train the model again")
        return cls(net, info, standardizer, str(path))

    @property
    def classify(self) -> bool:
        return self.info["task"] == "classification"

    def outputs(self, X) -> np.ndarray:
        """The network's outputs (n_samples, n_out) for raw features X (n_samples, n_features)."""
        X = np.asarray(X, dtype=self.net.dtype or np.float64)  # the training's precision
        if self.standardizer is not None:
            X = self.standardizer.transform(X)
        with np.errstate(over="ignore"):
            return np.array(self.net.forward(X))

    def predict(self, X) -> np.ndarray:
        """Class labels (n_samples,) as strings, or regression values (n_samples,) floats."""
        out = self.outputs(X)
        if not self.classify:
            return out[:, 0]
        k = out.argmax(axis=1) if out.shape[1] > 1 else \
            (out[:, 0] > self.info["threshold"]).astype(np.intp)
        return np.array(self.info["classes"], dtype=object)[k]

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n_samples, n_classes) of a model trained on logits.

        cross-entropy: the softmax of the outputs; binary-cross-entropy: the sigmoid of
        each output (of the single output: ``1 - p``, ``p``).  A model trained with mse
        has scores, not probabilities, and gets a ``ValueError``.
        """
        if not self.classify:
            raise ValueError(f"{self.path} is a regression model: it has no class "
                             "probabilities; leave out --proba")
        loss = self.info["loss"]
        if loss not in ("cross-entropy", "binary-cross-entropy"):
            raise ValueError(f"{self.path} was trained with {loss}: its outputs are scores, "
                             "not probabilities; train with --loss cross-entropy for --proba")
        z = self.outputs(X)
        if loss == "cross-entropy":
            return softmax(z)
        p = sigmoid(z)
        return np.column_stack([1 - p[:, 0], p[:, 0]]) if p.shape[1] == 1 else p


def read_features(path, model: Model):
    """Features X (n, n_features) of a CSV for ``model``, and its target cells or None.

    With a header the columns are found by name (in any order; the target column is
    optional); without one the file holds the features in training order, or all the
    training file's columns, target included.  X has the network's dtype.  A valid
    file is read by NumPy's C reader (``_fastcsv``), any other row by row, to name the
    row and column at fault.  Returns ``(X, targets)``.
    """
    dtype = model.net.dtype or np.float64
    fast = _read_fast(path, model, dtype)
    if fast is not None:
        return fast
    _, first, n_rows, _ = _scan(path)  # one row in memory at a time
    names, header = _layout(path, first, model)
    if n_rows == header:
        raise ValueError(f"{path} has only a header row; add rows of features to predict")
    features, target = model.info["features"], model.info["target"]
    columns = [names.index(f) for f in features]
    X = np.empty((n_rows - header, len(features)), dtype)  # (n, n_features)
    targets = [] if target in names else None
    rows = _read_rows(path)
    if header:
        next(rows)
    i = -1
    for i, (line, cells) in enumerate(rows):
        if i >= len(X) or len(cells) != len(first):
            raise _changed(path)
        for k, j in enumerate(columns):
            value = _float(cells[j])
            if value is None or not math.isfinite(value):
                problem = (f"holds {cells[j]!r}, not a finite number; make every feature a "
                           "number" if cells[j] else "is empty; fill in the value or delete "
                           "the row")
                raise ValueError(f"{path}: row {line}, column {names[j]!r} {problem}")
            X[i, k] = value
        if targets is not None:
            targets.append(cells[names.index(target)])
    if i + 1 != len(X):
        raise _changed(path)
    return X, targets


def _layout(path, first, model: Model):
    """``(names, header)``: the columns of a file whose first row is ``first``, and whether
    that row is a header; a ``ValueError`` when they do not fit the model."""
    features, target = model.info["features"], model.info["target"]
    words = [j for j, c in enumerate(first) if _float(c) is None]
    if words and set(features) <= set(first):  # a header: columns by name
        extra = [c for c in first if c not in features and c != target]
        if extra or len(set(first)) != len(first):
            raise ValueError(f"{path}: column {(extra or first)[0]!r} is not a feature of the "
                             f"model or appears twice; its features are "
                             f"{_listed(features)}")
        return list(first), True
    if words and any(c in features or c == target for c in first):  # a header lacking one
        missing = [f for f in features if f not in first]
        raise ValueError(f"{path}: the header has no column {missing[0]!r}; the model needs "
                         f"the features {_listed(features)}")
    # no header: the features in training order, or all the training file's columns
    with_target = len(first) == len(features) + 1
    if len(first) not in (len(features), len(features) + 1):
        raise ValueError(f"{path} has {len(first)} columns but the model takes "
                         f"{len(features)} features ({_listed(features)}), "
                         "plus optionally the target; add a header row naming them")
    if words and words != [model.info["target_index"]] * with_target:
        raise ValueError(f"{path}: the first row is neither a header naming the model's "
                         f"features ({_listed(features)}) nor numbers; "
                         "fix the header or the row")
    names = list(features)
    if with_target:
        names.insert(model.info["target_index"], target)
    return names, False


def _read_fast(path, model: Model, dtype):
    """``read_features``'s result for a valid numeric file, by NumPy's reader; else None."""
    target = model.info["target"]

    def plan(first):
        try:
            names, header = _layout(path, first, model)
        except ValueError:  # said below once the rows are known to be fine (they come first)
            return any(_float(c) is None for c in first), None
        return header, names.index(target) if target in names else None

    table = _fastcsv.load(path, plan, dtype)
    if table is None:
        return None
    names, _ = _layout(path, table.first, model)  # the error that plan() deferred, if any
    values, targets = table.values, None
    if table.label is not None:
        values = _fastcsv.drop_column(values, table.label)
        targets = [table.cells[c] for c in table.codes.tolist()]
        del names[table.label]
    order = [names.index(f) for f in model.info["features"]]
    return (values if order == sorted(order) else values[:, order]), targets


def score(model: Model, predictions, targets) -> str | None:
    """"accuracy 0.97" or "R^2 0.95" of ``predictions`` against the file's target cells."""
    if model.classify:
        truth = [_canonical(t, model.info["classes"]) for t in targets]
        if None in truth:
            return None
        hits = sum(p == t for p, t in zip(predictions, truth))
        return f"accuracy {hits / len(truth):.4f}"
    values = np.array([_float(t) if t else math.nan for t in targets])
    if not np.isfinite(values).all() or values.var() == 0:
        return None
    residual = np.sum((predictions - values) ** 2) / np.sum((values - values.mean()) ** 2)
    return f"R^2 {1 - residual:.4f}"


def _canonical(label: str, classes) -> str | None:
    """``label`` as written in ``classes`` ("1.0" is class "1"), or None if unknown."""
    if label in classes:
        return label
    value = _float(label)
    same = [c for c in classes if value is not None and _float(c) == value]
    return same[0] if same else None


def to_csv(model: Model, X, proba: bool) -> str:
    """The CSV text of the predictions for features X: a header, then one row per sample."""
    columns, names = [model.predict(X)], ["prediction"]
    if proba:
        columns += list(model.predict_proba(X).T)  # n_classes columns of (n,)
        names += [f"p_{c}" for c in model.info["classes"]]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(names)
    for row in zip(*columns):  # repr of a float round-trips exactly
        writer.writerow([v if isinstance(v, str) else repr(float(v)) for v in row])
    return text.getvalue()


def _check_outputs(model: Model, X, data_path) -> None:
    """A row whose outputs overflow is the data's problem: say which row, not print NaN."""
    bad = np.flatnonzero(~np.isfinite(model.outputs(X)).all(axis=1))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{data_path}: data row {i + 1} ({', '.join(f'{v:.4g}' for v in X[i])}) "
                         "makes the model's outputs overflow: the data is the problem, far "
                         "outside what the model was trained on; check that row")


def predict_file(model_path, data_path, out=None, proba: bool = False):
    """Predict every row of ``data_path``; write CSV to ``out`` (atomically) or return it.

    Returns ``(csv_text, notes)``: the predictions, and lines for the user (rows
    predicted, the score against a target column the file holds).
    """
    import os

    from ..store.files import atomic_write_text
    from ..store.folders import refuse_inputs

    if out is not None:
        folder = os.path.dirname(os.fspath(out)) or "."
        if not os.path.isdir(folder) or os.path.isdir(out):
            raise ValueError(f"cannot write --out {str(out)!r}: its folder does not exist or it "
                             "is a folder; give a file path in an existing folder")
        if os.path.exists(data_path) and os.path.exists(out) and os.path.samefile(out,
                                                                                   data_path):
            raise ValueError(f"--out {str(out)!r} is the data file; choose another file name")
        refuse_inputs(out, (model_path, data_path))
    model = Model.load(model_path)
    X, targets = read_features(os.fspath(data_path), model)
    _check_outputs(model, X, data_path)
    text = to_csv(model, X, proba)
    notes = [f"{len(X)} rows predicted with {model_path}"]
    if targets is not None:
        measured = score(model, model.predict(X), targets)
        if measured:
            notes.append(f"{measured} against the column {model.info['target']!r} of "
                         f"{data_path}")
    if out is not None:
        atomic_write_text(out, text)
        notes.append(f"wrote {out}")
    return text, notes
