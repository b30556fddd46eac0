"""Tests for make_windows and SlidingWindow (lstm_forecast/windows.py)."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from lstm_forecast.windows import SlidingWindow, make_windows


def _flatten(windows):
    return windows.reshape(len(windows), -1)


# --------------------------------------------------------------------------- #
# make_windows: shapes and alignment
# --------------------------------------------------------------------------- #
def test_one_dimensional_series_every_window_and_target():
    data = np.arange(10, dtype=np.float32)
    X, y = make_windows(data, timesteps=3)
    assert X.shape == (7, 3, 1)
    assert y.shape == (7,)
    for i in range(7):
        np.testing.assert_array_equal(X[i, :, 0], data[i : i + 3])
        assert y[i] == data[i + 3]


@pytest.mark.parametrize(
    ("n_rows", "timesteps", "horizon", "step"),
    [(10, 3, 1, 1), (10, 3, 2, 2), (11, 3, 2, 3), (7, 7, 0, 1), (8, 1, 7, 1), (100, 10, 5, 7)],
)
def test_number_of_windows_and_alignment(n_rows, timesteps, horizon, step):
    data = np.arange(n_rows * 2, dtype=np.float32).reshape(n_rows, 2)
    X, y = make_windows(data, timesteps, horizon, target=1, step=step)
    n = (n_rows - timesteps - horizon) // step + 1
    assert X.shape == (n, timesteps, 2)
    for i in range(n):
        start = i * step
        np.testing.assert_array_equal(X[i], data[start : start + timesteps])
        if horizon > 0:
            future = data[start + timesteps : start + timesteps + horizon, 1]
            np.testing.assert_array_equal(np.atleast_1d(y[i]), future)
    if horizon == 0:
        assert y is None
    else:
        assert y.shape == ((n,) if horizon == 1 else (n, horizon))


def test_horizon_zero_gives_every_window_up_to_the_last_row():
    data = np.arange(6, dtype=np.float32)
    X, y = make_windows(data, 4, horizon=0)
    assert y is None
    assert X.shape == (3, 4, 1)
    np.testing.assert_array_equal(X[-1, :, 0], data[-4:])


def test_several_targets_give_three_dimensional_y():
    data = np.arange(30, dtype=np.float32).reshape(10, 3)
    X, y = make_windows(data, 2, horizon=3, target=[2, 0])
    assert y.shape == (6, 3, 2)
    for i in range(6):
        np.testing.assert_array_equal(y[i], data[i + 2 : i + 5][:, [2, 0]])


def test_default_target_is_every_column():
    data = np.arange(20, dtype=np.float32).reshape(10, 2)
    _, y = make_windows(data, 3)
    assert y.shape == (7, 1, 2)
    np.testing.assert_array_equal(y[:, 0, :], data[3:])
    _, y_one = make_windows(data[:, :1], 3)
    assert y_one.shape == (7,)


def test_list_of_one_target_keeps_the_target_axis():
    data = np.arange(20, dtype=np.float32).reshape(10, 2)
    _, y = make_windows(data, 3, target=[1])
    assert y.shape == (7, 1, 1)
    _, y_scalar = make_windows(data, 3, target=1)
    np.testing.assert_array_equal(y[:, 0, 0], y_scalar)


def test_negative_target_index():
    data = np.arange(20, dtype=np.float32).reshape(10, 2)
    _, y = make_windows(data, 3, target=-1)
    np.testing.assert_array_equal(y, data[3:, 1])


def test_dataframe_targets_by_label_and_windows_hold_every_column():
    frame = pd.DataFrame({"load": np.arange(8.0), "temp": np.arange(8.0) * 10})
    X, y = make_windows(frame, 3, horizon=2, target="temp")
    assert X.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_array_equal(X[1], frame.to_numpy()[1:4])
    np.testing.assert_array_equal(y[1], [40.0, 50.0])
    _, y_both = make_windows(frame, 3, target=["temp", "load"])
    np.testing.assert_array_equal(y_both[0, 0], [30.0, 3.0])


def test_series_input():
    series = pd.Series(np.arange(6.0), name="value")
    X, y = make_windows(series, 2)
    assert X.shape == (4, 2, 1)
    np.testing.assert_array_equal(y, [2.0, 3.0, 4.0, 5.0])
    _, y_named = make_windows(series, 2, target="value")
    np.testing.assert_array_equal(y_named, y)


def test_list_input_and_dtype_conversion():
    X, y = make_windows([[1, 2], [3, 4], [5, 6]], 2, target=0, dtype=np.float64)
    assert X.dtype == np.float64 and y.dtype == np.float64
    np.testing.assert_array_equal(X[0], [[1, 2], [3, 4]])
    assert y[0] == 5


def test_dtype_none_keeps_the_input_dtype():
    data = np.arange(10, dtype=np.int64)
    X, y = make_windows(data, 3, dtype=None)
    assert X.dtype == np.int64 and y.dtype == np.int64
    assert np.shares_memory(X, data)


def test_nullable_pandas_integers_become_floats():
    X, y = make_windows(pd.Series([1, 2, 3, 4], dtype="Int64"), 2)
    assert X.dtype == np.float32
    np.testing.assert_array_equal(y, [3.0, 4.0])


# --------------------------------------------------------------------------- #
# make_windows: memory
# --------------------------------------------------------------------------- #
def test_float32_array_is_viewed_not_copied():
    data = np.random.default_rng(0).random((50, 3), dtype=np.float32)
    X, y = make_windows(data, 5, horizon=2, target=1)
    assert np.shares_memory(X, data)
    assert np.shares_memory(y, data)
    assert not X.flags.writeable and not y.flags.writeable


def test_converted_input_is_still_read_only_and_independent_of_the_input():
    data = np.arange(10.0)  # float64 -> float32 copy
    X, _ = make_windows(data, 3)
    assert not np.shares_memory(X, data)
    assert not X.flags.writeable


def test_windows_of_a_long_series_take_no_extra_memory():
    data = np.zeros(10_000_000, dtype=np.float32)  # 40 MB; its windows would be 4 GB
    tracemalloc.start()
    try:
        X, y = make_windows(data, 100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert X.shape == (10_000_000 - 100, 100, 1)
    assert peak < 1_000_000
    assert np.shares_memory(X, data) and np.shares_memory(y, data)


def test_memmap_input_is_viewed(tmp_path):
    path = tmp_path / "series.f32"
    writer = np.memmap(path, dtype=np.float32, mode="w+", shape=(1000, 2))
    writer[:] = np.arange(2000, dtype=np.float32).reshape(1000, 2)
    writer.flush()
    del writer
    data = np.memmap(path, dtype=np.float32, mode="r", shape=(1000, 2))
    X, y = make_windows(data, 10, horizon=3, target=0, step=4)
    assert np.shares_memory(X, data)
    np.testing.assert_array_equal(X[5], np.asarray(data[20:30]))
    np.testing.assert_array_equal(y[5], np.asarray(data[30:33, 0]))


# --------------------------------------------------------------------------- #
# make_windows: bad input
# --------------------------------------------------------------------------- #
_SERIES = np.arange(10, dtype=np.float32)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"timesteps": 0}, ValueError, "timesteps must be an integer >= 1; got 0"),
        ({"timesteps": -2}, ValueError, "timesteps must be an integer >= 1"),
        ({"timesteps": 2.0}, TypeError, "timesteps must be an integer >= 1; got 2.0"),
        ({"timesteps": True}, TypeError, "timesteps .* bool"),
        ({"timesteps": "3"}, TypeError, "timesteps must be an integer"),
        ({"timesteps": 3, "horizon": -1}, ValueError, "horizon must be an integer >= 0"),
        ({"timesteps": 3, "horizon": 1.5}, TypeError, "horizon must be an integer"),
        ({"timesteps": 3, "horizon": False}, TypeError, "horizon .* bool"),
        ({"timesteps": 3, "step": 0}, ValueError, "step must be an integer >= 1"),
        ({"timesteps": 3, "step": np.float64(2)}, TypeError, "step must be an integer"),
        ({"timesteps": 3, "dtype": str}, TypeError, "dtype must be a numeric"),
        ({"timesteps": 3, "dtype": "not-a-dtype"}, TypeError, "dtype must be a numeric"),
        ({"timesteps": 10}, ValueError, r"10 rows, fewer than timesteps \+ horizon = 10 \+ 1"),
        ({"timesteps": 8, "horizon": 3}, ValueError, "fewer than timesteps"),
        ({"timesteps": 11, "horizon": 0}, ValueError, "fewer than timesteps"),
        ({"timesteps": 3, "target": 1}, ValueError, "unknown target column 1"),
        ({"timesteps": 3, "target": "a"}, TypeError, "target must be integer column index"),
        ({"timesteps": 3, "target": []}, ValueError, "at least one column"),
        ({"timesteps": 3, "target": [0, 0]}, ValueError, "more than once"),
    ],
)
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_windows(_SERIES, **kwargs)


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        (np.array([1.0, np.nan, 3.0, 4.0]), ValueError, "NaN or infinity .*row 1"),
        (np.array([1.0, 2.0, np.inf, 4.0]), ValueError, "NaN or infinity .*row 2"),
        (pd.Series([1.0, None, 3.0, 4.0]), ValueError, "NaN or infinity"),
        (pd.Series([1, None, 3, 4], dtype="Int64"), ValueError, "NaN or infinity"),
        (np.zeros((4, 2, 2)), ValueError, "1-D .* or 2-D .* 3 dimensions"),
        (np.float32(3.0), ValueError, "0 dimensions"),
        (np.array([], dtype=np.float32), ValueError, "data is empty"),
        (np.zeros((5, 0)), ValueError, "data is empty"),
        ([], ValueError, "data is empty"),
        ([[1, 2], [3]], ValueError, "could not be read as a 1-D or 2-D array"),
        (np.array(["a", "b", "c", "d"]), TypeError, "data must be numeric"),
        (np.array([1, "x", 3, 4], dtype=object), TypeError, "non-numeric values"),
        (np.array([1 + 1j, 2, 3, 4]), TypeError, "data must be numeric"),
        ("1234", TypeError, "got str"),
        (None, TypeError, "got NoneType"),
        (
            pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": list("wxyz")}),
            TypeError,
            "numeric columns only; non-numeric: 'b'",
        ),
    ],
)
def test_bad_data(data, error, match):
    with pytest.raises(error, match=match):
        make_windows(data, 2)


def test_unknown_dataframe_column():
    frame = pd.DataFrame({"a": np.arange(5.0), "b": np.arange(5.0)})
    with pytest.raises(ValueError, match=r"unknown target column 'c'; data has columns \['a', "):
        make_windows(frame, 2, target="c")
    with pytest.raises(ValueError, match="unknown target column 0"):
        make_windows(frame, 2, target=0)


def test_ambiguous_dataframe_column():
    frame = pd.DataFrame(np.zeros((5, 2)), columns=["a", "a"])
    with pytest.raises(ValueError, match="'a' is not unique"):
        make_windows(frame, 2, target="a")


# --------------------------------------------------------------------------- #
# SlidingWindow
# --------------------------------------------------------------------------- #
def test_sliding_window_keeps_rows_and_matches_make_windows():
    X = np.random.default_rng(0).random((20, 3))
    out = SlidingWindow(timesteps=4).fit_transform(X)
    assert out.shape == (20, 4, 3)
    assert out.flags.c_contiguous and out.flags.writeable
    full, _ = make_windows(X, 4, horizon=0, dtype=None)
    np.testing.assert_array_equal(out[3:], full)
    for t in range(20):
        np.testing.assert_array_equal(out[t, -1], X[t])


@pytest.mark.parametrize(
    ("params", "first_window"),
    [
        ({"padding": "edge"}, [[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]),
        ({"padding": "zero"}, [[0.0, 0.0], [0.0, 0.0], [1.0, 2.0]]),
        ({"padding": "constant", "fill_value": -1}, [[-1.0, -1.0], [-1.0, -1.0], [1.0, 2.0]]),
        ({"padding": "nan"}, [[np.nan, np.nan], [np.nan, np.nan], [1.0, 2.0]]),
    ],
)
def test_sliding_window_padding(params, first_window):
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    out = SlidingWindow(3, **params).fit_transform(X)
    np.testing.assert_array_equal(out[0], first_window)
    np.testing.assert_array_equal(out[2], X[:3])
    np.testing.assert_array_equal(out[3], X[1:])


def test_sliding_window_timesteps_one_adds_an_axis():
    X = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(SlidingWindow(1).fit_transform(X), X[:, None, :])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sliding_window_preserves_float_dtypes(dtype):
    X = np.arange(6, dtype=dtype).reshape(3, 2)
    assert SlidingWindow(2).fit_transform(X).dtype == dtype


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_sliding_window_dataframe_feature_names_and_count():
    frame = pd.DataFrame({"load": np.arange(5.0), "temp": np.arange(5.0)})
    sw = SlidingWindow(2).fit(frame)
    assert sw.n_features_in_ == 2
    assert list(sw.feature_names_in_) == ["load", "temp"]
    with pytest.raises(ValueError, match="2 features"):
        sw.transform(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="feature names"):
        sw.transform(frame.rename(columns={"temp": "rain"}))


def test_sliding_window_is_stateless():
    X = np.arange(8.0).reshape(4, 2)
    np.testing.assert_array_equal(SlidingWindow(2).transform(X), SlidingWindow(2).fit_transform(X))


def test_sliding_window_rejects_one_dimensional_input():
    with pytest.raises(ValueError, match="2D array"):
        SlidingWindow(2).fit(np.arange(5.0))


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"timesteps": 0}, ValueError, "The 'timesteps' parameter of SlidingWindow must be an int in"),
        ({"timesteps": 2.5}, TypeError, "The 'timesteps' parameter of SlidingWindow must be an int"),
        ({"timesteps": True}, TypeError, "The 'timesteps' parameter of SlidingWindow must be an int, not"),
        ({"padding": "reflect"}, ValueError, "The 'padding' parameter of SlidingWindow must be a str among"),
        ({"padding": None}, ValueError, "The 'padding' parameter of SlidingWindow must be a str among"),
        ({"padding": "constant", "fill_value": "x"}, TypeError, "fill_value must be a real"),
    ],
)
@pytest.mark.parametrize("method", ["fit", "transform", "fit_transform"])
def test_sliding_window_bad_parameters(params, error, match, method):
    with pytest.raises(error, match=match):
        getattr(SlidingWindow(**params), method)(np.zeros((4, 2)))


def test_sliding_window_init_only_stores_parameters():
    sw = SlidingWindow(timesteps="bad", padding=object())
    assert clone(sw).get_params()["timesteps"] == "bad"


def test_sliding_window_in_grid_search_with_time_series_split():
    series = pd.Series(np.sin(np.arange(300) / 4.0), name="value")
    X = series.to_frame().iloc[:-1]
    y = series.shift(-1).iloc[:-1]  # the window ending at t predicts the value at t + 1
    model = make_pipeline(SlidingWindow(), FunctionTransformer(_flatten), Ridge(alpha=1e-6))
    search = GridSearchCV(
        model, {"slidingwindow__timesteps": [1, 2, 3]}, cv=TimeSeriesSplit(n_splits=3)
    ).fit(X, y)
    # A sine obeys x[t+1] = 2 cos(1/4) x[t] - x[t-1]: two lags predict it exactly, one cannot.
    scores = dict(
        zip(search.cv_results_["param_slidingwindow__timesteps"],
            search.cv_results_["mean_test_score"], strict=True)
    )
    assert search.best_params_["slidingwindow__timesteps"] in (2, 3)
    assert scores[2] > scores[1] + 0.01
    assert search.best_score_ > 0.99


