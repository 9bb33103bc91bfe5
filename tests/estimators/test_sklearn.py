"""BrickClassifier and BrickRegressor pass scikit-learn's estimator checks and learn."""

import math
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_digits, make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import brickprop as bp  # noqa: E402
from brickprop.sklearn import BrickClassifier, BrickRegressor  # noqa: E402


@parametrize_with_checks([BrickClassifier(), BrickRegressor()])
def test_sklearn_estimator_checks(estimator, check, monkeypatch):
    # Array-API dispatch checks skip unless this is set; NumPy input is all they need.
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_classification(n_samples=240, n_features=6, n_informative=4, n_classes=3,
                               class_sep=2.0, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def sine():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (300, 1))
    return x, np.sin(2 * x[:, 0]) + 0.05 * rng.normal(size=300)


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_import_brickprop_does_not_import_sklearn():
    result = _run("import sys, brickprop; print('sklearn' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_missing_sklearn_gives_a_clear_import_error():
    result = _run("import sys; sys.modules['sklearn'] = None\n"
                  "try:\n    import brickprop.sklearn\n"
                  "except ImportError as e:\n    print(e)")
    assert result.returncode == 0, result.stderr
    assert "pip install scikit-learn" in result.stdout


def test_digits_reach_95_percent_test_accuracy():
    X, y = load_digits(return_X_y=True)  # 1,797 8x8 images, shipped with scikit-learn
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    model = make_pipeline(StandardScaler(), BrickClassifier(
        hidden_layer_sizes=(64,), batch_size=64, max_iter=50, random_state=0))
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95


def test_regressor_fits_a_sine(sine):
    x, t = sine
    reg = BrickRegressor(hidden_layer_sizes=(64, 64), learning_rate_init=1e-2, batch_size=32,
                         max_iter=100, random_state=0).fit(x, t)
    grid = np.linspace(-3, 3, 200)[:, None]
    assert reg.score(grid, np.sin(2 * grid[:, 0])) > 0.9
    assert reg.predict(grid).shape == (200,)


@pytest.mark.parametrize("y_shape", [(300,), (300, 1), (300, 2)])
def test_regressor_predictions_keep_the_dimensions_of_y(sine, y_shape):
    x, t = sine
    y = np.column_stack([t, -t])[:, : (y_shape[1] if len(y_shape) == 2 else 1)]
    y = y.reshape(y_shape)
    reg = BrickRegressor(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(x, y)
    assert reg.predict(x[:5]).shape == (5, *y_shape[1:])


def test_predict_proba_rows_sum_to_one_and_agree_with_predict(blobs):
    X, y = blobs
    clf = BrickClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (X.shape[0], 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


def test_string_labels_round_trip(blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "emu"])[y]
    clf = BrickClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0).fit(X, names)
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    assert set(clf.predict(X)) <= {"cat", "dog", "emu"}


def test_fitted_attributes_describe_the_run(blobs):
    X, y = blobs
    clf = BrickClassifier(hidden_layer_sizes=(16, 8), batch_size=100, max_iter=7,
                          random_state=0).fit(X, y)
    assert clf.n_features_in_ == 6 and clf.n_iter_ == 7 and len(clf.loss_curve_) == 7
    assert len(clf.history_) == 7 * math.ceil(240 / 100)
    assert isinstance(clf.history_, bp.History) and isinstance(clf.net_, bp.Sequential)
    assert [W.shape for W in clf.coefs_] == [(6, 16), (16, 8), (8, 3)]
    assert [b.shape for b in clf.intercepts_] == [(16,), (8,), (3,)]
    assert clf.validation_loss_curve_ is None


def test_partial_fit_continues_training(blobs):
    X, y = blobs
    clf = BrickClassifier(hidden_layer_sizes=(16,), batch_size=60, random_state=0)
    clf.partial_fit(X[:120], y[:120], classes=[0, 1, 2])
    first_loss, steps = clf.loss_curve_[0], clf._optimizer.t
    W = clf.coefs_[0].copy()
    for _ in range(20):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 21 and len(clf.loss_curve_) == 21
    assert clf._optimizer.t == steps + 20 * 4  # one epoch of 4 batches per call, same optimizer
    assert len(clf.history_) == clf._optimizer.t  # every call's steps, concatenated
    np.testing.assert_array_equal(clf.history_["step"], np.arange(len(clf.history_)))
    assert clf.loss_curve_[-1] < 0.8 * first_loss
    assert not np.allclose(clf.coefs_[0], W)


def test_partial_fit_rejects_unknown_labels_and_changed_classes(blobs):
    X, y = blobs
    clf = BrickClassifier(hidden_layer_sizes=(4,)).partial_fit(X[y < 2], y[y < 2])
    with pytest.raises(ValueError, match=r"labels \[2\] not in classes_"):
        clf.partial_fit(X, y)
    with pytest.raises(ValueError, match="differs from the classes of the first call"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


def test_partial_fit_regressor_continues_after_fit(sine):
    x, t = sine
    reg = BrickRegressor(hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(x, t)
    reg.partial_fit(x, t)
    assert reg.n_iter_ == 6 and len(reg.loss_curve_) == 6
    with pytest.raises(ValueError, match="y has 2 outputs but the network was fitted with 1"):
        reg.partial_fit(x, np.column_stack([t, t]))


@pytest.mark.parametrize("make", [
    lambda: BrickClassifier(hidden_layer_sizes=(8,), learning_rate_init=1e-2, max_iter=50,
                            random_state=0),
    lambda: BrickRegressor(hidden_layer_sizes=(8,), learning_rate_init=1e-2, max_iter=50,
                           random_state=0),
])
def test_pipeline_grid_search_and_cross_validation(blobs, make):
    X, y = blobs
    target = y if isinstance(make(), BrickClassifier) else X[:, 0] - 2 * X[:, 1]
    pipe = make_pipeline(StandardScaler(), make())
    scores = cross_val_score(pipe, X, target, cv=3)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    name = pipe.steps[-1][0]
    search = GridSearchCV(pipe, {f"{name}__alpha": [1e-4, 1e-1],
                                 f"{name}__activation": ["relu", "logistic"]}, cv=2)
    search.fit(X, target)
    assert set(search.best_params_) == {f"{name}__alpha", f"{name}__activation"}
    assert search.score(X, target) > 0.8


def test_alpha_means_what_it_means_in_scikit_learn(sine):
    """One full-batch SGD step from the same weights matches MLPRegressor's, L2 included."""
    x, t = sine
    common = dict(hidden_layer_sizes=(5,), alpha=0.3, learning_rate_init=0.05, batch_size=300,
                  max_iter=1, random_state=0)
    ref = MLPRegressor(solver="sgd", momentum=0.0, shuffle=False, **common)
    with pytest.warns(ConvergenceWarning):
        ref.fit(x, t)
    ours = BrickRegressor(solver="sgd", **common).fit(x, t)
    for mine, theirs in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        mine[...] = theirs
    ref.partial_fit(x, t)
    ours.partial_fit(x, t)
    np.testing.assert_allclose(ours.loss_curve_[-1], ref.loss_curve_[-1], rtol=1e-12)
    for mine, theirs in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-14)


def test_early_stopping_holds_out_data_and_stops(blobs):
    X, y = blobs
    clf = BrickClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.05, max_iter=500,
                          early_stopping=True, n_iter_no_change=3, random_state=0).fit(X, y)
    assert clf.n_iter_ < 500 and "stopped" in clf.history_.meta
    assert len(clf.validation_loss_curve_) == clf.n_iter_


def test_divergence_is_a_convergence_warning(sine):
    x, t = sine
    reg = BrickRegressor(hidden_layer_sizes=(16,), solver="sgd", learning_rate_init=50.0,
                         max_iter=50, random_state=0)
    with pytest.warns(ConvergenceWarning, match="training diverged"):
        reg.fit(x, 100 * t)
    assert np.all(np.isfinite(reg.predict(x)))


def test_brickprop_options_reach_the_training(blobs):
    X, y = blobs
    clf = BrickClassifier(hidden_layer_sizes=(8,), activation="logistic", solver="momentum",
                          schedule="cosine", clip_norm=1.0, l1=1e-3, init="he", max_iter=3,
                          random_state=0).fit(X, y)
    assert isinstance(clf.net_[1], bp.Sigmoid)
    assert isinstance(clf._regularizer(), bp.ElasticNet)
    assert clf._optimizer.momentum == 0.9
    lr = clf.history_["lr"]
    assert lr[0] == pytest.approx(1e-3) and lr[-1] < lr[0]
    assert "grad_norm" in clf.history_.columns


@pytest.mark.parametrize("param, value, message", [
    ("activation", "softplus", "activation must be one of"),
    ("solver", "lbfgs", "solver must be one of"),
    ("hidden_layer_sizes", (10, 0), "hidden_layer_sizes must be a positive integer"),
    ("alpha", -1.0, "alpha must be"),
    ("batch_size", 0, "batch_size"),
    ("schedule", "warp", "unknown schedule"),
    ("init", "orthogonal", "init must be one of"),
])
def test_bad_parameters_raise_clear_errors(blobs, param, value, message):
    X, y = blobs
    with pytest.raises(ValueError, match=message):
        BrickClassifier(**{param: value}).fit(X, y)


def test_fits_are_reproducible_with_a_random_state(blobs):
    X, y = blobs
    a, b = (BrickClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=3).fit(X, y)
            for _ in range(2))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_too_large_batch_size_is_clipped_with_one_warning_at_the_caller(blobs):
    X, y = blobs
    with pytest.warns(UserWarning, match="batch_size 1000 is larger than the 240") as caught:
        clf = BrickClassifier(hidden_layer_sizes=(4,), batch_size=1000, max_iter=3).fit(X, y)
    assert len(caught) == 1 and caught[0].filename == __file__
    assert len(clf.history_) == 3  # full batch: one step per epoch


def test_a_callable_schedule_is_copied_not_shared(blobs):
    X, y = blobs
    plateau = bp.schedules.ReduceOnPlateau(0.01, patience=0, factor=0.5)
    clf = BrickClassifier(hidden_layer_sizes=(4,), schedule=plateau, max_iter=30,
                          random_state=0).fit(X, y)
    assert plateau.current_lr == 0.01  # the parameter is untouched ...
    assert clf.history_["lr"][-1] < 0.01  # ... while the fit's copy was driven by the losses


def test_verbose_prints_scikit_learns_iteration_lines_with_loss_curve_values(capsys):
    X, y = make_classification(n_samples=130, n_features=4, random_state=0)
    clf = BrickClassifier(hidden_layer_sizes=(5,), max_iter=3, batch_size=50, random_state=0,
                          verbose=True)
    clf.fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["Iteration 1", "Iteration 2",
                                                       "Iteration 3"]
    printed = [float(line.split("= ")[1]) for line in lines]
    np.testing.assert_allclose(printed, clf.loss_curve_, rtol=1e-7)
    BrickClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""
