"""gradcheck names the faulty brick, loss or regularizer, and only that one."""

import numpy as np
import pytest

import brickprop as bp


class BadSigmoid(bp.Sigmoid):
    """Forgets the ``(1 - h)`` factor of the local derivative."""

    def backward(self, dL_dh, input_grad=True):
        return dL_dh * self._h


class BadLinear(bp.Linear):
    """Divides the weight gradient by n_samples a second time."""

    def backward(self, dL_dz, input_grad=True):
        dL_dx = super().backward(dL_dz, input_grad)
        self.W.grad /= dL_dz.shape[0]
        return dL_dx


class BadMSE(bp.MSE):
    """The article's data gradient: without the 1/N of its own loss."""

    def backward(self):
        return self._diff.copy()


class ArticleL2(bp.L2):
    """The article's penalty gradient: adds the scalar ``lam * sum(W**2)`` to every entry."""

    def backward(self, params, n_samples):
        for W in params:
            if W.data.ndim == 2:
                W.grad += self.lam * np.sum(W.data**2)


def _data(n_samples=4, n_in=3, n_out=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_in))
    Y = bp.one_hot(rng.integers(0, n_out, n_samples), n_out)
    return X, Y


def _net(middle):
    """Five bricks with ``middle`` at position 2 and a plain Sigmoid at position 4."""
    net = bp.Sequential(bp.Linear(3, 4, rng=0), bp.Tanh(), middle, bp.Linear(4, 2, rng=1),
                        bp.Sigmoid())
    rng = np.random.default_rng(5)
    for p in net.parameters():
        if p.data.ndim == 1:
            p.data[:] = rng.standard_normal(p.shape)
    return net


def _rows(report, prefix):
    return [c for c in report.checks if c.part.startswith(prefix)]


def test_correct_network_passes_and_leaves_parameters_alone():
    X, Y = _data()
    net = _net(bp.Sigmoid())
    before = [p.data.copy() for p in net.parameters()]
    report = bp.gradcheck(net, X, Y, bp.MSE(), bp.L2(0.1))
    assert report.passed, str(report)
    assert report.faulty == []
    assert max(c.max_rel_error for c in report.checks) < 1e-6
    for p, old in zip(net.parameters(), before):
        np.testing.assert_array_equal(p.data, old)
    text = str(report)
    assert "FAIL" not in text
    assert text.count("PASS") == len(report.checks)
    assert text.splitlines()[-1].startswith("all gradients match")


def test_wrong_activation_backward_is_named_alone():
    X, Y = _data()
    net = _net(BadSigmoid())
    report = bp.gradcheck(net, X, Y, bp.MSE())
    assert not report.passed
    assert report.faulty == ["2 BadSigmoid()"]
    failing = [(c.part, c.quantity) for c in report.checks if not c.passed]
    assert ("2 BadSigmoid()", "dL/dx") in failing
    for prefix in ("0 ", "1 ", "3 ", "4 ", "loss "):
        rows = _rows(report, prefix)
        assert rows and all(c.passed for c in rows), prefix
    assert any(not c.passed for c in _rows(report, "network"))  # the chain inherits the bug


def test_a_correct_twin_of_the_faulty_brick_passes():
    X, Y = _data()
    net = bp.Sequential(bp.Linear(3, 4, rng=0), bp.Sigmoid(), bp.Linear(4, 4, rng=1),
                        BadSigmoid(), bp.Linear(4, 2, rng=2))
    report = bp.gradcheck(net, X, Y, bp.MSE())
    assert report.faulty == ["3 BadSigmoid()"]
    assert all(c.passed for c in _rows(report, "1 Sigmoid()"))


def test_wrong_weight_gradient_fails_only_that_row():
    X, Y = _data()
    bad = BadLinear(4, 4, rng=3)
    net = _net(bad)
    report = bp.gradcheck(net, X, Y, bp.MSE())
    assert report.faulty == [f"2 {bad!r}"]
    assert {c.quantity for c in _rows(report, "2 ") if not c.passed} == {"W"}
    assert all(c.passed for c in _rows(report, "2 ") if c.quantity in ("dL/dx", "b"))
    assert {c.quantity for c in _rows(report, "network") if not c.passed} == {"2.W"}


def test_loss_without_one_over_n_is_named():
    X, Y = _data(n_samples=5)
    report = bp.gradcheck(_net(bp.Sigmoid()), X, Y, BadMSE())
    assert report.faulty == ["loss BadMSE()"]
    loss_rows = _rows(report, "loss ")
    assert [c.quantity for c in loss_rows] == ["dL/dpred"] and not loss_rows[0].passed
    np.testing.assert_allclose(loss_rows[0].analytic / loss_rows[0].numeric, 5.0, rtol=1e-6,
                               atol=0)
    for prefix in ("0 ", "1 ", "2 ", "3 ", "4 "):
        assert all(c.passed for c in _rows(report, prefix)), prefix


def test_article_regularizer_bug_is_named():
    X, Y = _data()
    reg = ArticleL2(0.1)
    report = bp.gradcheck(_net(bp.Sigmoid()), X, Y, bp.MSE(), reg)
    assert report.faulty == [f"regularizer {reg!r}"]
    failing = {c.quantity for c in _rows(report, "regularizer ") if not c.passed}
    assert failing == {"0.W", "3.W"}  # biases carry no penalty, so their rows pass
    assert all(c.passed for c in _rows(report, "loss "))


def test_report_table_shows_pass_and_fail_rows():
    X, Y = _data()
    report = bp.gradcheck(_net(BadSigmoid()), X, Y, bp.MSE(), bp.L2(0.1))
    lines = str(report).splitlines()
    header = lines[0].split()
    assert header[:2] == ["part", "gradient"] and header[-1] == "result"
    rows = lines[2:-1]
    assert len(rows) == len(report.checks)
    for line, check in zip(rows, report.checks):
        assert line.startswith(check.part)
        assert line.endswith("PASS" if check.passed else "FAIL")
    assert any(line.startswith("2 BadSigmoid()") and line.endswith("FAIL") for line in rows)
    assert any(line.startswith("0 Linear(3, 4)") and line.endswith("PASS") for line in rows)
    assert lines[-1].startswith("faulty: 2 BadSigmoid()")


def test_gradcheck_without_loss_checks_bricks_only():
    X, _ = _data()
    report = bp.gradcheck(_net(bp.Sigmoid()), X)
    assert report.passed
    assert {c.part.split()[0] for c in report.checks} == {"0", "1", "2", "3", "4"}


@pytest.mark.parametrize("seed", [0, 1])
def test_gradcheck_is_deterministic(seed):
    X, Y = _data()
    a = bp.gradcheck(_net(BadSigmoid()), X, Y, bp.MSE(), seed=seed)
    b = bp.gradcheck(_net(BadSigmoid()), X, Y, bp.MSE(), seed=seed)
    assert str(a) == str(b)


def test_float32_networks_are_checked_through_a_float64_twin():
    failures = 0
    for seed in range(20):
        net = bp.mlp(3, [5, 4], 2, activation="tanh", seed=seed).astype(np.float32)
        X = np.random.default_rng(seed).standard_normal((4, 3)).astype(np.float32)
        Y = bp.one_hot(np.array([0, 1, 1, 0]), dtype=np.float32)
        before = [p.data.copy() for p in net.parameters()]
        failures += not bp.gradcheck(net, X, Y, bp.MSE(), bp.L2(0.1)).passed
        assert all(p.data.dtype == np.float32 for p in net.parameters())
        assert all(np.array_equal(a, p.data) for a, p in zip(before, net.parameters()))
    assert failures == 0
