"""scikit-learn estimators on brickprop networks: ``BrickClassifier``, ``BrickRegressor``."""

from .estimators import BrickClassifier, BrickRegressor

__all__ = ["BrickClassifier", "BrickRegressor"]
