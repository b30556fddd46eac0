"""Classical baseline forecasters: naive, seasonal naive and drift.

They follow the same protocol as :class:`lstm_forecast.LSTMForecaster`, so they can be
compared with it in :func:`lstm_forecast.backtest.backtest`, the benchmarks and the CLI:

- ``fit(y, X=None)``: ``y`` is a 1-D array-like or ``Series`` (one target) or a 2-D
  array-like or ``DataFrame`` (several targets), in time order, finite. ``X`` (covariates)
  is accepted for compatibility and ignored; when given, it must have ``len(y)`` rows.
- ``predict(X=None, y=None)``: the next ``horizon`` values after the end of the series,
  shape ``(horizon,)`` for a 1-D ``y`` and ``(horizon, n_targets)`` for a 2-D one.
  Without ``y``, the forecast starts after the training series; with ``y``, after that
  new history instead, with no refitting (this is what ``backtest(..., refit=False)``
  uses). ``X`` is ignored; when given it must have ``horizon`` rows, or
  ``len(y) + horizon`` rows when ``y`` is given (history covariates followed by future
  ones).

Output type: when the series the forecast starts from is a ``Series``/``DataFrame``
whose index is a ``DatetimeIndex`` or ``PeriodIndex`` with a known (set or inferable)
frequency, ``predict`` returns a ``Series``/``DataFrame`` on the future index (same name
or columns). Otherwise it returns a NumPy array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from lstm_forecast._persist import PersistentMixin
from lstm_forecast._time_index import future_index, has_time_frequency
from lstm_forecast.metrics import _as_2d_float, _check_positive_int

__all__ = ["NaiveForecaster", "SeasonalNaiveForecaster", "DriftForecaster"]


@dataclass(frozen=True)
class _SeriesInfo:
    """What is needed to give a forecast the shape and labels of its series."""

    ndim: int
    index: pd.Index | None
    name: object = None
    columns: pd.Index | None = None


def _check_target(y, name="y"):
    """Return ``(values, info)``: ``y`` as a finite ``(n, n_targets)`` float array."""
    if isinstance(y, pd.Series):
        info = _SeriesInfo(ndim=1, index=y.index, name=y.name)
    elif isinstance(y, pd.DataFrame):
        info = _SeriesInfo(ndim=2, index=y.index, columns=y.columns)
    else:
        y = np.asarray(y)
        info = _SeriesInfo(ndim=y.ndim, index=None)
    values = _as_2d_float(y, name)
    return values, info


def _n_rows(X, name="X"):
    try:
        return len(X)
    except TypeError as exc:
        raise ValueError(f"{name} must be array-like with one row per time step.") from exc


def _format_forecast(values, info, horizon):
    """Shape a ``(horizon, n_targets)`` forecast like the series ``info`` describes."""
    out = values[:, 0] if info.ndim == 1 else values
    if info.index is None or not has_time_frequency(info.index):
        return out
    index = future_index(info.index, horizon)
    if info.ndim == 1:
        return pd.Series(out, index=index, name=info.name)
    return pd.DataFrame(out, index=index, columns=info.columns)


class _BaseBaselineForecaster(PersistentMixin, BaseEstimator):
    """Shared ``fit``/``predict`` of the baselines; subclasses define the forecast rule."""

    _persist_attributes = ("n_targets_", "index_", "_info")

    def _min_history(self):
        return 1

    def _check_params(self):
        _check_positive_int(self.horizon, "horizon")

    def _state(self, values):
        """Fitted attributes (a dict) computed from a ``(n, n_targets)`` history."""
        raise NotImplementedError

    def _forecast(self, state, horizon):
        """``(horizon, n_targets)`` forecast from a state returned by ``_state``."""
        raise NotImplementedError

    def _check_length(self, values, name):
        needed = self._min_history()
        if values.shape[0] < needed:
            raise ValueError(
                f"{type(self).__name__} needs at least {needed} observations in {name}, "
                f"got {values.shape[0]}."
            )

    def fit(self, y, X=None):
        """Fit the baseline on the series ``y``.

        Parameters
        ----------
        y : array-like, Series or DataFrame of shape (n_samples,) or (n_samples, n_targets)
            The training series, in time order.
        X : array-like of shape (n_samples, n_features), default=None
            Covariates; ignored (accepted for protocol compatibility), but must have
            ``n_samples`` rows.

        Returns
        -------
        self : object
            The fitted forecaster.
        """
        self._check_params()
        values, info = _check_target(y, "y")
        self._check_length(values, "y")
        if X is not None and _n_rows(X) != values.shape[0]:
            raise ValueError(
                f"X must have one row per observation of y ({values.shape[0]}), got {_n_rows(X)}."
            )
        for attr, value in self._state(values).items():
            setattr(self, attr, value)
        self.n_targets_ = values.shape[1]
        self.index_ = info.index
        self._info = info
        return self

    def predict(self, X=None, y=None):
        """Forecast the next ``horizon`` values.

        Parameters
        ----------
        X : array-like, default=None
            Covariates; ignored, but must have ``horizon`` rows (``len(y) + horizon``
            rows when ``y`` is given).
        y : array-like, Series or DataFrame, default=None
            New history to forecast from, without refitting: the forecast starts right
            after its last value. It must have the same number of targets as the
            training series. ``None`` forecasts after the training series.

        Returns
        -------
        ndarray, Series or DataFrame of shape (horizon,) or (horizon, n_targets)
            The forecasts, with the future index when the series has a datetime or
            period index with a frequency.
        """
        check_is_fitted(self)
        self._check_params()
        horizon = self.horizon
        if y is None:
            state = {attr: getattr(self, attr) for attr in self._state_attributes}
            info = self._info
            expected_rows, rows_text = horizon, f"horizon={horizon}"
        else:
            values, info = _check_target(y, "y")
            if values.shape[1] != self.n_targets_:
                raise ValueError(
                    f"y must have the {self.n_targets_} target(s) seen in fit, "
                    f"got {values.shape[1]}."
                )
            self._check_length(values, "y")
            state = self._state(values)
            expected_rows = values.shape[0] + horizon
            rows_text = f"len(y) + horizon = {expected_rows}"
        if X is not None and _n_rows(X) != expected_rows:
            raise ValueError(f"X must have {rows_text} rows, got {_n_rows(X)}.")
        return _format_forecast(self._forecast(state, horizon), info, horizon)


class NaiveForecaster(_BaseBaselineForecaster):
    """Naive (random-walk) forecaster: every future value is the last observed one.

    Parameters
    ----------
    horizon : int, default=1
        Number of steps forecast by ``predict``.

    Attributes
    ----------
    last_value_ : ndarray of shape (n_targets,)
        Last value of each target in the training series.
    n_targets_ : int
        Number of target series.
    index_ : pandas.Index or None
        Index of the training series (``None`` for arrays).

    See Also
    --------
    SeasonalNaiveForecaster : Repeats the last season.
    DriftForecaster : Extends the line through the first and last values.

    Examples
    --------
    >>> from lstm_forecast.baselines import NaiveForecaster
    >>> NaiveForecaster(horizon=3).fit([1.0, 4.0, 2.0]).predict()
    array([2., 2., 2.])
    >>> NaiveForecaster(horizon=2).fit([1.0, 4.0, 2.0]).predict(y=[5.0, 7.0])
    array([7., 7.])
    """

    _state_attributes = ("last_value_",)
    _persist_attributes = _state_attributes

    def __init__(self, *, horizon=1):
        self.horizon = horizon

    def _state(self, values):
        return {"last_value_": values[-1].copy()}

    def _forecast(self, state, horizon):
        return np.tile(state["last_value_"], (horizon, 1))


class SeasonalNaiveForecaster(_BaseBaselineForecaster):
    """Seasonal naive forecaster: each future value is the value one season earlier.

    The forecast ``h`` steps ahead is ``y[T - m + (h - 1) % m]`` (``T`` = length of the
    series, ``m`` = ``seasonal_period``): the last observed season repeated.
    ``seasonal_period=1`` is the :class:`NaiveForecaster`.

    Parameters
    ----------
    horizon : int, default=1
        Number of steps forecast by ``predict``.
    seasonal_period : int, default=1
        Season length ``m`` in time steps (12 for monthly data with a yearly cycle).
        The series must have at least ``m`` values.

    Attributes
    ----------
    last_season_ : ndarray of shape (seasonal_period, n_targets)
        The last ``seasonal_period`` values of the training series.
    n_targets_ : int
        Number of target series.
    index_ : pandas.Index or None
        Index of the training series (``None`` for arrays).

    Examples
    --------
    >>> import pandas as pd
    >>> from lstm_forecast.baselines import SeasonalNaiveForecaster
    >>> y = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    ...               index=pd.period_range("2024Q1", periods=6, freq="Q"))
    >>> SeasonalNaiveForecaster(horizon=5, seasonal_period=4).fit(y).predict()
    2025Q3    3.0
    2025Q4    4.0
    2026Q1    5.0
    2026Q2    6.0
    2026Q3    3.0
    Freq: Q-DEC, dtype: float64
    """

    _state_attributes = ("last_season_",)
    _persist_attributes = _state_attributes

    def __init__(self, *, horizon=1, seasonal_period=1):
        self.horizon = horizon
        self.seasonal_period = seasonal_period

    def _check_params(self):
        super()._check_params()
        _check_positive_int(self.seasonal_period, "seasonal_period")

    def _min_history(self):
        return self.seasonal_period

    def _state(self, values):
        return {"last_season_": values[-self.seasonal_period :].copy()}

    def _forecast(self, state, horizon):
        season = state["last_season_"]
        return season[np.arange(horizon) % season.shape[0]]


class DriftForecaster(_BaseBaselineForecaster):
    """Drift forecaster: the line through the first and last observations, extended.

    The forecast ``h`` steps ahead is ``y[T-1] + h * (y[T-1] - y[0]) / (T - 1)``: the
    naive forecast plus the average change per step seen in the series.

    Parameters
    ----------
    horizon : int, default=1
        Number of steps forecast by ``predict``.

    Attributes
    ----------
    last_value_ : ndarray of shape (n_targets,)
        Last value of each target in the training series.
    slope_ : ndarray of shape (n_targets,)
        Average change per step over the training series.
    n_targets_ : int
        Number of target series.
    index_ : pandas.Index or None
        Index of the training series (``None`` for arrays).

    Examples
    --------
    >>> from lstm_forecast.baselines import DriftForecaster
    >>> DriftForecaster(horizon=3).fit([1.0, 5.0, 3.0, 7.0]).predict()
    array([ 9., 11., 13.])
    """

    _state_attributes = ("last_value_", "slope_")
    _persist_attributes = _state_attributes

    def __init__(self, *, horizon=1):
        self.horizon = horizon

    def _min_history(self):
        return 2

    def _state(self, values):
        slope = (values[-1] - values[0]) / (values.shape[0] - 1)
        return {"last_value_": values[-1].copy(), "slope_": slope}

    def _forecast(self, state, horizon):
        steps = np.arange(1, horizon + 1, dtype=float)[:, None]
        return state["last_value_"] + steps * state["slope_"]
