"""``brickprop live``: train in the browser and touch every knob.

``session`` trains a config in a worker thread through ``fit`` with a callback,
``server`` is the Starlette app (token, Host and Origin checks, one WebSocket per
page) and ``static/`` holds the page.  What the page draws, and the modules that
draw it, are shared with ``report.html``: ``viz.frames`` (the frame format) and
``viz/static`` (network.js, boundary.js, curves.js).
"""
