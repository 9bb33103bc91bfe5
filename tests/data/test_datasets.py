"""Data sets: toy generators, the registry, split, Standardizer and from_csv."""

import json
import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from brickprop.data import _fastcsv, csvfile
from brickprop.data.datasets import (
    DATASETS,
    REGRESSION,
    Standardizer,
    circles,
    default_noise,
    from_csv,
    gaussian,
    moons,
    one_hot,
    sine,
    spiral,
    split,
    surface,
    xor,
)

CLASSIFIERS = [circles, moons, spiral, gaussian]


# ---------------------------------------------------------------- generators


@pytest.mark.parametrize("make", CLASSIFIERS, ids=lambda f: f.__name__)
def test_classification_shapes_dtypes_and_balance(make):
    X, y = make(301, seed=0)
    assert X.shape == (301, 2) and X.dtype == np.float64
    assert y.shape == (301,) and np.issubdtype(y.dtype, np.integer)
    counts = np.bincount(y)
    assert counts.min() >= 1 and counts.max() - counts.min() <= 1
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("make", CLASSIFIERS + [sine, surface], ids=lambda f: f.__name__)
def test_generators_are_deterministic_by_seed(make):
    X1, y1 = make(100, seed=3)
    X2, y2 = make(100, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(make(100, seed=4)[0], X1)


@pytest.mark.parametrize("make", CLASSIFIERS, ids=lambda f: f.__name__)
def test_labels_are_shuffled_not_in_blocks(make):
    _, y = make(200, seed=0)
    assert np.count_nonzero(np.diff(y)) > 20


def test_circles_classes_differ_in_radius():
    X, y = circles(400, noise=0.05, factor=0.4, seed=1)
    r = np.linalg.norm(X, axis=1)
    assert r[y == 0].mean() > 0.9 and r[y == 1].mean() < 0.5
    X0, y0 = circles(50, noise=0.0, factor=0.3, seed=2)
    np.testing.assert_allclose(np.linalg.norm(X0, axis=1), np.where(y0 == 0, 1.0, 0.3),
                               rtol=1e-12, atol=0)


def test_moons_lie_on_their_half_circles_without_noise():
    X, y = moons(200, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0, rtol=1e-12, atol=0)
    np.testing.assert_allclose(np.linalg.norm(lower - [1.0, 0.5], axis=1), 1.0,
                               rtol=1e-12, atol=0)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0.5)
    assert upper[:, 1].mean() - lower[:, 1].mean() > 0.5  # the moons sit apart in x2


def test_spiral_with_five_arms():
    X, y = spiral(300, noise=0.0, classes=5, seed=0)
    assert X.shape == (300, 2)
    np.testing.assert_array_equal(np.bincount(y), [60] * 5)
    r = np.linalg.norm(X, axis=1)
    assert r.max() <= 1.0
    # without noise each point's angle is 2 pi k / 5 + 4 r: its arm is recoverable
    angle = np.arctan2(X[:, 1], X[:, 0]) - 4 * r
    arm = np.round(np.mod(angle, 2 * np.pi) / (2 * np.pi / 5)).astype(int) % 5
    np.testing.assert_array_equal(arm[r > 1e-9], y[r > 1e-9])


def test_spiral_any_number_of_classes():
    for classes in (2, 3, 7):
        _, y = spiral(70, classes=classes, seed=0)
        assert set(np.unique(y)) == set(range(classes))


def test_gaussian_blobs_have_noise_as_std():
    X, y = gaussian(3000, noise=0.5, centers=4, seed=0)
    means = np.array([X[y == k].mean(axis=0) for k in range(4)])
    gaps = np.linalg.norm(means[:, None] - means[None], axis=-1)
    assert gaps[~np.eye(4, dtype=bool)].min() > 4 - 0.2
    spread = np.concatenate([X[y == k] - means[k] for k in range(4)])
    np.testing.assert_allclose(spread.std(axis=0), 0.5, rtol=0.05)


def test_sine_and_surface_are_regression_sets():
    X, y = sine(50, noise=0.0, seed=0)
    assert X.shape == (50, 1) and y.shape == (50,) and y.dtype == np.float64
    assert X.min() >= -np.pi and X.max() <= np.pi
    np.testing.assert_allclose(y, np.sin(X[:, 0]), rtol=0, atol=1e-15)
    X, y = surface(60, noise=0.0, seed=0)
    assert X.shape == (60, 2) and y.shape == (60,) and y.dtype == np.float64
    np.testing.assert_allclose(y, np.sin(X[:, 0]) * np.cos(X[:, 1]), rtol=0, atol=1e-15)
    noisy = sine(2000, noise=0.1, seed=1)
    np.testing.assert_allclose((noisy[1] - np.sin(noisy[0][:, 0])).std(), 0.1, rtol=0.1)


def test_registry_calls_every_entry_as_config_does():
    assert set(DATASETS) == {"xor", "circles", "moons", "spiral", "gaussian", "sine",
                             "surface"}
    assert REGRESSION == {"sine", "surface"} and REGRESSION <= set(DATASETS)
    for name, make in DATASETS.items():
        X, y = make(120, seed=5)
        assert X.ndim == 2 and X.shape[0] == 120 and X.dtype == np.float64
        assert y.shape == (120,)
        if name in REGRESSION:
            assert y.dtype == np.float64
        else:
            assert np.issubdtype(y.dtype, np.integer) and y.min() == 0


def test_xor_is_the_articles_draw():
    """The article's script: RandomState(0).randn(300, 2), label 1 where the signs differ."""
    X, y = xor(300, 0)
    np.testing.assert_array_equal(X, np.random.RandomState(0).randn(300, 2))
    np.testing.assert_array_equal(y, (X[:, 0] < 0) != (X[:, 1] < 0))
    np.testing.assert_allclose(X[0], [1.76405235, 0.40015721], atol=5e-9)  # its worked point
    assert y[0] == 0 and one_hot(y)[0].tolist() == [1.0, 0.0]  # its target [1, 0]
    assert DATASETS["xor"] is xor


def test_xor_noise_is_drawn_after_the_points_from_the_same_generator():
    rng = np.random.RandomState(7)
    points = rng.randn(40, 2)
    np.testing.assert_array_equal(xor(40, seed=7, noise=0.5)[0], points + 0.5 * rng.randn(40, 2))


def test_xor_noise_moves_the_points_after_labelling():
    X0, y0 = xor(2000, seed=3)
    X, y = xor(2000, seed=3, noise=0.3)
    np.testing.assert_array_equal(y, y0)  # labels of the points before the noise
    np.testing.assert_allclose((X - X0).std(), 0.3, rtol=0.05)
    flipped = np.logical_xor(X[:, 0] > 0, X[:, 1] > 0) != y
    assert 0 < flipped.mean() < 0.5  # some points crossed an axis
    np.testing.assert_array_equal(xor(2000, seed=3, noise=0.0)[0], X0)


def test_default_noise_is_each_generators_own():
    assert {name: default_noise(name) for name in DATASETS} == {
        "xor": 0.0, "circles": 0.1, "moons": 0.1, "spiral": 0.1, "gaussian": 1.0,
        "sine": 0.1, "surface": 0.05}
    for name, make in DATASETS.items():  # the default is what an unset noise gives
        np.testing.assert_array_equal(make(50, seed=1)[0],
                                      make(50, seed=1, noise=default_noise(name))[0])


@pytest.mark.parametrize("call, match", [
    (lambda: circles(1), "n (number of points) must be an integer >= 2"),
    (lambda: moons(10.0), "moons: n"),
    (lambda: spiral(4, classes=5), "spiral: n"),
    (lambda: spiral(10, classes=1), "spiral: classes"),
    (lambda: gaussian(10, centers=1), "gaussian: centers"),
    (lambda: circles(10, noise=-0.1), "circles: noise"),
    (lambda: circles(10, factor=1.0), "circles: factor"),
    (lambda: sine(0), "sine: n"),
    (lambda: xor(10, noise=-1.0), "xor: noise"),
    (lambda: surface(10, noise=float("nan")), "surface: noise"),
])
def test_generators_reject_bad_arguments(call, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        call()


# ---------------------------------------------------------------- split


def test_split_sizes_no_overlap_and_original_order():
    X = np.arange(100.0).reshape(-1, 1)
    y = np.arange(100) % 2
    X_train, X_test, y_train, y_test = split(X, y, test_size=0.2, seed=0)
    assert X_train.shape == (80, 1) and X_test.shape == (20, 1)
    assert y_train.shape == (80,) and y_test.shape == (20,)
    train, test = X_train[:, 0], X_test[:, 0]
    assert not set(train) & set(test)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), X[:, 0])
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)
    np.testing.assert_array_equal(y_test, test.astype(int) % 2)  # rows stay paired


def test_split_is_stratified_for_labels_and_seeded():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.random.default_rng(0).standard_normal((100, 3))
    _, _, y_train, y_test = split(X, y, test_size=0.3, seed=1)
    np.testing.assert_array_equal(np.bincount(y_test), [18, 9, 3])
    np.testing.assert_array_equal(np.bincount(y_train), [42, 21, 7])
    again = split(X, y, test_size=0.3, seed=1)
    np.testing.assert_array_equal(again[1], split(X, y, test_size=0.3, seed=1)[1])
    assert not np.array_equal(again[1], split(X, y, test_size=0.3, seed=2)[1])


def test_split_regression_targets():
    X, y = sine(50, seed=0)
    X_train, X_test, y_train, y_test = split(X, y, test_size=0.5, seed=0)
    assert len(X_train) == len(y_train) == 25 and len(X_test) == len(y_test) == 25
    np.testing.assert_allclose(np.sort(np.concatenate([y_train, y_test])), np.sort(y),
                               rtol=0, atol=0)


@pytest.mark.parametrize("test_size", [0, 1, 1.5, -0.2, float("nan"), "0.2"])
def test_split_rejects_test_sizes_outside_zero_one(test_size):
    with pytest.raises(ValueError, match="test_size must be a finite number in"):
        split(np.zeros((10, 2)), np.zeros(10, dtype=int), test_size=test_size)


def test_split_needs_rows_on_both_sides_and_matching_lengths():
    with pytest.raises(ValueError, match="leaves no test rows"):
        split(np.zeros((4, 2)), np.arange(4), test_size=0.1)
    with pytest.raises(ValueError, match="leaves no training rows"):
        split(np.zeros((4, 2)), np.arange(4), test_size=0.9)
    with pytest.raises(ValueError, match="X has 5 rows but y has 4"):
        split(np.zeros((5, 2)), np.arange(4))


# ---------------------------------------------------------------- Standardizer


def test_standardizer_scales_columns_and_leaves_constants():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(5, 3, 200), np.full(200, 0.1), rng.normal(-2, 0.01, 200)])
    sd = Standardizer()
    Z = sd.fit_transform(X)
    assert sd.fit(X) is sd
    np.testing.assert_allclose(Z.mean(axis=0), 0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(Z[:, [0, 2]].std(axis=0), 1, rtol=1e-12)
    assert sd.scale[1] == 1.0
    np.testing.assert_allclose(Z[:, 1], 0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(sd.mean, X.mean(axis=0), rtol=1e-12)


def test_standardizer_round_trips_through_json():
    X = np.random.default_rng(1).standard_normal((30, 3)) * [1, 10, 100]
    sd = Standardizer().fit(X)
    d = json.loads(json.dumps(sd.to_dict()))
    assert set(d) == {"mean", "scale"} and all(isinstance(v, float) for v in d["mean"])
    back = Standardizer.from_dict(d)
    X_new = np.random.default_rng(2).standard_normal((5, 3))
    np.testing.assert_allclose(back.transform(X_new), sd.transform(X_new), rtol=0, atol=0)


def test_standardizer_keeps_float32_and_converts_integers():
    sd = Standardizer().fit(np.arange(12).reshape(6, 2))
    assert sd.transform(np.ones((2, 2), dtype=np.float32)).dtype == np.float32
    assert sd.transform(np.ones((2, 2), dtype=np.int64)).dtype == np.float64


def test_standardizer_errors():
    with pytest.raises(ValueError, match=re.escape("not fitted yet; call fit(X) first")):
        Standardizer().transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="not fitted yet"):
        Standardizer().to_dict()
    sd = Standardizer().fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="fitted on 2 columns"):
        sd.transform(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="non-empty"):
        Standardizer().fit(np.zeros(5))
    for bad in ({"mean": [0.0]}, {"mean": [0.0], "scale": [0.0]},
                {"mean": [0.0, 1.0], "scale": [1.0]}, {"mean": ["a"], "scale": [1.0]}, None):
        with pytest.raises(ValueError, match=re.escape("Standardizer.from_dict needs")):
            Standardizer.from_dict(bad)


# ---------------------------------------------------------------- from_csv


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_from_csv_with_header_and_string_labels(tmp_path):
    path = write(tmp_path, "x1, x2 ,species\n0.5,1,dog\n0.1,2,cat\n\n3,-4e-1,dog\n")
    X, y, info = from_csv(path, "species")
    np.testing.assert_allclose(X, [[0.5, 1], [0.1, 2], [3, -0.4]], rtol=0, atol=0)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(y, [1, 0, 1])
    assert info == {"features": ["x1", "x2"], "target": "species", "target_index": 2,
                    "classes": ["cat", "dog"], "task": "classification"}


def test_from_csv_target_in_the_middle_by_name_or_index(tmp_path):
    path = write(tmp_path, "a,label,b\n1,yes,2\n3,no,4\n")
    for target in ("label", 1):
        X, y, info = from_csv(str(path), target)
        np.testing.assert_allclose(X, [[1, 2], [3, 4]], rtol=0, atol=0)
        assert info["features"] == ["a", "b"] and info["target"] == "label"
        assert info["target_index"] == 1
        np.testing.assert_array_equal(y, [1, 0])


def test_from_csv_without_header_and_integer_labels_sorted_numerically(tmp_path):
    path = write(tmp_path, "1,2,10\n3,4,2\n5,6,2\n7,8,-1\n")
    for target in (2, "2"):
        X, y, info = from_csv(path, target)
        assert X.shape == (4, 2)
        assert info["features"] == ["0", "1"] and info["target"] == "2"
        assert info["classes"] == ["-1", "2", "10"] and info["task"] == "classification"
        np.testing.assert_array_equal(y, [2, 1, 1, 0])
        assert np.issubdtype(y.dtype, np.integer)


def test_from_csv_without_header_and_string_labels(tmp_path):
    path = write(tmp_path, "0.5,0.3,cat\n0.1,0.2,dog\n")
    X, y, info = from_csv(path, 2)
    assert X.shape == (2, 2) and info["classes"] == ["cat", "dog"]
    np.testing.assert_array_equal(y, [0, 1])


def test_from_csv_regression_target(tmp_path):
    path = write(tmp_path, "x,price\n1,0.5\n2,1.5\n3,2\n")
    X, y, info = from_csv(path, "price")
    assert info == {"features": ["x"], "target": "price", "target_index": 1,
                    "classes": None, "task": "regression"}
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, [0.5, 1.5, 2.0], rtol=0, atol=0)
    np.testing.assert_allclose(X, [[1], [2], [3]], rtol=0, atol=0)


def test_from_csv_header_is_found_when_a_feature_cell_is_bad(tmp_path):
    path = write(tmp_path, "x,y\n1,a\nb,b\n")
    with pytest.raises(ValueError, match=re.escape("row 3, column 'x' holds 'b'")):
        from_csv(path, "y")


def test_from_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.csv does not exist; check the path"):
        from_csv(tmp_path / "nope.csv", "y")


@pytest.mark.parametrize("text, target, message", [
    ("", "y", "data.csv is empty"),
    ("\n \n,,\n", "y", "data.csv is empty"),
    ("x1,x2,y\n", "y", "data.csv has only a header row (x1, x2, y); add data rows"),
    ("x1,x2,y\n1,2,0\n3,4,1\n", "label",
     "target column 'label' is not in {path}; its columns are 'x1', 'x2', 'y'"),
    ("1,2,0\n3,4,1\n", 3, "target column 3 is not in {path}; its columns are '0', '1', '2'"),
    ("x1,x2,y\n1,2,0\n3,abc,1\n", "y", "{path}: row 3, column 'x2' holds 'abc', not a finite"),
    ("x1,x2,y\n1,2,0\n3,inf,1\n", "y", "{path}: row 3, column 'x2' holds 'inf'"),
    ("x1,x2,y\n1,2,0\n\n3,,1\n", "y", "{path}: row 4, column 'x2' is empty; fill in"),
    ("x1,x2,y\n1,2,0\n3,4,\n", "y", "{path}: row 3, column 'y' is empty"),
    ("x1,x2,y\n1,2,0.5\n3,4,nan\n", "y", "{path}: row 3, column 'y' holds 'nan'"),
    ("x1,x2,y\n1,2,a\n3,4,a\n", "y",
     "target column 'y' of {path} holds a single class ('a'); pick a target with two"),
    ("x1,x2,y\n1,2,0\n3,4\n5,6,1\n", "y",
     "{path}: row 3 has 2 values but row 1 has 3; give every row 3 values"),
    ("y\n1\n2\n", "y", "{path} has one column ('y'), so no features besides the target 'y'"),
    ("a;b;y\n1;2;0\n", "y", "{path} has one column"),
    (",".join(f"p{j}" for j in range(12)) + "\n" + ",".join("1" * 12) + "\n", "label",
     "its columns are 'p0', 'p1', 'p2', 'p3', 'p4', 'p5', ..., 'p11' (12 in all): pass a name"),
])
def test_from_csv_errors_name_the_file_and_the_fix(tmp_path, text, target, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=re.escape(message.format(path=path))):
        from_csv(path, target)


def test_from_csv_unreadable_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"\xff\xfe\x00\x81binary")
    with pytest.raises(ValueError, match="save it as UTF-8 text"):
        from_csv(path, "y")
    with pytest.raises(ValueError, match="cannot read"):
        from_csv(tmp_path, "y")


# ------------------------------------------ from_csv: NumPy's reader first, row by row after


def _outcome(path, target, dtype=np.float64):
    """What from_csv gives: the arrays and info, or the exception's type and message."""
    try:
        X, y, info = from_csv(path, target, dtype=dtype)
    except (ValueError, FileNotFoundError) as e:
        return type(e).__name__, str(e)
    return X.dtype, X.shape, X.tolist(), y.dtype, y.tolist(), info


def _careful_only(monkeypatch):
    monkeypatch.setattr(_fastcsv, "load", lambda *args, **kwargs: None)


VALID = [  # (file text, target): files the fast path must read on its own
    ("x1,x2,species\n0.5,1,dog\n0.1,2,cat\n\n3,-4e-1,dog\n", "species"),
    ("a,label,b\n1,yes,2\n3,no,4\n", "label"),
    ("a,label,b\n1,yes,2\n3,no,4\n", 1),
    ("1,2,10\n3,4,2\n5,6,2\n7,8,-1\n", 2),
    ("1,2,10\n3,4,2\n5,6,2\n7,8,-1\n", "0"),
    ("0.5,0.3,cat\n0.1,0.2,dog\n", 2),
    ("x,price\n1,0.5\n2,1.5\n3,2\n", "price"),
    ("\ufeffa, b ,y\r\n 1 ,2,1\r\n3, 4 ,0\r\n", "y"),  # BOM, CRLF, spaces round cells
    ("label,p0,p1\n7,0,255\n1,12,3\n7,1e2,.5\n", "label"),
]


@pytest.mark.parametrize("text, target", VALID)
def test_from_csv_reads_valid_files_with_numpys_reader_alone(text, target, tmp_path,
                                                              monkeypatch):
    path = tmp_path / "d.csv"
    path.write_bytes(text.encode())
    with monkeypatch.context() as m:
        _careful_only(m)
        careful = _outcome(path, target)
    monkeypatch.setattr(csvfile, "_read_rows", lambda path: pytest.fail("read row by row"))
    assert _outcome(path, target) == careful
    X, _, _ = from_csv(path, target)
    assert X.flags.c_contiguous


@pytest.mark.parametrize("target, columns", [("lable", "'label', 'p0', 'p1'"), (3, "'label', "
                                              "'p0', 'p1'"), ("9", "'label', 'p0', 'p1'")])
def test_a_target_missing_from_a_valid_file_is_told_without_the_row_reader(target, columns,
                                                                           tmp_path,
                                                                           monkeypatch):
    path = write(tmp_path, "label,p0,p1\n7,0,255\n1,12,3\n")
    monkeypatch.setattr(csvfile, "_read_rows", lambda path: pytest.fail("read row by row"))
    with pytest.raises(ValueError, match=re.escape(
            f"target column {target!r} is not in {path}; its columns are {columns}: pass")):
        from_csv(path, target)


@pytest.mark.parametrize("text, target", VALID)
def test_from_csv_float32_is_the_float64_values_rounded(text, target, tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(text.encode())
    X64, y64, info64 = from_csv(path, target)
    X32, y32, info32 = from_csv(path, target, dtype=np.float32)
    assert X32.dtype == np.float32 and info32 == info64
    np.testing.assert_allclose(X32, X64.astype(np.float32), rtol=0, atol=0)
    np.testing.assert_allclose(y32, y64, rtol=0, atol=0)


def test_from_csv_rejects_a_dtype_that_is_not_a_float(tmp_path):
    path = write(tmp_path, "a,y\n1,0\n2,1\n")
    with pytest.raises(ValueError, match=re.escape("from_csv: dtype must be a float type")):
        from_csv(path, "y", dtype=np.int64)


CELLS = ["0", "1", "-2.5", " 3 ", "1e3", ".5", "7.", "+4", "10", "nan", "inf", "-inf", "",
         " ", "abc", "yes", "no", '"1"', '"a,b"', "1_0", "\uff11", "#2", "0x10", "1d5", '"']


@st.composite
def csv_files(draw):
    """Small CSV texts: columns of numbers or of labels, sometimes a header, a bad cell..."""
    width = draw(st.integers(1, 4) if draw(st.integers(0, 5)) == 0 else st.integers(2, 4))
    kinds = [st.sampled_from(CELLS[:9] if draw(st.integers(0, 3)) else ["yes", "no", "5"])
             for _ in range(width)]
    rows = draw(st.lists(st.tuples(*kinds).map(list), min_size=1, max_size=6))
    if draw(st.integers(0, 2)) == 0:  # a cell of any kind
        rows[draw(st.integers(0, len(rows) - 1))][draw(st.integers(0, width - 1))] = draw(
            st.sampled_from(CELLS))
    if draw(st.integers(0, 4)) == 0:
        rows[draw(st.integers(0, len(rows) - 1))].append("1")  # a ragged row
    if draw(st.booleans()):
        rows.insert(0, draw(st.lists(st.sampled_from(["a", "b", "y", "1", ""]),
                                     min_size=width, max_size=width)))
    if draw(st.integers(0, 3)) == 0:
        rows.insert(draw(st.integers(0, len(rows))), [])  # a blank line
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(",".join(r) for r in rows) + draw(st.sampled_from([end, ""]))
    target = draw(st.one_of(st.integers(0, width - 1), st.integers(-1, 4),
                            st.sampled_from(["y", "a", "1", " y", "z"])))
    return text, target


@settings(max_examples=400, deadline=None)
@given(case=csv_files())
@example(case=("0,yes,1\n", "1"))  # "1" names a column beside a word: a header, no rows
@example(case=("0,yes,1\n2,no,3\n", "1"))
def test_from_csv_gives_what_the_careful_reader_gives_for_any_file(case, tmp_path_factory):
    text, target = case
    path = tmp_path_factory.mktemp("csv") / "d.csv"
    path.write_bytes(text.encode())
    fast = _outcome(path, target)
    with pytest.MonkeyPatch.context() as m:
        _careful_only(m)
        assert fast == _outcome(path, target)


@pytest.mark.parametrize("n, width, j, block", [(1, 2, 0, 512), (7, 5, 2, 3), (7, 5, 4, 1),
                                                (10, 3, 0, 4), (513, 785, 0, 256)])
def test_drop_column_is_np_delete_in_place(n, width, j, block):
    values = np.random.default_rng(0).standard_normal((n, width))
    expected = np.delete(values, j, axis=1)
    out = _fastcsv.drop_column(values, j, block=block)
    np.testing.assert_allclose(out, expected, rtol=0, atol=0)
    assert out.flags.c_contiguous and np.shares_memory(out, values)


def test_standardizer_float32_statistics_are_float64_ones():
    X = np.random.default_rng(3).normal(100, 5, (3000, 4)).astype(np.float32)
    sd = Standardizer().fit(X, block=700)
    X64 = X.astype(np.float64)
    np.testing.assert_allclose(sd.mean, X64.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(sd.scale, X64.std(axis=0), rtol=1e-12)
    Z = sd.transform(X)
    assert Z.dtype == np.float32 and Z is not X
    same = sd.transform(X, copy=False)
    assert same is X
    np.testing.assert_allclose(same, Z, rtol=0, atol=0)


def test_the_mnist_shaped_script_writes_its_images_as_csv(tmp_path):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "mnist_csv.py"
    spec = importlib.util.spec_from_file_location("mnist_csv", script)
    mnist_csv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mnist_csv)
    assert mnist_csv.csv_bytes(np.array([[0, 9, 10], [99, 100, 255]])) == b"0,9,10\n99,100,255\n"
    mnist_csv.write(tmp_path / "m.csv", n=50, seed=3)
    labels, pixels = mnist_csv.images(50, seed=3)
    X, y, info = from_csv(tmp_path / "m.csv", "label")
    np.testing.assert_allclose(X, pixels, rtol=0, atol=0)
    assert info["features"] == [f"pixel{i}" for i in range(784)] and info["target_index"] == 0
    np.testing.assert_array_equal(np.array(info["classes"], dtype=int)[y], labels)
    assert 0 <= pixels.min() and pixels.max() <= 255 and len(np.unique(labels)) == 10
