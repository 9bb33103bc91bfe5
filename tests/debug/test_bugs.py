"""The bug zoo: each gradient bug fails gradcheck in exactly its own part, and still trains."""

import numpy as np
import pytest

import brickprop as bp
from brickprop.debug import bugs


@pytest.fixture
def setup():
    X, y = bp.datasets.xor(300, 0)
    return bp.mlp(2, [3], 2, seed=0), X, bp.one_hot(y), bp.MSE(), bp.L2(1e-4)


def _check(net, X, Y, loss, reg):
    return bp.gradcheck(net, X[:5], Y[:5], loss, reg)


def test_without_bugs_gradcheck_passes(setup):
    net, X, Y, loss, reg = setup
    report = _check(net, X, Y, loss, reg)
    assert report.passed, str(report)
    assert report.faulty == []


@pytest.mark.parametrize("name, faulty", [
    ("sigmoid-derivative-of-z", ["1 SigmoidDerivativeOfZ()", "3 SigmoidDerivativeOfZ()"]),
    ("missing-1-over-n", ["loss Missing1OverN(MSE())"]),
    ("scalar-l2-gradient", ["regularizer ScalarL2Gradient(0.0001)"]),
])
def test_gradcheck_names_exactly_the_buggy_part(setup, name, faulty):
    net, X, Y, loss, reg = setup
    net, loss, reg = bugs.apply_bugs([name], net, loss, reg)
    report = _check(net, X, Y, loss, reg)
    assert not report.passed
    assert report.faulty == faulty
    network = [c for c in report.checks if c.part == "network"]
    assert not all(c.passed for c in network)  # the end-to-end check sees it too


def test_all_gradient_bugs_at_once_are_all_named(setup):
    net, X, Y, loss, reg = setup
    names = ["sigmoid-derivative-of-z", "missing-1-over-n", "scalar-l2-gradient"]
    net, loss, reg = bugs.apply_bugs(names, net, loss, reg)
    report = _check(net, X, Y, loss, reg)
    assert report.faulty == ["1 SigmoidDerivativeOfZ()", "3 SigmoidDerivativeOfZ()",
                             "loss Missing1OverN(MSE())",
                             "regularizer ScalarL2Gradient(0.0001)"]


def test_missing_1_over_n_is_n_times_the_gradient(setup):
    net, X, Y, _, _ = setup
    pred = net.forward(X[:5])
    good, bad, article = bp.MSE(), bugs.Missing1OverN(bp.MSE()), bugs.MSEMissing1OverN()
    values = [f.forward(pred, Y[:5]) for f in (good, bad, article)]
    np.testing.assert_allclose(values, values[0], rtol=1e-15)
    np.testing.assert_allclose(bad.backward(), 5 * good.backward(), rtol=1e-14)
    np.testing.assert_allclose(article.backward(), 5 * good.backward(), rtol=1e-14)
    report = bp.gradcheck(net, X[:5], Y[:5], article)
    assert report.faulty == ["loss MSEMissing1OverN()"]


def test_missing_1_over_n_wraps_any_loss(setup):
    _, X, Y, _, _ = setup
    net = bp.mlp(2, [3], 2, output="identity", seed=0)
    loss = bugs.Missing1OverN(bp.CrossEntropy())
    assert loss.threshold == bp.CrossEntropy.threshold
    report = bp.gradcheck(net, X[:5], Y[:5], loss)
    assert report.faulty == ["loss Missing1OverN(CrossEntropy())"]
    with pytest.raises(TypeError, match="wraps a Loss"):
        bugs.Missing1OverN(bp.L2())


def test_scalar_l2_gradient_adds_one_scalar_and_keeps_the_penalty(setup):
    net, *_ = setup
    params = net.parameters()
    good, bad = bp.L2(1e-4), bugs.ScalarL2Gradient(1e-4)
    np.testing.assert_allclose(bad.penalty(params, 5), good.penalty(params, 5), rtol=1e-15)
    for p in params:
        p.grad[...] = 0
    bad.backward(params, 5)
    for p in params:
        expected = 1e-4 * np.sum(p.data**2) if p.data.ndim == 2 else 0.0
        np.testing.assert_allclose(p.grad, np.full(p.shape, expected), rtol=1e-14, atol=0)


def test_scalar_l2_gradient_inside_elastic_net(setup):
    net, X, Y, loss, _ = setup
    reg = bp.ElasticNet(l1=1e-3, l2=1e-4)
    _, _, buggy = bugs.apply_bugs(["scalar-l2-gradient"], net, loss, reg)
    assert repr(buggy) == "ElasticNet(l1=0.001, l2=ScalarL2Gradient(0.0001))"
    assert repr(reg) == "ElasticNet(l1=0.001, l2=0.0001)"  # the input is not modified
    assert _check(net, X, Y, loss, buggy).faulty == [f"regularizer {buggy!r}"]
    assert _check(net, X, Y, loss, buggy.fixed()).passed


def test_sigmoid_swap_keeps_parameters_and_names(setup):
    net, X, *_ = setup
    buggy, _, _ = bugs.apply_bugs(["sigmoid-derivative-of-z"], net, bp.MSE())
    assert buggy is not net
    assert [type(b) for b in net] == [bp.Linear, bp.Sigmoid, bp.Linear, bp.Sigmoid]
    assert [type(b) for b in buggy] == [bp.Linear, bugs.SigmoidDerivativeOfZ] * 2
    assert buggy[0] is net[0] and buggy[2] is net[2]
    assert all(a is b for a, b in zip(buggy.parameters(), net.parameters()))
    assert [p.name for p in buggy.parameters()] == ["0.W", "0.b", "2.W", "2.b"]
    np.testing.assert_allclose(buggy.forward(X), net.forward(X), rtol=1e-15)


def test_nested_sequential_and_single_brick():
    inner = bp.Sequential(bp.Linear(2, 3, rng=0), bp.Sigmoid())
    net = bp.Sequential(inner, bp.Linear(3, 2, rng=1), bp.Tanh())
    buggy, _, _ = bugs.apply_bugs(["sigmoid-derivative-of-z"], net, bp.MSE())
    assert isinstance(buggy[0][1], bugs.SigmoidDerivativeOfZ)
    assert [p.name for p in buggy.parameters()] == [p.name for p in net.parameters()]
    single, _, _ = bugs.apply_bugs(["sigmoid-derivative-of-z"], bp.Sigmoid(), bp.MSE())
    assert repr(single) == "SigmoidDerivativeOfZ()"


def test_applying_twice_is_applying_once(setup):
    net, _, _, loss, reg = setup
    names = ["sigmoid-derivative-of-z", "missing-1-over-n", "scalar-l2-gradient"]
    once = bugs.apply_bugs(names, net, loss, reg)
    twice = bugs.apply_bugs(names, *once)
    assert [repr(x) for x in twice] == [repr(x) for x in once]
    assert twice[1] is once[1] and twice[2] is once[2]


def test_fixed_undoes_each_bug(setup):
    net, X, Y, loss, reg = setup
    names = ["sigmoid-derivative-of-z", "missing-1-over-n", "scalar-l2-gradient"]
    buggy, bad_loss, bad_reg = bugs.apply_bugs(names, net, loss, reg)
    fixed = bp.Sequential(*[getattr(b, "fixed", lambda b=b: b)() for b in buggy])
    assert _check(fixed, X, Y, bad_loss.fixed(), bad_reg.fixed()).passed


def test_loop_and_builder_bugs_pass_through(setup):
    net, _, _, loss, reg = setup
    out = bugs.apply_bugs(["no-shuffle", "no-bias"], net, loss, reg)
    assert out[0] is net and out[1] is loss and out[2] is reg
    assert set(bugs.BUGS) == {"missing-1-over-n", "scalar-l2-gradient",
                              "sigmoid-derivative-of-z", "no-shuffle", "no-bias"}
    assert all(isinstance(v, str) and "\n" not in v for v in bugs.BUGS.values())


def test_check_bugs_validates_and_dedupes():
    assert bugs.check_bugs(["no-bias", "no-shuffle", "no-bias"]) == ["no-bias", "no-shuffle"]
    assert bugs.check_bugs("no-bias") == ["no-bias"]
    assert bugs.check_bugs([]) == []


@pytest.mark.parametrize("names", [["missing-1-over-N"], ["no-bias", "typo"]])
def test_unknown_bug_lists_the_valid_ones(setup, names):
    net, _, _, loss, reg = setup
    with pytest.raises(ValueError, match="unknown bug") as info:
        bugs.apply_bugs(names, net, loss, reg)
    assert all(name in str(info.value) for name in bugs.BUGS)


@pytest.mark.parametrize("reg", [None, bp.L2(0.0), bp.L1(1e-3), bp.ElasticNet(l1=1e-3)])
def test_scalar_l2_gradient_needs_an_l2_penalty(setup, reg):
    net, _, _, loss, _ = setup
    with pytest.raises(ValueError, match=r"needs an L2 penalty \(set l2 > 0\)"):
        bugs.apply_bugs(["scalar-l2-gradient"], net, loss, reg)


def test_sigmoid_bug_needs_a_sigmoid_and_loss_bug_needs_a_loss():
    net = bp.mlp(2, [3], 2, activation="tanh", output="identity", seed=0)
    with pytest.raises(ValueError, match="needs a Sigmoid brick"):
        bugs.apply_bugs(["sigmoid-derivative-of-z"], net, bp.MSE())
    with pytest.raises(ValueError, match="needs a loss"):
        bugs.apply_bugs(["missing-1-over-n"], net, None)


def test_buggy_objects_still_train(setup):
    net, X, Y, loss, reg = setup
    names = ["sigmoid-derivative-of-z", "missing-1-over-n", "scalar-l2-gradient"]
    buggy, bad_loss, bad_reg = bugs.apply_bugs(names, net, loss, reg)
    before = [p.data.copy() for p in net.parameters()]
    history = bp.fit(buggy, X, Y, loss=bad_loss, regularizer=bad_reg, steps=5, batch_size=50,
                     optimizer=bp.SGD(net.parameters(), lr=0.003))
    assert len(history) == 5
    assert np.isfinite(history["loss"]).all()
    # the optimizer was built on the clean net: the shared parameters moved
    assert any(not np.allclose(a, p.data) for a, p in zip(before, net.parameters()))


def test_same_first_batch():
    batches = bugs.SameFirstBatch(300, 50)
    steps = [batches.next() for _ in range(12)]
    for idx, _ in steps:
        np.testing.assert_array_equal(idx, np.arange(50))
    assert [done for _, done in steps] == [False] * 5 + [True] + [False] * 5 + [True]
    short = bugs.SameFirstBatch(7, 3)  # ceil(7 / 3) = 3 steps make an epoch
    assert [short.next()[1] for _ in range(3)] == [False, False, True]
    full = bugs.SameFirstBatch(300, None)
    assert full.next() == (None, True)
    assert bugs.SameFirstBatch(300, 300).next() == (None, True)
