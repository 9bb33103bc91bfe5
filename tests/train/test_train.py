"""fit() solves XOR, is deterministic, records a History, and rejects bad input clearly."""

import csv
import re

import numpy as np
import pytest

import brickprop as bp


def _fit(X, Y, hidden=(3,), lr=5.0, steps=5000, seed=0, net_seed=0, **kwargs):
    net = bp.mlp(2, list(hidden), 2, seed=net_seed)
    history = bp.fit(net, X, Y, loss=bp.MSE(), optimizer=bp.SGD(net.parameters(), lr=lr),
                     regularizer=bp.L2(1e-4), steps=steps, seed=seed, **kwargs)
    return net, history


def _accuracy(net, X, y):
    return float(np.mean(net.forward(X).argmax(axis=1) == y))


def test_article_network_learns_xor(xor_data):
    X, Y, y = xor_data
    net, history = _fit(X, Y, net_seed=2017)  # the article's weights
    assert _accuracy(net, X, y) >= 0.85
    assert len(history) == 5000
    assert history["loss"][-1] < 0.5 * history["loss"][0]


def test_fifty_hidden_units_solve_xor(xor_data):
    X, Y, y = xor_data
    net, history = _fit(X, Y, hidden=(50,), steps=3000)
    assert _accuracy(net, X, y) >= 0.98
    assert history["accuracy"][-1] >= 0.98


def test_history_columns_are_consistent(xor_data):
    X, Y, y = xor_data
    net, history = _fit(X, Y, steps=50)
    np.testing.assert_allclose(history["step"], np.arange(50), rtol=0, atol=0)
    np.testing.assert_allclose(history["loss"], history["data_loss"] + history["penalty"],
                               rtol=1e-14, atol=0)
    np.testing.assert_allclose(history["lr"], 5.0, rtol=0, atol=0)
    assert np.all(history["penalty"] > 0) and np.all(history["grad_norm_0"] > 0)
    last = history.last()
    np.testing.assert_allclose(last["loss"], history["loss"][-1], rtol=0, atol=0)
    with pytest.raises(KeyError, match="no column 'nope'"):
        history["nope"]


def _assert_same_history(a, b):
    assert a.columns == b.columns and len(a) == len(b)
    for column in a.columns:
        np.testing.assert_array_equal(a[column], b[column], err_msg=column)


def test_same_seed_gives_identical_history(xor_data):
    X, Y, _ = xor_data
    _, a = _fit(X, Y, steps=300)
    _, b = _fit(X, Y, steps=300)
    _assert_same_history(a, b)


def test_minibatches_are_deterministic_given_seed(xor_data):
    X, Y, _ = xor_data
    _, a = _fit(X, Y, steps=200, batch_size=32, seed=7)
    _, b = _fit(X, Y, steps=200, batch_size=32, seed=7)
    _, c = _fit(X, Y, steps=200, batch_size=32, seed=8)
    _assert_same_history(a, b)
    assert not np.array_equal(a["loss"], c["loss"])
    _, full = _fit(X, Y, steps=200)
    assert not np.array_equal(a["loss"], full["loss"])


def test_minibatches_cover_every_sample_once_per_epoch():
    """With a loss that records its batches, one epoch of 5 batches of 4 uses all 20 rows once."""
    seen = []

    class RecordingMSE(bp.MSE):
        def forward(self, pred, target):
            seen.append(target[:, 0].copy())
            return super().forward(pred, target)

    X = np.arange(40, dtype=float).reshape(20, 2)
    Y = np.arange(20, dtype=float).reshape(20, 1)
    net = bp.mlp(2, [2], 1, seed=0)
    bp.fit(net, X, Y, loss=RecordingMSE(), optimizer=bp.SGD(net.parameters(), lr=1e-6),
           steps=10, batch_size=4, seed=0)
    for epoch in (seen[:5], seen[5:]):
        np.testing.assert_array_equal(np.sort(np.concatenate(epoch)), np.arange(20.0))
    assert not np.array_equal(np.concatenate(seen[:5]), np.concatenate(seen[5:]))


def test_history_to_csv(xor_data, tmp_path):
    X, Y, _ = xor_data
    _, history = _fit(X, Y, steps=25)
    path = tmp_path / "metrics.csv"
    text = history.to_csv(path)
    assert path.read_text(encoding="utf-8") == text
    assert history.to_csv() == text
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["step", "loss", "data_loss", "penalty", "accuracy", "lr",
                       "grad_norm_0", "grad_norm_2", "grad_norm"]
    body = rows[1:]
    assert len(body) == 25
    assert [row[0] for row in body] == [str(i) for i in range(25)]
    values = np.array([[float(v) for v in row] for row in body])
    for k, column in enumerate(rows[0]):
        np.testing.assert_allclose(values[:, k], history[column], rtol=1e-15, atol=0,
                                   err_msg=column)
    assert not list(tmp_path.glob(".tmp-*"))  # the atomic write cleaned up


# ---------------------------------------------------------------- bad input


def _small():
    X, y = bp.datasets.xor(40, 1)
    net = bp.mlp(2, [3], 2, seed=0)
    return net, X, bp.one_hot(y)


def test_nan_in_x_names_row_and_column():
    net, X, Y = _small()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match=re.escape("X has a NaN or inf value at row 3, column 1")):
        bp.fit(net, X, Y, steps=1)


def test_inf_in_y_is_rejected():
    net, X, Y = _small()
    Y[5, 0] = np.inf
    with pytest.raises(ValueError, match="Y has a NaN or inf value at row 5, column 0"):
        bp.fit(net, X, Y, steps=1)


def test_finite_float32_data_whose_sum_overflows_is_accepted():
    net, X, Y = _small()
    net.astype(np.float32)
    X, Y = X.astype(np.float32), Y.astype(np.float32)
    X[:4] = np.finfo(np.float32).max  # finite, but their sum is inf in float32
    bp.fit(net, X, Y, steps=1)
    X[7, 0] = -np.inf
    with pytest.raises(ValueError, match="X has a NaN or inf value at row 7, column 0"):
        bp.fit(net, X, Y, steps=1)


@pytest.mark.parametrize("layout", ["float64", "float32", "columns in order", "strided"])
def test_a_bad_value_is_found_in_every_layout_of_x(layout):
    # Rows in order go through one BLAS product, any other layout through np.add.reduce.
    net, X, Y = _small()
    if layout == "float32":
        net.astype(np.float32)
        X, Y = X.astype(np.float32), Y.astype(np.float32)
    elif layout == "columns in order":
        X = np.asfortranarray(X)
    elif layout == "strided":
        X = np.repeat(X, 2, axis=1)[:, ::2]
    for value in (np.nan, np.inf, -np.inf):
        bad = X.copy(order="K")
        bad[11, 1] = value
        with pytest.raises(ValueError, match="X has a NaN or inf value at row 11, column 1"):
            bp.fit(net, bad, Y, steps=1)
    bp.fit(net, X, Y, steps=1)  # the same layout without the bad value trains


def test_mismatched_samples():
    net, X, Y = _small()
    with pytest.raises(ValueError, match="X has 40 samples but Y has 39"):
        bp.fit(net, X, Y[:39], steps=1)


def test_one_dimensional_y():
    net, X, Y = _small()
    with pytest.raises(ValueError, match=re.escape("Y must be 2-D")) as info:
        bp.fit(net, X, Y.argmax(axis=1).astype(float), steps=1)
    assert "one_hot" in str(info.value)


def test_integer_y_is_a_type_error():
    net, X, Y = _small()
    with pytest.raises(TypeError, match="Y must be a float numpy array"):
        bp.fit(net, X, Y.astype(int), steps=1)


@pytest.mark.parametrize("steps", [0, -3, 2.5, True])
def test_bad_steps(steps):
    net, X, Y = _small()
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        bp.fit(net, X, Y, steps=steps)


@pytest.mark.parametrize("batch_size", [41, 0, 3.0])
def test_bad_batch_size(batch_size):
    net, X, Y = _small()
    with pytest.raises(ValueError, match="batch_size must be an integer from 1 to 40"):
        bp.fit(net, X, Y, steps=1, batch_size=batch_size)


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan"), float("inf")])
def test_sgd_rejects_bad_learning_rate(lr):
    net, _, _ = _small()
    with pytest.raises(ValueError, match=r"(lr|learning rate) must be a finite number") as info:
        bp.SGD(net.parameters(), lr=lr)
    assert f"got {lr!r}" in str(info.value)


def test_sgd_rejects_nesterov_without_momentum():
    net, _, _ = _small()
    with pytest.raises(ValueError, match="nesterov.* needs momentum > 0"):
        bp.SGD(net.parameters(), lr=0.1, nesterov=True)


def test_float32_data_with_float64_net():
    net, X, Y = _small()
    with pytest.raises(TypeError, match="float32") as info:
        bp.fit(net, X.astype(np.float32), Y.astype(np.float32), steps=1)
    assert "float64" in str(info.value) and "astype" in str(info.value)


def test_float32_net_trains_on_float32_data():
    net, X, Y = _small()
    net.astype(np.float32)
    history = bp.fit(net, X.astype(np.float32), Y.astype(np.float32),
                     optimizer=bp.SGD(net.parameters(), lr=1.0), steps=20)
    assert all(p.data.dtype == np.float32 for p in net.parameters())
    assert np.all(np.isfinite(history["loss"]))


# ---------------------------------------------------------------- one step


def test_train_step_returns_pre_update_prediction_and_its_gradients():
    _, X, Y = _small()
    net = bp.mlp(2, [3], 2, seed=4)
    twin = bp.mlp(2, [3], 2, seed=4)
    lr, lam, n_samples = 0.5, 0.1, X.shape[0]
    before = [p.data.copy() for p in net.parameters()]

    # what the step should see and use, from an untouched twin
    expected_pred = twin.forward(X)
    mse = bp.MSE()
    expected_loss = mse.forward(expected_pred, Y)
    twin.backward(mse.backward())
    reg = bp.L2(lam)
    expected_penalty = reg.penalty(twin.parameters(), n_samples)
    reg.backward(twin.parameters(), n_samples)

    data_loss, penalty, pred, *_ = bp.train_step(net, bp.MSE(), bp.SGD(net.parameters(), lr=lr),
                                             X, Y, bp.L2(lam))
    np.testing.assert_allclose(pred, expected_pred, rtol=1e-14, atol=0)
    np.testing.assert_allclose(data_loss, expected_loss, rtol=1e-14, atol=0)
    np.testing.assert_allclose(penalty, expected_penalty, rtol=1e-14, atol=0)
    for p, q, old in zip(net.parameters(), twin.parameters(), before):
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-14, atol=1e-16, err_msg=p.name)
        np.testing.assert_allclose(p.data, old - lr * p.grad, rtol=1e-14, atol=1e-16,
                                   err_msg=p.name)
    assert not np.allclose(net.forward(X), pred, rtol=1e-6, atol=0)


def test_minibatches_do_not_copy_the_dataset():
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.random((20_000, 50), dtype=np.float32)  # 4 MB
    Y = bp.one_hot(rng.integers(0, 4, 20_000), 4, dtype=np.float32)
    net = bp.mlp(50, [8], 4, activation="relu", output="identity", seed=0, dtype=np.float32)
    tracemalloc.start()
    h = bp.fit(net, X, Y, bp.CrossEntropy(), bp.SGD(net.parameters(), lr=0.1), steps=1300,
               batch_size=32)  # two epochs, each a fresh permutation
    extra = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert h.n == 1300
    assert extra < X.nbytes / 4, f"fit allocated {extra} bytes for a {X.nbytes}-byte dataset"
    assert all(p.data.dtype == np.float32 and p.grad.dtype == np.float32
               for p in net.parameters())


def test_history_rows_survive_chunking_growth_and_put():
    h = bp.History(["step", "loss"], 3)  # fewer rows reserved than recorded
    n = 2 * bp.History.CHUNK + 5
    for step in range(n):
        h.record((step, 0.5 * step))
        if step == bp.History.CHUNK - 1:
            h.put("loss", -1.0)  # the last row of a chunk, before it is stored
        if step == bp.History.CHUNK + 1:
            assert h["step"][-1] == step  # reading stores the pending rows
            h.put("loss", -2.0)  # a stored row
    assert len(h) == n
    expected = 0.5 * np.arange(n)
    expected[[bp.History.CHUNK - 1, bp.History.CHUNK + 1]] = -1.0, -2.0
    np.testing.assert_allclose(h["loss"], expected, rtol=0, atol=0)
    np.testing.assert_allclose(h["step"], np.arange(n), rtol=0, atol=0)
    assert h.last() == {"step": n - 1, "loss": 0.5 * (n - 1)}
