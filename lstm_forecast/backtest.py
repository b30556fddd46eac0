"""Rolling-origin (expanding window) evaluation of forecasters, on one series or a panel.

:func:`backtest` refits a forecaster on a growing prefix of a series (of every series of a
panel) and scores its forecasts of the values that follow, the way a forecaster is used in
production. The folds run through joblib, so ``n_jobs`` or a joblib backend (such as
dask's, ``with joblib.parallel_backend("dask"):``) spreads them. The result is a
:class:`BacktestResult` with tidy pandas tables.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from time import perf_counter

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone

from lstm_forecast._folds import FoldSlicer, evaluate, fold_origins, panel_origins, run_fold
from lstm_forecast._folds import stack_output as _stack
from lstm_forecast._panel import SINGLE, container_kind, convert, convert_covariates
from lstm_forecast._scoring import INTERVAL_METRICS, QUANTILE_METRICS
from lstm_forecast._typing import Forecaster, Metric, SeriesOrPanel
from lstm_forecast._validation import as_2d_float, check_int, check_probabilities
from lstm_forecast.metrics import METRICS

__all__ = ["BacktestResult", "backtest"]

_WQL_ALPHAS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(repr=False)
class BacktestResult:
    """Outcome of :func:`backtest`.

    Attributes
    ----------
    folds : pandas.DataFrame
        One row per fold (per series and fold for a panel, with a first column
        ``series``), with columns ``fold`` (0, 1, ...), ``origin`` (the time label, or
        integer position for arrays, of the first forecast value; the fold was trained on
        everything strictly before it), ``train_size``, one column per metric, and, for
        one series, ``fit_time`` and ``predict_time`` (seconds; ``fit_time`` is 0 for the
        folds that reuse the first fit when ``refit=False``).
    forecasts : pandas.DataFrame
        One row per forecast value: (``series``,) ``fold``, ``time`` (label or position),
        ``horizon_step`` (1 = one step ahead), ``target`` (only when ``y`` is 2-D: the
        column name, or the column number for arrays), ``y_true`` and ``y_pred``; with
        interval metrics, ``lower_<c>`` and ``upper_<c>`` for each coverage ``c``.
    metrics : tuple of str
        Names of the metric columns of ``folds``.
    horizon : int
        Number of values forecast per fold.
    refit : bool
        Whether the forecaster was refit at every origin.
    aggregate : pandas.DataFrame or None
        One row per fold: ``fold``, (``n_series``,) the metrics over all series (the mean
        of the per-series scores; ``wql`` pools the panel), ``fit_time`` and
        ``predict_time``. For one series, the metrics of ``folds``.
    """

    folds: pd.DataFrame
    forecasts: pd.DataFrame
    metrics: tuple[str, ...]
    horizon: int
    refit: bool
    aggregate: pd.DataFrame | None = None

    def summary(self) -> pd.DataFrame:
        """Mean and standard deviation (``ddof=1``; NaN for one fold) of each metric over folds.

        For a panel, a fold's score is its score over all series (see ``aggregate``).

        Returns
        -------
        pandas.DataFrame
            Indexed by metric name, with columns ``mean`` and ``std``.
        """
        source = self.aggregate if self.aggregate is not None else self.folds
        table = source[list(self.metrics)].agg(["mean", "std"]).T
        table.index.name = "metric"
        return table

    def __repr__(self):
        source = self.aggregate if self.aggregate is not None else self.folds
        series = f"n_series={int(source['n_series'].iloc[0])}, " if "n_series" in source else ""
        head = (f"BacktestResult({series}n_folds={len(source)}, horizon={self.horizon}, "
                f"refit={self.refit})")
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
            if metric not in METRICS:
                raise ValueError(
                    f"Unknown metric {metric!r} in metrics; expected one of "
                    f"{sorted(METRICS)} or a callable f(y_true, y_pred)."
                )
            resolved.append((metric, METRICS[metric]))
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
    return check_int(horizon, "horizon"), "horizon" in params


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


def backtest(
    forecaster: Forecaster,
    y: SeriesOrPanel,
    X: SeriesOrPanel | None = None,
    *,
    horizon: int | None = None,
    initial: int | None = None,
    step: int | None = None,
    n_folds: int | None = None,
    refit: bool = True,
    metrics: Metric | Sequence[Metric] = ("mae", "rmse", "mape", "mase"),
    seasonal_period: int = 1,
    coverage: float | Sequence[float] = 0.95,
    alpha: Sequence[float] = _WQL_ALPHAS,
    n_jobs: int | None = None,
) -> BacktestResult:
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

    **Panels** (a list or dict of series, or a ``(id, time)`` MultiIndex Series/DataFrame):
    every series gets the folds above, counted in its own positions (with ``initial=None``,
    each series' last fold forecasts its last ``horizon`` values, so ragged series are
    compared on their ends; with ``initial``, the number of folds is what the shortest series
    allows). Fold ``k`` fits one forecaster on all series cut at their origins, in the
    container of ``y`` (a global model sees the whole panel), and scores every series.

    Parameters
    ----------
    forecaster : estimator
        An unfitted forecaster following the protocol of
        :class:`lstm_forecast.LSTMForecaster`: a scikit-learn estimator (it is
        ``sklearn.base.clone``-d; the instance passed is never fitted) with
        ``fit(y, X=None)`` and ``predict(X=None)`` returning the next ``horizon`` values
        after the training series, as an array of shape ``(horizon,)`` for a 1-D ``y``
        or ``(horizon, n_targets)`` for a 2-D ``y`` (or a pandas object of that shape;
        for a panel, in the container of the panel).
        ``fit`` is called as ``fit(y_train)`` or ``fit(y_train, X_train)``, ``predict``
        as ``predict()`` or ``predict(X_future)`` (``X`` passed positionally), where the
        slices keep the type of ``y`` and ``X`` (``Series``/``DataFrame`` via ``iloc``).
        If it has a ``horizon`` parameter and ``horizon`` is given here, the clone is set
        to that horizon. Interval metrics call ``predict_interval(..., coverage=...)``,
        ``"wql"`` calls ``predict_quantiles(..., alpha=...)`` the same way.
    y : array-like, Series, DataFrame, or a panel
        The series, in time order, finite.
    X : array-like or DataFrame of shape (n_samples, n_features), or a panel, default=None
        Covariates aligned with ``y`` (same number of rows; the same container).
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
        ``"smape"``, ``"mase"``; of intervals ``"coverage"`` and ``"msis"``, giving a
        column ``"coverage_<c>"``/``"msis_<c>"`` per coverage ``c``; of quantiles
        ``"wql"``) or callables ``f(y_true, y_pred) -> float`` (named by their
        ``__name__``, called with arrays ``(horizon, n_targets)``). ``"mase"`` and
        ``"msis"`` are scaled on each fold's own training part. ``"mape"`` raises if a
        forecast window contains a zero; use ``"smape"`` then.
    seasonal_period : int, default=1
        Season length used by the MASE and MSIS scaling.
    coverage : float or sequence of float, default=0.95
        Nominal coverages of the intervals scored by ``"coverage"`` and ``"msis"``.
    alpha : sequence of float, default=(0.1, 0.2, ..., 0.9)
        Quantile levels of ``"wql"``.
    n_jobs : int or None, default=None
        Folds run in parallel through joblib: ``None`` means 1 unless inside a
        ``joblib.parallel_backend`` context, ``-1`` every CPU. Results do not depend on it.

    Returns
    -------
    BacktestResult
        ``folds`` (one row per fold, or per series and fold), ``aggregate`` (one row per
        fold), ``forecasts`` (one row per forecast value) and ``summary()`` (mean and std
        of each metric over folds).

    Raises
    ------
    ValueError
        If ``horizon``, ``initial``, ``step`` or ``n_folds`` is not a positive integer,
        ``y`` (a series of the panel) is too short for ``initial + horizon``, ``n_folds``
        folds do not fit, ``X`` is not aligned with ``y``, a metric is unknown, the
        forecaster returns a forecast of the wrong shape, or a metric fails on a fold (the
        message names the fold, and the series of a panel).
    TypeError
        If ``refit=False`` and ``forecaster.predict`` has no ``y`` parameter, or interval or
        quantile metrics are asked of a forecaster without ``predict_interval`` or
        ``predict_quantiles``.

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

    A panel, with interval metrics:

    >>> from lstm_forecast.baselines import NaiveForecaster
    >>> panel = {"a": np.arange(1.0, 13.0), "b": np.arange(20.0, 0.0, -1.0)}
    >>> result = backtest(NaiveForecaster(horizon=2), panel, metrics=["mae", "coverage"],
    ...                   coverage=0.8)
    >>> result.folds[["series", "fold", "origin", "mae", "coverage_0.8"]]
      series  fold  origin  mae  coverage_0.8
    0      a     0       6  1.5           0.5
    1      a     1       8  1.5           0.5
    2      a     2      10  1.5           0.5
    3      b     0      14  1.5           0.5
    4      b     1      16  1.5           0.5
    5      b     2      18  1.5           0.5
    >>> result.aggregate[["fold", "n_series", "mae", "coverage_0.8"]]
       fold  n_series  mae  coverage_0.8
    0     0         2  1.5           0.5
    1     1         2  1.5           0.5
    2     2         2  1.5           0.5
    """
    if not isinstance(refit, (bool, np.bool_)):
        raise ValueError(f"refit must be True or False, got {refit!r}.")
    seasonal_period = check_int(seasonal_period, "seasonal_period")
    scorers = _resolve_metrics(metrics)
    names = {name for name, _ in scorers}
    coverages = check_probabilities(coverage, "coverage") if names & INTERVAL_METRICS else []
    alphas = check_probabilities(alpha, "alpha") if names & QUANTILE_METRICS else []
    kind = container_kind(y)
    converted = None
    if kind == SINGLE:
        if not isinstance(y, (pd.Series, pd.DataFrame)):
            y = np.asarray(y)
        values = as_2d_float(y, "y")
        lengths, labels, ids = np.array([len(values)]), None, [None]
        labels = y.index if isinstance(y, (pd.Series, pd.DataFrame)) else pd.RangeIndex(len(values))
        if X is not None:
            if not isinstance(X, (pd.Series, pd.DataFrame)):
                X = np.asarray(X)
            if len(X) != len(values):
                raise ValueError(f"X must have one row per observation of y ({len(values)}), "
                                 f"got {len(X)}.")
    else:
        converted = convert(y, "y")
        assert converted.panel.flat is not None and converted.panel.lengths is not None
        values, lengths, labels = converted.panel.flat, converted.panel.lengths, converted.labels
        ids = converted.panel.ids
        if X is not None:
            convert_covariates(X, layout=converted.layout, times=converted.times, lengths=lengths,
                               horizon=0, target_index=converted.index)
    horizon, has_horizon = _resolve_horizon(forecaster, horizon)
    if converted is None:
        origins = np.array([fold_origins(len(values), horizon, initial, step, n_folds)])
    else:
        origins = panel_origins(lengths, horizon, initial, step, n_folds, converted.panel.describe)

    template = clone(forecaster)
    if has_horizon:
        template.set_params(horizon=horizon)
    if not refit and not _predict_accepts_history(template):
        raise TypeError(
            f"refit=False needs a forecaster whose predict accepts the new history as a "
            f"`y` parameter, predict(X=None, y=None); {type(forecaster).__name__}.predict "
            "does not. Use refit=True."
        )
    slicer = FoldSlicer(kind, y, X, origins, horizon, converted)
    n_folds = origins.shape[1]
    levels = {"coverages": coverages, "alphas": alphas}
    if refit:
        tasks = [delayed(run_fold)(clone(template), slicer, k, fit=True, from_history=False, **levels)
                 for k in range(n_folds)]
    else:
        fitted = clone(template)
        start = perf_counter()
        y_first, X_first = slicer.part("y", 0), slicer.part("X", 0)
        fitted.fit(y_first) if X is None else fitted.fit(y_first, X_first)
        first_fit_time = perf_counter() - start
        tasks = [delayed(run_fold)(fitted, slicer, k, fit=False, from_history=k > 0, **levels)
                 for k in range(n_folds)]
    outputs = Parallel(n_jobs=n_jobs)(tasks)
    if not refit:
        outputs[0]["fit_time"] = first_fit_time

    k_targets = values.shape[1]
    stacked = {"pred": np.stack([_stack(out["pred"], slicer, converted, k, k_targets, k, "predict")
                                 for k, out in enumerate(outputs)], axis=1)}
    if coverages:
        width = k_targets * len(coverages) * 2
        stacked["interval"] = np.stack(
            [_stack(out["interval"], slicer, converted, k, width, k, "predict_interval")
             for k, out in enumerate(outputs)], axis=1).reshape(
                 len(ids), n_folds, horizon, k_targets, len(coverages), 2)
    if alphas:
        width = k_targets * len(alphas)
        stacked["quantiles"] = np.stack(
            [_stack(out["quantiles"], slicer, converted, k, width, k, "predict_quantiles")
             for k, out in enumerate(outputs)], axis=1).reshape(
                 len(ids), n_folds, horizon, k_targets, len(alphas))
    starts = np.cumsum(lengths) - lengths
    rows = starts[:, None, None] + origins[:, :, None] + np.arange(horizon)
    origin_labels = labels.take((starts[:, None] + origins).ravel())

    def where(i, k):
        label = origin_labels[i * n_folds + k]
        return f"fold {k} (origin {label})" if kind == SINGLE else \
            f"fold {k}, {converted.panel.describe(i)} (origin {label})"

    per_case, per_fold = evaluate(scorers, values[rows], stacked, values, lengths, origins,
                                  seasonal_period=seasonal_period, coverages=coverages,
                                  alphas=alphas, where=where)
    times = {"fit_time": [out["fit_time"] for out in outputs],
             "predict_time": [out["predict_time"] for out in outputs]}
    return _result(kind, ids, converted, y, origins, origin_labels, per_case, per_fold, times,
                   values[rows], stacked, labels.take(rows.ravel()), coverages, horizon, refit)


def _result(kind, ids, converted, y, origins, origin_labels, per_case, per_fold, times, true,
            stacked, time_labels, coverages, horizon, refit):
    n_series, n_folds = origins.shape
    k = true.shape[-1]
    metric_names = tuple(per_case)
    fold = np.tile(np.arange(n_folds), n_series)
    folds = {"fold": fold, "origin": origin_labels, "train_size": origins.ravel()}
    folds.update({name: scores.ravel() for name, scores in per_case.items()})
    aggregate = {"fold": np.arange(n_folds)}
    if kind != SINGLE:
        folds = {"series": np.repeat(np.asarray(ids, dtype=object), n_folds), **folds}
        aggregate["n_series"] = np.full(n_folds, n_series)
    aggregate.update(per_fold)
    aggregate.update(times)
    if kind == SINGLE:
        folds.update(times)
    n_rows = n_series * n_folds * horizon
    table = {"fold": np.repeat(fold, horizon * k),
             "time": time_labels.repeat(k),
             "horizon_step": np.tile(np.repeat(np.arange(1, horizon + 1), k), n_series * n_folds)}
    if kind != SINGLE:
        table = {"series": np.repeat(np.asarray(ids, dtype=object), n_folds * horizon * k), **table}
    ndim = np.ndim(y) if kind == SINGLE else converted.layout["ndim"]
    if ndim == 2:
        names = y.columns if isinstance(y, pd.DataFrame) else (
            converted.layout["columns"] if converted is not None else None)
        names = np.arange(k) if names is None else np.asarray(list(names), dtype=object)
        table["target"] = np.tile(names, n_rows)
    table["y_true"] = true.ravel()
    table["y_pred"] = stacked["pred"].ravel()
    for j, level in enumerate(coverages):
        table[f"lower_{level:g}"] = stacked["interval"][..., j, 0].ravel()
        table[f"upper_{level:g}"] = stacked["interval"][..., j, 1].ravel()
    return BacktestResult(folds=pd.DataFrame(folds), forecasts=pd.DataFrame(table),
                          metrics=metric_names, horizon=horizon, refit=bool(refit),
                          aggregate=pd.DataFrame(aggregate))
