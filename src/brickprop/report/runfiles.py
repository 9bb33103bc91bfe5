"""Reading a run folder's files for its page, each checked before it is trusted.

``gif_uri`` embeds the animation (a decompression bomb or a file that is not a GIF
is a one-line ``ValueError``); ``_metrics`` reads
``metrics.csv``; ``_check_size`` refuses a file too large to be one brickprop wrote.
"""

from __future__ import annotations

import base64
import os

from ..train.history import History


def _data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


MAX_PIXELS = 20_000_000  # a frame's pixels; brickprop's frames have 350 000


def gif_uri(path) -> str | None:
    """The GIF at ``path`` as a data URI, as it is (None when there is no such file).

    Its header is checked first (the frames are not decoded here): a file that is not
    a GIF, or whose frames are larger than ``MAX_PIXELS`` (a decompression bomb), is a
    ``ValueError``.  The page shows it as the animation a teacher would put on a slide;
    the page's own drawings follow its slider.
    """
    import warnings

    from PIL import Image

    if not os.path.exists(path):
        return None
    _check_size(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as gif:
                if gif.format != "GIF":
                    raise SyntaxError(f"it is a {gif.format} file")
                if gif.width * gif.height > MAX_PIXELS:
                    raise Image.DecompressionBombError(f"{gif.width} x {gif.height}")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(f"{path} has frames of too many pixels to be an animation brickprop "
                         "wrote; train the run again to rewrite it") from None
    except (OSError, SyntaxError, EOFError) as e:
        raise ValueError(f"{path} is not a readable GIF ({e}); train the run again to "
                         "rewrite it") from None
    with open(path, "rb") as f:
        return _data_uri(f.read(), "image/gif")


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
