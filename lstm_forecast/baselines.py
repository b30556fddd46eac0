"""Classical baseline forecasters: naive, seasonal naive and drift, with prediction intervals.

They follow the forecaster protocol of the package (the one of
:class:`lstm_forecast.LSTMForecaster`), so they can be compared with it in
:func:`lstm_forecast.backtest.backtest`, the benchmarks and the CLI:

- ``fit(y, X=None)``: ``y`` is one series (a 1-D array-like or ``Series``; a 2-D
  array-like or ``DataFrame`` for several targets), in time order, finite, or a panel of
  many (a list or dict of series, or a ``Series``/``DataFrame`` with a ``(id, time)``
  MultiIndex); every series is forecast on its own, in one vectorised computation. ``X``
  (covariates) is checked and ignored: it must have one row per observation of each series.
- ``predict(X=None, y=None)``: the next ``horizon`` values after the end of each series,
  shape ``(horizon,)`` for a 1-D ``y`` and ``(horizon, n_targets)`` for a 2-D one, in the
  container of the series. Without ``y``, the forecast starts after the training series;
  with ``y``, after that new history instead, with no refitting (this is what
  ``backtest(..., refit=False)`` uses). ``X`` is ignored; when given it must have
  ``horizon`` rows per series, or ``len(y) + horizon`` rows when ``y`` is given.
- ``predict_quantiles(alpha=...)`` and ``predict_interval(coverage=...)``: the textbook
  forecast distributions (Hyndman & Athanasopoulos, *Forecasting: Principles and
  Practice*, 3rd ed., section 5.5): normal, centred on the point forecast, with the
  standard deviation ``sigma_h`` below, where ``sigma`` is the spread of the method's
  in-sample one-step residuals (per series and target):

  ============================  ==========================================
  naive                         ``sigma * sqrt(h)``
  seasonal naive (period m)     ``sigma * sqrt(floor((h - 1) / m) + 1)``
  drift (T observations)        ``sigma * sqrt(h * (1 + h / T))``
  ============================  ==========================================

  The residuals are ``y[t] - y[t-1]`` (naive), ``y[t] - y[t-m]`` (seasonal naive) and
  ``y[t] - y[t-1] - slope`` (drift); ``sigma`` is their root mean square, divided by the
  number of residuals minus one for the drift (whose slope is estimated). Intervals need
  one residual more than the point forecast needs values (two for the drift).

Output type: when the series the forecast starts from is a ``Series``/``DataFrame``
whose index is a ``DatetimeIndex`` or ``PeriodIndex`` with a known (set or inferable)
frequency, ``predict`` returns a ``Series``/``DataFrame`` on the future index (same name
or columns). Otherwise it returns a NumPy array.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy.stats import norm
from sklearn.utils._param_validation import Interval

from lstm_forecast._forecaster_base import BaseForecaster

__all__ = ["NaiveForecaster", "SeasonalNaiveForecaster", "DriftForecaster"]


def _residual_sigma(panel, lag, slope=None):
    """Per-series RMS of ``y[t] - y[t-lag] (- slope)``; ``(n_series, n_targets)``, NaN if none."""
    flat, lengths = panel.flat, panel.lengths
    series = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(len(flat)) - np.repeat(panel.starts, lengths)
    keep = position[lag:] >= lag
    residuals = (flat[lag:] - flat[:-lag])[keep]
    owner = series[lag:][keep]
    if slope is not None:
        residuals = residuals - slope[owner]
    squares = np.stack([np.bincount(owner, weights=residuals[:, j] ** 2, minlength=len(lengths))
                        for j in range(flat.shape[1])], axis=1)
    dof = lengths - lag - (0 if slope is None else 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(dof[:, None] > 0, np.sqrt(squares / np.maximum(dof, 1)[:, None]), np.nan)


class _BaselineForecaster(BaseForecaster):
    """A baseline: a state per series (``_state``) and a forecast from it (``_forecast``)."""

    _state_attributes: tuple[str, ...] = ()
    _interval_min: int = 2  # observations a series needs for its residual spread

    def _state(self, panel) -> dict:
        raise NotImplementedError

    def _forecast(self, state, horizon) -> tuple:
        """``(point, spread)``: arrays ``(n_series, horizon, n_targets)``."""
        raise NotImplementedError

    def _fit(self, panel):
        for attr, value in self._state(panel).items():
            setattr(self, attr, value)

    def _current_state(self, panel):
        if panel.values is None:
            return {attr: getattr(self, attr) for attr in self._state_attributes}
        return self._state(panel)

    def _predict(self, panel):
        return self._forecast(self._current_state(panel), self.horizon)[0]

    def _predict_quantiles(self, panel, alphas):
        state = self._current_state(panel)
        point, spread = self._forecast(state, self.horizon)
        if np.isnan(spread).any():
            i = int(np.argmax(np.isnan(spread).reshape(len(spread), -1).any(axis=1)))
            raise ValueError(
                f"{type(self).__name__} needs at least {self._interval_min} observations in a series "
                f"for prediction intervals (the spread of its residuals); {panel.describe(i)} has "
                f"{int(state['n_obs_'][i])}.")
        return point[..., None] + spread[..., None] * norm.ppf(alphas)


class NaiveForecaster(_BaselineForecaster):
    """Naive (random-walk) forecaster: every future value is the last observed one.

    Parameters
    ----------
    horizon : int, default=1
        Number of steps forecast by ``predict``.

    Attributes
    ----------
    last_value_ : ndarray of shape (n_series, n_targets)
        Last value of each target of each training series.
    sigma_ : ndarray of shape (n_series, n_targets)
        Root mean square of the one-step changes ``y[t] - y[t-1]`` (NaN for a series of
        one value): the one-step forecast standard deviation.
    n_obs_ : ndarray of shape (n_series,)
        Length of each training series.
    n_series_, n_targets_, n_covariates_, covariate_names_, ids_, index_, freq_
        See the forecaster protocol (:class:`~lstm_forecast.LSTMForecaster`).

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
    >>> NaiveForecaster(horizon=2).fit({"a": [1.0, 2.0], "b": [5.0, 3.0, 4.0]}).predict()
    {'a': array([2., 2.]), 'b': array([4., 4.])}
    >>> NaiveForecaster(horizon=2).fit([1.0, 4.0, 2.0]).predict_interval(coverage=0.5).round(2)
          0
        0.5
      lower upper
    3  0.28  3.72
    4 -0.43  4.43
    """

    _parameter_constraints: dict = {**BaseForecaster._parameter_constraints}
    _state_attributes = ("last_value_", "sigma_", "n_obs_")
    _persist_attributes = BaseForecaster._persist_attributes + _state_attributes

    def __init__(self, *, horizon: int = 1) -> None:
        self.horizon = horizon

    def _state(self, panel):
        return {"last_value_": panel.flat[panel.ends - 1].copy(),
                "sigma_": _residual_sigma(panel, 1), "n_obs_": panel.lengths.copy()}

    def _forecast(self, state, horizon):
        point = np.repeat(state["last_value_"][:, None, :], horizon, axis=1)
        factor = np.sqrt(np.arange(1, horizon + 1))[None, :, None]
        return point, state["sigma_"][:, None, :] * factor


class SeasonalNaiveForecaster(_BaselineForecaster):
    """Seasonal naive forecaster: each future value is the value one season earlier.

    The forecast ``h`` steps ahead is ``y[T - m + (h - 1) % m]`` (``T`` = length of the
    series, ``m`` = ``seasonal_period``): the last observed season repeated.
    ``seasonal_period=1`` is the :class:`NaiveForecaster`.

    Parameters
    ----------
    horizon : int, default=1
        Number of steps forecast by ``predict``.
    seasonal_period : int or None, default=1
        Season length ``m`` in time steps (12 for monthly data with a yearly cycle).
        ``None`` infers it from the frequency of the time index (monthly 12, quarterly 4,
        weekly 52, daily 7, hourly 24; 1 when unknown). Every series must have at least
        ``m`` values (``m + 1`` for prediction intervals).

    Attributes
    ----------
    last_season_ : ndarray of shape (n_series, seasonal_period, n_targets)
        The last ``seasonal_period`` values of each training series.
    seasonal_period_ : int
        The season length used.
    sigma_ : ndarray of shape (n_series, n_targets)
        Root mean square of the seasonal differences ``y[t] - y[t-m]`` (NaN for a series
        of ``m`` values).
    n_obs_ : ndarray of shape (n_series,)
        Length of each training series.
    n_series_, n_targets_, n_covariates_, covariate_names_, ids_, index_, freq_
        See the forecaster protocol (:class:`~lstm_forecast.LSTMForecaster`).

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
    >>> SeasonalNaiveForecaster(horizon=1, seasonal_period=None).fit(y).seasonal_period_
    4
    """

    _parameter_constraints: dict = {
        **BaseForecaster._parameter_constraints,
        "seasonal_period": [Interval(Integral, 1, None, closed="left"), None],
    }
    _state_attributes = ("last_season_", "sigma_", "n_obs_")
    _persist_attributes = BaseForecaster._persist_attributes + _state_attributes + ("seasonal_period_",)

    def __init__(self, *, horizon: int = 1, seasonal_period: int = 1) -> None:
        self.horizon = horizon
        self.seasonal_period = seasonal_period

    def _min_length(self, season, predicting):
        if predicting:
            return self.seasonal_period_
        return self.seasonal_period or season

    def _fit(self, panel):
        self.seasonal_period_ = int(self.seasonal_period or panel.season)
        super()._fit(panel)

    @property
    def _interval_min(self):
        return self.seasonal_period_ + 1

    def _state(self, panel):
        m = self.seasonal_period_
        rows = (panel.ends - m)[:, None] + np.arange(m)
        return {"last_season_": panel.flat[rows], "sigma_": _residual_sigma(panel, m),
                "n_obs_": panel.lengths.copy()}

    def _forecast(self, state, horizon):
        season = state["last_season_"]
        m = season.shape[1]
        steps = np.arange(horizon)
        factor = np.sqrt(steps // m + 1.0)[None, :, None]
        return season[:, steps % m], state["sigma_"][:, None, :] * factor


class DriftForecaster(_BaselineForecaster):
    """Drift forecaster: the line through the first and last observations, extended.

    The forecast ``h`` steps ahead is ``y[T-1] + h * (y[T-1] - y[0]) / (T - 1)``: the
    naive forecast plus the average change per step seen in the series.

    Parameters
    ----------
    horizon : int, default=1
        Number of steps forecast by ``predict``.

    Attributes
    ----------
    last_value_ : ndarray of shape (n_series, n_targets)
        Last value of each target of each training series.
    slope_ : ndarray of shape (n_series, n_targets)
        Average change per step over each training series.
    sigma_ : ndarray of shape (n_series, n_targets)
        Standard deviation of the one-step changes around the slope (NaN for a series of
        fewer than 3 values).
    n_obs_ : ndarray of shape (n_series,)
        Length ``T`` of each training series.
    n_series_, n_targets_, n_covariates_, covariate_names_, ids_, index_, freq_
        See the forecaster protocol (:class:`~lstm_forecast.LSTMForecaster`).

    Examples
    --------
    >>> from lstm_forecast.baselines import DriftForecaster
    >>> DriftForecaster(horizon=3).fit([1.0, 5.0, 3.0, 7.0]).predict()
    array([ 9., 11., 13.])
    """

    _parameter_constraints: dict = {**BaseForecaster._parameter_constraints}
    _state_attributes = ("last_value_", "slope_", "sigma_", "n_obs_")
    _persist_attributes = BaseForecaster._persist_attributes + _state_attributes
    _interval_min = 3

    def __init__(self, *, horizon: int = 1) -> None:
        self.horizon = horizon

    def _min_length(self, season, predicting):
        return 2

    def _state(self, panel):
        first, last = panel.flat[panel.starts], panel.flat[panel.ends - 1]
        slope = (last - first) / (panel.lengths - 1)[:, None]
        return {"last_value_": last.copy(), "slope_": slope,
                "sigma_": _residual_sigma(panel, 1, slope), "n_obs_": panel.lengths.copy()}

    def _forecast(self, state, horizon):
        h = np.arange(1, horizon + 1, dtype=float)
        point = state["last_value_"][:, None, :] + h[None, :, None] * state["slope_"][:, None, :]
        factor = np.sqrt(h[None, :] * (1 + h[None, :] / state["n_obs_"][:, None]))
        return point, state["sigma_"][:, None, :] * factor[:, :, None]
