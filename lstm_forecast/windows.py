"""Sliding windows over a time series.

Two ways to turn a series into the ``(n_samples, timesteps, n_features)`` input
of a recurrent network:

- :func:`make_windows` builds the supervised dataset ``(X, y)`` of a series:
  every window of ``timesteps`` rows and the ``horizon`` target values that
  follow it. It changes the number of rows, so it is a function, not a
  transformer, and it copies nothing when the data is already a float32 array.
- :class:`SlidingWindow` is a scikit-learn transformer that keeps the number of
  rows (row ``t`` becomes the window ending at ``t``), so it can sit in a
  :class:`~sklearn.pipeline.Pipeline` and have ``timesteps`` tuned in a grid.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence
from numbers import Integral, Real
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import as_strided, sliding_window_view
from numpy.typing import ArrayLike, DTypeLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ._typing import SeriesLike
from ._validation import cast_without_overflow, check_int, numeric, reject_bools, validated_fit

__all__ = ["make_windows", "SlidingWindow"]

_PADDINGS = ("edge", "constant", "zero", "nan")

# --------------------------------------------------------------------------- #
# validation helpers (private)
# --------------------------------------------------------------------------- #
def _check_dtype(dtype):
    """Return the requested output dtype (None keeps the input's dtype)."""
    if dtype is None:
        return None
    try:
        dtype = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be a numeric NumPy dtype or None, got {dtype!r}.") from exc
    if dtype.kind not in "iuf":
        raise TypeError(f"dtype must be a numeric NumPy dtype or None, got {dtype}.")
    return dtype


def _check_numeric_columns(frame):
    bad = [
        f"{name!r} ({dtype})"
        for name, dtype in frame.dtypes.items()
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_complex_dtype(dtype)
    ]
    if bad:
        raise TypeError(f"data must have numeric columns only; non-numeric: {', '.join(bad)}.")


def _pandas_to_numpy(obj, dtype):
    """Numeric pandas object -> ndarray (missing values become NaN)."""
    frame = obj.to_frame() if isinstance(obj, pd.Series) else obj
    _check_numeric_columns(frame)
    natural = np.result_type(*[np.dtype(getattr(d, "numpy_dtype", d)) for d in frame.dtypes])
    dtype = natural if dtype is None else dtype
    if dtype.kind in "iu" and frame.isna().to_numpy().any():
        raise ValueError("data contains missing values; make_windows needs finite values.")
    if natural.kind == "f" or dtype.kind == "f":
        values = obj.to_numpy(dtype=np.result_type(natural, np.float32), na_value=np.nan)
        return cast_without_overflow(values, dtype, "data")
    if frame.isna().to_numpy().any():
        raise ValueError("data contains missing values; make_windows needs finite values.")
    return cast_without_overflow(obj.to_numpy(), dtype, "data")


def _as_2d_array(data, dtype):
    """Return ``(array, columns)``: a 2-D numeric view or copy and the column labels."""
    columns = None
    if isinstance(data, pd.Series):
        columns = [data.name]
        arr = _pandas_to_numpy(data, dtype)
    elif isinstance(data, pd.DataFrame):
        columns = list(data.columns)
        arr = _pandas_to_numpy(data, dtype)
    else:
        if isinstance(data, (str, bytes, dict)) or data is None:
            raise TypeError(
                "data must be a 1-D or 2-D array-like of numbers (array, list, Series "
                f"or DataFrame), got {type(data).__name__}."
            )
        try:
            arr = np.asarray(data)
        except ValueError as exc:  # ragged nested lists
            raise ValueError(f"data could not be read as a 1-D or 2-D array: {exc}") from exc
        if arr.dtype.kind == "O":
            try:
                arr = arr.astype(dtype or np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"data must be numeric; it holds non-numeric values ({exc})."
                ) from exc
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"data must be numeric, got an array of dtype {arr.dtype}.")
        if dtype is not None and arr.dtype != dtype:
            arr = cast_without_overflow(arr, dtype, "data")
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(
            f"data must be 1-D (one series) or 2-D (rows = time, columns = features), "
            f"got an array with {arr.ndim} dimensions and shape {arr.shape}."
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"data is empty (shape {arr.shape}); it needs rows and columns.")
    return arr, columns


def _check_finite(arr):
    """Raise ValueError if a float array holds NaN or infinity, without big temporaries."""
    if arr.dtype.kind != "f":
        return
    # min/max propagate NaN and reach +-inf; they allocate nothing, unlike isfinite(arr).
    if np.isfinite(arr.min()) and np.isfinite(arr.max()):
        return
    rows = max(1, (1 << 20) // arr.shape[1])
    for start in range(0, arr.shape[0], rows):
        bad = ~np.isfinite(arr[start : start + rows]).all(axis=1)
        if bad.any():
            row = start + int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"data contains NaN or infinity (first at row {row}); fill or drop "
                "missing values before making windows."
            )


def _column_index(label, columns, n_features):
    if columns is not None:  # pandas: look up labels
        matches = [i for i, col in enumerate(columns) if col == label]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValueError(f"target column {label!r} is not unique in data.")
        raise ValueError(f"unknown target column {label!r}; data has columns {columns}.")
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, Integral):
        raise TypeError(
            f"target must be integer column index(es) when data is an array, got {label!r}."
        )
    if not -n_features <= label < n_features:
        raise ValueError(
            f"unknown target column {label}: data has {n_features} column(s) "
            f"(valid indices are {-n_features}..{n_features - 1})."
        )
    return int(label) % n_features


def _resolve_target(target, columns, n_features):
    """Return ``(column indices, several)``; ``several`` selects the 3-D y layout."""
    if target is None:
        return list(range(n_features)), n_features > 1
    if isinstance(target, (list, tuple, np.ndarray, pd.Index)):
        if len(target) == 0:
            raise ValueError("target must name at least one column, got an empty list.")
        indices = [_column_index(t, columns, n_features) for t in target]
        if len(set(indices)) != len(indices):
            raise ValueError(f"target names a column more than once: {list(target)!r}.")
        return indices, True
    return [_column_index(target, columns, n_features)], False


# --------------------------------------------------------------------------- #
# make_windows
# --------------------------------------------------------------------------- #
# A horizon that is a variable may be 0 (then y is None): the second overload says an array,
# for the usual call; check ``y is not None`` where the horizon can be 0.
@overload
def make_windows(  # type: ignore[overload-overlap]
    data: SeriesLike, timesteps: int, horizon: Literal[0], *,
    target: Hashable | Sequence[Hashable] | None = None, step: int = 1,
    dtype: DTypeLike | None = np.float32,
) -> tuple[NDArray[Any], None]: ...
@overload
def make_windows(
    data: SeriesLike, timesteps: int, horizon: int = 1, *,
    target: Hashable | Sequence[Hashable] | None = None, step: int = 1,
    dtype: DTypeLike | None = np.float32,
) -> tuple[NDArray[Any], NDArray[Any]]: ...
def make_windows(
    data: SeriesLike, timesteps: int, horizon: int = 1, *,
    target: Hashable | Sequence[Hashable] | None = None, step: int = 1,
    dtype: DTypeLike | None = np.float32,
) -> tuple[NDArray[Any], NDArray[Any] | None]:
    """Cut a series into ``(window, next values)`` pairs for supervised learning.

    ``X[i]`` is ``data[i*step : i*step + timesteps]`` (all columns) and ``y[i]``
    holds the ``horizon`` values of the target column(s) that come right after
    that window: rows ``i*step + timesteps .. i*step + timesteps + horizon - 1``.

    Parameters
    ----------
    data : array-like of shape (n_rows,) or (n_rows, n_features)
        The series, oldest row first: a NumPy array (``np.memmap`` included), a
        list, a pandas Series or a DataFrame. Every column must be numeric and
        finite.
    timesteps : int
        Length of each window (>= 1).
    horizon : int, default=1
        Number of future target values per window (>= 0). With ``horizon=0``
        no target is made: ``X`` holds every window of the series, the last one
        ending at the last row (what a model needs to predict the future), and
        the function returns ``(X, None)``.
    target : label, int, list or None, default=None
        Target column(s): labels for a DataFrame, integer indices (negative
        allowed) for arrays and lists. ``None`` means every column. A single
        label gives a single target, a list gives several targets (even a list
        of one), which fixes the shape of ``y`` (see Returns). The window ``X``
        always holds every column: past targets and covariates alike.
    step : int, default=1
        Rows between the starts of two consecutive windows (>= 1).
    dtype : numpy dtype or None, default=np.float32
        Dtype of ``X`` and ``y``. ``None`` keeps the dtype of ``data``.

    Returns
    -------
    X : ndarray of shape (n_windows, timesteps, n_features)
        ``n_windows = (n_rows - timesteps - horizon) // step + 1``.
    y : ndarray or None
        - ``(n_windows,)`` for one target column and ``horizon == 1``;
        - ``(n_windows, horizon)`` for one target column and ``horizon > 1``;
        - ``(n_windows, horizon, n_targets)`` for several target columns (a list
          ``target``, or ``target=None`` with several columns), whatever the horizon;
        - ``None`` when ``horizon == 0``.

        Use ``y.reshape(len(y), -1)`` for a 2-D multi-output target.

    Raises
    ------
    TypeError
        If ``timesteps``, ``horizon`` or ``step`` is not an integer (bools are
        refused), if ``data`` has non-numeric columns, or if ``target`` has the
        wrong type for ``data``.
    ValueError
        If ``data`` is empty, more than 2-D, shorter than ``timesteps + horizon``
        rows, holds NaN or infinity, or if ``target`` names an unknown column.

    Notes
    -----
    ``X`` and ``y`` are read-only strided views (windows overlap, so writing
    into one window would change its neighbours); use ``np.array(X)`` for a
    writable copy. When ``data`` is already a NumPy array of the requested
    ``dtype`` (a float32 array with the default), nothing is copied: ``X``
    shares memory with ``data``, so 10**8 points with 100 timesteps take no
    more memory than the series itself, and an ``np.memmap`` is never read
    into memory at once. Other inputs are converted once, then viewed.

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_forecast.windows import make_windows
    >>> series = np.arange(10, dtype=np.float32)
    >>> X, y = make_windows(series, timesteps=3)
    >>> X.shape, y.shape
    ((7, 3, 1), (7,))
    >>> X[0].ravel(), y[0]
    (array([0., 1., 2.], dtype=float32), np.float32(3.0))
    >>> np.shares_memory(X, series)
    True

    Two steps ahead, every other window:

    >>> X, y = make_windows(series, timesteps=3, horizon=2, step=2)
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [2., 3., 4.],
           [4., 5., 6.]], dtype=float32)
    >>> y
    array([[3., 4.],
           [5., 6.],
           [7., 8.]], dtype=float32)

    A target with a covariate in a DataFrame:

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"load": np.arange(6.0), "temp": np.arange(6.0) * 10})
    >>> X, y = make_windows(frame, timesteps=2, target="load")
    >>> X[0]
    array([[ 0.,  0.],
           [ 1., 10.]], dtype=float32)
    >>> y
    array([2., 3., 4., 5.], dtype=float32)

    The windows to predict from (no target):

    >>> X_last, none = make_windows(series, timesteps=3, horizon=0)
    >>> X_last[-1].ravel(), none
    (array([7., 8., 9.], dtype=float32), None)
    """
    timesteps = check_int(timesteps, "timesteps", minimum=1)
    horizon = check_int(horizon, "horizon", minimum=0)
    step = check_int(step, "step", minimum=1)
    dtype = _check_dtype(dtype)
    arr, columns = _as_2d_array(data, dtype)
    n_rows, n_features = arr.shape
    indices, several = _resolve_target(target, columns, n_features)
    needed = timesteps + horizon
    if n_rows < needed:
        raise ValueError(
            f"data has {n_rows} rows, fewer than timesteps + horizon = "
            f"{timesteps} + {horizon} = {needed} needed for one window."
        )
    _check_finite(arr)

    n_windows = (n_rows - needed) // step + 1
    row, col = arr.strides
    X = as_strided(
        arr, shape=(n_windows, timesteps, n_features), strides=(step * row, row, col),
        writeable=False,
    )
    if horizon == 0:
        return X, None
    if several:
        targets = arr if indices == list(range(n_features)) else arr[:, indices]
        future = targets[timesteps:]
        row, col = future.strides
        y = as_strided(
            future, shape=(n_windows, horizon, len(indices)), strides=(step * row, row, col),
            writeable=False,
        )
    else:
        future = arr[timesteps:, indices[0]]
        (row,) = future.strides
        y = as_strided(future, shape=(n_windows, horizon), strides=(step * row, row),
                       writeable=False)
        if horizon == 1:
            y = y[:, 0]
    return X, y


# --------------------------------------------------------------------------- #
# SlidingWindow
# --------------------------------------------------------------------------- #
class SlidingWindow(TransformerMixin, BaseEstimator):
    """Replace each row by the window of rows that ends at it.

    Row ``t`` of the output is rows ``t - timesteps + 1 .. t`` of the input,
    oldest first, so ``(n_samples, n_features)`` becomes
    ``(n_samples, timesteps, n_features)``: the number of rows is kept, which
    lets the transformer sit in a :class:`~sklearn.pipeline.Pipeline` next to
    the target ``y`` and have ``timesteps`` tuned by
    :class:`~sklearn.model_selection.GridSearchCV`. The first ``timesteps - 1``
    rows have no complete history; their windows are padded at the start.

    The transformer is stateless: ``fit`` only validates the parameters and
    records ``n_features_in_`` (and ``feature_names_in_``); each call to
    ``transform`` pads the start of the data it is given. So in
    cross-validation the first ``timesteps - 1`` rows of a test fold are padded
    too instead of seeing the end of the training fold. For long series this
    matters little; for exact windows over the whole series use
    :func:`make_windows`.

    Parameters
    ----------
    timesteps : int, default=5
        Window length (>= 1). ``timesteps=1`` gives ``(n, 1, n_features)``.
    padding : {"edge", "constant", "zero", "nan"}, default="edge"
        How to fill the missing history of the first rows: ``"edge"`` repeats
        the first row, ``"constant"`` uses ``fill_value``, ``"zero"`` is
        ``"constant"`` with 0 and ``"nan"`` with NaN (for a downstream model
        that handles missing values).
    fill_value : float, default=0.0
        The padding value when ``padding="constant"``; ignored otherwise.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :meth:`fit`, when ``X`` has string column
        names.

    See Also
    --------
    make_windows : Windows with their future targets; drops incomplete windows.

    Notes
    -----
    Input must be 2-D, rows in time order (``series.to_frame()`` for a
    Series). Float32 and float64 are preserved, other dtypes become float64;
    NaN and infinity pass through unchanged. The output is a new C-contiguous
    array of ``n_samples * timesteps * n_features`` values: for very long
    series prefer :func:`make_windows`, which copies nothing.

    ``y`` is not touched: window ``t`` is paired with ``y[t]``, so align
    ``y`` with what a window ending at ``t`` should predict. For a one-step
    forecast that is the next value, ``y = series.shift(-1)``, dropping the
    last row, which has no next value.

    There is no ``get_feature_names_out``: a 3-D output has no column names.

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_forecast.windows import SlidingWindow
    >>> X = np.arange(8.0).reshape(4, 2)
    >>> SlidingWindow(timesteps=3).fit_transform(X)[0]
    array([[0., 1.],
           [0., 1.],
           [0., 1.]])
    >>> SlidingWindow(timesteps=3, padding="zero").fit_transform(X)[:, :, 0]
    array([[0., 0., 0.],
           [0., 0., 2.],
           [0., 2., 4.],
           [2., 4., 6.]])

    Forecasting the next value, with ``timesteps`` tuned by a grid search:

    >>> import pandas as pd
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> series = pd.Series(np.sin(np.arange(200) / 5), name="value")
    >>> y = series.shift(-1)              # row t predicts the value at t + 1
    >>> X, y = series.to_frame()[:-1], y[:-1]
    >>> flatten = FunctionTransformer(lambda w: w.reshape(len(w), -1))
    >>> model = make_pipeline(SlidingWindow(), flatten, Ridge(alpha=1e-3))
    >>> search = GridSearchCV(model, {"slidingwindow__timesteps": [1, 3]},
    ...                       cv=TimeSeriesSplit(n_splits=3)).fit(X, y)
    >>> search.best_params_
    {'slidingwindow__timesteps': 3}
    """

    _parameter_constraints: dict = {
        "timesteps": [Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions(set(_PADDINGS))],
        "fill_value": "no_validation",  # used only with padding="constant": checked then
    }

    def __init__(self, timesteps: int = 5, *,
                 padding: Literal["edge", "constant", "zero", "nan"] = "edge",
                 fill_value: float = 0.0) -> None:
        self.timesteps = timesteps
        self.padding = padding
        self.fill_value = fill_value

    def _check_params(self):
        """The rules the constraints cannot say; returns ``timesteps`` as an int."""
        reject_bools(self, ["timesteps"])
        timesteps = int(self.timesteps)
        if self.padding == "constant" and (
            isinstance(self.fill_value, (bool, np.bool_)) or not isinstance(self.fill_value, Real)
        ):
            raise TypeError(
                f"fill_value must be a real number when padding='constant', "
                f"got {self.fill_value!r}."
            )
        return timesteps

    @validated_fit
    def fit(self, X: ArrayLike, y: object = None) -> SlidingWindow:
        """Check the parameters and record the number (and names) of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The series, rows in time order.
        y : None
            Ignored.

        Returns
        -------
        self : SlidingWindow
            The fitted transformer.
        """
        self._check_params()
        numeric(functools.partial(validate_data, self), X, reset=True,
                 dtype=[np.float64, np.float32], ensure_all_finite=False)
        return self

    def transform(self, X: ArrayLike) -> NDArray[np.floating[Any]]:
        """Replace each row by the window of ``timesteps`` rows ending at it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The series, rows in time order. It must have the features seen in
            :meth:`fit`, when fitted.

        Returns
        -------
        X_windows : ndarray of shape (n_samples, timesteps, n_features)
            ``X_windows[t]`` is ``X[t - timesteps + 1 : t + 1]``, padded at the
            start for ``t < timesteps - 1``.
        """
        self._validate_params()  # the transformer needs no fit, so transform checks too
        timesteps = self._check_params()
        rows = numeric(functools.partial(validate_data, self), X, reset=False,
                        dtype=[np.float64, np.float32], ensure_all_finite=False)
        n_pad = timesteps - 1
        if self.padding == "edge":
            head = np.repeat(rows[:1], n_pad, axis=0)
        else:
            value = {"zero": 0.0, "nan": np.nan}.get(self.padding, self.fill_value)
            head = np.full((n_pad, rows.shape[1]), value, dtype=rows.dtype)
        padded = np.concatenate([head, rows])
        windows = sliding_window_view(padded, timesteps, axis=0)  # (n, n_features, timesteps)
        return np.ascontiguousarray(windows.transpose(0, 2, 1))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
