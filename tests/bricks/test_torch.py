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


# float32: the same comparisons with tolerances that fit float32 round-off (eps ~ 1.2e-7)
RTOL32, ATOL32 = 2e-5, 2e-6


@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_float32_network_matches_float32_autograd(activation, loss_name):
    rng = np.random.default_rng(7)
    sizes = [4, 6, 5, 3]
    net, _ = _build(rng, activation, sizes, bias=True)
    net.astype(np.float32)
    tensors = [torch.tensor(p.data, requires_grad=True) for p in net.parameters()]
    X = rng.standard_normal((8, sizes[0])).astype(np.float32)
    loss, target, torch_target = _targets(rng, loss_name, 8, sizes[-1])
    if isinstance(target, np.ndarray) and target.dtype.kind == "f":
        target = torch_target = target.astype(np.float32)

    pred = net.forward(X)
    data_loss = loss.forward(pred, target)
    dL_dX = net.backward(loss.backward())

    X_t = torch.tensor(X, requires_grad=True)
    pred_t = _torch_forward(X_t, tensors, activation, True)
    data_loss_t = _torch_loss(loss_name, pred_t, torch_target)
    data_loss_t.backward()

    assert pred.dtype == dL_dX.dtype == np.float32
    assert pred_t.dtype == torch.float32
    np.testing.assert_allclose(pred, pred_t.detach().numpy(), rtol=RTOL32, atol=ATOL32)
    np.testing.assert_allclose(data_loss, data_loss_t.item(), rtol=RTOL32, atol=ATOL32)
    np.testing.assert_allclose(dL_dX, X_t.grad.numpy(), rtol=RTOL32, atol=ATOL32)
    for p, t in zip(net.parameters(), tensors):
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=RTOL32, atol=ATOL32,
                                   err_msg=p.name)


def test_float32_minibatch_training_matches_torch():
    """Fifty SGD steps of a ReLU classifier on minibatches, float32 on both sides."""
    rng = np.random.default_rng(3)
    X = rng.random((96, 20), dtype=np.float32)
    labels = rng.integers(0, 5, 96)
    net = bp.mlp(20, [16], 5, activation="relu", output="identity", init="he", seed=0,
                 dtype=np.float32)
    tensors = [torch.tensor(p.data, requires_grad=True) for p in net.parameters()]
    opt, opt_t = bp.SGD(net.parameters(), lr=0.5), torch.optim.SGD(tensors, lr=0.5)
    loss = bp.CrossEntropy()
    Y = bp.one_hot(labels, 5, dtype=np.float32)
    for _ in range(50):
        idx = rng.choice(96, 16, replace=False)
        s = bp.train_step(net, loss, opt, X[idx], Y[idx])
        opt_t.zero_grad()
        h = torch.relu(torch.tensor(X[idx]) @ tensors[0] + tensors[1]) @ tensors[2] + tensors[3]
        loss_t = F.cross_entropy(h, torch.tensor(labels[idx]))
        loss_t.backward()
        opt_t.step()
        np.testing.assert_allclose(s.data_loss, loss_t.item(), rtol=1e-4, atol=1e-6)
    for p, t in zip(net.parameters(), tensors):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=p.name)
