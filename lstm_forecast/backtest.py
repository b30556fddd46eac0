"""Rolling-origin (expanding window) evaluation of forecasters.

:func:`backtest` refits a forecaster on a growing prefix of a series and scores its
forecasts of the values that follow, the way a forecaster is used in production. The
result is a :class:`BacktestResult` with tidy pandas tables.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from time import perf_counter

import numpy as np
import pandas as pd
from sklearn.base import clone

from lstm_forecast.baselines import _check_target, _n_rows
from lstm_forecast.metrics import _METRICS, _SCALED_METRICS, _check_positive_int

__all__ = ["BacktestResult", "backtest"]

_DEFAULT_N_FOLDS = 3


@dataclass(repr=False)
class BacktestResult:
    """Outcome of :func:`backtest`.

    Attributes
    ----------
    folds : pandas.DataFrame
        One row per fold, with columns ``fold`` (0, 1, ...), ``origin`` (the time label,
        or integer position for arrays, of the first forecast value; the fold was trained
        on everything strictly before it), ``train_size``, one column per metric,
        ``fit_time`` and ``predict_time`` (seconds; ``fit_time`` is 0 for the folds
        that reuse the first fit when ``refit=False``).
    forecasts : pandas.DataFrame
        One row per forecast value: ``fold``, ``time`` (label or position),
        ``horizon_step`` (1 = one step ahead), ``target`` (only when ``y`` is 2-D: the
        column name, or the column number for arrays), ``y_true`` and ``y_pred``.
    metrics : tuple of str
        Names of the metric columns of ``folds``.
    horizon : int
        Number of values forecast per fold.
    refit : bool
        Whether the forecaster was refit at every origin.
    """

    folds: pd.DataFrame
    forecasts: pd.DataFrame
    metrics: tuple
    horizon: int
    refit: bool

    def summary(self):
        """Mean and standard deviation (``ddof=1``; NaN for one fold) of each metric.

        Returns
        -------
        pandas.DataFrame
            Indexed by metric name, with columns ``mean`` and ``std``.
        """
        table = self.folds[list(self.metrics)].agg(["mean", "std"]).T
        table.index.name = "metric"
        return table

    def __repr__(self):
        head = (
            f"BacktestResult(n_folds={len(self.folds)}, horizon={self.horizon}, refit={self.refit})"
        )
        lines = [head]
        for name, row in self.summary().iterrows():
            lines.append(f"  {name}: {row['mean']:.4g} +/- {row['std']:.4g}")
        return "\n".join(lines)


def _resolve_metrics(metrics):
    """Return a list of ``(name, function)`` from metric names and/or callables."""
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    resolved = []
    for metric in metrics:
        if isinstance(metric, str):
            if metric not in _METRICS:
                raise ValueError(
                    f"Unknown metric {metric!r} in metrics; expected one of "
                    f"{sorted(_METRICS)} or a callable f(y_true, y_pred)."
                )
            resolved.append((metric, _METRICS[metric]))
        elif callable(metric):
            resolved.append((getattr(metric, "__name__", repr(metric)), metric))
        else:
            raise ValueError(f"metrics must contain metric names or callables, got {metric!r}.")
    names = [name for name, _ in resolved]
    if not names:
        raise ValueError("metrics is empty; give at least one metric.")
    if len(set(names)) != len(names):
        raise ValueError(f"metrics contains duplicate names: {names}.")
    return resolved


def _resolve_horizon(forecaster, horizon):
    params = forecaster.get_params(deep=False) if hasattr(forecaster, "get_params") else {}
    if horizon is None:
        if "horizon" not in params:
            raise ValueError(
                f"horizon=None but {type(forecaster).__name__} has no `horizon` parameter; "
                "pass horizon=."
            )
        horizon = params["horizon"]
    return _check_positive_int(horizon, "horizon"), "horizon" in params


def _fold_origins(n, horizon, initial, step, n_folds):
    """Positions of the first forecast value of each fold (see ``backtest``)."""
    step = horizon if step is None else _check_positive_int(step, "step")
    if n_folds is not None:
        n_folds = _check_positive_int(n_folds, "n_folds")
    if initial is not None:
        initial = _check_positive_int(initial, "initial")
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


def _take(data, start, stop):
    if data is None:
        return None
    if isinstance(data, (pd.Series, pd.DataFrame)):
        return data.iloc[start:stop]
    return data[start:stop]


def _predict_accepts_history(forecaster):
    try:
        signature = inspect.signature(forecaster.predict)
    except (AttributeError, TypeError, ValueError):
        return False
    parameter = signature.parameters.get("y")
    return parameter is not None and parameter.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )


def _as_forecast_array(pred, expected_shape, fold):
    values = pred.to_numpy(dtype=float) if isinstance(pred, (pd.Series, pd.DataFrame)) else pred
    values = np.asarray(values, dtype=float)
    n_expected = expected_shape[0] * expected_shape[1]
    if values.ndim == 0 or values.shape[0] != expected_shape[0] or values.size != n_expected:
        expected = expected_shape if expected_shape[1] > 1 else (expected_shape[0],)
        raise ValueError(
            f"fold {fold}: forecaster.predict returned shape {values.shape}, expected "
            f"{expected} (horizon, [n_targets])."
        )
    return values.reshape(expected_shape)


def backtest(
    forecaster,
    y,
    X=None,
    *,
    horizon=None,
    initial=None,
    step=None,
    n_folds=None,
    refit=True,
    metrics=("mae", "rmse", "mape", "mase"),
    seasonal_period=1,
):
    """Evaluate a forecaster by rolling-origin (expanding window) backtesting.

    Fold ``k`` has the origin ``o_k = initial + k * step``: the forecaster is fit on
    ``y[:o_k]`` (and ``X[:o_k]``), forecasts ``y[o_k : o_k + horizon]``, and is scored
    against it. Every fold has a full ``horizon`` of true values; no fold sees data at or
    after its origin, except the future covariates ``X[o_k : o_k + horizon]``, which are
    assumed known in advance (calendar features, planned prices, ...).

    Defaults:

    - ``step=None`` means ``step=horizon`` (forecast windows that tile the series).
    - ``initial=None``: folds are placed from the **end** of the series, so the last
      fold forecasts the last ``horizon`` values; ``n_folds=None`` then means 3 folds and
      ``initial = len(y) - horizon - (n_folds - 1) * step``.
    - ``initial`` given: ``n_folds=None`` means as many folds as fit in the series
      (``(len(y) - initial - horizon) // step + 1``); an explicit ``n_folds`` takes the
      first ``n_folds`` of them.

    Parameters
    ----------
    forecaster : estimator
        An unfitted forecaster following the protocol of
        :class:`lstm_forecast.LSTMForecaster`: a scikit-learn estimator (it is
        ``sklearn.base.clone``-d; the instance passed is never fitted) with
        ``fit(y, X=None)`` and ``predict(X=None)`` returning the next ``horizon`` values
        after the training series, as an array of shape ``(horizon,)`` for a 1-D ``y``
        or ``(horizon, n_targets)`` for a 2-D ``y`` (or a pandas object of that shape).
        ``fit`` is called as ``fit(y_train)`` or ``fit(y_train, X_train)``, ``predict``
        as ``predict()`` or ``predict(X_future)`` (``X`` passed positionally), where the
        slices keep the type of ``y`` and ``X`` (``Series``/``DataFrame`` via ``iloc``).
        If it has a ``horizon`` parameter and ``horizon`` is given here, the clone is set
        to that horizon.
    y : array-like, Series or DataFrame of shape (n_samples,) or (n_samples, n_targets)
        The series, in time order, finite.
    X : array-like or DataFrame of shape (n_samples, n_features), default=None
        Covariates aligned with ``y`` (same number of rows).
    horizon : int, default=None
        Steps forecast per fold; ``None`` uses ``forecaster.horizon``.
    initial : int, default=None
        Size of the first training window (the first origin); see Defaults above.
    step : int, default=None
        Distance between consecutive origins; ``None`` means ``horizon``.
    n_folds : int, default=None
        Number of folds; see Defaults above.
    refit : bool, default=True
        If True, a fresh clone is fit at every origin. If False, the forecaster is fit
        once on ``y[:initial]`` and later folds forecast from the new history without
        refitting, by calling ``predict(y=y[:o_k])`` (without covariates) or
        ``predict(X[:o_k + horizon], y=y[:o_k])`` (with covariates: the rows of ``X``
        aligned with the history followed by the ``horizon`` future rows). This needs a
        ``predict`` with a parameter named ``y``, i.e. ``predict(X=None, y=None)``; the
        forecast must start right after the last value of that ``y``. The first fold
        calls ``predict`` as with ``refit=True``.
    metrics : sequence of str or callable, default=("mae", "rmse", "mape", "mase")
        Names from :mod:`lstm_forecast.metrics` (``"mae"``, ``"rmse"``, ``"mape"``,
        ``"smape"``, ``"mase"``) or callables ``f(y_true, y_pred) -> float`` (named by
        their ``__name__``). ``"mase"`` is scaled on each fold's own training part.
        ``"mape"`` raises if a forecast window contains a zero; use ``"smape"`` then.
    seasonal_period : int, default=1
        Season length used by the MASE scaling.

    Returns
    -------
    BacktestResult
        ``folds`` (one row per fold), ``forecasts`` (one row per forecast value) and
        ``summary()`` (mean and std of each metric).

    Raises
    ------
    ValueError
        If ``horizon``, ``initial``, ``step`` or ``n_folds`` is not a positive integer,
        ``y`` is too short for ``initial + horizon``, ``n_folds`` folds do not fit,
        ``X`` is not aligned with ``y``, a metric is unknown, the forecaster returns a
        forecast of the wrong shape, or a metric fails on a fold (the message names the
        fold).
    TypeError
        If ``refit=False`` and ``forecaster.predict`` has no ``y`` parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_forecast.backtest import backtest
    >>> from lstm_forecast.baselines import SeasonalNaiveForecaster
    >>> y = np.tile([10.0, 20.0, 30.0, 40.0], 6) + np.arange(24)
    >>> result = backtest(SeasonalNaiveForecaster(horizon=4, seasonal_period=4), y,
    ...                   seasonal_period=4)
    >>> result.folds[["fold", "origin", "train_size", "mae", "mase"]]
       fold  origin  train_size  mae  mase
    0     0      12          12  4.0   1.0
    1     1      16          16  4.0   1.0
    2     2      20          20  4.0   1.0
    >>> result.forecasts.head(3)
       fold  time  horizon_step  y_true  y_pred
    0     0    12             1    22.0    18.0
    1     0    13             2    33.0    29.0
    2     0    14             3    44.0    40.0
    """
    if not isinstance(refit, (bool, np.bool_)):
        raise ValueError(f"refit must be True or False, got {refit!r}.")
    seasonal_period = _check_positive_int(seasonal_period, "seasonal_period")
    scorers = _resolve_metrics(metrics)
    if not isinstance(y, (pd.Series, pd.DataFrame)):
        y = np.asarray(y)
    y_values, y_info = _check_target(y, "y")
    n, n_targets = y_values.shape
    if X is not None:
        if not isinstance(X, (pd.Series, pd.DataFrame)):
            X = np.asarray(X)
        if _n_rows(X) != n:
            raise ValueError(f"X must have one row per observation of y ({n}), got {len(X)}.")
    horizon, has_horizon = _resolve_horizon(forecaster, horizon)
    origins = _fold_origins(n, horizon, initial, step, n_folds)

    template = clone(forecaster)
    if has_horizon:
        template.set_params(horizon=horizon)
    if not refit and not _predict_accepts_history(template):
        raise TypeError(
            f"refit=False needs a forecaster whose predict accepts the new history as a "
            f"`y` parameter, predict(X=None, y=None); {type(forecaster).__name__}.predict "
            "does not. Use refit=True."
        )

    fold_rows, forecast_tables = [], []
    for fold, origin in enumerate(origins):
        fit_time = 0.0
        if refit or fold == 0:
            estimator = clone(template)
            start = perf_counter()
            if X is None:
                estimator.fit(_take(y, 0, origin))
            else:
                estimator.fit(_take(y, 0, origin), _take(X, 0, origin))
            fit_time = perf_counter() - start

        start = perf_counter()
        if refit or fold == 0:
            if X is None:
                pred = estimator.predict()
            else:
                pred = estimator.predict(_take(X, origin, origin + horizon))
        elif X is None:
            pred = estimator.predict(y=_take(y, 0, origin))
        else:
            pred = estimator.predict(_take(X, 0, origin + horizon), y=_take(y, 0, origin))
        predict_time = perf_counter() - start

        y_true = y_values[origin : origin + horizon]
        y_pred = _as_forecast_array(pred, y_true.shape, fold)
        origin_label = origin if y_info.index is None else y_info.index[origin]
        row = {"fold": fold, "origin": origin_label, "train_size": origin}
        for name, func in scorers:
            try:
                if name in _SCALED_METRICS and func is _METRICS[name]:
                    score = func(
                        y_true,
                        y_pred,
                        y_train=y_values[:origin],
                        seasonal_period=seasonal_period,
                    )
                else:
                    score = func(y_true, y_pred)
            except ValueError as exc:
                raise ValueError(
                    f"fold {fold} (origin {origin_label}): metric {name!r} failed: {exc}"
                ) from exc
            row[name] = float(score)
        row["fit_time"] = fit_time
        row["predict_time"] = predict_time
        fold_rows.append(row)

        if y_info.index is None:
            times = pd.RangeIndex(origin, origin + horizon)
        else:
            times = y_info.index[origin : origin + horizon]
        table = {
            "fold": fold,
            "time": times.repeat(n_targets),
            "horizon_step": np.repeat(np.arange(1, horizon + 1), n_targets),
        }
        if y_info.ndim == 2:
            names = y_info.columns if y_info.columns is not None else np.arange(n_targets)
            table["target"] = np.tile(np.asarray(names, dtype=object), horizon)
        table["y_true"] = y_true.ravel()
        table["y_pred"] = y_pred.ravel()
        forecast_tables.append(pd.DataFrame(table))

    folds = pd.DataFrame(fold_rows)
    forecasts = pd.concat(forecast_tables, ignore_index=True)
    return BacktestResult(
        folds=folds,
        forecasts=forecasts,
        metrics=tuple(name for name, _ in scorers),
        horizon=horizon,
        refit=bool(refit),
    )
