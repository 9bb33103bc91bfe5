"""Low-level pieces shared by the figures of ``plots`` and ``diagplots``.

A figure on its own Agg canvas, an atomic PNG save and a blitted GIF animation
(into a folder that must exist), the log scale of loss-like curves, and the
marker of a run that blew up.
matplotlib is imported lazily, inside the functions, so importing this module
(and the plotting modules above it) stays cheap.
"""

from __future__ import annotations

import os

import numpy as np

from ..store.files import atomic_path

FIGSIZE = (13.0, 4.2)  # inches: three panels side by side
DPI = 110


CHUNK_BYTES = 64 * 2**20  # the largest activation array a figure's grid evaluation makes


def forward_in_chunks(net, X) -> np.ndarray:
    """``net.forward(X)`` as a float64 copy, computed a block of rows at a time.

    A 200 x 200 grid through a layer of 100000 units would be one 32 GB array; in
    blocks no layer's output exceeds ``CHUNK_BYTES``.  X: (n_points, n_in).
    """
    widths = [X.shape[1]] + [b.n_out for b in getattr(net, "bricks", [net]) if hasattr(b, "n_out")]
    rows = max(1, CHUNK_BYTES // (8 * max(widths)))
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged net may overflow
        parts = [np.array(net.forward(X[i:i + rows]), dtype=np.float64)
                 for i in range(0, len(X), rows)]  # copies: forward may reuse a buffer
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def new_figure(figsize=FIGSIZE, panels: int | None = None):
    """A ``Figure`` on an Agg canvas, built without pyplot.

    No display is needed, the user's backend is left alone, and pyplot's list of
    open figures does not keep the figure alive.  With ``panels=None`` the layout is
    matplotlib's constrained layout, which measures every label; ``panels=n`` lays
    out one row of ``n`` axes under a title with fixed margins in inches instead,
    sized for brickprop's own tick labels (measuring them cost a third of the time of
    a run's figures); ``panels=0`` leaves the placing of the axes to the caller.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained" if panels is None else None)
    if panels:
        width, height = figsize
        left, right, top, bottom, gap = 0.75, 0.15, 0.62, 0.52, 0.85  # inches
        axes = (width - left - right - gap * (panels - 1)) / panels
        fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                            bottom=bottom / height, wspace=gap / axes)
    FigureCanvasAgg(fig)
    return fig


def warm_up() -> None:
    """Draw a small figure once: what every process's first drawing sets up, done ahead.

    Loading the font, rendering its glyphs and building mathtext's parser (for ``$x_1$``
    and a log axis's ``$10^{-2}$``) cost a fresh process about 0.1 s.  The drawing
    process that ``brickprop train`` forks before training (``_parallel.drawer``) calls
    this while the run trains, and the processes it forks to draw inherit it all.
    """
    fig = new_figure((3.0, 2.0), panels=1)
    ax = axes_row(fig, 1)
    ax.plot([1, 10, 100], [1, 0.1, 0.01])
    ax.set_yscale("log")
    ax.set(title="step 0 · accuracy 0.50", xlabel="$x_1$", ylabel="loss")
    fig.suptitle("2-3-2 sigmoid")
    fig.canvas.draw()


def axes_row(fig, n: int, **kwargs):
    """``fig.subplots(1, n, **kwargs)`` with each title at a fixed height above its axes.

    brickprop's axes have nothing above them (no top ticks or labels), so matplotlib
    need not measure every tick label at each drawing to find where a title fits;
    the pictures are the same.
    """
    import matplotlib as mpl

    with mpl.rc_context({"axes.titley": 1.0}):
        return fig.subplots(1, n, **kwargs)


def checked(path) -> str:
    """``path`` as a string, after checking that its folder exists."""
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {folder!r} does not exist")
    return path


def save_png(fig, path) -> None:
    """Save ``fig`` as a PNG at ``DPI``, atomically: a failed save leaves an old file intact."""
    with atomic_path(checked(path), suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=DPI)


def save_animation(fig, n_frames, show, moving, path, fps, last=None) -> int:
    """Draw ``fig`` once per frame; save the pictures as a looping GIF, atomically.

    ``show(i)`` sets the figure's artists to frame ``i`` (of ``n_frames``).  The first
    frame lays the figure out and draws its still parts, which are then frozen: each
    frame redraws only the artists ``moving()`` returns.  The first and last frames
    give the GIF its one palette; the others are drawn and mapped onto it in two
    halves at once (``_parallel.at_once``).  ``last()``, if given, is called beside
    them, after the figure is set to the last frame again, when no frame is left to
    draw with it (it may change the figure).  Returns the number of frames.
    """
    from PIL import Image

    from ._parallel import at_once, shared_array, unhurried

    canvas = fig.canvas
    show(0)  # lay out with the first frame's text, draw the still parts, then freeze
    canvas.draw()
    fig.set_layout_engine("none")
    background = canvas.copy_from_bbox(fig.bbox)
    height, width = np.asarray(canvas.buffer_rgba()).shape[:2]

    def picture(i):  # frame i as an RGB image
        show(i)
        canvas.restore_region(background)
        for artist in moving():
            fig.draw_artist(artist)
        return Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA",
                                0, 1).convert("RGB")

    # One palette, from the first and last frames, and no dithering: the still parts
    # stay identical from frame to frame, so the GIF compresses well.  Pillow's fast
    # octree takes a tenth of the time of its median cut here, and its colours are
    # closer to the frames' (a mean error of 1.1 against 2.8 of 255) in a smaller GIF.
    ends = picture(0), picture(n_frames - 1)
    both = Image.new("RGB", (width, 2 * height))
    both.paste(ends[0], (0, 0))
    both.paste(ends[1], (0, height))
    palette = both.quantize(256, method=Image.Quantize.FASTOCTREE)
    codes = shared_array((n_frames, height, width))  # each frame's palette indices

    def encode(i, rgb):
        codes[i] = np.asarray(rgb.quantize(palette=palette, dither=Image.Dither.NONE))

    def draw(frames):
        for i in frames:
            encode(i, picture(i))

    encode(0, ends[0])
    encode(n_frames - 1, ends[1])
    middle = range(1, n_frames - 1)
    half = (len(middle) + 1) // 2

    def frames_then_gif():
        at_once([lambda: draw(middle[:half]), lambda: draw(middle[half:])])
        images = []
        for frame in codes:
            image = Image.frombytes("P", (width, height), frame.tobytes())
            image.putpalette(palette.getpalette())
            images.append(image)
        with atomic_path(checked(path), suffix=".gif") as tmp:
            images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                           duration=round(1000 / fps), loop=0)

    # ``last`` in turn after the frames, or in a child of its own while they are drawn.
    at_once([frames_then_gif] + ([unhurried(lambda: (show(n_frames - 1), last()))] if last
                                 else []))
    return n_frames


def loss_scale(ax, values) -> None:
    """Log y axis when every finite value is positive; decimal tick labels within 2 decades."""
    from matplotlib.ticker import LogFormatterSciNotation

    values = values[np.isfinite(values)]
    if not values.size or values.min() <= 0:
        return
    ax.set_yscale("log")
    # Explicit limits, capped: near 1e308 autoscale's margin and the ticks overflow to inf.
    lo, hi = values.min(), min(values.max(), 1e200)
    margin = max((hi / lo) ** 0.05, 1.1)
    ax.set_ylim(lo / margin, hi * margin)
    if hi / lo < 100:

        class Decimal(LogFormatterSciNotation):  # "0.2" rather than "2 x 10^-1"
            def __call__(self, x, pos=None):
                return f"{x:g}" if super().__call__(x, pos) else ""

        ax.yaxis.set_major_formatter(Decimal())
        ax.yaxis.set_minor_formatter(Decimal(labelOnlyBase=False))


def mark_divergence(ax, steps, loss) -> None:
    """Mark where training blew up: a dotted line at the first non-finite ``loss``, labelled.

    ``steps`` and ``loss`` are (n_rows,) arrays from a ``History``; nothing is drawn
    when every loss is finite.  The line has the gid ``"diverged"``.
    """
    bad = ~np.isfinite(loss)
    if not bad.any():
        return
    k = int(np.argmax(bad))
    ax.axvline(steps[k], color="0.4", ls=":", lw=1, gid="diverged")
    ax.text(steps[k], 0.5, f"loss = {loss[k]} at step {int(steps[k])} ",
            rotation=90, ha="right", va="center", fontsize="small", color="0.3",
            transform=ax.get_xaxis_transform(),
            bbox=dict(facecolor="white", alpha=0.7, edgecolor="none", pad=1))
