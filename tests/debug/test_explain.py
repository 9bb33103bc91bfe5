"""explain() shows the numbers training uses, in chain-rule order, and renders them readably."""

import copy
import re

import numpy as np
import pytest

import brickprop as bp
from brickprop.debug.explain import Entry, Trace, explain, render

TOL = dict(rtol=1e-12, atol=1e-12)


@pytest.fixture(scope="module")
def xor_data():
    X, y = bp.datasets.xor(300, 0)
    return X, bp.one_hot(y), y


def _n_layers(net):
    return len(net.layers())


CASES = {
    "article 2-3-2 sigmoid, MSE + L2": (lambda: bp.mlp(2, [3], 2, seed=0), bp.MSE, bp.L2(1e-2)),
    "2-4-3-2 tanh, MSE": (lambda: bp.mlp(2, [4, 3], 2, activation="tanh", seed=3), bp.MSE, None),
    "2-5-2 relu, cross-entropy + L1": (
        lambda: bp.mlp(2, [5], 2, activation="relu", output="identity", seed=1),
        bp.CrossEntropy, bp.L1(1e-2)),
}


@pytest.mark.parametrize("case", CASES)
def test_trace_shows_the_numbers_training_uses(case, xor_data):
    make, loss_cls, reg = CASES[case]
    X, Y, _ = xor_data
    X, Y = X[:40], Y[:40]
    net, twin = make(), make()
    trace = explain(net, X, Y, loss=loss_cls(), regularizer=reg, lr=0.7)
    history = bp.fit(twin, X, Y, loss=loss_cls(), optimizer=bp.SGD(twin.parameters(), lr=0.7),
                     regularizer=reg, steps=1)
    np.testing.assert_allclose(trace["L_data"].array, history["data_loss"][0], **TOL)
    np.testing.assert_allclose(trace["L_penalty"].array, history["penalty"][0], **TOL)
    np.testing.assert_allclose(trace["L"].array, history["loss"][0], **TOL)
    for k, (_, linear) in enumerate(twin.layers(), start=1):
        np.testing.assert_allclose(trace[f"dL/dW{k}"].array, linear.W.grad, **TOL)
        np.testing.assert_allclose(trace[f"dL/db{k}"].array, linear.b.grad, **TOL)
        np.testing.assert_allclose(trace[f"W{k}_new"].array, linear.W.data, **TOL)
        np.testing.assert_allclose(trace[f"b{k}_new"].array, linear.b.data, **TOL)
    np.testing.assert_allclose(trace[f"h{_n_layers(twin)}"].array, net.forward(X), **TOL)


@pytest.mark.parametrize("case", CASES)
def test_chain_rule_is_consistent_and_reuse_is_marked(case, xor_data):
    make, loss_cls, reg = CASES[case]
    X, Y, _ = xor_data
    net = make()
    trace = explain(net, X[:25], Y[:25], loss=loss_cls(), regularizer=reg)
    K = _n_layers(net)
    for k in range(1, K + 1):
        t = {name: trace[name.format(k=k, j=k - 1, i=k + 1)].array
             for name in ("h{j}", "W{k}", "z{k}", "h{k}", "dL/dh{k}", "dh{k}/dz{k}", "dL/dz{k}",
                          "dz{k}/dW{k}", "dL/dW{k}", "dL/db{k}")}
        np.testing.assert_allclose(t["dL/dz{k}"], t["dL/dh{k}"] * t["dh{k}/dz{k}"], **TOL)
        np.testing.assert_allclose(t["z{k}"], t["h{j}"] @ t["W{k}"] + trace[f"b{k}"].array, **TOL)
        np.testing.assert_allclose(t["dz{k}/dW{k}"], t["h{j}"], **TOL)
        dW = t["h{j}"].T @ t["dL/dz{k}"]
        if reg is not None:
            dW = dW + trace[f"dL_penalty/dW{k}"].array
        np.testing.assert_allclose(t["dL/dW{k}"], dW, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(t["dL/db{k}"], t["dL/dz{k}"].sum(axis=0), rtol=1e-10, atol=1e-14)
        if k < K:
            upper = trace[f"dL/dh{k}"]
            assert upper.reused_from == f"dL/dz{k + 1}"
            assert trace[f"dz{k + 1}/dh{k}"].reused_from == f"W{k + 1}"
            np.testing.assert_allclose(
                upper.array, trace[f"dL/dz{k + 1}"].array @ trace[f"W{k + 1}"].array.T,
                rtol=1e-10, atol=1e-14)
    assert trace[f"dL/dh{K}"].reused_from is None


def test_update_is_old_minus_lr_times_gradient(xor_data):
    X, Y, _ = xor_data
    trace = explain(bp.mlp(2, [3], 2, seed=0), X[:10], Y[:10], regularizer=bp.L2(1e-3), lr=2.5)
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(trace[f"{name}_new"].array,
                                   trace[name].array - 2.5 * trace[f"dL/d{name}"].array, **TOL)
    assert trace["W1_new"].formula == "W1 - lr * dL/dW1"


def test_default_is_the_article_step_lr_5_mse_no_penalty(xor_data):
    X, Y, _ = xor_data
    net, twin = bp.mlp(2, [3], 2, seed=0), bp.mlp(2, [3], 2, seed=0)
    trace = explain(net, X, Y)
    bp.train_step(twin, bp.MSE(), bp.SGD(twin.parameters(), lr=5.0), X, Y)
    np.testing.assert_allclose(trace["W2_new"].array, twin[2].W.data, **TOL)
    assert float(trace["L_penalty"].array) == 0.0
    assert "dL_penalty/dW1" not in [e.name for e in trace]


def test_user_network_optimizer_and_loss_are_left_unchanged(xor_data):
    X, Y, _ = xor_data
    net = bp.mlp(2, [4, 3], 2, seed=0)
    before = [p.data.copy() for p in net.parameters()]
    names = [p.name for p in net.parameters()]
    opt = bp.SGD(net.parameters(), lr=0.5, momentum=0.9)
    loss = bp.MSE()
    trace = explain(net, X, Y, loss=loss, optimizer=opt, regularizer=bp.L2(1e-3))
    for p, old in zip(net.parameters(), before):
        np.testing.assert_array_equal(p.data, old)
        assert not p.grad.any()
    assert [p.name for p in net.parameters()] == names
    assert opt.t == 0 and not any(opt.state)
    assert not hasattr(loss, "_diff")
    # a non-SGD rule is named, and the values are what that optimizer computed
    twin = copy.deepcopy(net)
    bp.fit(twin, X, Y, optimizer=bp.SGD(twin.parameters(), lr=0.5, momentum=0.9),
           regularizer=bp.L2(1e-3), steps=1)
    np.testing.assert_allclose(trace["W3_new"].array, twin[4].W.data, **TOL)
    assert "SGD.step()" in trace["W3_new"].formula


def test_linear_output_without_activation_and_softmax_jacobian(xor_data):
    X, Y, _ = xor_data
    net = bp.Sequential(bp.Linear(2, 3, rng=0), bp.Tanh(), bp.Linear(3, 2, rng=1))
    trace = explain(net, X[:5], Y[:5], loss=bp.CrossEntropy())
    np.testing.assert_allclose(trace["h2"].array, trace["z2"].array, **TOL)
    np.testing.assert_allclose(trace["dh2/dz2"].array, np.ones((5, 2)), **TOL)
    soft = bp.Sequential(bp.Linear(2, 3, rng=0), bp.Sigmoid(), bp.Linear(3, 2, rng=1),
                         bp.Softmax())
    trace = explain(soft, X[:5], Y[:5])
    assert trace["dh2/dz2"].array is None and "Jacobian" in trace["dh2/dz2"].formula
    h2, dL_dh2 = trace["h2"].array, trace["dL/dh2"].array
    expected = h2 * (dL_dh2 - np.sum(dL_dh2 * h2, axis=1, keepdims=True))
    np.testing.assert_allclose(trace["dL/dz2"].array, expected, rtol=1e-10, atol=1e-15)
    assert "Jacobian" in trace.to_text() and r"\begin{bmatrix}" in trace.to_latex()


def test_text_of_the_article_network_on_one_sample_fits_100_columns(xor_data):
    X, Y, _ = xor_data
    trace = explain(bp.mlp(2, [3], 2, seed=0), X[:1], Y[:1], regularizer=bp.L2(1e-4))
    text = trace.to_text()
    assert str(trace) == text == render(trace)
    assert max(len(line) for line in text.splitlines()) <= 100
    order = [text.index(s) for s in ("FORWARD", "LOSS", "BACKWARD: LAYER 2",
                                     "BACKWARD: LAYER 1", "UPDATE")]
    assert order == sorted(order)
    assert re.search(r"dL/dh1 .*dL/dz2 W2\^T .*reuses dL/dz2 from layer 2", text)
    assert "sum((h2 - y)^2) / 2N" in text and "lam * sum(W^2) / 2N" in text
    assert f"{float(trace['L'].array):.4f}" in text


def test_wide_layers_and_many_samples_are_shortened(xor_data):
    X, Y, _ = xor_data
    trace = explain(bp.mlp(2, [50], 2, seed=0), X, Y)
    text = trace.to_text(samples=2, width=100)
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "298 more rows (samples) hidden" in text
    assert "cols" in text  # 50 hidden units do not fit in 100 columns
    block = text.split("\n  z1 ")[1].split("\n  h1 ")[0]
    assert block.count("    [") == 2
    assert "298 more" in trace.to_markdown(samples=2)
    assert len(render(trace, "text", samples=None).splitlines()) > 300 * 6


def test_markdown_latex_and_html(xor_data):
    X, Y, _ = xor_data
    trace = explain(bp.mlp(2, [3], 2, seed=0), X[:3], Y[:3], regularizer=bp.L1(1e-3))
    md = render(trace, "markdown", precision=3)
    assert "| name | shape | formula | value |" in md and "|---|" in md
    assert "reuses dL/dz2 from layer 2" in md
    assert r"sum(\|W\|)" in md  # pipes inside cells are escaped
    tex = render(trace, "latex")
    assert r"\begin{bmatrix}" in tex and r"\frac{\partial L}{\partial W_{1}}" in tex
    assert tex.count(r"\begin{align*}") == tex.count(r"\end{align*}") == 5
    page = trace._repr_html_()
    assert page.startswith("<table")
    assert "<td>dL/dW1</td>" in page and "sum(|W|)" in page
    evil = Trace([Entry("forward", "<b>x</b>", "a & b", None)], "<script>")
    out = evil._repr_html_()
    assert "<script>" not in out and "&lt;b&gt;x&lt;/b&gt;" in out and "a &amp; b" in out
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render(trace, "pdf")


def test_bad_input_gets_clear_errors(xor_data):
    X, Y, _ = xor_data
    net = bp.mlp(2, [3], 2, seed=0)
    with pytest.raises(ValueError, match="lr or optimizer, not both"):
        explain(net, X, Y, lr=1.0, optimizer=bp.SGD(net.parameters(), lr=1.0))
    with pytest.raises(ValueError, match="built on net.parameters"):
        explain(net, X, Y, optimizer=bp.SGD(bp.mlp(2, [3], 2).parameters()))
    with pytest.raises(TypeError, match="traces a Sequential"):
        explain(bp.Linear(2, 2), X, Y)
    with pytest.raises(ValueError, match="brick 0 Sigmoid"):
        explain(bp.Sequential(bp.Sigmoid(), bp.Linear(2, 2)), X, Y)
    with pytest.raises(ValueError, match="X must be"):
        explain(net, X[:, 0], Y)
    trace = explain(net, X[:2], Y[:2])
    with pytest.raises(KeyError, match="no entry 'dL/dW9'"):
        trace["dL/dW9"]
    with pytest.raises(ValueError, match="samples must be a positive integer"):
        trace.to_text(samples=0)
    assert trace["W1"].shape == (2, 3) and trace["L"].shape == ()
