"""Training: ``train_step``, the ``fit`` loop, its callbacks, the ``History`` it records."""

from .callbacks import Callback
from .history import History
from .loop import Step, fit, train_step
from .state import FitState

__all__ = ["Callback", "FitState", "History", "Step", "fit", "train_step"]
