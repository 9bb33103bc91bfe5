"""``brickprop live``: train in the browser and touch every knob.

``frames`` computes what the page draws (from the network's own bricks), ``session``
trains a config in a worker thread through ``fit`` with a callback, ``server`` is
the Starlette app (token, Host and Origin checks, one WebSocket per page) and
``static/`` holds the page and its drawing modules, plain ES modules that
``report.html`` inlines too.
"""
