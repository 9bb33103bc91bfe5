"""Random networks against torch.autograd, and SGD against torch.optim.SGD (float64)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import brickprop as bp

torch = pytest.importorskip("torch")
F = torch.nn.functional

RTOL, ATOL = 1e-10, 1e-12

ACTIVATIONS = {
    "sigmoid": (bp.Sigmoid, torch.sigmoid),
    "tanh": (bp.Tanh, torch.tanh),
    "relu": (bp.ReLU, torch.relu),
    "leaky-relu": (bp.LeakyReLU, lambda z: F.leaky_relu(z, 0.01)),
    "identity": (bp.Identity, lambda z: z),
    "softmax": (bp.Softmax, lambda z: torch.softmax(z, dim=1)),
}
LOSSES = ["mse", "ce-labels", "ce-one-hot", "bce"]
REGULARIZERS = ["none", "l2", "l1", "elastic"]


def _build(rng, activation, sizes, bias):
    """A brickprop net and the matching torch tensors, W copied as (n_in, n_out)."""
    make, _ = ACTIVATIONS[activation]
    bricks = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layer = bp.Linear(n_in, n_out, bias=bias, init=["article", "glorot", "he"][
            rng.integers(3)], rng=rng)
        if bias:
            layer.b.data[:] = 0.5 * rng.standard_normal(n_out)
        bricks += [layer, make()]
    net = bp.Sequential(*bricks)
    tensors = [torch.tensor(p.data, dtype=torch.float64, requires_grad=True)
               for p in net.parameters()]
    return net, tensors


def _torch_forward(X, tensors, activation, bias):
    _, act = ACTIVATIONS[activation]
    h, params = X, iter(tensors)
    for W in params:
        h = h @ W
        if bias:
            h = h + next(params)
        h = act(h)
    return h


def _targets(rng, loss_name, n_samples, n_out):
    if loss_name == "mse":
        Y = rng.standard_normal((n_samples, n_out))
        return bp.MSE(), Y, Y
    labels = rng.integers(0, n_out, n_samples)
    if loss_name == "ce-labels":
        return bp.CrossEntropy(), labels, labels
    if loss_name == "ce-one-hot":
        return bp.CrossEntropy(), bp.one_hot(labels, n_out), labels
    Y = rng.integers(0, 2, (n_samples, n_out)).astype(float)
    return bp.BinaryCrossEntropy(), Y, Y


def _torch_loss(loss_name, pred, target):
    n_samples = pred.shape[0]
    if loss_name == "mse":
        return ((pred - torch.tensor(target)) ** 2).sum() / (2 * n_samples)
    if loss_name.startswith("ce"):
        return F.cross_entropy(pred, torch.tensor(target), reduction="mean")
    return F.binary_cross_entropy_with_logits(pred, torch.tensor(target),
                                              reduction="sum") / n_samples


def _regularizer(name, lam):
    return {"none": None, "l2": bp.L2(lam), "l1": bp.L1(lam),
            "elastic": bp.ElasticNet(lam, 2 * lam)}[name]


def _torch_penalty(name, lam, weights, n_samples):
    l1 = sum(W.abs().sum() for W in weights) / n_samples
    l2 = sum((W**2).sum() for W in weights) / (2 * n_samples)
    return {"none": 0.0, "l2": lam * l2, "l1": lam * l1, "elastic": lam * l1 + 2 * lam * l2}[name]


@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), depth=st.integers(1, 4), bias=st.booleans(),
       reg_name=st.sampled_from(REGULARIZERS))
def test_random_network_matches_autograd(activation, loss_name, seed, depth, bias, reg_name):
    rng = np.random.default_rng(seed)
    sizes = [int(n) for n in rng.integers(1, 7, depth + 1)]
    n_samples = int(rng.integers(1, 9))
    net, tensors = _build(rng, activation, sizes, bias)
    X = rng.standard_normal((n_samples, sizes[0]))
    loss, target, torch_target = _targets(rng, loss_name, n_samples, sizes[-1])
    lam = float(rng.uniform(0.01, 1.0))
    reg = _regularizer(reg_name, lam)

    pred = net.forward(X)
    data_loss = loss.forward(pred, target)
    dL_dX = net.backward(loss.backward())
    penalty = 0.0
    if reg is not None:
        penalty = reg.penalty(net.parameters(), n_samples)
        reg.backward(net.parameters(), n_samples)

    X_t = torch.tensor(X, requires_grad=True)
    pred_t = _torch_forward(X_t, tensors, activation, bias)
    data_loss_t = _torch_loss(loss_name, pred_t, torch_target)
    penalty_t = _torch_penalty(reg_name, lam, [t for t in tensors if t.ndim == 2], n_samples)
    (data_loss_t + penalty_t).backward()

    np.testing.assert_allclose(pred, pred_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(data_loss, data_loss_t.item(), rtol=RTOL, atol=ATOL)
    penalty_t = penalty_t.item() if torch.is_tensor(penalty_t) else penalty_t
    np.testing.assert_allclose(penalty, penalty_t, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dL_dX, X_t.grad.numpy(), rtol=RTOL, atol=ATOL)
    for p, t in zip(net.parameters(), tensors):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=p.name)


def _sgd_run(steps, **options):
    """``steps`` SGD updates of the same small net in brickprop and in torch."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((16, 3))
    Y = rng.standard_normal((16, 2))
    net = bp.mlp(3, [5, 4], 2, activation="tanh", output="identity", seed=3)
    tensors = [torch.tensor(p.data, requires_grad=True) for p in net.parameters()]
    opt = bp.SGD(net.parameters(), **options)
    opt_t = torch.optim.SGD(tensors, **options)
    loss = bp.MSE()
    for _ in range(steps):
        bp.train_step(net, loss, opt, X, Y)
        opt_t.zero_grad()
        h = torch.tensor(X)
        for i in range(0, len(tensors), 2):
            h = h @ tensors[i] + tensors[i + 1]
            h = torch.tanh(h) if i + 2 < len(tensors) else h
        (((h - torch.tensor(Y)) ** 2).sum() / (2 * X.shape[0])).backward()
        opt_t.step()
    return net.parameters(), tensors


@pytest.mark.parametrize("options", [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.1, momentum=0.9, nesterov=True),
    dict(lr=0.1, momentum=0.9, weight_decay=0.01),
    dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.001),
], ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_sgd_matches_torch_optim(options):
    params, tensors = _sgd_run(20, **options)
    initial = bp.mlp(3, [5, 4], 2, activation="tanh", output="identity", seed=3).parameters()
    for p, t, p0 in zip(params, tensors, initial):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=p.name)
        assert not np.allclose(p.data, p0.data, rtol=1e-6, atol=0)  # it really moved
