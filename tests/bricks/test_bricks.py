"""Every brick, loss and regularizer against finite differences; formulas and contracts."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import brickprop as bp
from brickprop.bricks.activations import activation
from brickprop.bricks.init import initialize
from brickprop.bricks.losses import loss_by_name

MAX_REL_ERROR = 1e-6
FAST = settings(max_examples=20, deadline=None)
seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 5)

INITS = ["article", "glorot", "he", "normal", "zeros"]
ACTIVATIONS = [bp.Sigmoid, bp.Tanh, bp.ReLU, bp.LeakyReLU, bp.Identity, bp.Softmax]


def away_from_kinks(z, gap=1e-3):
    """Move entries with |z| < gap to +-gap, so ReLU-like bricks are smooth within eps."""
    z = np.array(z)
    small = np.abs(z) < gap
    z[small] = np.where(z[small] < 0, -gap, gap)
    return z


def assert_gradcheck_passes(report, expected_rows):
    assert report.passed, str(report)
    assert report.faulty == []
    assert max(c.max_rel_error for c in report.checks) < MAX_REL_ERROR
    assert {(c.part, c.quantity) for c in report.checks} >= expected_rows


# ---------------------------------------------------------------- finite differences


@pytest.mark.parametrize("init", INITS)
@pytest.mark.parametrize("bias", [True, False])
@FAST
@given(seed=seeds, n_samples=sizes, n_in=sizes, n_out=sizes)
def test_linear_gradcheck(init, bias, seed, n_samples, n_in, n_out):
    rng = np.random.default_rng(seed)
    layer = bp.Linear(n_in, n_out, bias=bias, init=init, rng=rng)
    if bias:
        layer.b.data[:] = rng.standard_normal(n_out)
    X = rng.standard_normal((n_samples, n_in))
    report = bp.gradcheck(layer, X, seed=seed)
    rows = {(f"0 {layer!r}", "dL/dx"), (f"0 {layer!r}", "W")}
    if bias:
        rows.add((f"0 {layer!r}", "b"))
    else:
        assert all(c.quantity != "b" for c in report.checks)
    assert_gradcheck_passes(report, rows)


@pytest.mark.parametrize("make", [*ACTIVATIONS, lambda: bp.LeakyReLU(0.3)],
                         ids=[*(a.__name__ for a in ACTIVATIONS), "LeakyReLU0.3"])
@FAST
@given(seed=seeds, n_samples=sizes, n_features=sizes, scale=st.sampled_from([0.1, 1.0, 3.0]))
def test_activation_gradcheck(make, seed, n_samples, n_features, scale):
    rng = np.random.default_rng(seed)
    brick = make()
    z = away_from_kinks(scale * rng.standard_normal((n_samples, n_features)))
    report = bp.gradcheck(brick, z, seed=seed)
    assert brick.parameters() == []
    assert_gradcheck_passes(report, {(f"0 {brick!r}", "dL/dx")})


def _loss_case(name, rng, n_samples, n_out):
    pred = 2.0 * rng.standard_normal((n_samples, n_out))
    if name == "mse":
        return bp.MSE(), pred, rng.standard_normal((n_samples, n_out))
    if name == "ce-one-hot":
        labels = rng.integers(0, n_out, n_samples)
        return bp.CrossEntropy(), pred, bp.one_hot(labels, n_out)
    if name == "ce-labels":
        return bp.CrossEntropy(), pred, rng.integers(0, n_out, n_samples)
    if name == "bce":
        return bp.BinaryCrossEntropy(), pred, rng.integers(0, 2, (n_samples, n_out)).astype(float)
    return bp.BinaryCrossEntropy(), pred, rng.uniform(0, 1, (n_samples, n_out))  # soft targets


@pytest.mark.parametrize("name", ["mse", "ce-one-hot", "ce-labels", "bce", "bce-soft"])
@FAST
@given(seed=seeds, n_samples=sizes, n_out=sizes)
def test_loss_gradcheck(name, seed, n_samples, n_out):
    rng = np.random.default_rng(seed)
    loss, pred, target = _loss_case(name, rng, n_samples, n_out)
    report = bp.gradcheck(bp.Identity(), pred, target, loss, seed=seed)
    assert_gradcheck_passes(report, {(f"loss {loss!r}", "dL/dpred"), ("network", "dL/dX")})


@pytest.mark.parametrize("make", [lambda lam: bp.L2(lam), lambda lam: bp.L1(lam),
                                  lambda lam: bp.ElasticNet(lam, 2 * lam)],
                         ids=["L2", "L1", "ElasticNet"])
@FAST
@given(seed=seeds, n_samples=sizes, n_in=sizes, n_hidden=sizes, n_out=sizes,
       lam=st.floats(0.01, 1.0))
def test_regularizer_gradcheck(make, seed, n_samples, n_in, n_hidden, n_out, lam):
    rng = np.random.default_rng(seed)
    net = bp.Sequential(bp.Linear(n_in, n_hidden, init="normal", rng=rng), bp.Tanh(),
                        bp.Linear(n_hidden, n_out, init="normal", rng=rng))
    for p in net.parameters():
        p.data[...] = away_from_kinks(p.data)  # |W| = 0 is L1's kink
    X = rng.standard_normal((n_samples, n_in))
    Y = rng.standard_normal((n_samples, n_out))
    reg = make(lam)
    report = bp.gradcheck(net, X, Y, bp.MSE(), reg, seed=seed)
    rows = {(f"regularizer {reg!r}", name) for name in ("0.W", "0.b", "2.W", "2.b")}
    assert_gradcheck_passes(report, rows | {("network", "0.W"), ("network", "2.b")})


# ---------------------------------------------------------------- formulas


def test_mse_hand_example():
    pred = np.array([[0.2, 0.8], [0.6, 0.1], [0.9, 0.4]])
    target = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    loss = bp.MSE()
    # squared differences 0.04 + 0.04 + 0.16 + 0.01 + 0.01 + 0.16 = 0.42, over 2 * 3 samples
    np.testing.assert_allclose(loss.forward(pred, target), 0.07, rtol=1e-12, atol=0)
    np.testing.assert_allclose(loss.backward(), (pred - target) / 3, rtol=1e-12, atol=0)


def test_cross_entropy_labels_equal_one_hot():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((6, 4))
    labels = np.array([0, 3, 1, 1, 2, 3])
    a, b = bp.CrossEntropy(), bp.CrossEntropy()
    np.testing.assert_allclose(a.forward(logits, labels), b.forward(logits, bp.one_hot(labels, 4)),
                               rtol=1e-14, atol=0)
    np.testing.assert_allclose(a.backward(), b.backward(), rtol=1e-14, atol=0)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(a.forward(logits, labels), -log_p[np.arange(6), labels].mean(),
                               rtol=1e-12, atol=0)


def test_binary_cross_entropy_formula_and_large_logits():
    z = np.array([[-2.0, 0.5], [3.0, -0.1]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    s = 1 / (1 + np.exp(-z))
    expected = -np.sum(y * np.log(s) + (1 - y) * np.log(1 - s)) / 2
    loss = bp.BinaryCrossEntropy()
    np.testing.assert_allclose(loss.forward(z, y), expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(loss.backward(), (s - y) / 2, rtol=1e-12, atol=0)
    big = np.array([[800.0], [-800.0]])
    np.testing.assert_allclose(loss.forward(big, np.array([[0.0], [1.0]])), 800.0, rtol=1e-12,
                               atol=0)
    np.testing.assert_allclose(loss.backward(), [[0.5], [-0.5]], rtol=1e-12, atol=0)


def _two_layer_net(seed=0):
    net = bp.mlp(3, [4], 2, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for p in net.parameters():
        p.data[...] = rng.standard_normal(p.shape)
    return net


def test_l2_penalty_and_gradient():
    net, n_samples, lam = _two_layer_net(), 5, 0.3
    W0, W1 = net[0].W.data, net[2].W.data
    reg = bp.L2(lam)
    np.testing.assert_allclose(reg.penalty(net.parameters(), n_samples),
                               lam * (np.sum(W0**2) + np.sum(W1**2)) / (2 * n_samples),
                               rtol=1e-12, atol=0)
    for p in net.parameters():
        p.grad[...] = 0
    reg.backward(net.parameters(), n_samples)
    np.testing.assert_allclose(net[0].W.grad, lam * W0 / n_samples, rtol=1e-12, atol=0)
    np.testing.assert_allclose(net[2].W.grad, lam * W1 / n_samples, rtol=1e-12, atol=0)


def test_l1_penalty_and_gradient():
    net, n_samples, lam = _two_layer_net(), 5, 0.3
    W0, W1 = net[0].W.data, net[2].W.data
    reg = bp.L1(lam)
    np.testing.assert_allclose(reg.penalty(net.parameters(), n_samples),
                               lam * (np.abs(W0).sum() + np.abs(W1).sum()) / n_samples,
                               rtol=1e-12, atol=0)
    for p in net.parameters():
        p.grad[...] = 0
    reg.backward(net.parameters(), n_samples)
    np.testing.assert_allclose(net[0].W.grad, lam * np.sign(W0) / n_samples, rtol=1e-12, atol=0)
    np.testing.assert_allclose(net[2].W.grad, lam * np.sign(W1) / n_samples, rtol=1e-12, atol=0)


def test_elastic_net_is_l1_plus_l2():
    net, n_samples = _two_layer_net(), 4
    params = net.parameters()
    enet, l1, l2 = bp.ElasticNet(0.2, 0.7), bp.L1(0.2), bp.L2(0.7)
    np.testing.assert_allclose(enet.penalty(params, n_samples),
                               l1.penalty(params, n_samples) + l2.penalty(params, n_samples),
                               rtol=1e-12, atol=0)
    for p in params:
        p.grad[...] = 0
    enet.backward(params, n_samples)
    expected = [0.2 * np.sign(W) / n_samples + 0.7 * W / n_samples
                for W in (net[0].W.data, net[2].W.data)]
    np.testing.assert_allclose(net[0].W.grad, expected[0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(net[2].W.grad, expected[1], rtol=1e-12, atol=0)


@pytest.mark.parametrize("reg", [bp.L2(0.5), bp.L1(0.5), bp.ElasticNet(0.5, 0.5)], ids=repr)
def test_regularizers_ignore_biases(reg):
    net = _two_layer_net()
    params = net.parameters()
    before = reg.penalty(params, 3)
    sentinels = {}
    for brick in (net[0], net[2]):
        brick.b.data[...] = 100.0
        brick.b.grad[...] = 7.0
        sentinels[brick.b.name] = brick.b.grad.copy()
    np.testing.assert_allclose(reg.penalty(params, 3), before, rtol=1e-14, atol=0)
    reg.backward(params, 3)
    for brick in (net[0], net[2]):
        np.testing.assert_allclose(brick.b.grad, sentinels[brick.b.name], rtol=0, atol=0)


@pytest.mark.parametrize("make", [bp.L2, bp.L1])
@pytest.mark.parametrize("lam", [-1.0, float("nan"), float("inf")])
def test_regularizer_rejects_bad_strength(make, lam):
    with pytest.raises(ValueError, match="strength must be a finite number >= 0"):
        make(lam)


def test_activation_formulas():
    z = np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]])
    np.testing.assert_allclose(bp.Sigmoid().forward(z), 1 / (1 + np.exp(-z)), rtol=1e-14, atol=0)
    np.testing.assert_allclose(bp.Tanh().forward(z), np.tanh(z), rtol=1e-14, atol=0)
    np.testing.assert_allclose(bp.ReLU().forward(z), [[0, 0, 0, 0.5, 2]], rtol=0, atol=0)
    np.testing.assert_allclose(bp.LeakyReLU(0.1).forward(z), [[-0.2, -0.05, 0, 0.5, 2]],
                               rtol=1e-14, atol=0)
    np.testing.assert_allclose(bp.Identity().forward(z), z, rtol=0, atol=0)
    h = bp.Softmax().forward(np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]))
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(h, [e / e.sum(), [1 / 3] * 3], rtol=1e-14, atol=0)
    with np.errstate(over="ignore"):  # exp(1000) = inf gives the right limit, 0
        h = bp.Sigmoid().forward(np.array([[-1000.0, 1000.0]]))
    np.testing.assert_allclose(h, [[0, 1]], rtol=0, atol=1e-300)


# ---------------------------------------------------------------- contracts


BRICK_FACTORIES = {
    "Linear": lambda: bp.Linear(3, 4, rng=0),
    "Linear-no-bias": lambda: bp.Linear(3, 4, bias=False, rng=0),
    **{cls.__name__: cls for cls in ACTIVATIONS},
    "Sequential": lambda: bp.mlp(3, [5, 4], 4, activation="tanh", seed=0),
}


@pytest.mark.parametrize("name", list(BRICK_FACTORIES))
def test_backward_twice_gives_the_same_result(name):
    rng = np.random.default_rng(1)
    brick = BRICK_FACTORIES[name]()
    x = away_from_kinks(rng.standard_normal((6, 3)))
    y = brick.forward(x)
    dL_dy = rng.standard_normal(y.shape)
    dL_dy_copy = dL_dy.copy()
    first = brick.backward(dL_dy).copy()
    first_grads = [p.grad.copy() for p in brick.parameters()]
    second = brick.backward(dL_dy)
    np.testing.assert_allclose(second, first, rtol=0, atol=0)
    for p, g in zip(brick.parameters(), first_grads):
        np.testing.assert_allclose(p.grad, g, rtol=0, atol=0)  # set, never accumulated
    np.testing.assert_allclose(dL_dy, dL_dy_copy, rtol=0, atol=0)  # input left untouched


@pytest.mark.parametrize("loss", [bp.MSE(), bp.CrossEntropy(), bp.BinaryCrossEntropy()], ids=repr)
def test_loss_backward_twice_gives_the_same_result(loss):
    rng = np.random.default_rng(2)
    pred = rng.standard_normal((5, 3))
    target = bp.one_hot(np.array([0, 1, 2, 1, 0]), 3)
    loss.forward(pred, target)
    first = loss.backward().copy()
    np.testing.assert_allclose(loss.backward(), first, rtol=0, atol=0)


def test_linear_backward_without_input_grad_still_sets_parameter_grads():
    rng = np.random.default_rng(4)
    layer = bp.Linear(3, 2, rng=0)
    x = rng.standard_normal((5, 3))
    layer.forward(x)
    dL_dz = rng.standard_normal((5, 2))
    assert layer.backward(dL_dz, input_grad=False) is None
    np.testing.assert_allclose(layer.W.grad, x.T @ dL_dz, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.b.grad, dL_dz.sum(axis=0), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_samples, n_in, n_out", [(300, 2, 3), (128, 784, 256), (5000, 3, 1)])
def test_linear_products_small_and_large_are_the_plain_products(dtype, n_samples, n_in, n_out):
    # Small outputs go through ndarray.dot, large ones through np.matmul: the same numbers.
    rng = np.random.default_rng(0)
    lin = bp.Linear(n_in, n_out, init="he", rng=1, dtype=dtype)
    lin.b.data[:] = rng.standard_normal(n_out)
    x = rng.standard_normal((n_samples, n_in)).astype(dtype)
    dL_dz = rng.standard_normal((n_samples, n_out)).astype(dtype)
    z = lin.forward(x)
    dL_dx = lin.backward(dL_dz)
    W = lin.W.data
    assert z.dtype == dL_dx.dtype == lin.W.grad.dtype == dtype
    np.testing.assert_array_equal(z, x @ W + lin.b.data)
    np.testing.assert_array_equal(lin.W.grad, x.T @ dL_dz)
    np.testing.assert_array_equal(dL_dx, dL_dz @ W.T)
    z_kept, grad_kept = z.copy(), lin.W.grad.copy()
    lin.forward(2 * x)  # a new output each call: what a caller keeps stays as it was
    np.testing.assert_array_equal(z, z_kept)
    lin.backward(dL_dz, input_grad=False)  # with the input 2 * x
    np.testing.assert_array_equal(lin.W.grad, 2 * grad_kept)


def test_relu_backward_passes_the_gradient_only_where_the_input_was_positive():
    relu = bp.ReLU()
    z = np.array([[-1.0, 0.0, 2.0, np.nan]], dtype=np.float32)
    h = relu.forward(z)
    np.testing.assert_array_equal(h[:, :3], [[0.0, 0.0, 2.0]])
    dL_dz = relu.backward(np.array([[5.0, -6.0, -7.0, 8.0]], dtype=np.float32))
    assert dL_dz.dtype == np.float32
    np.testing.assert_array_equal(dL_dz, [[0.0, -0.0, -7.0, 0.0]])
    assert np.signbit(dL_dz[0, 1])  # -6 * 0 is -0, as with a boolean mask


def test_sequential_backward_can_skip_the_input_gradient():
    rng = np.random.default_rng(6)
    net = bp.mlp(3, [4], 2, activation="relu", output="identity", seed=0)
    x = away_from_kinks(rng.standard_normal((5, 3)))
    dL_dy = rng.standard_normal((5, 2))
    net.forward(x)
    dL_dx = net.backward(dL_dy)  # the contract: dL/dX by default
    assert dL_dx.shape == x.shape
    grads = [p.grad.copy() for p in net.parameters()]
    seen = []
    first = net[0]
    original = first.backward
    first.backward = lambda d, input_grad=True: seen.append(input_grad) or original(d, input_grad)
    assert net.backward(dL_dy, input_grad=False) is None  # training needs no dL/dX
    assert seen == [False]  # the first layer was told not to compute it
    for p, g in zip(net.parameters(), grads):
        np.testing.assert_allclose(p.grad, g, rtol=0, atol=0, err_msg=p.name)


def test_sequential_names_parameters_by_position():
    net = bp.mlp(2, [3], 2, seed=0)
    assert [p.name for p in net.parameters()] == ["0.W", "0.b", "2.W", "2.b"]
    assert [i for i, _ in net.layers()] == [0, 2]


def _float32_net():
    return bp.Sequential(bp.Linear(3, 5, rng=0), bp.Tanh(), bp.Linear(5, 4, rng=1), bp.ReLU(),
                         bp.Linear(4, 4, rng=2), bp.LeakyReLU(), bp.Linear(4, 3, rng=3),
                         bp.Sigmoid(), bp.Linear(3, 3, rng=4), bp.Softmax(), bp.Identity())


@pytest.mark.parametrize("loss", [bp.MSE(), bp.CrossEntropy(), bp.BinaryCrossEntropy()], ids=repr)
def test_float32_in_float32_out(loss):
    rng = np.random.default_rng(5)
    X64 = rng.standard_normal((7, 3))
    Y64 = bp.one_hot(rng.integers(0, 3, 7), 3)
    net64 = _float32_net()
    net32 = _float32_net().astype(np.float32)
    X, Y = X64.astype(np.float32), Y64.astype(np.float32)
    assert net32.dtype == np.float32
    pred = net32.forward(X)
    assert pred.dtype == np.float32
    loss.forward(pred, Y)
    dL_dpred = loss.backward()
    assert dL_dpred.dtype == np.float32
    dL_dX = net32.backward(dL_dpred)
    assert dL_dX.dtype == np.float32
    reg = bp.ElasticNet(0.1, 0.1)
    reg.backward(net32.parameters(), 7)
    for p in net32.parameters():
        assert p.data.dtype == np.float32 and p.grad.dtype == np.float32, p

    # the same computation in float64 agrees to float32 precision
    pred64 = net64.forward(X64)
    loss.forward(pred64, Y64)
    dL_dX64 = net64.backward(loss.backward())
    reg.backward(net64.parameters(), 7)
    np.testing.assert_allclose(pred, pred64, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dL_dX, dL_dX64, rtol=1e-3, atol=1e-5)
    for p32, p64 in zip(net32.parameters(), net64.parameters()):
        np.testing.assert_allclose(p32.grad, p64.grad, rtol=1e-3, atol=1e-5, err_msg=p32.name)


def test_float32_mlp_builder():
    net = bp.mlp(2, [3], 2, seed=0, dtype=np.float32)
    assert all(p.data.dtype == np.float32 for p in net.parameters())
    assert net.forward(np.ones((4, 2), dtype=np.float32)).dtype == np.float32


# ---------------------------------------------------------------- initializers


def test_article_init_is_uniform_within_one_over_sqrt_n_in():
    n_in, n_out = 200, 300
    W = initialize("article", n_in, n_out, rng=0)
    bound = 1 / np.sqrt(n_in)
    assert W.shape == (n_in, n_out) and W.dtype == np.float64
    assert np.abs(W).max() <= bound
    np.testing.assert_allclose(np.abs(W).max(), bound, rtol=1e-3, atol=0)
    np.testing.assert_allclose(W.mean(), 0.0, rtol=0, atol=0.01 * bound)
    np.testing.assert_allclose(W.std(), bound / np.sqrt(3), rtol=0.01, atol=0)


def test_he_init_std():
    n_in, n_out = 400, 500
    W = initialize("he", n_in, n_out, rng=1)
    np.testing.assert_allclose(W.std(), np.sqrt(2 / n_in), rtol=0.01, atol=0)
    np.testing.assert_allclose(W.mean(), 0.0, rtol=0, atol=0.01 * np.sqrt(2 / n_in))


def test_glorot_and_normal_init():
    n_in, n_out = 300, 200
    W = initialize("glorot", n_in, n_out, rng=2)
    a = np.sqrt(6 / (n_in + n_out))
    assert np.abs(W).max() <= a
    np.testing.assert_allclose(W.var(), 2 / (n_in + n_out), rtol=0.02, atol=0)
    np.testing.assert_allclose(initialize("normal", n_in, n_out, rng=3).std(), 1.0, rtol=0.01,
                               atol=0)


def test_zeros_init_and_zero_biases():
    layer = bp.Linear(4, 3, init="zeros", rng=0)
    np.testing.assert_allclose(layer.W.data, np.zeros((4, 3)), rtol=0, atol=0)
    np.testing.assert_allclose(layer.b.data, np.zeros(3), rtol=0, atol=0)


def test_init_is_seeded_and_keeps_dtype():
    np.testing.assert_array_equal(initialize("he", 5, 4, rng=7), initialize("he", 5, 4, rng=7))
    assert not np.array_equal(initialize("he", 5, 4, rng=7), initialize("he", 5, 4, rng=8))
    assert initialize("glorot", 5, 4, rng=0, dtype=np.float32).dtype == np.float32
    gen = np.random.default_rng(9)
    np.testing.assert_array_equal(bp.Linear(5, 4, init="he", rng=gen).W.data,
                                  initialize("he", 5, 4, rng=np.random.default_rng(9)))
    with pytest.raises(TypeError, match="rng must be an int seed, a numpy Generator or a "
                       "RandomState"):
        initialize("he", 5, 4, rng="seed")


@pytest.mark.parametrize("hidden", [3, 50])
def test_article_init_draws_as_the_articles_script(hidden):
    """np.random.seed(2017), then W1 = (2 u - 1) / sqrt(2) and W2 = (2 u - 1) / sqrt(H)."""
    legacy = np.random.RandomState(2017)
    W1 = (2 * legacy.random_sample((2, hidden)) - 1) / np.sqrt(2)
    W2 = (2 * legacy.random_sample((hidden, 2)) - 1) / np.sqrt(hidden)
    for net in (bp.mlp(2, [hidden], 2), bp.mlp(2, [hidden], 2, seed=2017, bias=False)):
        np.testing.assert_array_equal(net[0].W.data, W1)
        np.testing.assert_array_equal(net[2].W.data, W2)
    biased = bp.mlp(2, [hidden], 2)
    np.testing.assert_array_equal(biased[0].b.data, np.zeros(hidden))  # biases start at zero
    np.testing.assert_array_equal(biased[2].b.data, np.zeros(2))
    np.testing.assert_array_equal(initialize("article", 2, hidden, rng=2017), W1)
    if hidden == 3:  # the numbers the article's figure prints
        np.testing.assert_allclose(W1, [[-0.67746455, 0.37769425, -0.07365253],
                                        [-0.53663519, 0.60920496, 0.21149622]], atol=5e-9)
        np.testing.assert_allclose(W2, [[-0.41491732, -0.30992816], [-0.31583913, -0.27706468],
                                        [-0.44701662, 0.15231059]], atol=5e-9)


def test_article_init_shares_one_stream_across_layers_and_other_inits_keep_theirs():
    legacy = np.random.RandomState(5)
    net = bp.mlp(2, [4, 6], 3, seed=5)
    for k, (n_in, n_out) in zip((0, 2, 4), ((2, 4), (4, 6), (6, 3))):
        expected = (2 * legacy.random_sample((n_in, n_out)) - 1) / np.sqrt(n_in)
        np.testing.assert_array_equal(net[k].W.data, expected)
    gen = np.random.default_rng(5)  # glorot: a Generator, layer after layer
    net = bp.mlp(2, [4], 3, init="glorot", seed=5)
    np.testing.assert_array_equal(net[0].W.data, initialize("glorot", 2, 4, rng=gen))
    np.testing.assert_array_equal(net[2].W.data, initialize("glorot", 4, 3, rng=gen))


# ---------------------------------------------------------------- clear errors


def test_sequential_shape_error_names_both_bricks():
    with pytest.raises(ValueError) as info:
        bp.Sequential(bp.Linear(2, 3), bp.Sigmoid(), bp.Linear(4, 2))
    message = str(info.value)
    for fragment in ("brick 0 Linear(2, 3)", "(n_samples, 3)", "brick 2 Linear(4, 2)",
                     "(n_samples, 4)"):
        assert fragment in message


def test_sequential_rejects_non_bricks():
    with pytest.raises(TypeError, match="Sequential item 1 is a str, not a Brick"):
        bp.Sequential(bp.Linear(2, 3), "sigmoid")


def test_linear_rejects_wrong_input_and_sizes():
    with pytest.raises(ValueError, match=re.escape("expects input of shape (n_samples, 2)")):
        bp.Linear(2, 3).forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match="n_out must be a positive integer"):
        bp.Linear(2, 0)


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match="unknown activation 'swish'") as info:
        activation("swish")
    for name in ("sigmoid", "tanh", "relu", "leaky-relu", "identity", "softmax"):
        assert name in str(info.value)
    assert isinstance(activation("leaky-relu"), bp.LeakyReLU)


def test_unknown_init_lists_valid_names():
    with pytest.raises(ValueError, match="unknown initializer 'xavier'") as info:
        initialize("xavier", 2, 3)
    for name in INITS:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="unknown initializer"):
        bp.Linear(2, 3, init="xavier")


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="unknown loss 'hinge'") as info:
        loss_by_name("hinge")
    for name in ("mse", "cross-entropy", "binary-cross-entropy"):
        assert name in str(info.value)
    assert isinstance(loss_by_name("cross-entropy"), bp.CrossEntropy)


def test_leaky_relu_rejects_bad_slope():
    with pytest.raises(ValueError, match=re.escape("slope must be in [0, 1)")):
        bp.LeakyReLU(1.5)


# ---------------------------------------------------------------- data


def test_xor_dataset():
    X, y = bp.datasets.xor(300, 0)
    assert X.shape == (300, 2) and X.dtype == np.float64
    assert y.shape == (300,) and np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == {0, 1}
    np.testing.assert_array_equal(y, (X[:, 0] > 0) != (X[:, 1] > 0))
    assert 0.35 < y.mean() < 0.65
    X2, y2 = bp.datasets.xor(300, 0)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)
    assert not np.array_equal(bp.datasets.xor(300, 1)[0], X)
    with pytest.raises(ValueError, match="positive number of points"):
        bp.datasets.xor(0)


def test_one_hot():
    Y = bp.one_hot(np.array([0, 2, 1, 2]))
    np.testing.assert_allclose(Y, [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]], rtol=0, atol=0)
    assert Y.dtype == np.float64
    assert bp.one_hot(np.array([1, 0]), 4).shape == (2, 4)
    assert bp.one_hot(np.array([1, 0]), dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match=re.escape("labels of shape (n,)")):
        bp.one_hot(np.zeros((2, 2), dtype=int))
    with pytest.raises(ValueError, match="non-negative integer labels"):
        bp.one_hot(np.array([0, -1]))
    with pytest.raises(ValueError, match="non-negative integer labels"):
        bp.one_hot(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="label 3 does not fit in 3 classes"):
        bp.one_hot(np.array([0, 3]), 3)
