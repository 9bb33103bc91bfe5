"""``python -m brickprop.cli``: the same as the ``brickprop`` command."""

import sys

from .main import main

sys.exit(main())
