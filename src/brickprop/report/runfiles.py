"""Reading a run folder's files for its page, each checked before it is trusted.

``gif_frames`` turns the animation into PNG data URIs (a decompression bomb or a
file that is not a GIF is a one-line ``ValueError``); ``_metrics`` reads
``metrics.csv``; ``_check_size`` refuses a file too large to be one brickprop wrote.
"""

from __future__ import annotations

import base64
import io
import os

import numpy as np

from ..train.history import History


def _data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


MAX_PIXELS = 20_000_000  # a frame's pixels; brickprop's frames have 350 000


def gif_frames(path, max_frames: int | None = None) -> list[str]:
    """Each frame (the first ``max_frames``) of the GIF at ``path`` as a PNG data URI.

    Frames are mapped back onto the GIF's own palette (the animation uses one for
    all frames), so the PNGs are exact, small, and quick to make.  A file that is
    not a GIF, or whose frames are larger than ``MAX_PIXELS`` (a decompression bomb),
    is a ``ValueError``.
    """
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _gif_frames(path, max_frames)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(f"{path} has frames of too many pixels to be an animation brickprop "
                         "wrote; train the run again to rewrite it") from None
    except (OSError, SyntaxError, EOFError) as e:
        raise ValueError(f"{path} is not a readable GIF ({e}); train the run again to "
                         "rewrite it") from None


def _gif_frames(path, max_frames):
    from PIL import Image, ImageSequence

    out = []
    with Image.open(path) as gif:
        if gif.width * gif.height > MAX_PIXELS:
            raise Image.DecompressionBombError(f"{gif.width} x {gif.height}")
        colors = np.array(gif.getpalette() or [0, 0, 0]).reshape(-1, 3)  # (n_colors, 3)
        codes = colors @ np.array([65536, 256, 1])
        # A table from each 24-bit colour to its palette index (the first, for duplicates):
        # one lookup per pixel, where a sorted search cost a third of the report's time.
        lut = np.zeros(1 << 24, dtype=np.uint8)
        lut[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
        for k, frame in enumerate(ImageSequence.Iterator(gif)):
            if max_frames is not None and k >= max_frames:
                break
            rgb = frame.convert("RGB")
            a = np.asarray(rgb).astype(np.int32)  # (height, width, 3)
            pixels = (a[..., 0] << 16) | (a[..., 1] << 8) | a[..., 2]
            index = lut[pixels]
            if np.array_equal(codes[index], pixels):  # every colour is in the palette
                indexed = Image.fromarray(index, mode="P")
                indexed.putpalette(colors.ravel().tolist())
            else:
                indexed = rgb.quantize(256, dither=Image.Dither.NONE)
            buf = io.BytesIO()
            indexed.save(buf, format="PNG")
            out.append(_data_uri(buf.getvalue()))
    return out


def _metrics(path):
    """``(columns, rows)`` of ``metrics.csv``: the header and a (n_steps, n_columns) array."""
    _check_size(path)
    try:
        history = History.read_csv(path)
        columns, rows = history.columns, history.rows
        if not len(rows) or not {"step", "loss"} <= set(columns):
            raise ValueError("its rows do not match its header")
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is damaged ({' '.join(str(e).split())[:120]}); train the "
                         "run again to rewrite it") from None
    return columns, rows


def _check_size(path) -> None:
    """Refuse a run file larger than a quarter of this machine's memory before reading it."""
    from .._checks import machine_memory

    limit = (machine_memory() or 2**34) // 4
    if os.path.getsize(path) > limit:
        raise ValueError(f"{path} is {os.path.getsize(path) / 1e9:.3g} GB, more than this "
                         "machine can read into a report; it is not a file brickprop wrote")
