"""LSTMForecaster: one network for one series or a panel of many, with quantile forecasts.

The windows, their encoding and the classical scaffold are in ``_panel_windows.py``; the
networks and the pinball loss in ``_quantile_network.py``. LSTMRegressor has no public
hook for the loss: ``_quantile_network.fit_quantile_network`` calls its private
``_fit_network`` with the pinball loss (the change the regressor needs is a ``loss``
parameter with ``"pinball"`` and ``quantiles``; see the module docstring there).
"""

from __future__ import annotations

from collections.abc import Hashable
from numbers import Integral
from typing import Literal

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from . import _panel_windows as pw
from . import _pooled_linear as pl
from . import _quantile_network as qn
from ._forecaster_base import BaseForecaster
from ._time_index import infer_offset, season_from_offset
from ._typing import RandomState
from .regressor import LSTMRegressor

__all__ = ["LSTMForecaster", "season_from_index"]

# Series forecast per network call at predict time (bounds the memory of the windows).
_PREDICT_CHUNK = 8192
# At most this many training windows (sampled across series beyond it).
_MAX_WINDOWS = 200_000
# Validation windows wanted in all, for early stopping (at least one horizon of origins per
# series: the validation loss then averages over several target periods, not one).
_N_VALID = 20
# The probe must train on at least this share of the final networks' windows (else fewer
# origins are held out): an epoch over far fewer windows is far fewer steps.
_MIN_PROBE_SHARE = 0.5
# Training windows wanted in all: small panels take more origins per series than 4 horizons.
_MIN_WINDOWS = 1000


def season_from_index(index) -> int:
    """Seasonal period implied by a datetime/period index's frequency (1 when unknown)."""
    return season_from_offset(infer_offset(index) if index is not None else None)


class LSTMForecaster(BaseForecaster):
    """Forecast the next ``horizon`` values of one series or of every series of a panel.

    One network is trained across all the series given to ``fit`` (a *global* model, as in
    ES-RNN, N-BEATS and DeepAR); one series is a panel of one. ``predict()`` returns the
    forecasts in the container of ``y`` (see :class:`~lstm_forecast._forecaster_base.
    BaseForecaster`: one series, a list, a dict or an ``(id, time)`` MultiIndex frame),
    ``predict_quantiles`` and ``predict_interval`` their quantiles and intervals in sktime's
    layout. ``predict(y=new)`` forecasts other series (or newer histories) without refitting.

    What happens inside, so that the defaults work across series of any scale:

    - **Scale** (``transform="auto"``): each series (and target) that is strictly positive is
      modelled in logs; others in their own units, every window divided by its mean
      absolute value.
    - **Level**: every input window is expressed relative to its last value, and its targets
      relative to a classical forecast from the same point (``relative_to``): the network
      learns corrections to a seasonal naive forecast, so any level is in range.
    - **Windows**: of ``timesteps`` values (left-padded, with an observed flag, where a
      series is shorter), each network step reading one season; the most recent
      ``4 * horizon`` origins of every series train the network (recent behaviour
      forecasts best), sampled together across series.
    - **Quantiles**: the network outputs the quantiles 0.01 ... 0.99 of every step, trained
      with the pinball loss; the point forecast is the median, other levels are interpolated.
    - **Early stopping**: a first network, validated on the last ``horizon`` origins of every
      series (and trained on none of their targets; fewer for short series), sets the
      number of epochs (the minimum of its validation curve averaged over 5 epochs: the
      curve is flat and noisy), and how much of its correction to the scaffold to keep
      (all of it, unless the scaffold alone forecast those windows better);
      ``n_models`` networks are then trained on all the windows for that many epochs and
      their quantiles averaged.
    - **Linear component**: a ridge regression pooled over the same windows of every series
      (the penalty by generalised cross-validation) forecasts the same correction; the
      forecast median is ``(1 - linear_share_)`` the networks' plus ``linear_share_`` the
      ridge's, with the share (0, 0.25, ..., 1) and the correction weight chosen together on
      the held-out windows. The other quantiles keep their distances to the median. With
      fewer than 10 training windows per input of the ridge, the networks forecast alone.

    Parameters
    ----------
    estimator : LSTMRegressor or None, default=None
        The network to train (cloned; ``estimator__hidden_size`` works in a grid). ``None``
        sizes one from the data: ``hidden_size=32``, a batch of about a 64th of the
        training windows (16 to 256), ``lr=1e-2 * sqrt(batch / 256)``, at most 30 epochs
        with early stopping (patience 10). With ``early_stopping=False``, the networks train
        for its ``max_epochs`` and no windows are held out.
    timesteps : int or None, default=None
        Length of the input window. ``None``: ``max(2.5 * horizon, 16, 2 * season)`` rounded
        up to whole seasons, at most the longest series minus the horizon (at least one
        season).
    horizon : int, default=1
        Number of future values to forecast.
    strategy : {"direct", "recursive"}, default="direct"
        ``"direct"`` trains one network that outputs all ``horizon`` steps at once;
        ``"recursive"`` a one-step network whose median forecasts are fed back (point
        forecasts only: quantiles need ``"direct"``).
    season : int or None, default=None
        Seasonal period. ``None`` infers it from the index frequency (monthly 12,
        quarterly 4, weekly 52, daily 7, business-daily 5, hourly 24), else 1.
    transform : {"auto", "log", None}, default="auto"
        ``"auto"`` models the strictly positive series in logs, ``"log"`` requires every
        series to be strictly positive, ``None`` never takes logs.
    relative_to : {"auto", "season", "season_trend", "last", "drift"}, default="auto"
        The classical forecast the network corrects: ``"season"`` (seasonal naive),
        ``"season_trend"`` (last season's pattern at the current level plus last year's
        change per season ahead: SARIMA(0,1,0)(0,1,0)), ``"last"`` (naive) or ``"drift"``
        (naive plus the mean change over the window). ``"auto"`` takes ``"season"``
        (``"last"`` without a season), or its trend variant when that is at least 25% more
        accurate on the last ``horizon`` values of the series.
    n_models : int, default=3
        Networks averaged in the forecast.
    recent_windows : int or None, default=None
        Training windows taken from the end of every series. ``None``: ``4 * horizon``, or
        more when the panel is small, so that there are about 1,000 windows in all.
    random_state : int or None, default=None
        Seeds the networks (the estimator's own ``random_state`` when this is None).

    Attributes
    ----------
    estimators_ : list of LSTMRegressor
        The fitted networks (their outputs: quantile levels x steps x targets).
    season_ : int
        Seasonal period used.
    timesteps_ : int
        Input window length used.
    relative_to_ : str
        The classical forecast the networks correct.
    n_epochs_ : int
        Epochs each network was trained for (set by early stopping).
    interrupted_ : bool
        Whether training was stopped with Ctrl+C (SIGINT): the networks trained so far are
        kept (the one interrupted with the weights of its last finished epoch) and no more
        are started.
    levels_ : ndarray
        Quantile levels the networks output.
    correction_weight_ : float
        Share of the (blended) median correction kept in the forecasts (0, 0.25, ..., 1): the
        one that forecast the windows held out for early stopping best. 0 means the scaffold
        alone was better there: the forecast is the scaffold's, with the networks' intervals
        around it. 1 without held-out windows.
    linear_share_ : float
        Share of the linear component in the median correction (0, 0.25, ..., 1), chosen
        with ``correction_weight_`` on the held-out windows; 0 without held-out windows.
    linear_coef_, linear_intercept_ : ndarray or None
        The ridge regression of the linear component: coefficients ``(n_inputs, n_outputs)``
        on the flattened windows and intercepts ``(n_outputs,)``, outputs as the networks'
        median (steps x targets). None when ``linear_share_`` is 0 (without held-out windows,
        with fewer than 10 training windows per input, or when the ridge did not help there):
        the networks forecast alone.
    log_ : ndarray of shape (n_series, n_targets)
        Which targets of which training series are modelled in logs.
    target_name_ : str or None
        Name of the target (Series name or single DataFrame column).
    n_series_, n_targets_, n_covariates_, covariate_names_, ids_, index_, freq_
        See :class:`~lstm_forecast._forecaster_base.BaseForecaster`.

    Notes
    -----
    Minimum lengths: a series needs ``horizon + 2`` values to be fitted (``3`` with
    ``strategy="recursive"``) and one to forecast from; a shorter one is a ``ValueError``
    naming it. Training windows need the scaffold to be defined at their origin (a season of
    values before it for the seasonal scaffolds), so a series shorter than
    ``horizon + season`` gives no training window; it is still forecast, from the naive
    scaffold.

    Examples
    --------
    >>> from lstm_forecast import LSTMForecaster, LSTMRegressor
    >>> from lstm_forecast.datasets import load_airline
    >>> y = load_airline()
    >>> model = LSTMForecaster(LSTMRegressor(hidden_size=8, max_epochs=3, random_state=0),
    ...                        horizon=12, n_models=1).fit(y)
    >>> forecast = model.predict()
    >>> forecast.index[0]
    Timestamp('1961-01-01 00:00:00')
    >>> model.predict_interval(coverage=0.8).shape
    (12, 2)
    """

    _parameter_constraints: dict = {
        "estimator": [LSTMRegressor, None],
        "timesteps": [Interval(Integral, 1, None, closed="left"), None],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "strategy": [StrOptions({"direct", "recursive"})],
        "season": [Interval(Integral, 1, None, closed="left"), None],
        "transform": [StrOptions({"auto", "log"}), None],
        "relative_to": [StrOptions({"auto", *pw.SCAFFOLDS})],
        "n_models": [Interval(Integral, 1, None, closed="left")],
        "recent_windows": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }
    _persist_attributes = BaseForecaster._persist_attributes + (
        "estimators_", "season_", "timesteps_", "stack_", "relative_to_", "n_epochs_", "levels_", "log_",
        "correction_weight_", "linear_share_", "linear_coef_", "linear_intercept_", "interrupted_",
        "tail_values_", "tail_lengths_", "tail_covariates_",
    )
    _uses_covariates = True

    def __init__(
        self,
        estimator: LSTMRegressor | None = None,
        *,
        timesteps: int | None = None,
        horizon: int = 1,
        strategy: Literal["direct", "recursive"] = "direct",
        season: int | None = None,
        transform: Literal["auto", "log"] | None = "auto",
        relative_to: Literal["auto", "last", "drift", "season", "season_trend"] = "auto",
        n_models: int = 3,
        recent_windows: int | None = None,
        random_state: RandomState = None,
    ) -> None:
        self.estimator = estimator
        self.timesteps = timesteps
        self.horizon = horizon
        self.strategy = strategy
        self.season = season
        self.transform = transform
        self.relative_to = relative_to
        self.n_models = n_models
        self.recent_windows = recent_windows
        self.random_state = random_state

    @property
    def target_name_(self) -> Hashable | None:
        """Name of the target: the Series name or single DataFrame column (None otherwise)."""
        layout = self._layout_
        columns = layout.get("columns")
        if columns is not None:
            return columns[0] if len(columns) == 1 else None
        return layout.get("name")

    # ------------------------------------------------------------------ hooks
    def _min_length(self, season, predicting):
        return 1 if predicting else self._step_horizon() + 2

    def _step_horizon(self):
        return self.horizon if self.strategy == "direct" else 1

    def _fit(self, panel):
        h = self._step_horizon()
        self.season_ = int(self.season or panel.season or 1)
        self.levels_ = qn.LEVELS.copy()
        self.timesteps_ = self._choose_timesteps(int(panel.lengths.max()))
        self.stack_ = self.season_ if self.timesteps_ % self.season_ == 0 else 1
        self.log_ = pw.log_columns(panel.flat, panel.lengths, self.transform, panel.describe)
        covariates = None if panel.covariates is None else np.concatenate(panel.covariates)
        padded = pw.pad_panel(panel.flat, panel.lengths, self.log_, self.timesteps_, covariates)
        self.relative_to_ = (pw.choose_scaffold(padded, h, self.season_)
                             if self.relative_to == "auto" else self.relative_to)
        per_series = self.recent_windows or max(4 * h, -(-_MIN_WINDOWS // panel.n_series))
        rng = check_random_state(self._seed_source())
        first = pw.min_input(self.relative_to_, self.season_)
        series, positions = self._sample(pw.training_origins(panel.lengths, h, first, per_series),
                                         rng)
        if len(series) == 0:
            raise ValueError(
                f"No series is long enough to train on: with relative_to={self.relative_to_!r} and "
                f"season {self.season_}, a series needs at least horizon + {first} = {h + first} "
                f"values (the longest has {int(panel.lengths.max())}). Use relative_to='last'.")
        base = self.estimator if self.estimator is not None else qn.default_estimator(len(series))
        max_epochs, probe = None, None
        self.correction_weight_, self.linear_share_ = 1.0, 0.0
        if base.early_stopping:
            max_epochs, self.correction_weight_, self.linear_share_, probe = \
                self._epochs_from_validation(base, padded, per_series, rng)
        self.linear_coef_ = self.linear_intercept_ = None
        if probe is not None and probe.interrupted_:
            self.estimators_ = [probe]  # Ctrl+C stops the whole ensemble, keeping what is trained
            self.linear_share_ = 0.0
        else:
            X, y = self._training_set(padded, series, positions)
            if self.linear_share_ > 0:
                self.linear_coef_, self.linear_intercept_ = pl.fit(X, y)
            self.estimators_ = self._train_ensemble(base, X, y, self._seeds(rng), max_epochs)
        self.interrupted_ = bool(self.estimators_[-1].interrupted_)
        self.n_epochs_ = int(self.estimators_[0].n_epochs_)
        keep = np.minimum(panel.lengths, max(self.timesteps_, self.season_ + 1))
        rows = _tail_rows(panel.starts, panel.lengths, keep)
        self.tail_values_ = panel.flat[rows].copy()
        self.tail_lengths_ = keep
        self.tail_covariates_ = None if covariates is None else covariates[rows].copy()

    def _predict(self, panel):
        if self.strategy == "recursive":
            return self._forecast_recursive(panel)
        return self._forecast_direct(panel, lambda z: z[..., qn.MEDIAN])

    def _predict_quantiles(self, panel, alphas):
        if self.strategy == "recursive":
            raise ValueError("predict_quantiles and predict_interval need strategy='direct': the "
                             "recursive strategy feeds back point forecasts only.")
        return self._forecast_direct(panel, lambda z: qn.interpolate(z, alphas, self.levels_))

    # ------------------------------------------------------------------ fitting
    def _choose_timesteps(self, longest):
        if self.timesteps is not None:
            h = self._step_horizon()
            if self.timesteps + h > longest:
                raise ValueError(
                    f"timesteps + horizon = {self.timesteps} + {h} = {self.timesteps + h} is more "
                    f"than the longest series ({longest} values): no window would be complete. "
                    f"Use a shorter timesteps, or None to choose it from the series.")
            return int(self.timesteps)
        m, h = self.season_, self._step_horizon() if self.strategy == "direct" else self.horizon
        seasons = -(-max(int(np.ceil(2.5 * h)), 16, 2 * m) // m)
        # Room for complete windows: at most half of what the longest series leaves for inputs.
        fits = max(1, (longest - self._step_horizon()) // (2 * m))
        return m * min(seasons, fits)

    @staticmethod
    def _train_ensemble(base, X, y, seeds, max_epochs):
        """One network per seed on all the windows; Ctrl+C stops after the current one."""
        networks = []
        for seed in seeds:
            networks.append(qn.fit_quantile_network(base, X, y, n_valid=0, seed=seed,
                                                    max_epochs=max_epochs))
            if networks[-1].interrupted_:
                break
        return networks

    def _seed_source(self):
        if self.random_state is not None:
            return self.random_state
        return None if self.estimator is None else self.estimator.random_state

    def _seeds(self, rng):
        state = self._seed_source()
        if self.n_models == 1 and isinstance(state, Integral):
            return [int(state)]
        return [int(s) for s in rng.randint(np.iinfo(np.int32).max, size=self.n_models)]

    def _sample(self, origins, rng):
        series, positions = origins
        if len(series) > _MAX_WINDOWS:
            keep = np.sort(rng.choice(len(series), _MAX_WINDOWS, replace=False))
            series, positions = series[keep], positions[keep]
        return series, positions

    def _training_set(self, padded, series, positions):
        h = self._step_horizon()
        rows = padded.origin_rows(positions, series)
        divisor = pw.divisors(padded, rows, series, self.timesteps_)
        future = None if padded.covariates is None else pw.future_covariate_windows(padded, rows, h)
        X = pw.encode(padded, rows, series, self.timesteps_, self.stack_, divisor, future)
        scaffolds = pw.scaffold(padded, rows, positions, h, self.season_, self.relative_to_)
        y = pw.targets(padded, rows, scaffolds, divisor)
        if not np.isfinite(y).all():
            raise ValueError("The training targets are not finite: a series has values too large "
                             "for its transform; rescale it or use transform=None.")
        return X, y

    def _epochs_from_validation(self, base, padded, per_series, rng):
        """Train one network with the last windows of every series held out; the epochs for
        the final networks (:func:`~lstm_forecast._quantile_network.best_epoch`)."""
        train, valid = self._validation_split(padded, per_series)
        if train is None:
            return None, 1.0, 0.0, None  # too short to hold anything out: the estimator's max_epochs
        train = self._sample(train, rng)
        X_train, y_train = self._training_set(padded, *train)
        X_valid, y_valid = self._training_set(padded, *valid)
        net = qn.fit_quantile_network(
            base, np.concatenate([X_train, X_valid]), np.concatenate([y_train, y_valid]),
            n_valid=len(X_valid), seed=int(rng.randint(np.iinfo(np.int32).max)))
        median = qn.predict_quantiles([net], X_valid, len(self.levels_))[:, qn.MEDIAN]
        # Too few windows for the ridge: ``linear = median`` ties every share, and 0 is chosen.
        linear = pl.predict(*pl.fit(X_train, y_train), X_valid) if pl.usable(X_train) else median
        share, weight = pl.choose_shares(median, linear, y_valid)
        return qn.best_epoch(net), weight, share, net

    def _validation_split(self, padded, per_series):
        """Origins ``(train, valid)`` of the network that sets the epochs, or ``(None, None)``.

        The last ``horizon`` origins of every series validate (at least ``_N_VALID`` in all),
        and no training target falls among their targets: the training windows stop just
        before the first held-out value, so that neither the validation loss nor the
        correction weight has seen what it scores. Where that leaves the probe fewer than
        ``_MIN_PROBE_SHARE`` of the final networks' windows (short series), its epochs would
        not be the final networks' epochs: fewer origins are held out, then (the only split
        left) training windows whose targets overlap the held-out ones.
        """
        h = self._step_horizon()
        first = pw.min_input(self.relative_to_, self.season_)
        fewest = max(1, -(-_N_VALID // padded.n_series))
        needed = _MIN_PROBE_SHARE * len(pw.training_origins(padded.lengths, h, first, per_series)[0])
        for per_valid, gap in ((max(h, fewest), h - 1), (fewest, h - 1), (fewest, 0)):
            train = pw.training_origins(padded.lengths, h, first, per_series,
                                        exclude_last=per_valid + gap)
            valid = pw.last_origins(padded.lengths, h, first, per_valid)
            if len(valid[0]) and (len(train[0]) >= needed or (gap == 0 and len(train[0]))):
                return train, valid
        return None, None

    # ------------------------------------------------------------------ predicting
    def _history(self, panel):
        """Values, lengths, covariates and log columns of the series to forecast from."""
        if panel.values is None:
            return self.tail_values_, self.tail_lengths_, self.tail_covariates_, self.log_
        covariates = None if panel.covariates is None else np.concatenate(panel.covariates)
        log = pw.log_columns(panel.flat, panel.lengths, self.transform, panel.describe)
        return panel.flat, panel.lengths, covariates, log

    def _set_persist_state(self, state: dict) -> None:
        super()._set_persist_state(state)
        problem = _linear_state_problem(self)
        if problem:
            raise ValueError(f"The stored linear component does not fit the model: {problem}.")

    def _modelled_quantiles(self, X):
        """The networks' quantiles ``(n, n_levels, n_outputs)`` of the windows ``X``, their
        median blended with the linear component's forecast."""
        q = qn.predict_quantiles(self.estimators_, X, len(self.levels_))
        share = getattr(self, "linear_share_", 0.0)  # models saved by 0.4 have no linear part
        if share > 0:
            linear = pl.predict(self.linear_coef_, self.linear_intercept_, X)
            q = pl.blend(q, linear, share, qn.MEDIAN)
        return q

    def _forecast_direct(self, panel, select):
        """``select`` of the modelled quantiles ``(n, horizon, k, n_levels)`` of every series,
        in the units of the series; computed in chunks of series, so that only the selected
        quantiles of the whole panel are ever held."""
        values, lengths, covariates, log = self._history(panel)
        future = None if panel.future_covariates is None else np.stack(panel.future_covariates)
        padded = pw.pad_panel(values, lengths, log, self.timesteps_, covariates)
        series, positions = np.arange(len(lengths)), lengths - 1
        rows = padded.origin_rows(positions, series)
        h, k, n_levels = self.horizon, values.shape[1], len(self.levels_)
        out = None
        for start in range(0, len(series), _PREDICT_CHUNK):
            part = slice(start, start + _PREDICT_CHUNK)
            divisor = pw.divisors(padded, rows[part], series[part], self.timesteps_)
            X = pw.encode(padded, rows[part], series[part], self.timesteps_, self.stack_, divisor,
                          None if future is None else future[part])
            q = self._modelled_quantiles(X)
            q = q.reshape(len(X), n_levels, h, k).transpose(0, 2, 3, 1)
            q = q - (1.0 - self.correction_weight_) * q[..., qn.MEDIAN : qn.MEDIAN + 1]
            scaffolds = pw.scaffold(padded, rows[part], positions[part], h, self.season_,
                                    self.relative_to_)
            chosen = pw.decode(padded, series[part], select(pw.compose(scaffolds, divisor, q)))
            if out is None:
                out = np.empty((len(series), *chosen.shape[1:]))
            out[part] = chosen
        return out

    def _forecast_recursive(self, panel):
        """Median one-step forecasts fed back ``horizon`` times: ``(n, horizon, k)`` values."""
        values, lengths, covariates, log = self._history(panel)
        # Room after every series for its forecasts (and the covariates of those steps).
        padded = pw.pad_panel(values, lengths, log, self.timesteps_ + self.horizon,
                              window=self.timesteps_)
        if panel.future_covariates is not None:
            future = np.stack(panel.future_covariates)
            padded.covariates = _padded_covariates(padded, covariates, lengths, future)
        n, k = padded.n_series, values.shape[1]
        series, positions = np.arange(n), lengths - 1
        for _ in range(self.horizon):
            rows = padded.origin_rows(positions, series)
            divisor = pw.divisors(padded, rows, series, self.timesteps_)
            scaffolds = pw.scaffold(padded, rows, positions, 1, self.season_, self.relative_to_)
            for start in range(0, n, _PREDICT_CHUNK):
                part = slice(start, start + _PREDICT_CHUNK)
                future = None if padded.covariates is None else \
                    pw.future_covariate_windows(padded, rows[part], 1)
                X = pw.encode(padded, rows[part], series[part], self.timesteps_, self.stack_,
                              divisor[part], future)
                median = self.correction_weight_ * self._modelled_quantiles(X)[:, qn.MEDIAN]
                z = pw.compose(scaffolds[part], divisor[part], median.reshape(len(X), 1, k))
                padded.z[rows[part] + 1] = z[:, 0]
            positions = positions + 1
        rows = padded.starts[:, None] + lengths[:, None] + np.arange(self.horizon)
        return pw.decode(padded, series, padded.z[rows])


def _tail_rows(starts, lengths, keep):
    """Rows of the last ``keep[i]`` values of every series in the flat array."""
    ends = starts + lengths
    first = np.cumsum(keep) - keep
    offset = np.arange(keep.sum()) - np.repeat(first, keep)
    return np.repeat(ends - keep, keep) + offset


def _padded_covariates(padded, covariates, lengths, future):
    """Past and future covariates of every series on the rows of ``padded``."""
    out = np.zeros((len(padded.z), covariates.shape[1]))
    series = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(len(covariates)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out[padded.starts[series] + position] = covariates
    future_rows = (padded.starts + lengths)[:, None] + np.arange(future.shape[1])
    out[future_rows] = future
    return out


def _linear_state_problem(model) -> str | None:
    """What is wrong with the stored linear component of ``model`` (None: nothing), checked
    at load so that a damaged file is refused there, not by a matrix product in ``predict``."""
    share = getattr(model, "linear_share_", 0.0)  # absent in files of 0.4
    if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0.0 <= share <= 1.0:
        return f"linear_share_ must be a number in [0, 1], got {share!r}"
    if share == 0:
        return None
    coef, intercept = getattr(model, "linear_coef_", None), getattr(model, "linear_intercept_", None)
    if not isinstance(coef, np.ndarray) or coef.ndim != 2 or coef.dtype.kind != "f":
        return "linear_share_ > 0 needs linear_coef_, a 2-D float array"
    if not isinstance(intercept, np.ndarray) or intercept.shape != (coef.shape[1],) \
            or intercept.dtype.kind != "f":
        return f"linear_intercept_ must be a float array of shape ({coef.shape[1]},)"
    if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
        return "linear_coef_ and linear_intercept_ must be finite"
    estimators = getattr(model, "estimators_", None) or [None]
    per_step = getattr(estimators[0], "n_features_per_step_", None)
    timesteps, stack = getattr(model, "timesteps_", None), getattr(model, "stack_", None)
    if isinstance(per_step, int) and isinstance(timesteps, int) and isinstance(stack, int) and stack > 0:
        inputs = timesteps // stack * per_step
        if coef.shape[0] != inputs:
            return f"linear_coef_ has {coef.shape[0]} rows, the windows {inputs} inputs"
    return None

