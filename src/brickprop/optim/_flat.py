"""One flat array for many parameters: what lets an optimizer update them all at once.

``flatten(params)`` moves the parameters' values into one flat ``data`` and one flat
``grad`` array and makes every ``p.data`` and ``p.grad`` a view of its slice, so an
element-wise rule runs once over the flat arrays however many parameters there are.
``Flat.holds`` tells whether the views are still in place (``astype``, ``load``, a deep
copy or a pickle replace them); ``spans`` gives each parameter's slice.
"""

from __future__ import annotations

import numpy as np


class Flat:
    """All of an optimizer's parameters as one: flat ``data`` and ``grad`` that they view."""

    __slots__ = ("data", "grad", "views")

    def __init__(self, params):
        if _views_of_one_buffer(params):  # already flat (another optimizer did it): share it
            self.data, self.grad = params[0].data.base, params[0].grad.base
        else:
            size, dtype = sum(p.data.size for p in params), params[0].data.dtype
            self.data, self.grad = np.empty(size, dtype), np.empty(size, dtype)
            for p, (start, stop) in zip(params, spans(params)):
                data = self.data[start:stop].reshape(p.data.shape)
                grad = self.grad[start:stop].reshape(p.data.shape)
                data[...], grad[...] = p.data, p.grad
                p.data, p.grad = data, grad
        self.views = [(p.data, p.grad) for p in params]

    def holds(self, params) -> bool:
        """Whether every parameter still views its slice.

        ``astype`` and ``load`` replace a parameter's arrays; a deep copy or pickle of an
        optimizer copies the views apart from the flat arrays.
        """
        d, g = self.views[0]
        if d.base is not self.data or g.base is not self.grad:  # copied apart, all alike
            return False
        for p, (d, g) in zip(params, self.views):  # a loop: all() over a generator cost 2x
            if p.data is not d or p.grad is not g:
                return False
        return True


def spans(params):
    """``(start, stop)`` of each parameter in a flat array of them all, in order."""
    stop = 0
    for p in params:
        start, stop = stop, stop + p.data.size
        yield start, stop


def _views_of_one_buffer(params) -> bool:
    data, grad = params[0].data.base, params[0].grad.base
    if data is None or grad is None or data.ndim != 1 or data.size != grad.size or \
            data.size != sum(p.data.size for p in params):
        return False
    return all(p.data.base is data and p.grad.base is grad
               and p.data.ctypes.data == data.ctypes.data + start * data.itemsize
               and p.grad.ctypes.data == grad.ctypes.data + start * grad.itemsize
               for p, (start, _) in zip(params, spans(params)))


def flatten(params) -> Flat | None:
    """Move ``params`` into one flat data and one flat grad array, values kept (see ``Flat``).

    None when the parameters do not share one dtype or one appears twice.
    """
    if len({p.data.dtype for p in params}) != 1 or len({id(p) for p in params}) != len(params):
        return None
    return Flat(params)
