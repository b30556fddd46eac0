"""Forecast accuracy metrics: point forecasts, intervals and quantiles, for one series or panels.

Every function takes ``y_true`` and the forecasts as array-likes or pandas objects of the
same shape: ``(n,)`` for one series or ``(n, n_targets)`` for several (a 1-D array and an
``(n, 1)`` array are treated as the same single target, as in scikit-learn). Values must
be finite. Each function returns a Python ``float``.

Multi-output convention: the error is **averaged over all values**, so every target and
every step weighs the same. For MAE, MAPE, sMAPE and MASE this equals the mean of the
per-target scores (scikit-learn's ``multioutput="uniform_average"``); for RMSE it is the
root of the overall mean squared error, which differs from scikit-learn's mean of
per-target RMSEs when there are several targets.

Panels: when ``y_true`` is a panel (a list or dict of series, or a pandas object with a
``(id, time)`` MultiIndex, as the forecasters take them), the forecasts (and ``y_train``)
come in the same container, series by series, and the score is the **mean of the
per-series scores**, as in the M3 and M4 competitions; MASE and MSIS scale each series by
its own training series. The weighted quantile loss is the exception: it pools the whole
panel (its definition, as in GluonTS and the DeepAR paper).

Percentage errors (:func:`mape`, :func:`smape`) are returned as **fractions**, like
:func:`sklearn.metrics.mean_absolute_percentage_error`: ``0.05`` means 5 %. Multiply by
100 to print percent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lstm_forecast._panel import MULTI, SINGLE, container_kind, convert
from lstm_forecast._scoring import seasonal_scales, series_scores, wql_parts
from lstm_forecast._typing import SeriesOrPanel
from lstm_forecast._validation import as_2d_float as _as_2d_float
from lstm_forecast._validation import check_int, check_probabilities

__all__ = ["mae", "rmse", "mape", "smape", "mase", "coverage", "msis", "wql"]


# ------------------------------------------------------------------------ inputs
def _inputs(y_true, **others):
    """``(true, {name: array}, lengths, converted)``: flat ``(N, k)`` arrays, series after series.

    ``converted`` is the converted ``y_true`` of a panel, ``None`` for one series.
    """
    if container_kind(y_true) == SINGLE:
        true = _as_2d_float(y_true, "y_true")
        arrays = {}
        for name, value in others.items():
            arrays[name] = _as_2d_float(value, name)
            if arrays[name].shape != true.shape:
                raise ValueError(f"y_true and {name} must have the same shape, got {np.shape(y_true)} "
                                 f"and {np.shape(value)}.")
        return true, arrays, np.array([len(true)]), None
    target = convert(y_true, "y_true")
    arrays = {}
    for name, value in others.items():
        converted = convert(value, name)
        same = (np.array_equal(converted.panel.lengths, target.panel.lengths)
                and converted.panel.flat.shape == target.panel.flat.shape)
        if same and target.layout["container"] == MULTI:
            same = converted.index.equals(target.index)
        if not same:
            raise ValueError(f"y_true and {name} must hold the same series with the same shapes "
                             "(and the same (id, time) labels), in the same container.")
        arrays[name] = converted.panel.flat
    return target.panel.flat, arrays, target.panel.lengths, target


def _train_scales(y_train, target, n_targets, lengths, seasonal_period, metric):
    """Per-series scales of MASE/MSIS from ``y_train``, with the messages of a bad scale."""
    seasonal_period = check_int(seasonal_period, "seasonal_period")
    if target is None:
        train, train_lengths, describe = _as_2d_float(y_train, "y_train"), None, lambda i: "y_train"
        train_lengths = np.array([len(train)])
    else:
        converted = convert(y_train, "y_train")
        if converted.panel.n_series != target.panel.n_series:
            raise ValueError(f"y_train holds {converted.panel.n_series} series, y_true "
                             f"{target.panel.n_series}; give one training series per series.")
        train, train_lengths = converted.panel.flat, converted.panel.lengths
        describe = lambda i: converted.panel.describe(i, "y_train")  # noqa: E731
    if train.shape[1] != n_targets:
        raise ValueError(f"y_train must have the same number of targets as y_true, got "
                         f"{train.shape[1]} and {n_targets}.")
    scale = seasonal_scales(train, train_lengths, np.arange(len(train_lengths)), train_lengths,
                             seasonal_period)
    bad = np.isnan(scale).any(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{describe(i)} must be longer than seasonal_period={seasonal_period} to "
                         f"compute the {metric.upper()} scale, got {train_lengths[i]} values.")
    zero = (scale == 0).any(axis=1)
    if zero.any():
        i = int(np.argmax(zero))
        where = "" if target is None else f" ({describe(i)})"
        raise ValueError(
            f"{metric} is undefined: the in-sample seasonal naive MAE of y_train{where} is zero "
            f"(seasonal_period={seasonal_period}); the training series is constant or exactly "
            "periodic.")
    return scale


def _point(name, y_true, y_pred):
    true, arrays, lengths, _ = _inputs(y_true, y_pred=y_pred)
    if name == "mape" and np.any(true == 0):
        raise ValueError("mape is undefined because y_true contains zeros; use smape or mase instead.")
    return float(np.mean(series_scores(name, true, arrays["y_pred"], lengths)))


def _interval(name, y_true, lower, upper):
    true, arrays, lengths, target = _inputs(y_true, lower=lower, upper=upper)
    if np.any(arrays["lower"] > arrays["upper"]):
        raise ValueError("lower must not exceed upper anywhere.")
    return true, (arrays["lower"], arrays["upper"]), lengths, target


# ------------------------------------------------------------------------ point metrics
def mae(y_true: SeriesOrPanel, y_pred: SeriesOrPanel) -> float:
    """Mean absolute error.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets), or a panel
        Observed values.
    y_pred : array-like, Series or DataFrame of the same shape, or a panel like ``y_true``
        Forecasts.

    Returns
    -------
    float
        ``mean(|y_true - y_pred|)`` over all values (for a panel: the mean of the
        per-series scores).

    Raises
    ------
    ValueError
        If the shapes differ, an input is empty, or holds NaN/infinite values.

    Examples
    --------
    >>> from lstm_forecast.metrics import mae
    >>> mae([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.5
    >>> mae({"a": [1.0, 2.0], "b": [10.0]}, {"a": [1.0, 3.0], "b": [12.0]})  # (0.5 + 2) / 2
    1.25
    """
    return _point("mae", y_true, y_pred)


def rmse(y_true: SeriesOrPanel, y_pred: SeriesOrPanel) -> float:
    """Root mean squared error.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets), or a panel
        Observed values.
    y_pred : array-like, Series or DataFrame of the same shape, or a panel like ``y_true``
        Forecasts.

    Returns
    -------
    float
        ``sqrt(mean((y_true - y_pred) ** 2))`` over all values (with several targets,
        this is the overall RMSE, not the mean of per-target RMSEs; for a panel, the mean
        of the per-series RMSEs).

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
    return _point("rmse", y_true, y_pred)


def mape(y_true: SeriesOrPanel, y_pred: SeriesOrPanel) -> float:
    """Mean absolute percentage error, as a fraction.

    Same value as :func:`sklearn.metrics.mean_absolute_percentage_error` when ``y_true``
    has no zero: ``0.1`` means 10 %.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets), or a panel
        Observed values; none may be zero.
    y_pred : array-like, Series or DataFrame of the same shape, or a panel like ``y_true``
        Forecasts.

    Returns
    -------
    float
        ``mean(|y_true - y_pred| / |y_true|)`` over all values (for a panel: the mean of
        the per-series scores).

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
    return _point("mape", y_true, y_pred)


def smape(y_true: SeriesOrPanel, y_pred: SeriesOrPanel) -> float:
    """Symmetric mean absolute percentage error, as a fraction in ``[0, 2]``.

    Each value contributes ``2 |y_true - y_pred| / (|y_true| + |y_pred|)``, the
    definition used in the M3/M4 competitions divided by 100. A point where both the
    observation and the forecast are zero contributes ``0``.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets), or a panel
        Observed values.
    y_pred : array-like, Series or DataFrame of the same shape, or a panel like ``y_true``
        Forecasts.

    Returns
    -------
    float
        The mean of the symmetric percentage errors over all values (for a panel: the
        mean of the per-series scores).

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
    return _point("smape", y_true, y_pred)


def mase(y_true: SeriesOrPanel, y_pred: SeriesOrPanel, *, y_train: SeriesOrPanel,
         seasonal_period: int = 1) -> float:
    """Mean absolute scaled error (Hyndman & Koehler, 2006).

    The forecast MAE divided by the in-sample MAE of the seasonal naive forecast on the
    training series: ``scale = mean(|y_train[t] - y_train[t - m]|)`` for
    ``t = m .. len(y_train) - 1`` with ``m = seasonal_period``. A value below 1 means the
    forecasts beat the one-step (seasonal) naive method in-sample. With several targets,
    each target is scaled by its own training series and the scaled errors are averaged
    over all values; in a panel, each series by its own training series.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets), or a panel
        Observed values over the forecast period.
    y_pred : array-like, Series or DataFrame of the same shape, or a panel like ``y_true``
        Forecasts.
    y_train : array-like, Series or DataFrame of shape (n_train,) or (n_train, n_targets)
        The series the forecasts were made from (keyword-only), in time order; a panel
        with one training series per series of ``y_true``.
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
    seasonal_period = check_int(seasonal_period, "seasonal_period")
    true, arrays, lengths, target = _inputs(y_true, y_pred=y_pred)
    scale = _train_scales(y_train, target, true.shape[1], lengths, seasonal_period, "mase")
    return float(np.mean(series_scores("mase", true, arrays["y_pred"], lengths, scale=scale)))


# ------------------------------------------------------------------------ intervals
def coverage(y_true: SeriesOrPanel, lower: SeriesOrPanel, upper: SeriesOrPanel) -> float:
    """Empirical coverage of prediction intervals: the fraction of values inside them.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets), or a panel
        Observed values.
    lower, upper : array-likes of the same shape (or panels like ``y_true``)
        Lower and upper ends of the intervals (ends included), such as the ``"lower"``
        and ``"upper"`` columns of ``predict_interval``.

    Returns
    -------
    float
        Between 0 and 1; close to the nominal coverage for calibrated intervals.

    Raises
    ------
    ValueError
        If the shapes differ, ``lower > upper`` somewhere, or an input is invalid.

    Examples
    --------
    >>> from lstm_forecast.metrics import coverage
    >>> coverage([1.0, 2.0, 3.0, 4.0], lower=[0.0, 2.5, 2.0, 3.0], upper=[2.0, 3.0, 4.0, 4.0])
    0.75
    """
    true, bounds, lengths, _ = _interval("coverage", y_true, lower, upper)
    return float(np.mean(series_scores("coverage", true, bounds, lengths)))


def msis(y_true: SeriesOrPanel, lower: SeriesOrPanel, upper: SeriesOrPanel, *,
         y_train: SeriesOrPanel, coverage: float = 0.95, seasonal_period: int = 1) -> float:
    """Mean scaled interval score, the interval metric of the M4 competition.

    For intervals ``[L, U]`` of nominal coverage ``1 - a`` over ``h`` steps (Makridakis,
    Spiliotis & Assimakopoulos, 2020, after Gneiting & Raftery, 2007)::

        MSIS = mean_t[(U - L) + 2/a (L - y) 1{y < L} + 2/a (y - U) 1{y > U}] / scale

    where ``scale`` is the MASE scale, ``mean(|y_train[t] - y_train[t - m]|)``: wide
    intervals and every miss cost, a miss in proportion to how far it falls outside.
    Lower is better.

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets), or a panel
        Observed values.
    lower, upper : array-likes of the same shape (or panels like ``y_true``)
        Interval ends.
    y_train : array-like, Series or DataFrame, or a panel (keyword-only)
        The training series, for the scale (see :func:`mase`).
    coverage : float, default=0.95
        Nominal coverage ``1 - a`` of the intervals (M4 used 0.95).
    seasonal_period : int, default=1
        Season length ``m`` of the scale.

    Returns
    -------
    float
        The mean scaled interval score (mean over series for a panel).

    Raises
    ------
    ValueError
        If ``coverage`` is not in ``(0, 1)``, the scale is undefined (see :func:`mase`),
        or an input is invalid.

    References
    ----------
    S. Makridakis, E. Spiliotis and V. Assimakopoulos, "The M4 Competition: 100,000 time
    series and 61 forecasting methods", International Journal of Forecasting 36(1),
    54-74, 2020.

    Examples
    --------
    >>> from lstm_forecast.metrics import msis
    >>> y_train = [1.0, 2.0, 3.0, 4.0]  # scale 1
    >>> # a = 0.5: the miss of 1 at the second step costs 2 / a * 1 = 4 on top of the width 1
    >>> msis([5.0, 7.0], lower=[4.0, 5.0], upper=[6.0, 6.0], y_train=y_train, coverage=0.5)
    3.5
    """
    (level,) = check_probabilities(coverage, "coverage")
    true, bounds, lengths, target = _interval("msis", y_true, lower, upper)
    scale = _train_scales(y_train, target, true.shape[1], lengths, seasonal_period, "msis")
    return float(np.mean(series_scores("msis", true, bounds, lengths, scale=scale, level=level)))


# ------------------------------------------------------------------------ quantiles
def _quantile_values(y_quantiles, alpha, target, n_rows, n_targets):
    """Quantiles as a ``(N, n_targets, n_alphas)`` array in the row order of ``y_true``."""
    if isinstance(y_quantiles, pd.DataFrame) and isinstance(y_quantiles.columns, pd.MultiIndex):
        columns = y_quantiles.columns
        alphas = list(dict.fromkeys(columns.get_level_values(-1)))
        variables = list(dict.fromkeys(columns.get_level_values(0)))
        if columns.nlevels != 2 or not columns.equals(pd.MultiIndex.from_product([variables, alphas])):
            raise ValueError("y_quantiles must have the columns (variable, alpha) of predict_quantiles.")
        if alpha is not None and check_probabilities(alpha, "alpha") != alphas:
            raise ValueError(f"alpha={alpha} does not match the alphas {alphas} of y_quantiles.")
        frame = y_quantiles
        if isinstance(frame.index, pd.MultiIndex) and target is not None and target.index is not None:
            frame = frame.reindex(target.index)
        values = frame.to_numpy(dtype=float, na_value=np.nan)
        return values.reshape(len(values), len(variables), len(alphas)), alphas
    if target is not None and isinstance(y_quantiles, (list, tuple, dict)):
        items = [y_quantiles[i] for i in target.panel.ids] if isinstance(y_quantiles, dict) \
            else list(y_quantiles)
        parts = [_quantile_values(item, alpha, None, n, n_targets)
                 for item, n in zip(items, target.panel.lengths, strict=True)]
        return np.concatenate([p[0] for p in parts]), parts[0][1]
    if alpha is None:
        raise ValueError("alpha is needed when y_quantiles is an array (its last axis holds the "
                         "quantiles at the levels alpha).")
    alphas = check_probabilities(alpha, "alpha")
    values = np.asarray(y_quantiles, dtype=float)
    if values.ndim == 2 and n_targets == 1:
        values = values[:, None, :]
    return values, alphas


def wql(y_true: SeriesOrPanel, y_quantiles: SeriesOrPanel, *,
        alpha: float | Sequence[float] | None = None) -> float:
    """Weighted quantile loss, averaged over quantile levels (as in GluonTS and DeepAR).

    For each level ``q``: ``2 * sum(pinball_q(y, Q_q)) / sum(|y|)`` over all values (and
    all series of a panel, pooled), with the pinball loss
    ``pinball_q(y, Q) = (y - Q) * (q - 1{y <= Q})``; the result is the mean over levels.
    It is 0 for quantiles equal to the observations; lower is better. With the single
    level ``0.5`` it is the weighted absolute percentage error (WAPE).

    Parameters
    ----------
    y_true : array-like, Series or DataFrame of shape (n,) or (n, n_targets), or a panel
        Observed values; their absolute sum must be positive.
    y_quantiles : DataFrame, array-like or panel
        The output of ``predict_quantiles`` (columns ``(variable, alpha)``; for a panel,
        in its container), or an array of shape ``(n, n_alphas)`` (one target) or
        ``(n, n_targets, n_alphas)``.
    alpha : float or list of float, default=None
        The levels of the last axis of an array; read from the columns of a DataFrame.

    Returns
    -------
    float
        The weighted quantile loss.

    Raises
    ------
    ValueError
        If ``alpha`` is missing for an array or does not match the columns, the shapes
        differ, ``sum(|y_true|)`` is zero, or an input is not finite.

    Examples
    --------
    >>> from lstm_forecast.metrics import wql
    >>> wql([2.0, 4.0], [[1.0, 3.0], [3.0, 5.0]], alpha=[0.1, 0.9])  # every loss 0.1
    0.0666...
    """
    if container_kind(y_true) == SINGLE:
        true, lengths, target = _as_2d_float(y_true, "y_true"), None, None
        lengths = np.array([len(true)])
    else:
        target = convert(y_true, "y_true")
        true, lengths = target.panel.flat, target.panel.lengths
    quantiles, alphas = _quantile_values(y_quantiles, alpha, target, len(true), true.shape[1])
    if quantiles.shape != (*true.shape, len(alphas)):
        raise ValueError(f"y_quantiles has shape {quantiles.shape}, expected {(*true.shape, len(alphas))} "
                         "(n, n_targets, n_alphas) for this y_true.")
    if not np.isfinite(quantiles).all():
        raise ValueError("y_quantiles contains NaN or infinite values (or misses rows of y_true).")
    numerator, denominator = wql_parts(true, quantiles, alphas, lengths)
    if denominator.sum() == 0:
        raise ValueError("wql is undefined because sum(|y_true|) is zero.")
    return float(numerator.sum() / denominator.sum())


#: The metric functions by name, as :func:`lstm_forecast.backtest.backtest` takes them.
METRICS = {"mae": mae, "rmse": rmse, "mape": mape, "smape": smape, "mase": mase,
           "coverage": coverage, "msis": msis, "wql": wql}
