"""brickprop: see backpropagation, one brick at a time."""

from . import bugs, datasets, schedules
from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .article import explain_article
from .clip import clip_grad_norm, clip_grad_value
from .core import Brick, Parameter, Sequential
from .datasets import one_hot
from .explain import Trace, explain, render
from .gradcheck import GradCheckReport, gradcheck
from .history import History
from .io import load, save
from .layers import Linear
from .losses import MSE, BinaryCrossEntropy, CrossEntropy
from .models import mlp
from .optim import SGD, Adam, AdamW, Optimizer, RMSProp, make_optimizer
from .regularizers import L1, L2, ElasticNet
from .train import fit, train_step

__version__ = "0.1.0"

__all__ = [
    "Brick", "Parameter", "Sequential", "Linear",
    "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Identity", "Softmax",
    "MSE", "CrossEntropy", "BinaryCrossEntropy", "L2", "L1", "ElasticNet",
    "Optimizer", "SGD", "RMSProp", "Adam", "AdamW", "make_optimizer", "schedules",
    "clip_grad_norm", "clip_grad_value", "save", "load", "gradcheck", "GradCheckReport",
    "fit", "train_step", "History", "explain", "explain_article", "Trace", "render",
    "mlp", "datasets", "one_hot", "bugs",
]
