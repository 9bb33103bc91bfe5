"""brickprop in a notebook: ``LiveView``, a callback that draws ``fit`` as it trains, and
``playground``, the ``brickprop live`` page in an output cell."""

from .live import LiveView


def playground(source=None, **options):
    """The ``brickprop live`` page for ``source`` in the output cell; a ``Playground``.

    ``source``: None (the default run), a RunConfig, a config.toml, a run folder, a
    model.npz or a ``bp.mlp`` network; ``options``: run options by their config.toml
    names.  Details: :func:`brickprop.notebook.page.playground`.
    """
    from .page import playground as make

    return make(source, **options)


__all__ = ["LiveView", "playground"]
