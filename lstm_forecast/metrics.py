"""Point-forecast accuracy metrics.

Every function takes ``y_true`` and ``y_pred`` as array-likes or pandas objects of the
same shape: ``(n,)`` for one series or ``(n, n_targets)`` for several (a 1-D array and an
``(n, 1)`` array are treated as the same single target, as in scikit-learn). Values must
be finite. Each function returns a Python ``float``.

Multi-output convention: the error is **averaged over all values**, so every target and
every step weighs the same. For MAE, MAPE, sMAPE and MASE this equals the mean of the
per-target scores (scikit-learn's ``multioutput="uniform_average"``); for RMSE it is the
root of the overall mean squared error, which differs from scikit-learn's mean of
per-target RMSEs when there are several targets.

Percentage errors (:func:`mape`, :func:`smape`) are returned as **fractions**, like
:func:`sklearn.metrics.mean_absolute_percentage_error`: ``0.05`` means 5 %. Multiply by
100 to print percent.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

__all__ = ["mae", "rmse", "mape", "smape", "mase"]


def _check_positive_int(value, name):
    """Return ``value`` as an ``int`` or raise if it is not an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def _as_2d_float(values, name):
    """Convert an array-like or pandas object to a finite 2-D float array ``(n, k)``."""
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
        raise ValueError(f"{name} contains NaN or infinite values.")
    return arr.reshape(arr.shape[0], -1)


def _check_pair(y_true, y_pred):
    """Validate and convert a ``(y_true, y_pred)`` pair to two 2-D arrays of equal shape."""
    true = _as_2d_float(y_true, "y_true")
    pred = _as_2d_float(y_pred, "y_pred")
    if true.shape != pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {np.shape(y_true)} "
            f"and {np.shape(y_pred)}."
        )
    return true, pred


def mae(y_true, y_pred):
    """Mean absolute error.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets)
        Observed values.
    y_pred : array-like, Series or DataFrame of the same shape
        Forecasts.

    Returns
    -------
    float
        ``mean(|y_true - y_pred|)`` over all values.

    Raises
    ------
    ValueError
        If the shapes differ, an input is empty, or holds NaN/infinite values.

    Examples
    --------
    >>> from lstm_forecast.metrics import mae
    >>> mae([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.5
    """
    true, pred = _check_pair(y_true, y_pred)
    return float(np.mean(np.abs(true - pred)))


def rmse(y_true, y_pred):
    """Root mean squared error.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets)
        Observed values.
    y_pred : array-like, Series or DataFrame of the same shape
        Forecasts.

    Returns
    -------
    float
        ``sqrt(mean((y_true - y_pred) ** 2))`` over all values (with several targets,
        this is the overall RMSE, not the mean of per-target RMSEs).

    Raises
    ------
    ValueError
        If the shapes differ, an input is empty, or holds NaN/infinite values.

    Examples
    --------
    >>> from lstm_forecast.metrics import rmse
    >>> rmse([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 8.0])
    2.0
    """
    true, pred = _check_pair(y_true, y_pred)
    return float(np.sqrt(np.mean((true - pred) ** 2)))


def mape(y_true, y_pred):
    """Mean absolute percentage error, as a fraction.

    Same value as :func:`sklearn.metrics.mean_absolute_percentage_error` when ``y_true``
    has no zero: ``0.1`` means 10 %.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets)
        Observed values; none may be zero.
    y_pred : array-like, Series or DataFrame of the same shape
        Forecasts.

    Returns
    -------
    float
        ``mean(|y_true - y_pred| / |y_true|)`` over all values.

    Raises
    ------
    ValueError
        If ``y_true`` contains a zero (the percentage error is undefined there; use
        :func:`smape` or :func:`mase`), the shapes differ, an input is empty, or holds
        NaN/infinite values.

    Examples
    --------
    >>> from lstm_forecast.metrics import mape
    >>> mape([100.0, 200.0], [110.0, 180.0])
    0.1
    >>> print(f"{mape([100.0, 200.0], [110.0, 180.0]):.1%}")
    10.0%
    """
    true, pred = _check_pair(y_true, y_pred)
    if np.any(true == 0):
        raise ValueError(
            "mape is undefined because y_true contains zeros; use smape or mase instead."
        )
    return float(np.mean(np.abs(true - pred) / np.abs(true)))


def smape(y_true, y_pred):
    """Symmetric mean absolute percentage error, as a fraction in ``[0, 2]``.

    Each value contributes ``2 |y_true - y_pred| / (|y_true| + |y_pred|)``, the
    definition used in the M3/M4 competitions divided by 100. A point where both the
    observation and the forecast are zero contributes ``0``.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets)
        Observed values.
    y_pred : array-like, Series or DataFrame of the same shape
        Forecasts.

    Returns
    -------
    float
        The mean of the symmetric percentage errors over all values.

    Raises
    ------
    ValueError
        If the shapes differ, an input is empty, or holds NaN/infinite values.

    Examples
    --------
    >>> from lstm_forecast.metrics import smape
    >>> smape([100.0, 0.0], [300.0, 0.0])
    0.5
    """
    true, pred = _check_pair(y_true, y_pred)
    denom = np.abs(true) + np.abs(pred)
    abs_err = np.abs(true - pred)
    safe = np.where(denom == 0, 1.0, denom)
    terms = np.where(denom == 0, 0.0, 2.0 * abs_err / safe)
    return float(np.mean(terms))


def mase(y_true, y_pred, *, y_train, seasonal_period=1):
    """Mean absolute scaled error (Hyndman & Koehler, 2006).

    The forecast MAE divided by the in-sample MAE of the seasonal naive forecast on the
    training series: ``scale = mean(|y_train[t] - y_train[t - m]|)`` for
    ``t = m .. len(y_train) - 1`` with ``m = seasonal_period``. A value below 1 means the
    forecasts beat the one-step (seasonal) naive method in-sample. With several targets,
    each target is scaled by its own training series and the scaled errors are averaged
    over all values.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets)
        Observed values over the forecast period.
    y_pred : array-like, Series or DataFrame of the same shape
        Forecasts.
    y_train : array-like, Series or DataFrame of shape (n_train,) or (n_train, n_targets)
        The series the forecasts were made from (keyword-only), in time order.
    seasonal_period : int, default=1
        Season length ``m`` of the naive scaling forecast; ``1`` is the plain naive
        (random-walk) forecast.

    Returns
    -------
    float
        The mean absolute scaled error.

    Raises
    ------
    ValueError
        If ``y_train`` has ``seasonal_period`` values or fewer, does not have the same
        number of targets as ``y_true``, or has a zero scale (a constant, or exactly
        ``seasonal_period``-periodic, training series); or if the inputs are invalid as
        for :func:`mae`.

    References
    ----------
    R. J. Hyndman and A. B. Koehler, "Another look at measures of forecast accuracy",
    International Journal of Forecasting 22(4), 679-688, 2006.

    Examples
    --------
    >>> from lstm_forecast.metrics import mase
    >>> y_train = [1.0, 2.0, 4.0, 7.0]  # naive in-sample MAE = (1 + 2 + 3) / 3 = 2
    >>> mase([8.0, 10.0], [7.0, 7.0], y_train=y_train)
    1.0
    >>> mase([8.0, 10.0], [7.0, 7.0], y_train=[1.0, 5.0, 3.0, 7.0], seasonal_period=2)
    1.0
    """
    seasonal_period = _check_positive_int(seasonal_period, "seasonal_period")
    true, pred = _check_pair(y_true, y_pred)
    train = _as_2d_float(y_train, "y_train")
    if train.shape[1] != true.shape[1]:
        raise ValueError(
            f"y_train must have the same number of targets as y_true, got {train.shape[1]} "
            f"and {true.shape[1]}."
        )
    if train.shape[0] <= seasonal_period:
        raise ValueError(
            f"y_train must be longer than seasonal_period={seasonal_period} to compute the "
            f"MASE scale, got {train.shape[0]} values."
        )
    scale = np.mean(np.abs(train[seasonal_period:] - train[:-seasonal_period]), axis=0)
    if np.any(scale == 0):
        raise ValueError(
            "mase is undefined: the in-sample seasonal naive MAE of y_train is zero "
            f"(seasonal_period={seasonal_period}); the training series is constant or "
            "exactly periodic."
        )
    return float(np.mean(np.abs(true - pred) / scale))


#: Metric functions by name, as accepted by :func:`lstm_forecast.backtest.backtest`.
_METRICS = {"mae": mae, "rmse": rmse, "mape": mape, "smape": smape, "mase": mase}
#: Names of metrics that take ``y_train`` and ``seasonal_period`` keywords.
_SCALED_METRICS = frozenset({"mase"})
