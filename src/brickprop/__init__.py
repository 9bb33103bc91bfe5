"""brickprop: see backpropagation, one brick at a time."""

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

__version__ = "0.1.0"


def __getattr__(name):
    """``bp.notebook`` on first use: ``import brickprop`` stays free of IPython."""
    if name == "notebook":
        import importlib

        return importlib.import_module(".notebook", __name__)
    raise AttributeError(f"module 'brickprop' has no attribute {name!r}")


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
