"""LSTMForecaster: a series in, its future out."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._persist import PersistentMixin
from ._time_index import future_index, has_time_frequency, infer_offset
from .regressor import LSTMRegressor

# Seasonal period implied by a pandas frequency (its rule code, without multiples).
_SEASON_BY_FREQ = {"Y": 1, "A": 1, "Q": 4, "M": 12, "W": 52, "D": 7, "B": 5, "h": 24, "H": 24}


def _default_estimator():
    return LSTMRegressor(
        hidden_size=32, max_epochs=100, batch_size=16, lr=3e-3,
        early_stopping=True, validation_fraction=0.2, patience=10,
    )


def season_from_index(index) -> int:
    """Seasonal period implied by a datetime/period index's frequency (1 when unknown)."""
    offset = infer_offset(index) if index is not None else None
    if offset is None:
        return 1
    code = offset.rule_code.split("-")[0].rstrip("SE") or offset.rule_code[:1]
    return _SEASON_BY_FREQ.get(code, _SEASON_BY_FREQ.get(code[:1], 1))


def _as_values(data, name, *, n_rows=None):
    """``data`` as a 2-D float64 array with its pandas index (or ``None``)."""
    index = data.index if isinstance(data, (pd.Series, pd.DataFrame)) else None
    if isinstance(data, pd.DataFrame):
        non_numeric = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]
        if non_numeric:
            raise ValueError(f"{name} has non-numeric columns {non_numeric}; expected numbers only.")
    elif isinstance(data, pd.Series) and not pd.api.types.is_numeric_dtype(data):
        raise ValueError(f"{name} must hold numbers; got dtype {data.dtype}.")
    try:
        values = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers only; could not convert it to float.") from None
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D (time, columns); got shape {values.shape}.")
    if len(values) == 0:
        raise ValueError(f"{name} is empty; expected at least one time step.")
    if not np.isfinite(values).all():
        raise ValueError(f"{name} contains NaN or infinity; fill or drop the missing values first.")
    if n_rows is not None and len(values) != n_rows:
        raise ValueError(f"{name} must have {n_rows} rows; got {len(values)}.")
    if index is not None and isinstance(index, pd.DatetimeIndex | pd.PeriodIndex):
        if not index.is_monotonic_increasing:
            raise ValueError(f"The time index of {name} must be sorted in increasing order.")
        if index.has_duplicates:
            raise ValueError(f"The time index of {name} has duplicate timestamps.")
    return values, index


def _column_names(X):
    """The column names of a DataFrame ``X`` when all are strings (scikit-learn's rule), else None."""
    if isinstance(X, pd.DataFrame) and len(X.columns) and all(isinstance(c, str) for c in X.columns):
        return np.asarray(X.columns, dtype=object)
    return None


def _match_columns(X, names):
    """``X`` with its columns in the order of ``names``; missing or unknown names are an error."""
    columns = list(X.columns)
    missing = [n for n in names if n not in columns]
    unknown = [c for c in columns if c not in set(names)]
    if missing or unknown:
        found = "; ".join(
            text for text in (missing and f"missing {missing}", unknown and f"unknown {unknown}")
            if text
        )
        raise ValueError(
            f"X must have the covariate columns the forecaster was fitted with, {list(names)} "
            f"(matched by name, in any order); {found}."
        )
    return X[list(names)]


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")


class LSTMForecaster(PersistentMixin, BaseEstimator):
    """Forecast the next ``horizon`` values of a series with an LSTM.

    ``fit(y, X=None)`` learns from a series (array, Series or DataFrame of one or several
    targets) and optional covariates ``X`` known in advance; ``predict()`` returns the
    ``horizon`` values after the end of the training series, indexed by the future
    timestamps when ``y`` had a datetime or period index with a frequency.

    What happens inside, so that the defaults work on real series without tuning:

    - **Scale** (``transform="auto"``): strictly positive series are modelled in logs
      (multiplicative trend and seasonality become additive).
    - **Level**: each input window is expressed relative to its last value, and each
      target relative to a classical forecast (``relative_to``): for seasonal series last
      season's pattern at the current level plus last year's change, otherwise the last value.
      The network learns corrections to a classical forecast, and
      a series that drifts to levels never seen in training stays in range.
    - **Spread**: windows and targets are divided by the spread of the seasonal differences.
    - **Early stopping** on the chronological tail of the windows (default estimator).
    - **Ensembling** (``n_models``): several networks from different seeds are averaged.

    Parameters
    ----------
    estimator : LSTMRegressor or None, default=None
        The network to train (cloned). ``None`` uses ``LSTMRegressor(hidden_size=32,
        max_epochs=100, batch_size=16, lr=3e-3, early_stopping=True, validation_fraction=0.2)``:
        series are short, so the last 20% of the windows (chronological) decide when to stop
        and which weights to keep.
    timesteps : int or None, default=None
        Length of the input window. ``None`` uses two seasons (at least 8 steps), shortened
        when the series is too short to give 16 training windows.
    horizon : int, default=1
        Number of future values to forecast.
    strategy : {"direct", "recursive"}, default="direct"
        ``"direct"`` trains one network that outputs all ``horizon`` values at once;
        ``"recursive"`` trains a one-step network and feeds its forecasts back.
    season : int or None, default=None
        Seasonal period. ``None`` infers it from the index frequency (monthly 12,
        quarterly 4, weekly 52, daily 7, business-daily 5, hourly 24), else 1.
    transform : {"auto", "log", None}, default="auto"
        ``"auto"`` models strictly positive series in logs.
    relative_to : {"auto", "season_trend", "season", "last"}, default="auto"
        The classical forecast the network corrects: ``"season_trend"`` (last season's pattern
        at the current level plus last year's change per season ahead, the SARIMA
        (0,1,0)(0,1,0) forecast), ``"season"`` (seasonal naive) or ``"last"`` (naive).
        ``"auto"`` is ``"season_trend"`` for seasonal series and ``"last"`` otherwise.
    n_models : int, default=1
        Networks averaged in the forecast.
    random_state : int or None, default=None
        Seeds the networks (the estimator's own ``random_state`` is used when this is None).

    Attributes
    ----------
    estimators_ : list of LSTMRegressor
        The fitted networks.
    season_ : int
        Seasonal period used.
    timesteps_ : int
        Input window length used.
    n_targets_ : int
        Number of target columns.
    n_covariates_ : int
        Number of covariate columns (0 without ``X``).
    target_name_ : str or None
        Name of the target (Series name or single DataFrame column).
    index_ : pandas.Index or None
        Time index of the training series (gives the forecast its future index).
    feature_names_in_ : ndarray of str
        Names of the covariate columns, when ``X`` was a DataFrame with string column
        names; :meth:`predict` then matches the columns of a DataFrame ``X`` by name.
        Defined only in that case.

    Examples
    --------
    >>> from lstm_forecast import LSTMForecaster, LSTMRegressor
    >>> from lstm_forecast.datasets import load_airline
    >>> y = load_airline()
    >>> model = LSTMForecaster(LSTMRegressor(hidden_size=8, max_epochs=3, random_state=0),
    ...                        horizon=12).fit(y)
    >>> forecast = model.predict()
    >>> forecast.index[0]
    Timestamp('1961-01-01 00:00:00')
    >>> len(forecast)
    12
    """

    _persist_attributes = (
        "target_name_", "index_", "n_targets_", "n_covariates_", "season_", "log_", "relative_to_",
        "timesteps_", "scale_", "estimators_", "y_tail_", "X_tail_", "_y_is_1d", "_y_columns",
        "feature_names_in_",
    )

    def __init__(
        self,
        estimator=None,
        *,
        timesteps=None,
        horizon=1,
        strategy="direct",
        season=None,
        transform="auto",
        relative_to="auto",
        n_models=1,
        random_state=None,
    ):
        self.estimator = estimator
        self.timesteps = timesteps
        self.horizon = horizon
        self.strategy = strategy
        self.season = season
        self.transform = transform
        self.relative_to = relative_to
        self.n_models = n_models
        self.random_state = random_state

    # ----------------------------------------------------------------- fitting
    def _validate_params(self):
        _check_int("horizon", self.horizon, 1)
        if self.timesteps is not None:
            _check_int("timesteps", self.timesteps, 1)
        if self.season is not None:
            _check_int("season", self.season, 1)
        _check_int("n_models", self.n_models, 1)
        if self.strategy not in ("direct", "recursive"):
            raise ValueError(f"strategy must be 'direct' or 'recursive'; got {self.strategy!r}.")
        if self.transform not in ("auto", "log", None):
            raise ValueError(f"transform must be 'auto', 'log' or None; got {self.transform!r}.")
        if self.relative_to not in ("auto", "season_trend", "season", "last"):
            raise ValueError(
                f"relative_to must be 'auto', 'season_trend', 'season' or 'last'; "
                f"got {self.relative_to!r}."
            )
        if self.estimator is not None and not isinstance(self.estimator, LSTMRegressor):
            raise TypeError(
                f"estimator must be an LSTMRegressor or None; got {type(self.estimator).__name__}."
            )

    def fit(self, y, X=None):
        """Learn to forecast ``y`` (with covariates ``X``, when given).

        Parameters
        ----------
        y : array-like, Series or DataFrame of shape (n_timesteps,) or (n_timesteps, n_targets)
            The series, oldest first.
        X : array-like or DataFrame of shape (n_timesteps, n_covariates), default=None
            Covariates aligned with ``y``; their future values must then be given to
            :meth:`predict`.

        Returns
        -------
        self : LSTMForecaster
            The fitted forecaster.
        """
        self._validate_params()
        values, index = _as_values(y, "y")
        covariates = None if X is None else _as_values(X, "X", n_rows=len(values))[0]
        self._y_is_1d = np.ndim(y) == 1
        self._y_columns = list(y.columns) if isinstance(y, pd.DataFrame) else None
        self.target_name_ = y.name if isinstance(y, pd.Series) else (
            self._y_columns[0] if self._y_columns and len(self._y_columns) == 1 else None
        )
        self.index_ = index
        names = _column_names(X)
        if names is None:
            self.__dict__.pop("feature_names_in_", None)
        else:
            self.feature_names_in_ = names
        self.n_targets_ = values.shape[1]
        self.n_covariates_ = 0 if covariates is None else covariates.shape[1]
        self.season_ = self.season or season_from_index(index)
        if self.transform == "log" and values.min() <= 0:
            raise ValueError("transform='log' needs a strictly positive series; y has values <= 0.")
        self.log_ = self.transform == "log" or (self.transform == "auto" and values.min() > 0)
        relative = self.relative_to
        if relative == "auto":
            relative = "season_trend" if self.season_ > 1 else "last"
        self.relative_to_ = relative
        step_horizon = self.horizon if self.strategy == "direct" else 1
        self.timesteps_ = self._choose_timesteps(len(values), step_horizon)
        z = np.log(values) if self.log_ else values
        lag = self.season_ if relative != "last" else 1
        spread = (z[lag:] - z[:-lag]).std(axis=0) if len(z) > lag else z.std(axis=0)
        self.scale_ = np.where(spread > 1e-12, spread, 1.0)
        inputs, targets = self._training_windows(z, covariates, step_horizon)
        seeds = self._seeds()
        base = self.estimator if self.estimator is not None else _default_estimator()
        self.estimators_ = [
            clone(base).set_params(random_state=seed).fit(inputs, targets) for seed in seeds
        ]
        self.y_tail_ = values[-self._history_needed() :].copy()
        self.X_tail_ = None if covariates is None else covariates[-self.timesteps_ :].copy()
        return self

    def _seeds(self):
        if self.random_state is None:
            state = self.estimator.random_state if self.estimator is not None else None
        else:
            state = self.random_state
        rng = check_random_state(state)
        if self.n_models == 1 and isinstance(state, numbers.Integral):
            return [int(state)]
        return [int(s) for s in rng.randint(np.iinfo(np.int32).max, size=self.n_models)]

    def _choose_timesteps(self, n, step_horizon):
        if self.timesteps is not None:
            timesteps = self.timesteps
        else:
            timesteps = max(2 * self.season_, 8)
            # Keep at least 16 training windows when the series allows it.
            timesteps = max(min(timesteps, n - step_horizon - 15), 1)
        if self.relative_to_ != "last":
            needed = self.season_ + 1 if self.relative_to_ == "season_trend" else self.season_
            if self.timesteps is None:
                timesteps = max(timesteps, needed)
            elif timesteps < needed:
                raise ValueError(
                    f"timesteps={timesteps} is too short for relative_to={self.relative_to_!r} "
                    f"with season {self.season_}: at least {needed} steps are needed."
                )
        if n < timesteps + step_horizon:
            raise ValueError(
                f"The series has {n} time steps; at least timesteps + horizon = "
                f"{timesteps} + {step_horizon} = {timesteps + step_horizon} are needed."
            )
        return timesteps

    def _history_needed(self):
        return max(self.timesteps_, self.season_ + 1)

    def _encode_windows(self, z_windows, last, cov_windows, cov_future):
        """Network input: each window relative to its last value, scaled, with covariates."""
        parts = [(z_windows - last[:, None, :]) / self.scale_]
        if cov_windows is not None:
            parts.append(cov_windows)
        x = np.concatenate(parts, axis=2) if len(parts) > 1 else parts[0]
        if cov_future is None:
            return x.astype(np.float32)
        # Known future covariates follow the window as extra steps, flagged, with no target.
        n, h = cov_future.shape[:2]
        future = np.concatenate(
            [np.zeros((n, h, self.n_targets_)), cov_future, np.ones((n, h, 1))], axis=2
        )
        past = np.concatenate([x, np.zeros((n, x.shape[1], 1))], axis=2)
        return np.concatenate([past, future], axis=1).astype(np.float32)

    def _training_windows(self, z, covariates, step_horizon):
        T, h = self.timesteps_, step_horizon
        n_windows = len(z) - T - h + 1
        windows = sliding_window_view(z[: len(z) - h], T, axis=0).transpose(0, 2, 1)
        origins = np.arange(T - 1, T - 1 + n_windows)  # index of each window's last value
        last = z[origins]
        cov_windows = cov_future = None
        if covariates is not None:
            cov_windows = sliding_window_view(covariates[: len(z) - h], T, axis=0).transpose(0, 2, 1)
            cov_future = sliding_window_view(covariates[T:], h, axis=0).transpose(0, 2, 1)
        inputs = self._encode_windows(windows, last, cov_windows, cov_future)
        steps = origins[:, None] + np.arange(1, h + 1)
        baseline = self._naive(z, origins, h)
        targets = (z[steps] - baseline) / self.scale_
        return inputs, targets.reshape(n_windows, -1).astype(np.float32)

    def _naive(self, z, origins, h):
        """Naive forecasts of steps k = 1..h from each origin t: shape (len(origins), h, n_targets).

        ``"last"``: ``z[t]``. ``"season"``: the value one season before, ``z[t+k-m*ceil(k/m)]``.
        ``"season_trend"``: last season's pattern moved to the current level, plus last year's
        change once per season ahead, the forecast of SARIMA(0,1,0)(0,1,0)m.
        """
        k = np.arange(1, h + 1)
        t = origins[:, None]
        if self.relative_to_ == "last":
            return np.repeat(z[origins][:, None], h, axis=1)
        m = self.season_
        seasons_ahead = np.ceil(k / m).astype(int)
        if self.relative_to_ == "season":
            return z[t + k - m * seasons_ahead]
        pattern = z[t - m + (k - 1) % m + 1] - z[t - m]
        yearly_change = (z[origins] - z[origins - m])[:, None]
        return z[origins][:, None] + pattern + (seasons_ahead - 1)[None, :, None] * yearly_change

    # --------------------------------------------------------------- predicting
    def predict(self, X=None, y=None):
        """Forecast the ``horizon`` values after the end of the series.

        Parameters
        ----------
        X : array-like or DataFrame, default=None
            Future covariates, required when the forecaster was fitted with ``X``: the
            ``horizon`` rows after the series. When ``y`` is given, ``X`` holds
            ``len(y) + horizon`` rows: the covariates of ``y`` followed by the future ones.
            A DataFrame's columns are matched by name when the forecaster was fitted on
            named columns (``feature_names_in_``); an array's by position.
        y : array-like, Series or DataFrame, default=None
            New recent history to forecast from without refitting (at least
            ``max(timesteps_, season_)`` values); by default the end of the training series.

        Returns
        -------
        forecast : ndarray, Series or DataFrame of shape (horizon,) or (horizon, n_targets)
            Indexed by the future timestamps when the series had a datetime or period index
            with a frequency.
        """
        check_is_fitted(self, "estimators_")
        if y is None:
            history, index = self.y_tail_, self.index_
        else:
            history, index = _as_values(y, "y")
            if history.shape[1] != self.n_targets_:
                raise ValueError(
                    f"y has {history.shape[1]} target columns; the forecaster was fitted on "
                    f"{self.n_targets_}."
                )
            if len(history) < self._history_needed():
                raise ValueError(
                    f"y must hold at least {self._history_needed()} values to forecast from; "
                    f"got {len(history)}."
                )
            if self.log_ and history.min() <= 0:
                raise ValueError("y has values <= 0, but the forecaster models logs of y.")
        cov_past, cov_future = self._predict_covariates(X, y, len(history))
        z = np.log(history) if self.log_ else history
        if self.strategy == "direct":
            z_future = self._forecast_direct(z, cov_past, cov_future)
        else:
            z_future = self._forecast_recursive(z, cov_past, cov_future)
        values = np.exp(z_future) if self.log_ else z_future
        return self._format(values, index)

    def _predict_covariates(self, X, y, n_history):
        if self.n_covariates_ == 0:
            if X is not None:
                raise ValueError("X was given to predict, but the forecaster was fitted without X.")
            return None, None
        if X is None:
            raise ValueError(
                f"The forecaster was fitted with covariates: pass X with their future values "
                f"({self.horizon} rows)."
            )
        n_rows = self.horizon if y is None else n_history + self.horizon
        names = getattr(self, "feature_names_in_", None)
        if names is not None and isinstance(X, pd.DataFrame):
            X = _match_columns(X, names)
        values = _as_values(X, "X", n_rows=n_rows)[0]
        if values.shape[1] != self.n_covariates_:
            raise ValueError(
                f"X has {values.shape[1]} columns; the forecaster was fitted on {self.n_covariates_}."
            )
        past = self.X_tail_ if y is None else values[: -self.horizon][-self.timesteps_ :]
        return past, values[-self.horizon :]

    def _predict_network(self, inputs):
        outputs = np.mean([est.predict(inputs) for est in self.estimators_], axis=0)
        return outputs.reshape(len(inputs), -1, self.n_targets_)

    def _forecast_direct(self, z, cov_past, cov_future):
        T, h = self.timesteps_, self.horizon
        window = z[-T:][None]
        inputs = self._encode_windows(
            window, z[-1][None], None if cov_past is None else cov_past[None],
            None if cov_future is None else cov_future[None],
        )
        out = self._predict_network(inputs)[0]
        baseline = self._naive(z, np.array([len(z) - 1]), h)[0]
        return baseline + out * self.scale_

    def _forecast_recursive(self, z, cov_past, cov_future):
        T = self.timesteps_
        z = z.copy()
        cov = None if cov_past is None else np.concatenate([cov_past, cov_future])
        for step in range(self.horizon):
            window = z[-T:][None]
            cov_window = None if cov is None else cov[step : step + T][None]
            cov_next = None if cov is None else cov[step + T : step + T + 1][None]
            out = self._predict_network(self._encode_windows(window, z[-1][None], cov_window, cov_next))
            baseline = self._naive(z, np.array([len(z) - 1]), 1)[0, 0]
            z = np.concatenate([z, (baseline + out[0, 0] * self.scale_)[None]])
        return z[-self.horizon :]

    def _format(self, values, index):
        if self._y_is_1d:
            values = values[:, 0]
        if index is None or not has_time_frequency(index):
            return values
        future = future_index(index, self.horizon)
        if values.ndim == 1:
            return pd.Series(values, index=future, name=self.target_name_)
        return pd.DataFrame(values, index=future, columns=self._y_columns)
