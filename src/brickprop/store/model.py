"""Saving and loading models: one ``.npz`` with the weights and a JSON description.

The file holds ``architecture`` (JSON text: the bricks in order with their
arguments) and one array per parameter under its dotted name (``"0.W"``).  It
never holds pickled objects, so loading a file cannot run code.  Writes are atomic.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np

from ..bricks.core import Brick, Sequential
from .files import atomic_path

FORMAT = "brickprop-model-1"
MAX_RATIO = 200          # a member this many times larger than its compressed bytes ...
MAX_RATIO_FROM = 2**26   # ... and above 64 MB is a decompression bomb, not weights


def check_npz(path, limit: int | None = None) -> None:
    """Refuse (``ValueError``) an .npz whose arrays could not be read safely.

    Before anything is decompressed: every member's declared size, their total (at
    most ``limit`` bytes, default half this machine's memory), the compression ratio,
    and each ``.npy`` header's shape against the bytes the member holds -- so a crafted
    file cannot make the reader allocate terabytes or inflate a bomb.
    """
    from .._checks import machine_memory

    limit = limit if limit is not None else (machine_memory() or 2**34) // 2
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
            total = sum(m.file_size for m in members)
            if total > limit:
                raise ValueError(f"{path} holds {total / 1e9:.3g} GB of arrays, more than the "
                                 f"{limit / 1e9:.3g} GB this machine can load; it is not a "
                                 "brickprop file")
            for m in members:
                if m.file_size > MAX_RATIO_FROM and m.file_size > MAX_RATIO * m.compress_size:
                    raise ValueError(f"{path}: {m.filename} inflates {m.compress_size} bytes "
                                     f"to {m.file_size}; a decompression bomb is not a "
                                     "brickprop file")
                with z.open(m) as f:
                    version = np.lib.format.read_magic(f)
                    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                   else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read_header(f)
                    if dtype.hasobject or int(np.prod(shape, dtype=np.float64)) * \
                            dtype.itemsize > m.file_size:
                        raise ValueError(f"{path}: {m.filename} declares an array of shape "
                                         f"{shape} but holds {m.file_size} bytes")
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, TypeError) as e:
        if isinstance(e, ValueError) and str(e).startswith(str(path)):
            raise
        if isinstance(e, IsADirectoryError):
            raise
        raise ValueError(f"{path} is not a brickprop file (truncated, corrupted or "
                         "foreign)") from None


def describe(net: Sequential) -> list[dict]:
    """The architecture of ``net`` as JSON-ready dicts, one per brick (``Brick.spec``)."""
    # a bug-zoo brick saves as the brick it breaks: its forward pass is the same
    return [(brick.fixed() if hasattr(brick, "fixed") else brick).spec() for brick in net]


def save(net: Sequential, path, extra: dict | None = None,
         preprocessing: dict | None = None) -> None:
    """Write ``net`` to ``path`` (.npz): weights, architecture and JSON-ready dicts.

    ``preprocessing`` describes what predicting needs besides the weights (feature
    names, class labels, standardization statistics; see ``runs.preprocessing``);
    ``extra`` is anything else, such as the run's config.  The write is atomic: a
    save that fails or is killed halfway leaves the previous file as it was.
    """
    arrays = {p.name: p.data for p in net.parameters()}
    meta = {"format": FORMAT, "architecture": describe(net), "extra": extra or {},
            "preprocessing": preprocessing}
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, __meta__=np.array(json.dumps(meta)), **arrays)


def load(path) -> Sequential:
    """Read the network of a model file written by :func:`save`.

    A missing file is a ``FileNotFoundError``; a truncated, corrupted or foreign one
    (including any file holding pickled objects, which is never unpickled) a ``ValueError``.
    """
    return read(path)[0]


def read(path) -> tuple[Sequential, dict]:
    """``(net, meta)`` of a model file; ``meta`` holds "extra" and "preprocessing" (or None)."""
    damaged = (f"{path} is not a brickprop model file (truncated, corrupted or foreign); "
               "save one with brickprop.save(net, path)")
    try:
        check_npz(path)
        with np.load(path, allow_pickle=False) as f:
            meta = json.loads(str(f["__meta__"]))
            arrays = {k: f[k] for k in f.files if k != "__meta__"}
    except FileNotFoundError:
        raise FileNotFoundError(f"model file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ValueError(f"{path} is a folder; pass the model.npz inside it") from None
    except ValueError as e:
        if str(e).startswith(f"{path}: ") or " GB of arrays" in str(e):
            raise
        raise ValueError(damaged) from None
    except (KeyError, OSError, zipfile.BadZipFile, EOFError):
        raise ValueError(damaged) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not a {FORMAT} file")
    try:
        _check_sizes(meta["architecture"], arrays)
        net = _build(meta["architecture"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ValueError(f"{path}: the architecture in the file is damaged; {damaged}") from None
    for p in net.parameters():
        if p.name not in arrays or arrays[p.name].shape != p.data.shape:
            raise ValueError(f"{path}: parameter {p.name} is missing or has the wrong shape")
        p.data = arrays[p.name].copy()
        p.grad = np.zeros_like(p.data)
    extra = meta.get("extra") or {}
    return net, {"extra": extra if isinstance(extra, dict) else {},
                 "preprocessing": meta.get("preprocessing")}


def _check_sizes(architecture, arrays) -> None:
    """Every Linear's ``n_in x n_out`` matches an array in the file, before any is allocated."""
    if not isinstance(architecture, list):
        raise TypeError("the architecture is not a list")
    k = 0
    for index, spec in enumerate(architecture):
        if not isinstance(spec, dict):
            raise TypeError("a brick is not described by a dict")
        if spec.get("type") == "Linear":
            n_in, n_out = spec.get("n_in"), spec.get("n_out")
            if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0
                       for n in (n_in, n_out)):
                raise ValueError("a Linear's sizes are not positive integers")
            W = arrays.get(f"{index}.W")
            if W is None or W.shape != (n_in, n_out):
                raise ValueError(f"brick {index}'s weights do not match its sizes")
            k += 1


def _build(architecture: list) -> Sequential:
    return Sequential(*[Brick.from_spec(spec) for spec in architecture])


def save_snapshots(history, net, path) -> None:
    """Write the weights (and gradients) of ``history``'s snapshots and its ``meta`` to ``path``.

    Keys: ``steps`` (n_snapshots,), ``w<k>:<name>`` and, when recorded,
    ``g<k>:<name>`` for snapshot ``k`` and parameter ``name`` (``"0.W"``), plus the
    meta as JSON.  The report reads them back with :func:`load_snapshots`.
    """
    names = [p.name for p in net.parameters()]
    arrays = {"steps": np.array([step for step, _ in history.snapshots], dtype=np.int64)}
    for k, (step, weights) in enumerate(history.snapshots):
        arrays.update({f"w{k}:{n}": a for n, a in zip(names, weights)})
        grads = history.snapshot_grads.get(step)
        arrays.update({f"g{k}:{n}": a for n, a in zip(names, grads or [])})
    meta = json.dumps({"format": "brickprop-snapshots-1", "names": names,
                       "meta": history.meta}, default=str)
    with atomic_path(path, suffix=".npz") as tmp:
        # Uncompressed: weights compress by a few per cent only, and deflating an MNIST
        # network's 40 snapshots (60 MB) took longer than training its epoch.
        np.savez(tmp, __meta__=np.array(meta), **arrays)


def load_snapshots(path):
    """``(steps, weights, grads, meta)`` from :func:`save_snapshots`' file.

    ``weights[k]`` and ``grads[k]`` are dicts name -> array; ``grads[k]`` is None
    for a snapshot without gradients (the one after the last update).
    """
    try:
        check_npz(path)
        with np.load(path, allow_pickle=False) as f:
            info = json.loads(str(f["__meta__"]))
            if not (isinstance(info, dict) and isinstance(info.get("meta"), dict)
                    and isinstance(info.get("names"), list) and info["names"]):
                raise ValueError("damaged")
            steps = [int(s) for s in f["steps"].tolist()]
            weights = [{n: f[f"w{k}:{n}"] for n in info["names"]} for k in range(len(steps))]
            grads = [{n: f[f"g{k}:{n}"] for n in info["names"]} if f"g{k}:{info['names'][0]}"
                     in f.files else None for k in range(len(steps))]
    except FileNotFoundError:
        raise FileNotFoundError(f"snapshot file {str(path)!r} does not exist") from None
    except (KeyError, IndexError, ValueError, TypeError, AttributeError, OSError,
            zipfile.BadZipFile, EOFError) as e:
        if isinstance(e, ValueError) and str(e).startswith(f"{path}: "):
            raise
        raise ValueError(f"{path} is not a brickprop snapshot file (truncated or foreign); "
                         "train the run again to rewrite it") from None
    return steps, weights, grads, info["meta"]
