"""The brick contract: ``Parameter``, ``Brick`` and ``Sequential``.

A brick maps ``x -> y`` in :meth:`Brick.forward`, caching whatever its backward
pass needs, and maps ``dL/dy -> dL/dx`` in :meth:`Brick.backward`, *setting*
``p.grad`` for each of its parameters.  Backward never recomputes the forward and
never accumulates, so calling it twice gives the same gradients.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class Parameter:
    """A trainable array with its gradient.

    Parameters
    ----------
    data : array_like
        The values; kept in the dtype given (float64 when not floating).
    name : str
        Dotted name such as ``"0.W"``; set by :class:`Sequential`.
    """

    __slots__ = ("data", "grad", "name")

    def __init__(self, data, name: str = ""):
        data = np.asarray(data)
        if not np.issubdtype(data.dtype, np.floating):
            data = data.astype(np.float64)
        self.data = np.ascontiguousarray(data)
        self.grad = np.zeros_like(self.data)
        self.name = name

    @property
    def shape(self) -> tuple:
        return self.data.shape

    def __repr__(self) -> str:
        return f"Parameter({self.name!r}, shape={self.data.shape}, dtype={self.data.dtype})"


# The modules whose bricks a model file can name (``Brick.registry``).
_BRICK_MODULES = (".activations", ".features", ".layers")


class Brick(ABC):
    """Base class of every piece of a network (layers, activations, containers).

    Besides ``forward`` and ``backward`` a brick describes itself, so that code outside
    ``bricks/`` never asks what class it is: ``formulas(z, h)`` (what ``explain``
    prints), ``spec()`` / ``Brick.from_spec`` (what a model file keeps) and
    ``health(h)`` (what the diagnostics count).
    """

    #: Whether ``forward`` keeps the last dimension (activations do).
    keeps_shape = False
    #: Whether ``dy/dx`` is diagonal, so ``backward(ones)`` is the local derivative.
    elementwise = False
    #: The forward formula and local derivative, ``{z}`` the input and ``{h}`` the output.
    formula: str | None = None
    derivative: str | None = None
    #: Bricks that model files can hold, by class name (the built-in ones register).
    registry: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("brickprop.bricks.") and not cls.__name__.startswith("_"):
            Brick.registry[cls.__name__] = cls

    @abstractmethod
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Map ``x`` (n_samples, n_in) to ``y`` (n_samples, n_out) and cache for backward."""

    @abstractmethod
    def backward(self, dL_dy: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Map ``dL/dy`` to ``dL/dx`` and set ``p.grad`` of this brick's parameters.

        With ``input_grad=False`` the brick may skip ``dL/dx`` and return None
        (the first layer of a network needs no gradient for the data).
        """

    def parameters(self) -> list[Parameter]:
        """This brick's trainable parameters (none for activations)."""
        return []

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def astype(self, dtype) -> Brick:
        """Cast every parameter to ``dtype`` in place (e.g. ``np.float32``); returns self."""
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = np.zeros_like(p.data)
        return self

    @property
    def dtype(self):
        params = self.parameters()
        return params[0].data.dtype if params else None

    def formulas(self, z: str = "z", h: str = "h") -> tuple[str, str | None]:
        """``(forward formula, local derivative)`` written with the names ``z`` and ``h``."""
        fields = {"z": z, "h": h, **vars(self)}
        forward = (self.formula or f"{type(self).__name__}({{z}})").format(**fields)
        return forward, self.derivative and self.derivative.format(**fields)

    def spec(self) -> dict:
        """What a model file keeps of this brick: its type and constructor arguments."""
        if Brick.registry.get(type(self).__name__) is not type(self):
            raise TypeError(f"cannot save a {type(self).__name__} brick; only built-in bricks "
                            "are described in the model file")
        return {"type": type(self).__name__}

    @staticmethod
    def from_spec(spec: dict) -> Brick:
        """The brick a ``spec()`` describes (weights at zero: the file's arrays fill them)."""
        import importlib

        for module in _BRICK_MODULES:  # register every built-in brick (``import brickprop``
            importlib.import_module(module, __package__)  # itself imports none of them)
        args = dict(spec)
        cls = Brick.registry.get(args.pop("type", None))
        if cls is None:
            raise ValueError(f"unknown brick type {spec.get('type')!r}")
        return cls.from_args(**args)

    @classmethod
    def from_args(cls, **args) -> Brick:
        return cls(**args)

    def health(self, h: np.ndarray) -> dict[str, float]:
        """Shares of saturated and of dead units in this brick's output ``h`` (NaN: n/a)."""
        return {"saturated": float("nan"), "dead": float("nan")}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sequential(Brick):
    """A chain of bricks: ``y = brick_k(... brick_1(brick_0(x)))``.

    Parameters are renamed ``"<index>.<name>"`` so that each carries the
    position of the brick that owns it (``"0.W"``, ``"2.b"``).
    """

    def __init__(self, *bricks: Brick):
        if len(bricks) == 1 and isinstance(bricks[0], (list, tuple)):
            bricks = tuple(bricks[0])
        for i, brick in enumerate(bricks):
            if not isinstance(brick, Brick):
                raise TypeError(
                    f"Sequential item {i} is a {type(brick).__name__}, not a Brick; "
                    "pass bricks such as bp.Linear(2, 3) or bp.Sigmoid()"
                )
            for p in brick.parameters():
                p.name = f"{i}.{p.name.split('.')[-1]}"
        _check_chain(bricks)
        self.bricks = list(bricks)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for brick in self.bricks:
            x = brick.forward(x)
        return x

    def backward(self, dL_dy: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        bricks = self.bricks
        for i in range(len(bricks) - 1, -1, -1):
            dL_dy = bricks[i].backward(dL_dy, input_grad=input_grad or i > 0)
        return dL_dy

    def parameters(self) -> list[Parameter]:
        return [p for brick in self.bricks for p in brick.parameters()]

    def layers(self) -> list[tuple[int, Brick]]:
        """``(index, brick)`` for every brick that owns parameters."""
        return [(i, b) for i, b in enumerate(self.bricks) if b.parameters()]

    def __getitem__(self, i: int) -> Brick:
        return self.bricks[i]

    def __len__(self) -> int:
        return len(self.bricks)

    def __iter__(self):
        return iter(self.bricks)

    def __repr__(self) -> str:
        inner = ",\n".join(f"  ({i}) {b!r}" for i, b in enumerate(self.bricks))
        return f"Sequential(\n{inner}\n)"


def _check_chain(bricks) -> None:
    """Raise if a brick's ``n_in`` differs from the ``n_out`` of the brick feeding it."""
    feeder = None  # (index, brick) that produced the current width
    for i, brick in enumerate(bricks):
        n_in = getattr(brick, "n_in", None)
        if n_in is not None and feeder is not None and feeder[1].n_out != n_in:
            j, prev = feeder
            raise ValueError(
                f"shapes do not chain: brick {j} {prev!r} outputs (n_samples, {prev.n_out}) "
                f"but brick {i} {brick!r} expects (n_samples, {n_in}); make them agree"
            )
        if getattr(brick, "n_out", None) is not None:
            feeder = (i, brick)
