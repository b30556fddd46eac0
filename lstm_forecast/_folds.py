"""Rolling origins over one series or a panel, the data of each fold, and running a fold.

``backtest`` places the origins, then runs one task per fold (through joblib) that slices
the series and covariates in their own container, fits and forecasts; the forecasts come
back as arrays ``(n_series, horizon, ...)``.
"""

from __future__ import annotations

from time import perf_counter

import numpy as np
import pandas as pd

from lstm_forecast._panel import DICT, LIST, MULTI, SINGLE
from lstm_forecast._scoring import (
    INTERVAL_METRICS,
    QUANTILE_METRICS,
    seasonal_scales,
    series_scores,
    wql_parts,
)
from lstm_forecast._validation import check_int
from lstm_forecast.metrics import METRICS

_DEFAULT_N_FOLDS = 3


# ------------------------------------------------------------------------ origins
def fold_origins(n, horizon, initial, step, n_folds):
    """Positions of the first forecast value of each fold of one series (see ``backtest``)."""
    step = horizon if step is None else check_int(step, "step")
    if n_folds is not None:
        n_folds = check_int(n_folds, "n_folds")
    if initial is not None:
        initial = check_int(initial, "initial")
        if initial + horizon > n:
            raise ValueError(
                f"y is too short: initial={initial} + horizon={horizon} = "
                f"{initial + horizon} observations are needed, len(y)={n}."
            )
        max_folds = (n - initial - horizon) // step + 1
        if n_folds is None:
            n_folds = max_folds
        elif n_folds > max_folds:
            raise ValueError(
                f"n_folds={n_folds} is too large: with len(y)={n}, initial={initial}, "
                f"horizon={horizon} and step={step}, at most {max_folds} folds fit."
            )
    else:
        given = n_folds is not None
        n_folds = n_folds if given else _DEFAULT_N_FOLDS
        initial = n - horizon - (n_folds - 1) * step
        if initial < 1:
            needed = 1 + horizon + (n_folds - 1) * step
            max_folds = max((n - 1 - horizon) // step + 1, 0)
            which = f"n_folds={n_folds}" if given else f"the default n_folds={n_folds}"
            raise ValueError(
                f"y is too short for {which} with horizon={horizon} and step={step}: "
                f"{needed} observations are needed, len(y)={n}. At most {max_folds} "
                "folds fit; lower n_folds, step or horizon."
            )
    return [initial + k * step for k in range(n_folds)]


def panel_origins(lengths, horizon, initial, step, n_folds, describe):
    """Origins ``(n_series, n_folds)`` of every series of a panel (see ``backtest``)."""
    step = horizon if step is None else check_int(step, "step")
    if n_folds is not None:
        n_folds = check_int(n_folds, "n_folds")
    if initial is not None:
        initial = check_int(initial, "initial")
        short = np.flatnonzero(lengths < initial + horizon)
        if len(short):
            i = int(short[0])
            raise ValueError(f"{describe(i)} is too short: initial={initial} + horizon={horizon} = "
                             f"{initial + horizon} observations are needed, it has {lengths[i]}.")
        fits = (lengths - initial - horizon) // step + 1
        if n_folds is None:
            n_folds = int(fits.min())
        elif n_folds > fits.min():
            i = int(np.argmin(fits))
            raise ValueError(f"n_folds={n_folds} is too large: with initial={initial}, horizon="
                             f"{horizon} and step={step}, at most {fits[i]} folds fit in "
                             f"{describe(i)} ({lengths[i]} observations).")
        return np.broadcast_to(initial + step * np.arange(n_folds), (len(lengths), n_folds)).copy()
    given = n_folds is not None
    n_folds = n_folds if given else _DEFAULT_N_FOLDS
    origins = lengths[:, None] - horizon - (n_folds - 1 - np.arange(n_folds)) * step
    short = np.flatnonzero(origins[:, 0] < 1)
    if len(short):
        i = int(short[0])
        which = f"n_folds={n_folds}" if given else f"the default n_folds={n_folds}"
        raise ValueError(f"{describe(i)} is too short for {which} with horizon={horizon} and step="
                         f"{step}: {1 + horizon + (n_folds - 1) * step} observations are needed, it "
                         f"has {lengths[i]}. Lower n_folds, step or horizon.")
    return origins


# ------------------------------------------------------------------------ slicing
def _take(data, start, stop):
    if data is None:
        return None
    if isinstance(data, (pd.Series, pd.DataFrame)):
        return data.iloc[start:stop]
    return data[start:stop]


class FoldSlicer:
    """The training part, future covariates and history of every fold, in the user's container."""

    def __init__(self, kind, y, X, origins, horizon, converted=None):
        self.kind, self.y, self.X, self.origins, self.horizon = kind, y, X, origins, horizon
        if kind == MULTI:
            labels, starts = converted.labels, converted.panel.starts
            ids = pd.Index(converted.layout["ids"])
            self.y_codes = ids.get_indexer(y.index.get_level_values(0))
            self.first = [labels.take(starts + origins[:, k]) for k in range(origins.shape[1])]
            self.last = [labels.take(starts + origins[:, k] + horizon - 1)
                         for k in range(origins.shape[1])]
            if X is not None:
                self.X_codes = ids.get_indexer(X.index.get_level_values(0))
        elif kind in (LIST, DICT):
            self.keys = list(range(len(y))) if kind == LIST else list(y)

    def _elements(self, data, k, start, stop):
        parts = [_take(data[key], start(i, k), stop(i, k)) for i, key in enumerate(self.keys)]
        return parts if self.kind == LIST else dict(zip(self.keys, parts, strict=True))

    def _rows(self, data, codes, k, before_first=False, from_first=False):
        times = data.index.get_level_values(1)
        valid = codes >= 0
        safe = np.where(valid, codes, 0)
        if before_first:
            keep = valid & np.asarray(times < self.first[k].take(safe))
        else:
            keep = valid & np.asarray(times <= self.last[k].take(safe))
            if from_first:
                keep &= np.asarray(times >= self.first[k].take(safe))
        return data.iloc[np.flatnonzero(keep)]

    def part(self, which, k):
        """``"y"``/``"X"``: training part; ``"future"``: X of the forecast steps; ``"history"``:
        X of the training part followed by the forecast steps."""
        data = self.y if which == "y" else self.X
        if data is None:
            return None
        h = self.horizon
        bounds = {"y": (lambda i, k: 0, lambda i, k: self.origins[i, k]),
                  "X": (lambda i, k: 0, lambda i, k: self.origins[i, k]),
                  "future": (lambda i, k: self.origins[i, k], lambda i, k: self.origins[i, k] + h),
                  "history": (lambda i, k: 0, lambda i, k: self.origins[i, k] + h)}[which]
        if self.kind == SINGLE:
            return _take(data, bounds[0](0, k), bounds[1](0, k))
        if self.kind in (LIST, DICT):
            return self._elements(data, k, *bounds)
        codes = self.y_codes if which == "y" else self.X_codes
        if which in ("y", "X"):
            return self._rows(data, codes, k, before_first=True)
        return self._rows(data, codes, k, from_first=which == "future")


# ------------------------------------------------------------------------ running a fold
def run_fold(estimator, slicer, k, *, fit, from_history, coverages, alphas):
    """Fit (when ``fit``) and forecast fold ``k``; returns the raw outputs and the times."""
    fit_time = 0.0
    y_train = slicer.part("y", k)
    if fit:
        start = perf_counter()
        if slicer.X is None:
            estimator.fit(y_train)
        else:
            estimator.fit(y_train, slicer.part("X", k))
        fit_time = perf_counter() - start
    args = () if slicer.X is None else (slicer.part("history" if from_history else "future", k),)
    kwargs = {"y": y_train} if from_history else {}
    start = perf_counter()
    out = {"pred": estimator.predict(*args, **kwargs)}
    if coverages:
        out["interval"] = _probabilistic(estimator, "predict_interval", args, kwargs, coverage=coverages)
    if alphas:
        out["quantiles"] = _probabilistic(estimator, "predict_quantiles", args, kwargs, alpha=alphas)
    out["fit_time"], out["predict_time"] = fit_time, perf_counter() - start
    return out


def _probabilistic(estimator, method, args, kwargs, **levels):
    if not hasattr(estimator, method):
        raise TypeError(f"The interval and quantile metrics need a forecaster with {method}; "
                        f"{type(estimator).__name__} has none.")
    return getattr(estimator, method)(*args, **kwargs, **levels)


# ------------------------------------------------------------------------ outputs as arrays
def _as_block(pred, shape, fold, what):
    values = pred.to_numpy(dtype=float) if isinstance(pred, (pd.Series, pd.DataFrame)) else pred
    values = np.asarray(values, dtype=float)
    if values.ndim == 0 or values.shape[0] != shape[0] or values.size != shape[0] * shape[1]:
        if what == "predict":
            expected = f"{shape if shape[1] > 1 else (shape[0],)} (horizon, [n_targets])"
        else:
            expected = f"{shape}"
        raise ValueError(f"fold {fold}: forecaster.{what} returned shape {values.shape}, expected "
                         f"{expected}.")
    return values.reshape(shape)


def stack_output(out, slicer, converted, k, width, fold, what):
    """A forecast container of fold ``k`` as an array ``(n_series, horizon, width)``."""
    h = slicer.horizon
    if slicer.kind == SINGLE:
        return _as_block(out, (h, width), fold, what)[None]
    if slicer.kind in (LIST, DICT):
        n = len(slicer.keys)
        if slicer.kind == DICT:
            missing = [key for key in slicer.keys if not isinstance(out, dict) or key not in out]
            if missing:
                raise ValueError(f"fold {fold}: forecaster.{what} returned no forecast for series "
                                 f"{missing[0]!r}.")
            out = [out[key] for key in slicer.keys]
        elif not isinstance(out, (list, tuple)) or len(out) != n:
            raise ValueError(f"fold {fold}: forecaster.{what} must return a list of {n} forecasts.")
        return np.stack([_as_block(item, (h, width), fold, what) for item in out])
    ids = pd.Index(converted.layout["ids"])
    rows = ((converted.panel.starts + slicer.origins[:, k])[:, None] + np.arange(h)).ravel()
    labels = converted.labels.take(rows)
    expected = pd.MultiIndex.from_arrays([ids.repeat(h), labels])
    if not isinstance(out, (pd.Series, pd.DataFrame)) or out.index.nlevels != 2:
        raise ValueError(f"fold {fold}: forecaster.{what} must return a pandas object indexed by "
                         "(id, time) for a MultiIndex panel.")
    aligned = out.reindex(expected).to_numpy(dtype=float, na_value=np.nan).reshape(len(expected), -1)
    if aligned.shape[1] != width or not np.isfinite(aligned).all():
        raise ValueError(f"fold {fold}: forecaster.{what} did not return {width} finite value(s) for "
                         "every (series, time) step forecast.")
    return aligned.reshape(len(ids), h, width)


# ------------------------------------------------------------------------ scores
def evaluate(scorers, true, stacked, values, lengths, origins, *, seasonal_period, coverages,
             alphas, where):
    """Scores per (series, fold), ``(n_series, n_folds)``, and per fold, by metric column.

    ``true`` and ``stacked["pred"]`` are ``(n_series, n_folds, horizon, n_targets)``;
    ``where(i, k)`` names series ``i`` of fold ``k`` in messages.
    """
    n, n_folds, h, k = true.shape
    flat_true, flat_pred = true.reshape(-1, k), stacked["pred"].reshape(-1, k)
    case_lengths = np.full(n * n_folds, h)
    per_case, per_fold = {}, {}

    def fail(case, name, message):
        raise ValueError(f"{where(*divmod(int(case), n_folds))}: metric {name!r} failed: {message}")

    def scales(name):
        scale = seasonal_scales(values, lengths, np.repeat(np.arange(n), n_folds), origins.ravel(),
                                 seasonal_period)
        bad = np.isnan(scale).any(axis=1)
        if bad.any():
            case = np.argmax(bad)
            fail(case, name, f"y_train must be longer than seasonal_period={seasonal_period} to "
                             f"compute the {name.upper()} scale, got {origins.ravel()[case]} values.")
        zero = (scale == 0).any(axis=1)
        if zero.any():
            fail(np.argmax(zero), name, f"{name} is undefined: the in-sample seasonal naive MAE of "
                 f"y_train is zero (seasonal_period={seasonal_period}); the training series is "
                 "constant or exactly periodic.")
        return scale

    def add(column, scores):
        per_case[column] = scores.reshape(n, n_folds)
        per_fold[column] = per_case[column].mean(axis=0)

    for name, func in scorers:
        if METRICS.get(name) is not func:
            scores = np.empty(n * n_folds)
            for case in range(n * n_folds):
                i, fold = divmod(case, n_folds)
                try:
                    scores[case] = float(func(true[i, fold], stacked["pred"][i, fold]))
                except ValueError as exc:
                    fail(case, name, exc)
            add(name, scores)
        elif name in INTERVAL_METRICS:
            scale = scales(name) if name == "msis" else None
            for j, level in enumerate(coverages):
                bounds = (stacked["interval"][..., j, 0].reshape(-1, k),
                          stacked["interval"][..., j, 1].reshape(-1, k))
                add(f"{name}_{level:g}", series_scores(name, flat_true, bounds, case_lengths,
                                                         scale=scale,
                                                 level=level))
        elif name in QUANTILE_METRICS:
            quantiles = stacked["quantiles"].reshape(-1, k, len(alphas))
            numerator, denominator = wql_parts(flat_true, quantiles, alphas, case_lengths)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(denominator > 0, numerator / denominator, np.nan)
                per_case[name] = ratio.reshape(n, n_folds)
                per_fold[name] = (numerator.reshape(n, n_folds).sum(axis=0)
                                  / denominator.reshape(n, n_folds).sum(axis=0))
        else:
            if name == "mape":
                zero = (true == 0).reshape(n * n_folds, -1).any(axis=1)
                if zero.any():
                    fail(np.argmax(zero), name, "mape is undefined because y_true contains zeros; "
                                                "use smape or mase instead.")
            scale = scales(name) if name == "mase" else None
            add(name, series_scores(name, flat_true, flat_pred, case_lengths, scale=scale))
    return per_case, per_fold
