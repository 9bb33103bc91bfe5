"""Gradient clipping: against torch.nn.utils.clip_grad_norm_ / clip_grad_value_, and errors."""

import math

import numpy as np
import pytest

from brickprop.bricks.core import Parameter
from brickprop.optim.clip import clip_grad_norm, clip_grad_value


def make_params(scale=1.0, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = [Parameter(rng.normal(size=shape).astype(dtype), name)
              for shape, name in (((4, 3), "0.W"), ((3,), "0.b"), ((3, 2), "2.W"))]
    for p in params:
        p.grad = (scale * rng.normal(size=p.shape)).astype(dtype)
    return params


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 3.0, 100.0, "total"])
def test_clip_grad_norm_matches_torch(max_norm):
    torch = pytest.importorskip("torch")
    params = make_params()
    if max_norm == "total":  # at the bound torch still scales, by total / (total + 1e-6)
        max_norm = math.sqrt(sum(float((p.grad**2).sum()) for p in params))
    tparams = [torch.tensor(p.data, requires_grad=True) for p in params]
    for p, tp in zip(params, tparams):
        tp.grad = torch.tensor(p.grad.copy())
    total = clip_grad_norm(params, max_norm)
    expected = torch.nn.utils.clip_grad_norm_(tparams, max_norm)
    assert isinstance(total, float)
    assert total == pytest.approx(expected.item(), rel=1e-14)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-14, atol=0)


def test_clip_grad_norm_formula():
    params = make_params(scale=10.0)
    before = [p.grad.copy() for p in params]
    norm = math.sqrt(sum(float((g**2).sum()) for g in before))
    assert clip_grad_norm(params, 2.0) == pytest.approx(norm, rel=1e-14)
    after = math.sqrt(sum(float((p.grad**2).sum()) for p in params))
    assert after == pytest.approx(2.0, rel=1e-6)
    for p, g in zip(params, before):  # same direction, shrunk by one common factor
        np.testing.assert_allclose(p.grad, g * 2.0 / (norm + 1e-6), rtol=1e-14)
    small = make_params(scale=1e-3)
    kept = [p.grad.copy() for p in small]
    clip_grad_norm(small, 1.0)
    for p, g in zip(small, kept):
        np.testing.assert_array_equal(p.grad, g)  # below the bound: untouched


def test_clip_grad_norm_single_parameter_and_float32():
    p = Parameter(np.zeros(2, dtype=np.float32))
    p.grad = np.array([3.0, 4.0], dtype=np.float32)
    assert clip_grad_norm(p, 1.0) == pytest.approx(5.0, rel=1e-7)
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad, [0.6, 0.8], rtol=1e-6)


def test_clip_grad_norm_nonfinite():
    params = make_params()
    params[1].grad[0] = np.inf
    assert clip_grad_norm(params, 1.0) == math.inf  # as torch: finite grads zeroed
    assert np.isnan(params[1].grad[0]) and not params[0].grad.any()
    params = make_params()
    params[1].grad[0] = np.nan
    kept = [p.grad.copy() for p in params]
    assert math.isnan(clip_grad_norm(params, 1.0))
    np.testing.assert_array_equal(params[0].grad, kept[0])  # left for diagnosis
    with pytest.raises(FloatingPointError, match="NaN or an infinity"):
        clip_grad_norm(params, 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("clip_value", [0.05, 0.5, 10.0])
def test_clip_grad_value_matches_torch(clip_value):
    torch = pytest.importorskip("torch")
    params = make_params(seed=1)
    tparams = [torch.tensor(p.data, requires_grad=True) for p in params]
    for p, tp in zip(params, tparams):
        tp.grad = torch.tensor(p.grad.copy())
    assert clip_grad_value(params, clip_value) is None
    torch.nn.utils.clip_grad_value_(tparams, clip_value)
    for p, tp in zip(params, tparams):
        np.testing.assert_array_equal(p.grad, tp.grad.numpy())


def test_clip_grad_value_formula():
    p = Parameter(np.zeros(4))
    p.grad = np.array([-3.0, -0.2, 0.1, 7.0])
    grad = p.grad
    clip_grad_value([p], 0.5)
    assert p.grad is grad  # in place
    np.testing.assert_array_equal(p.grad, [-0.5, -0.2, 0.1, 0.5])


@pytest.mark.parametrize("call, match", [
    (lambda ps: clip_grad_norm(ps, 0.0), r"max_norm must be a finite number in \(0, inf\)"),
    (lambda ps: clip_grad_norm(ps, -1.0), "max_norm must be"),
    (lambda ps: clip_grad_norm(ps, float("inf")), "max_norm must be a finite number"),
    (lambda ps: clip_grad_norm(ps, "1"), "max_norm must be"),
    (lambda ps: clip_grad_value(ps, 0), "clip_value must be a finite number"),
    (lambda ps: clip_grad_value(ps, float("nan")), "clip_value must be"),
    (lambda ps: clip_grad_norm([np.ones(3)], 1.0),
     r"clip_grad_norm takes Parameters \(pass net.parameters\(\)\); item 0 is a ndarray"),
    (lambda ps: clip_grad_value([ps[0], "W"], 1.0), "item 1 is a str"),
])
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call(make_params())
