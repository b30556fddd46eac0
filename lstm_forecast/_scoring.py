"""The vectorised kernels of the forecast metrics: per-series scores of flat panels.

``metrics.py`` (one call, one score) and ``_folds.py`` (every fold of every series in one call)
share them. Series are consecutive segments of a flat ``(N, k)`` array, given by their lengths.
"""

from __future__ import annotations

import numpy as np

#: Metrics of prediction intervals, and of quantiles.
INTERVAL_METRICS = frozenset({"coverage", "msis"})
QUANTILE_METRICS = frozenset({"wql"})


def segment_mean(terms, lengths):
    """Mean of ``terms`` ``(N, k)`` over the rows and columns of consecutive segments."""
    owner = np.repeat(np.arange(len(lengths)), lengths)
    sums = np.bincount(owner, weights=terms.sum(axis=1), minlength=len(lengths))
    return sums / (lengths * terms.shape[1])


def point_terms(name, true, pred):
    error = np.abs(true - pred)
    if name == "rmse":
        return error**2
    if name == "mape":
        return error / np.abs(true)
    if name == "smape":
        denom = np.abs(true) + np.abs(pred)
        return np.where(denom == 0, 0.0, 2.0 * error / np.where(denom == 0, 1.0, denom))
    return error  # mae, and mase before scaling


def interval_terms(name, true, lower, upper, level):
    if name == "coverage":
        return ((lower <= true) & (true <= upper)).astype(float)
    a = 1.0 - level  # the interval score of Gneiting & Raftery (2007), as in M4
    return (upper - lower) + (2.0 / a) * ((lower - true) * (true < lower) + (true - upper) * (true > upper))


def series_scores(name, true, forecasts, lengths, *, scale=None, level=None):
    """Per-segment scores of metric ``name``; ``forecasts`` is ``pred`` or ``(lower, upper)``."""
    if name in ("coverage", "msis"):
        terms = interval_terms(name, true, *forecasts, level)
    else:
        terms = point_terms(name, true, forecasts)
    if scale is not None:
        terms = terms / np.repeat(scale, lengths, axis=0)
    scores = segment_mean(terms, lengths)
    return np.sqrt(scores) if name == "rmse" else scores


def wql_parts(true, quantiles, alphas, lengths):
    """Per-segment ``(2 * sum of pinball losses averaged over alphas, sum |y|)``."""
    owner = np.repeat(np.arange(len(lengths)), lengths)
    below = true[..., None] <= quantiles
    pinball = np.abs((quantiles - true[..., None]) * (below - np.asarray(alphas))).mean(axis=-1)
    numerator = 2.0 * np.bincount(owner, weights=pinball.sum(axis=1), minlength=len(lengths))
    return numerator, np.bincount(owner, weights=np.abs(true).sum(axis=1), minlength=len(lengths))


def seasonal_scales(flat, lengths, owners, stops, m):
    """``mean |y[t] - y[t-m]|`` over ``t in [m, stop)`` of series ``owner``: ``(n_cases, k)``.

    NaN where a prefix has ``m`` values or fewer.
    """
    starts = np.cumsum(lengths) - lengths
    diffs = np.zeros((len(flat), flat.shape[1]))
    if len(flat) > m:
        position = np.arange(len(flat)) - np.repeat(starts, lengths)
        diffs[m:] = np.abs(flat[m:] - flat[:-m]) * (position[m:] >= m)[:, None]
    cumulative = np.vstack([np.zeros((1, flat.shape[1])), np.cumsum(diffs, axis=0)])
    stops = np.asarray(stops)
    lo, hi = starts[owners] + m, starts[owners] + np.maximum(stops, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = (cumulative[hi] - cumulative[lo]) / (stops - m)[:, None]
    return np.where((stops > m)[:, None], scale, np.nan)
