"""Series larger than memory: windows of a np.memmap train without a copy of the windows.

``make_windows`` over a float32 memmap is a strided view: 10**5 points in windows of 32 steps
are 12.8 MB of windows over a 0.4 MB file. Fitting must hand torch that view (validation
reads the series, not the windows; statistics are read in chunks; the targets are
standardised in the loss beyond a size), and give the same model as the in-memory path.
benchmarks/larger_than_memory.py runs the same on 10**8 points.
"""

import tracemalloc

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import lstm_forecast._net as net_module
import lstm_forecast.regressor as regressor
from lstm_forecast import LSTMRegressor, load_model, make_windows, save_model
from lstm_forecast._data import feature_statistics
from lstm_forecast._validation import viewed_series

N_POINTS, TIMESTEPS = 100_000, 32
FAST = dict(hidden_size=4, max_epochs=1, batch_size=4096, random_state=0, device="cpu")


@pytest.fixture
def memmap_series(tmp_path):
    path = tmp_path / "series.f32"
    t = np.arange(N_POINTS, dtype=np.float64)
    np.sin(t / 50).astype(np.float32).tofile(path)
    return np.memmap(path, dtype=np.float32, mode="r", shape=(N_POINTS,))


@pytest.fixture
def handed_to_torch(monkeypatch):
    """The X and y tensors that skorch's fit receives."""
    seen = {}
    fit = net_module._RecurrentNet.fit

    def spy(net, X, y=None, **fit_params):
        seen["X"], seen["y"] = X, y
        return fit(net, X, y, **fit_params)

    monkeypatch.setattr(net_module._RecurrentNet, "fit", spy)
    return seen


def address_range(array):
    start = array.__array_interface__["data"][0]
    return start, start + array.nbytes


def within(tensor, array):
    """Whether every byte ``tensor`` can reach lies inside ``array``'s buffer."""
    low, high = address_range(array)
    storage = tensor.untyped_storage()
    return low <= storage.data_ptr() and storage.data_ptr() + storage.nbytes() <= high


# ---------------------------------------------------------------- windowed views
SERIES = np.arange(40, dtype=np.float32)
TABLE = np.arange(60, dtype=np.float32).reshape(20, 3)


@pytest.mark.parametrize(
    ("make", "covered"),
    [
        (lambda: make_windows(SERIES, 5)[0], SERIES[:39]),
        (lambda: make_windows(SERIES, 5, step=2)[0], SERIES[:39]),
        (lambda: make_windows(SERIES, 5, horizon=0)[0], SERIES),
        (lambda: make_windows(TABLE, 4)[0], TABLE[:19].ravel()),
        (lambda: sliding_window_view(SERIES, 6), SERIES),  # 2-D (n, timesteps)
        (lambda: sliding_window_view(SERIES, 6)[:, :, None], SERIES),
    ],
    ids=["1d", "step2", "horizon0", "3-features", "2d-view", "2d-view-newaxis"],
)
def test_viewed_series_is_the_stretch_the_windows_read(make, covered):
    X = make()
    series = viewed_series(X)
    assert series is not None and not series.flags.writeable
    assert np.shares_memory(series, covered)
    np.testing.assert_array_equal(series, covered)


@pytest.mark.parametrize(
    "make",
    [
        lambda: np.ascontiguousarray(make_windows(SERIES, 5)[0]),  # a copy: nothing to save
        lambda: make_windows(SERIES, 5, step=5)[0],  # no overlap
        lambda: make_windows(SERIES, 5, step=7)[0],  # gaps between windows
        lambda: make_windows(SERIES[::-1].copy(), 5)[0][::-1],  # negative stride
        lambda: make_windows(np.asfortranarray(TABLE), 4)[0],  # columns not contiguous
        lambda: make_windows(TABLE[:, :2], 4)[0],  # a column subset of each row
        lambda: make_windows(SERIES, 1)[0],
        lambda: make_windows(SERIES, 39)[0],  # a single window
        lambda: list(make_windows(SERIES, 5)[0]),
    ],
    ids=["copy", "step=timesteps", "gaps", "reversed", "fortran", "column-subset", "timesteps1",
         "one-window", "list"],
)
def test_viewed_series_refuses_other_layouts(make):
    assert viewed_series(make()) is None


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("ndim", [2, 3])
def test_non_finite_windows_give_the_usual_message(bad, ndim):
    series = np.sin(np.arange(200, dtype=np.float32))
    series[150] = bad
    X = sliding_window_view(series, 8)  # make_windows refuses such a series
    X = X if ndim == 2 else X[:, :, None]
    y = np.zeros(len(X))
    assert viewed_series(X) is not None
    with pytest.raises(ValueError) as windowed:
        LSTMRegressor(**FAST).fit(X, y)
    with pytest.raises(ValueError) as copied:
        LSTMRegressor(**FAST).fit(np.array(X), y)
    assert str(windowed.value) == str(copied.value)
    assert ("NaN" if np.isnan(bad) else "infinity") in str(windowed.value)


# ------------------------------------------------------------------ statistics
@pytest.mark.parametrize("max_windows", [100_000, 7_000])
def test_chunked_statistics_match_one_pass(max_windows):
    series = (np.random.RandomState(0).normal(size=(60_000, 2)) * [3, 0.5] + [1, -2]).astype(
        np.float32
    )
    X, _ = make_windows(series, 24)  # 2.9 million values: read in chunks
    rows = np.linspace(0, len(X) - 1, min(len(X), max_windows)).astype(np.int64)
    values = np.asarray(X[rows], dtype=np.float64).reshape(-1, 2)
    mean, std = feature_statistics(X, None, max_windows=max_windows)
    np.testing.assert_allclose(mean, values.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(std, values.std(axis=0), rtol=1e-6)
    assert mean.dtype == std.dtype == np.float32


def test_target_statistics_in_chunks_match_one_pass(monkeypatch):
    y = np.random.RandomState(1).normal(5, 2, size=(10_001, 3)).astype(np.float32)
    one_go = regressor._target_statistics(y)
    monkeypatch.setattr(regressor, "_TARGET_CHUNK", 999)
    chunked = regressor._target_statistics(y)
    for a, b in zip(one_go, chunked, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13)


# ----------------------------------------------------------------- fitting
def test_fit_on_a_memmap_hands_torch_the_series_itself(memmap_series, handed_to_torch, monkeypatch):
    # What 10**8 targets do: standardised in the loss, summarised in chunks.
    monkeypatch.setattr(regressor, "_TARGETS_COPIED_UP_TO", 0)
    monkeypatch.setattr(regressor, "_TARGET_CHUNK", 1 << 14)
    X, y = make_windows(memmap_series, TIMESTEPS)
    assert X.nbytes == 12_795_904 and memmap_series.nbytes == 400_000
    LSTMRegressor(**FAST).fit(X[:64], y[:64])  # first-fit imports are not part of the peak
    tracemalloc.start()
    try:
        model = LSTMRegressor(**FAST).fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    X_torch, y_torch = handed_to_torch["X"], handed_to_torch["y"]
    assert X_torch.shape == X.shape and y_torch.shape == (len(y), 1)
    assert within(X_torch, memmap_series) and within(y_torch, memmap_series)
    assert X_torch.data_ptr() == address_range(memmap_series)[0]
    # NumPy's allocations during the fit (tracemalloc sees NumPy's, not torch's): the float64
    # chunks of the input statistics (3 x 2**16 values, 1.5 MB) at most; a copy of the windows
    # would be 12.8 MB (25.6 MB in float64).
    assert peak < 2_000_000, peak
    assert np.isfinite(model.predict(X[-10:])).all()


def test_targets_standardised_in_the_loss_give_the_same_model(memmap_series, monkeypatch):
    X, y = make_windows(memmap_series[:20_000], TIMESTEPS, horizon=2)
    params = dict(FAST, max_epochs=2, batch_size=256, validation_fraction=0.1)
    copied = LSTMRegressor(**params).fit(X, y)
    monkeypatch.setattr(regressor, "_TARGETS_COPIED_UP_TO", 0)
    in_loss = LSTMRegressor(**params).fit(X, y)
    assert type(in_loss.net_.criterion_).__name__ == "_StandardizedMSELoss"
    np.testing.assert_array_equal(in_loss.predict(X[:500]), copied.predict(X[:500]))
    np.testing.assert_array_equal(
        in_loss.history_[:, "valid_loss"], copied.history_[:, "valid_loss"]
    )


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("y_dtype", [np.float32, np.float64, np.int64])
def test_targets_in_the_loss_any_dtype_and_standardize(monkeypatch, standardize, y_dtype):
    rng = np.random.RandomState(2)
    X = rng.normal(size=(120, 5, 2)).astype(np.float32)
    y = (10 * X[:, -1, 0] + 3).astype(y_dtype)
    params = dict(FAST, batch_size=32, max_epochs=2, standardize=standardize)
    copied = LSTMRegressor(**params).fit(X, y)
    monkeypatch.setattr(regressor, "_TARGETS_COPIED_UP_TO", 0)
    in_loss = LSTMRegressor(**params).fit(X, y)
    np.testing.assert_array_equal(in_loss.predict(X), copied.predict(X))


def test_model_trained_with_targets_in_the_loss_saves_and_loads(tmp_path, monkeypatch):
    monkeypatch.setattr(regressor, "_TARGETS_COPIED_UP_TO", 0)
    X, y = make_windows(np.sin(np.arange(300, dtype=np.float32) / 9), 10)
    model = LSTMRegressor(**FAST).fit(X, y)
    save_model(model, tmp_path / "model.lstm")
    loaded = load_model(tmp_path / "model.lstm")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
