"""Property tests (hypothesis) for make_windows and SlidingWindow."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lstm_forecast.windows import SlidingWindow, make_windows

FAST = settings(max_examples=80, deadline=None, derandomize=True)

finite32 = st.floats(-1e6, 1e6, width=32)


@st.composite
def windowed_series(draw, dtype=np.float32):
    """A 2-D series and make_windows arguments that give at least one window."""
    timesteps = draw(st.integers(1, 8))
    horizon = draw(st.integers(0, 4))
    step = draw(st.integers(1, 4))
    n_rows = draw(st.integers(timesteps + horizon, timesteps + horizon + 30))
    n_features = draw(st.integers(1, 4))
    data = draw(hnp.arrays(dtype, (n_rows, n_features), elements=finite32))
    target = draw(
        st.one_of(
            st.none(),
            st.integers(-n_features, n_features - 1),
            st.lists(st.integers(0, n_features - 1), min_size=1, max_size=n_features, unique=True),
        )
    )
    return data, timesteps, horizon, step, target


def _expected_target_columns(target, n_features):
    if target is None:
        return list(range(n_features)), n_features > 1
    if isinstance(target, list):
        return target, True
    return [target % n_features], False


@FAST
@given(windowed_series())
def test_every_window_and_target_is_aligned(case):
    data, timesteps, horizon, step, target = case
    n_rows, n_features = data.shape
    X, y = make_windows(data, timesteps, horizon, target=target, step=step)

    n = (n_rows - timesteps - horizon) // step + 1
    assert X.shape == (n, timesteps, n_features)
    columns, several = _expected_target_columns(target, n_features)
    for i in range(n):
        start = i * step
        np.testing.assert_array_equal(X[i], data[start : start + timesteps])
    if horizon == 0:
        assert y is None
        # the windows without target run to the last row when step divides the rest
        if (n_rows - timesteps) % step == 0:
            np.testing.assert_array_equal(X[-1], data[-timesteps:])
        return
    futures = np.stack(
        [data[i * step + timesteps : i * step + timesteps + horizon][:, columns] for i in range(n)]
    )  # (n, horizon, n_targets)
    if several:
        assert y.shape == (n, horizon, len(columns))
        np.testing.assert_array_equal(y, futures)
    elif horizon == 1:
        assert y.shape == (n,)
        np.testing.assert_array_equal(y, futures[:, 0, 0])
    else:
        assert y.shape == (n, horizon)
        np.testing.assert_array_equal(y, futures[:, :, 0])


@FAST
@given(windowed_series())
def test_no_copy_when_the_dtype_already_matches(case):
    data, timesteps, horizon, step, target = case
    X, y = make_windows(data, timesteps, horizon, target=target, step=step)
    assert np.shares_memory(X, data)
    assert not X.flags.writeable
    if y is not None and not isinstance(target, list):
        assert np.shares_memory(y, data)


@FAST
@given(windowed_series(dtype=np.float64))
def test_float64_is_viewed_with_dtype_none_and_copied_with_float32(case):
    data, timesteps, horizon, step, target = case
    X64, _ = make_windows(data, timesteps, horizon, target=target, step=step, dtype=None)
    assert X64.dtype == np.float64 and np.shares_memory(X64, data)
    X32, _ = make_windows(data, timesteps, horizon, target=target, step=step)
    assert X32.dtype == np.float32 and not np.shares_memory(X32, data)
    np.testing.assert_array_equal(X32, X64.astype(np.float32))


@FAST
@given(windowed_series())
def test_pandas_input_gives_the_same_windows_as_the_array(case):
    data, timesteps, horizon, step, target = case
    frame = pd.DataFrame(data, columns=[f"c{j}" for j in range(data.shape[1])])
    labels = target
    if isinstance(target, int):
        labels = frame.columns[target]
    elif isinstance(target, list):
        labels = [frame.columns[j] for j in target]
    X_frame, y_frame = make_windows(frame, timesteps, horizon, target=labels, step=step)
    X_array, y_array = make_windows(data, timesteps, horizon, target=target, step=step)
    np.testing.assert_array_equal(X_frame, X_array)
    if horizon:
        np.testing.assert_array_equal(y_frame, y_array)


@st.composite
def sliding_cases(draw):
    n_rows = draw(st.integers(1, 30))
    n_features = draw(st.integers(1, 4))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    X = draw(hnp.arrays(dtype, (n_rows, n_features), elements=finite32))
    timesteps = draw(st.integers(1, 10))
    padding = draw(st.sampled_from(["edge", "zero", "constant", "nan"]))
    fill_value = draw(st.floats(-10, 10))
    return X, timesteps, padding, fill_value


@FAST
@given(sliding_cases())
def test_sliding_window_row_t_is_the_window_ending_at_t(case):
    X, timesteps, padding, fill_value = case
    out = SlidingWindow(timesteps, padding=padding, fill_value=fill_value).fit_transform(X)
    n_rows, n_features = X.shape
    assert out.shape == (n_rows, timesteps, n_features)
    assert out.dtype == X.dtype
    pad_value = {"zero": 0.0, "nan": np.nan, "constant": fill_value}.get(padding)
    for t in range(n_rows):
        for k in range(timesteps):
            source = t - timesteps + 1 + k
            if source >= 0:
                expected = X[source]
            elif padding == "edge":
                expected = X[0]
            else:
                expected = np.full(n_features, pad_value, dtype=X.dtype)
            np.testing.assert_array_equal(out[t, k], expected)


@FAST
@given(sliding_cases())
def test_sliding_window_agrees_with_make_windows_past_the_padding(case):
    X, timesteps, padding, fill_value = case
    out = SlidingWindow(timesteps, padding=padding, fill_value=fill_value).fit_transform(X)
    if len(X) >= timesteps:
        windows, _ = make_windows(X, timesteps, horizon=0, dtype=None)
        np.testing.assert_array_equal(out[timesteps - 1 :], windows)
        assert not np.shares_memory(out, X)
