"""brickprop: see backpropagation, one brick at a time.

Every public name (``bp.Linear``, ``bp.fit``, ``bp.datasets``, ...) is imported on its
first use (PEP 562), so ``import brickprop`` itself costs nothing: the ``brickprop``
command starts its drawing process before NumPy is loaded (``cli.main``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# name -> the module that defines it; the names in _MODULES are modules themselves
_MODULES = {"datasets", "bugs", "schedules", "notebook"}
_WHERE = {
    **dict.fromkeys(("Identity", "LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh"),
                    ".bricks.activations"),
    **dict.fromkeys(("Brick", "Parameter", "Sequential"), ".bricks.core"),
    "one_hot": ".bricks.functional", "Linear": ".bricks.layers",
    **dict.fromkeys(("MSE", "BinaryCrossEntropy", "CrossEntropy"), ".bricks.losses"),
    "mlp": ".bricks.models",
    **dict.fromkeys(("L1", "L2", "ElasticNet"), ".bricks.regularizers"),
    "datasets": ".data.datasets", "bugs": ".debug.bugs", "explain_article": ".debug.article",
    **dict.fromkeys(("Trace", "explain", "render"), ".debug.explain"),
    **dict.fromkeys(("GradCheckReport", "gradcheck"), ".debug.gradcheck"),
    "schedules": ".optim.schedules",
    **dict.fromkeys(("clip_grad_norm", "clip_grad_value"), ".optim.clip"),
    **dict.fromkeys(("SGD", "Adam", "AdamW", "Optimizer", "RMSProp", "make_optimizer"),
                    ".optim.optimizers"),
    **dict.fromkeys(("load", "save"), ".store.model"),
    "Callback": ".train.callbacks", "History": ".train.history",
    **dict.fromkeys(("fit", "train_step"), ".train.loop"),
    "FitState": ".train.state",
    "notebook": ".notebook",  # not in __all__: it needs IPython
}

__all__ = [
    "Brick", "Parameter", "Sequential", "Linear",
    "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Identity", "Softmax",
    "MSE", "CrossEntropy", "BinaryCrossEntropy", "L2", "L1", "ElasticNet",
    "Optimizer", "SGD", "RMSProp", "Adam", "AdamW", "make_optimizer", "schedules",
    "clip_grad_norm", "clip_grad_value", "save", "load", "gradcheck", "GradCheckReport",
    "fit", "train_step", "Callback", "FitState", "History", "explain", "explain_article",
    "Trace", "render",
    "mlp", "datasets", "one_hot", "bugs",
]


def __getattr__(name):
    """Import a public name on first use, then keep it here like any other global."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'brickprop' has no attribute {name!r}")
    module = importlib.import_module(where, __name__)
    value = module if name in _MODULES else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # what type checkers and editors see: the names, eagerly
    from .bricks.activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
    from .bricks.core import Brick, Parameter, Sequential
    from .bricks.functional import one_hot
    from .bricks.layers import Linear
    from .bricks.losses import MSE, BinaryCrossEntropy, CrossEntropy
    from .bricks.models import mlp
    from .bricks.regularizers import L1, L2, ElasticNet
    from .data import datasets
    from .debug import bugs
    from .debug.article import explain_article
    from .debug.explain import Trace, explain, render
    from .debug.gradcheck import GradCheckReport, gradcheck
    from .optim import schedules
    from .optim.clip import clip_grad_norm, clip_grad_value
    from .optim.optimizers import SGD, Adam, AdamW, Optimizer, RMSProp, make_optimizer
    from .store.model import load, save
    from .train.callbacks import Callback
    from .train.history import History
    from .train.loop import fit, train_step
    from .train.state import FitState
