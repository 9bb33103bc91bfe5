"""brickprop in a notebook: ``LiveView``, a callback that draws ``fit`` as it trains."""

from .live import LiveView

__all__ = ["LiveView"]
