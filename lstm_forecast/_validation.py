"""Every check of a parameter value or an input, in one message style (a leaf module).

A wrong *type* raises ``TypeError``, a wrong *value* (out of range, not finite, the wrong
shape) raises ``ValueError``; every message names the parameter or the input and says what
was expected and what was given: ``"timesteps must be an integer >= 1; got 0."``.
Estimator parameters are checked declaratively (scikit-learn's ``_parameter_constraints``);
the helpers here serve functions, cross-parameter rules and inputs.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import as_strided
from scipy.sparse import issparse
from sklearn.base import _fit_context
from sklearn.utils import assert_all_finite

# The largest magnitude float32 holds; values beyond it become infinity when cast.
FLOAT32_MAX = float(np.finfo(np.float32).max)

_Fit = TypeVar("_Fit", bound=Callable[..., Any])


def validated_fit(fit: _Fit) -> _Fit:
    """``fit`` behind scikit-learn's parameter validation (``_fit_context``), with its
    signature kept for type checkers (scikit-learn's decorator is untyped)."""
    return _fit_context(prefer_skip_nested_validation=True)(fit)


def _bounds(minimum, maximum, allow_none):
    text = f"an integer >= {minimum}" if maximum is None else f"an integer in [{minimum}, {maximum}]"
    return text + (" or None" if allow_none else "")


# Only allow_none=True can give None: what a type checker reads of the callers' results.
@overload
def check_int(value: Any, name: str, *, minimum: int = ..., maximum: int | None = ...,
              allow_none: Literal[False] = ...) -> int: ...
@overload
def check_int(value: Any, name: str, *, minimum: int = ..., maximum: int | None = ...,
              allow_none: bool) -> int | None: ...
def check_int(value: Any, name: str, *, minimum: int = 1, maximum: int | None = None,
              allow_none: bool = False) -> int | None:
    """``value`` as a Python ``int``: any integral type (NumPy's too), never a bool."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        shown = f"{value!r} (a bool)" if isinstance(value, (bool, np.bool_)) else repr(value)
        raise TypeError(f"{name} must be {_bounds(minimum, maximum, allow_none)}; got {shown}.")
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        raise ValueError(f"{name} must be {_bounds(minimum, maximum, allow_none)}; got {value!r}.")
    return number


@overload
def check_real(value: Any, name: str, *, low: float | None = ..., high: float | None = ...,
               low_inclusive: bool = ..., high_inclusive: bool = ...,
               allow_none: Literal[False] = ...) -> float: ...
@overload
def check_real(value: Any, name: str, *, low: float | None = ..., high: float | None = ...,
               low_inclusive: bool = ..., high_inclusive: bool = ..., allow_none: bool) -> float | None: ...
def check_real(value: Any, name: str, *, low: float | None = None, high: float | None = None,
               low_inclusive: bool = True, high_inclusive: bool = False,
               allow_none: bool = False) -> float | None:
    """``value`` as a finite Python ``float`` within the bounds given."""
    if value is None and allow_none:
        return None
    parts = []
    if low is not None:
        parts.append(f"{'>=' if low_inclusive else '>'} {low}")
    if high is not None:
        parts.append(f"{'<=' if high_inclusive else '<'} {high}")
    expected = "a finite number" + (" " + " and ".join(parts) if parts else "") + (
        " or None" if allow_none else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}; got {value!r}.")
    value = float(value)
    ok = math.isfinite(value)
    if ok and low is not None:
        ok = value >= low if low_inclusive else value > low
    if ok and high is not None:
        ok = value <= high if high_inclusive else value < high
    if not ok:
        raise ValueError(f"{name} must be {expected}; got {value!r}.")
    return value


def check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def reject_bools(estimator: Any, names) -> None:
    """scikit-learn's integer constraints let ``True`` through as 1; the library refuses it."""
    from sklearn.utils._param_validation import InvalidParameterError

    for name in names:
        value = getattr(estimator, name)
        if isinstance(value, (bool, np.bool_)):
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} must be an int, not a "
                f"bool. Got {value!r} instead."
            )


def check_option(value: Any, name: str, options) -> Any:
    if not isinstance(value, str) or value not in options:
        choices = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}.")
    return value


def check_probabilities(value, name: str) -> list[float]:
    """``value`` (a number or a sequence of distinct numbers in ``(0, 1)``) as a list of floats."""
    items = [value] if np.ndim(value) == 0 else list(np.asarray(value, dtype=object).ravel())
    if not items:
        raise ValueError(f"{name} is empty; give at least one probability in (0, 1).")
    out = []
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Real):
            raise TypeError(f"{name} must hold numbers in (0, 1); got {item!r}.")
        if not 0.0 < float(item) < 1.0:
            raise ValueError(f"{name} must hold numbers strictly between 0 and 1; got {item!r}.")
        out.append(float(item))
    if len(set(out)) != len(out):
        raise ValueError(f"{name} holds duplicate values: {out}.")
    return out


# ------------------------------------------------------------------------------ arrays
def viewed_series(X) -> np.ndarray | None:
    """The stretch of memory that overlapping windows read, as a read-only 1-D view, or ``None``.

    :func:`~lstm_forecast.make_windows` returns ``X[i] = series[i*step : i*step + timesteps]``
    as a strided view: with ``step < timesteps`` every value of the series between the first
    and the last window is in ``X``, ``timesteps / step`` times over. A check of every value
    (finiteness) reads each one once through this view instead, and allocates nothing. ``X``
    is a 3-D ``(n, timesteps, n_features)`` or 2-D ``(n, timesteps)`` array; anything that is
    not such a view of contiguous rows gives ``None``.
    """
    if not isinstance(X, np.ndarray) or X.ndim not in (2, 3) or X.shape[0] < 2 or X.size == 0:
        return None
    shape, strides = X.shape, X.strides
    if X.ndim == 2:
        shape, strides = (*shape, 1), (*strides, X.itemsize)
    n_windows, timesteps, n_features = shape
    row = n_features * X.itemsize
    if n_features > 1 and strides[2] != X.itemsize:
        return None
    if timesteps < 2 or strides[1] != row or strides[0] <= 0 or strides[0] % row:
        return None
    step = strides[0] // row
    if step >= timesteps:
        return None  # windows that do not overlap: reading X reads each value once already
    span = ((n_windows - 1) * step + timesteps) * n_features
    return as_strided(X, shape=(span,), strides=(X.itemsize,), writeable=False)


def check_not_complex(array: np.ndarray, name: str) -> None:
    """Complex numbers would lose their imaginary part silently when cast to floats."""
    if getattr(array, "dtype", None) is not None and array.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} holds complex numbers ({array.dtype}); expected "
            f"real numbers (the imaginary part would be dropped)."
        )


def numeric(check: Callable, X: Any, *, name: str = "X", **kwargs):
    """``check(X, **kwargs)``, with a message naming ``X`` when it does not hold numbers."""
    try:
        return check(X, **kwargs)
    except (TypeError, ValueError) as error:
        if issparse(X):  # scikit-learn's message says that sparse input is not supported
            raise
        try:
            np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as conversion_error:
            raise type(conversion_error)(
                f"{name} must hold numbers; could not convert it to numbers: {conversion_error}"
            ) from None
        raise error


def as_array(X: Any, name: str = "X") -> np.ndarray:
    """``np.asarray(X)`` for list-likes; a message naming ``X`` when it cannot be an array."""
    try:
        return np.asarray(X)
    except ValueError as error:
        raise ValueError(
            f"{name} must be an array of shape (n_samples, timesteps[, n_features]) or a list of "
            f"sequences; could not make an array of it: {error}"
        ) from None


def cast_without_overflow(array: np.ndarray, dtype, name: str) -> np.ndarray:
    """``array.astype(dtype)``, refusing values the target dtype cannot hold.

    NumPy wraps integers around and turns too large floats into infinity without a word.
    """
    dtype = np.dtype(dtype)
    if array.dtype == dtype or array.size == 0:
        return array.astype(dtype, copy=False)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if array.dtype.kind == "f":
            finite = array[np.isfinite(array)] if not np.isfinite(array).all() else array
            if finite.size != array.size:
                raise ValueError(f"{name} holds NaN or infinity, which dtype={dtype} cannot hold.")
            if not np.equal(np.mod(finite, 1), 0).all():
                raise ValueError(f"{name} holds fractional values, which dtype={dtype} cannot hold.")
        low, high = array.min(), array.max()
        if low < info.min or high > info.max:
            raise ValueError(
                f"{name} ranges from {low} to {high}, beyond dtype={dtype} ({info.min} to {info.max})."
            )
    elif dtype.kind == "f" and array.dtype.kind in "fiub":
        limit = float(np.finfo(dtype).max)
        with np.errstate(invalid="ignore"):
            largest = float(np.nanmax(np.abs(array.astype(np.float64, copy=False))))
        if math.isfinite(largest) and largest > limit:
            raise ValueError(
                f"{name} holds values up to {largest:.3g} in magnitude, beyond dtype={dtype} "
                f"(up to {limit:.3g}); they would become infinity. Use a wider dtype or rescale."
            )
    return array.astype(dtype)


def check_float32_range(array: np.ndarray, name: str) -> None:
    """Finite values beyond float32's range would become infinity in the network."""
    if array.dtype.kind != "f" or array.dtype.itemsize <= 4 or array.size == 0:
        return
    series = viewed_series(array)  # windows of a series: read each value once
    values = array if series is None else series
    with warnings.catch_warnings():  # min and max allocate nothing, unlike abs
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: the finiteness check says so
        largest = max(abs(float(np.nanmin(values))), abs(float(np.nanmax(values))))
    if math.isfinite(largest) and largest > FLOAT32_MAX:
        raise ValueError(
            f"{name} holds values up to {largest:.3g} in magnitude, beyond what float32 (the "
            f"network's precision) represents ({FLOAT32_MAX:.3g}); rescale it first."
        )


def assert_finite(X: np.ndarray, name: str = "X", estimator_name: str | None = None) -> None:
    """scikit-learn's finiteness check, with its messages; overlapping windows of a series
    (``make_windows`` output) are checked on the series they view, each value read once, so a
    windowed view of a memory-mapped series is neither copied nor read ``timesteps`` times."""
    series = viewed_series(X)
    assert_all_finite(X if series is None else series, input_name=name,
                      estimator_name=estimator_name)


def finite_float32(X: Any, check_array: Callable) -> np.ndarray:
    """A 3-D ``X`` as float32, checked for NaN/inf; plain float arrays skip ``check_array``.

    ``check_array``'s generic checks cost more than a small network's forward pass, which
    matters for predicting one window at a time.
    """
    if type(X) is np.ndarray and X.dtype.kind == "f" and len(X) > 0:
        check_float32_range(X, "X")
        X = X.astype(np.float32, copy=False)
        series = viewed_series(X)
        if np.isfinite((X if series is None else series).sum(dtype=np.float64)):
            return X
        if series is not None:
            assert_finite(X)  # scikit-learn's message, without reading every window
    X = numeric(check_array, X, allow_nd=True, dtype="numeric", ensure_all_finite=False,
                input_name="X")
    check_float32_range(np.asarray(X), "X")
    X = np.asarray(X, dtype=np.float32)
    assert_finite(X)
    return X


def integer_tokens(X: np.ndarray) -> np.ndarray:
    """Token ids as int64; floats must be whole numbers (1.0 is id 1, 1.5 is an error)."""
    if X.dtype.kind in "iub":
        return X.astype(np.int64, copy=False)
    if X.dtype.kind != "f":
        raise TypeError(f"Token ids must be integers; got X of dtype {X.dtype}.")
    whole = np.equal(np.mod(X, 1), 0)  # False for NaN and infinity too
    if not whole.all():
        bad = float(X[~whole][0])
        if not math.isfinite(bad):
            raise ValueError("Input X contains NaN or infinity; token ids must be integers.")
        raise TypeError(f"Token ids must be integers; found {bad} in X.")
    if np.abs(X).max(initial=0) >= 2**63:
        raise ValueError("Token ids must fit in a 64-bit integer.")
    return X.astype(np.int64)


def as_2d_float(values, name: str, *, with_ndim: bool = False):
    """Convert an array-like or pandas object to a finite 2-D float array ``(n, k)``.

    With ``with_ndim``, return ``(array, ndim)``, the number of dimensions of the input.
    """
    try:
        if isinstance(values, (pd.Series, pd.DataFrame)):
            arr = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain numbers only: {exc}") from exc
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); at least one value is needed.")
    if not np.all(np.isfinite(arr)):
        if np.isnan(arr).all():
            raise ValueError(f"{name} holds only NaN values; drop it or fill it first.")
        raise ValueError(f"{name} contains NaN or infinite values.")
    out = arr.reshape(arr.shape[0], -1)
    return (out, arr.ndim) if with_ndim else out
