"""The forecaster protocol: input conversion, checks and output formatting, written once.

A forecaster subclasses :class:`BaseForecaster` and implements hooks on plain NumPy
(:class:`~lstm_forecast._panel.Panel`); the public methods ``fit``, ``predict``,
``predict_quantiles`` and ``predict_interval`` are the base's and are not overridden.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import TypeVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from lstm_forecast._panel import SINGLE, Panel, convert, convert_covariates, offset_of
from lstm_forecast._panel_format import format_frames, format_point, varnames
from lstm_forecast._persist import PersistentMixin
from lstm_forecast._time_index import season_from_offset
from lstm_forecast._typing import Forecast, Frames, SeriesOrPanel
from lstm_forecast._validation import check_probabilities, validated_fit

__all__ = ["BaseForecaster"]

_DEFAULT_ALPHA = (0.05, 0.95)
_Self = TypeVar("_Self", bound="BaseForecaster")  # fit returns the subclass it is called on


def _columns(layout, n_targets, *levels):
    """``columns(i)``: the column MultiIndex of series ``i``, built once per set of names."""
    built = {}

    def columns(i):
        names = tuple(varnames(layout, i, n_targets))
        if names not in built:
            built[names] = pd.MultiIndex.from_product([list(names), *levels])
        return built[names]

    return columns


class BaseForecaster(PersistentMixin, BaseEstimator):
    """Base class of the forecasters: one protocol for one series and for panels.

    **Containers.** ``y`` is one series (a 1-D array-like or ``Series``; a 2-D array or
    ``DataFrame`` of several targets) or a panel: a list or dict of such series (lengths
    may differ), or a ``Series``/``DataFrame`` with a 2-level MultiIndex ``(id, time)``
    (sktime's convention; a long table converts with :func:`lstm_forecast.from_long`).
    Covariates ``X`` come in the same container as ``y``: matched by position (list),
    key (dict) or ``(id, time)`` label (MultiIndex), and by column name when they are
    DataFrames. Every series must be finite, non-empty and at least as long as the
    forecaster needs; the series of a panel share their targets and frequency.

    **Forecasts** are in the container the history came in: one series gives an array of
    shape ``(horizon,)`` or ``(horizon, n_targets)``, or a ``Series``/``DataFrame`` on the
    future index when the series has a datetime or period index with a frequency; a list
    gives a list, a dict a dict, a MultiIndex frame a MultiIndex frame with each series'
    own future index. ``predict_quantiles`` and ``predict_interval`` return sktime's layout:
    a DataFrame per series with columns ``(variable, alpha)`` or ``(variable, coverage,
    "lower"/"upper")`` on the future index (integer positions when the series has no time
    index), in the same container (one MultiIndex frame with rows ``(id, time)`` for a
    MultiIndex panel). Variables are named after the Series (``0`` when unnamed) or the
    DataFrame columns (``0, 1, ...`` for arrays).

    **Subclasses** declare ``_parameter_constraints`` (with ``horizon``) and
    ``_persist_attributes`` (this class's followed by their fitted attributes) and
    implement, on a :class:`~lstm_forecast._panel.Panel`:

    - ``_fit(panel)``: learn; keep whatever ``_predict`` needs to forecast after the
      training series;
    - ``_predict(panel) -> ndarray (n_series, horizon, n_targets)``: ``panel.values`` is the
      new history, or ``None`` to forecast after the training series;
      ``panel.future_covariates`` holds the covariates of the forecast steps;
    - ``_predict_quantiles(panel, alphas) -> ndarray (n_series, horizon, n_targets,
      len(alphas))`` for the sorted levels ``alphas`` (optional: without it, the
      probabilistic methods raise ``NotImplementedError``);
    - ``_min_length(season, predicting) -> int``: the fewest values a series may have, to
      fit (``predicting=False``) or to forecast from (``predicting=True``).

    Class attribute ``_uses_covariates`` (default ``False``): when True, a forecaster fitted
    with ``X`` needs the future covariates at predict time and one fitted without refuses them.

    Attributes
    ----------
    n_series_ : int
        Number of series fitted (1 for one series).
    n_targets_ : int
        Number of targets of every series.
    n_covariates_ : int
        Number of covariates (0 without ``X``).
    covariate_names_ : list or None
        Column names of ``X`` when it was given as DataFrames; the columns of a DataFrame
        ``X`` given to ``predict`` are then matched by name (in any order), those of an
        array by position.
    feature_names_in_ : ndarray of str
        The same names, when all are strings (scikit-learn's convention); defined only then.
    ids_ : list or None
        Ids of the series of a panel (positions for a list); ``None`` for one series.
    index_ : pandas.Index or None
        Index of the training series (one series given as pandas only).
    freq_ : str or None
        Frequency of the time index (a pandas frequency string such as ``"MS"``), when
        there is one.

    Examples
    --------
    A forecaster of each series' mean, vectorised over the series of a panel:

    >>> import numpy as np
    >>> from lstm_forecast._forecaster_base import BaseForecaster
    >>> class MeanForecaster(BaseForecaster):
    ...     _persist_attributes = BaseForecaster._persist_attributes + ("mean_",)
    ...
    ...     def __init__(self, *, horizon=1):
    ...         self.horizon = horizon
    ...
    ...     def _means(self, panel):
    ...         return np.add.reduceat(panel.flat, panel.starts) / panel.lengths[:, None]
    ...
    ...     def _fit(self, panel):
    ...         self.mean_ = self._means(panel)
    ...
    ...     def _predict(self, panel):
    ...         means = self.mean_ if panel.values is None else self._means(panel)
    ...         return np.repeat(means[:, None, :], self.horizon, axis=1)
    >>> MeanForecaster(horizon=2).fit({"a": [1.0, 3.0], "b": [10.0]}).predict()
    {'a': array([2., 2.]), 'b': array([10., 10.])}
    >>> MeanForecaster(horizon=1).fit([1.0, 3.0]).predict(y=[[5.0], [7.0]])
    [array([5.]), array([7.])]
    """

    _parameter_constraints: dict = {"horizon": [Interval(Integral, 1, None, closed="left")]}
    _persist_attributes: tuple[str, ...] = (
        "n_series_", "n_targets_", "n_covariates_", "covariate_names_", "ids_", "index_",
        "freq_", "_layout_", "_times_", "feature_names_in_",
    )
    _uses_covariates = False

    # ------------------------------------------------------------------ hooks
    def _fit(self, panel: Panel) -> None:
        raise NotImplementedError

    def _predict(self, panel: Panel) -> np.ndarray:
        raise NotImplementedError

    def _predict_quantiles(self, panel: Panel, alphas: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not forecast quantiles or intervals.")

    def _min_length(self, season: int, predicting: bool) -> int:
        return 1

    # ------------------------------------------------------------------ public
    @validated_fit
    def fit(self: _Self, y: SeriesOrPanel, X: SeriesOrPanel | None = None) -> _Self:
        """Fit the forecaster on one series or a panel.

        Parameters
        ----------
        y : array-like, Series, DataFrame, list, dict or MultiIndex Series/DataFrame
            The series (one, or a panel; see the class docstring), oldest first.
        X : same container as ``y``, default=None
            Covariates with one row per observation of each series.

        Returns
        -------
        self : object
            The fitted forecaster. If fitting fails, the forecaster keeps the fitted state it
            had before the call.
        """
        self._reject_bool_integers()
        with self._previous_state_kept_on_failure():
            converted = convert(y, "y")
            panel = converted.panel
            assert panel.flat is not None  # a converted panel holds its series
            self._check_lengths(panel, self._min_length(panel.season, False))
            names = None
            if X is not None:
                panel.covariates, _, names = convert_covariates(
                    X, layout=converted.layout, times=converted.times, lengths=panel.lengths,
                    horizon=0, target_index=converted.index)
            single = converted.layout["container"] == SINGLE
            self.n_series_ = panel.n_series
            self.n_targets_ = int(panel.flat.shape[1])
            self.n_covariates_ = 0 if panel.covariates is None else int(panel.covariates[0].shape[1])
            self.covariate_names_ = names
            if names is not None and all(isinstance(name, str) for name in names):
                self.feature_names_in_ = np.asarray(names, dtype=object)  # scikit-learn's rule
            self.ids_ = None if single else list(panel.ids)
            self.index_ = y.index if single and isinstance(y, (pd.Series, pd.DataFrame)) else None
            self.freq_ = converted.times["freq"]
            self._layout_ = converted.layout
            self._times_ = converted.times
            self._fit(panel)
        return self

    def predict(self, X: SeriesOrPanel | None = None, y: SeriesOrPanel | None = None) -> Forecast:
        """Forecast the next ``horizon`` values of every series.

        Parameters
        ----------
        X : same container as the series, default=None
            Covariates: the ``horizon`` future rows of each series, or, when ``y`` is given,
            each series' rows of ``y`` followed by its ``horizon`` future rows.
        y : same kinds of container as in ``fit``, default=None
            New history to forecast from, without refitting: series seen in fit or not. The
            forecast starts after its last values. ``None`` forecasts after the training
            series.

        Returns
        -------
        forecasts : ndarray, Series, DataFrame, list or dict
            In the container of the series forecast (see the class docstring).
        """
        panel, layout, times = self._prepare_predict(X, y)
        values = self._checked(self._predict(panel), panel, "_predict")
        return format_point(values, layout, times)

    def predict_quantiles(self, X: SeriesOrPanel | None = None, y: SeriesOrPanel | None = None,
                          alpha: float | Sequence[float] | None = None) -> Frames:
        """Forecast quantiles of the next ``horizon`` values (sktime's layout).

        Parameters
        ----------
        X, y : see :meth:`predict`
        alpha : float or list of float, default=None
            Probabilities in ``(0, 1)``; ``None`` means ``[0.05, 0.95]``.

        Returns
        -------
        quantiles : DataFrame, or a list or dict of DataFrames
            Columns ``(variable, alpha)`` in the order given, rows the future index; the
            quantiles never decrease with ``alpha``.
        """
        alphas = check_probabilities(_DEFAULT_ALPHA if alpha is None else alpha, "alpha")
        panel, layout, times = self._prepare_predict(X, y)
        q = self._quantiles(panel, alphas)
        n, h, k, _ = q.shape
        return format_frames(q.reshape(n, h, -1), layout, times, _columns(layout, k, alphas))

    def predict_interval(self, X: SeriesOrPanel | None = None, y: SeriesOrPanel | None = None,
                         coverage: float | Sequence[float] = 0.9) -> Frames:
        """Forecast prediction intervals of the next ``horizon`` values (sktime's layout).

        The interval of coverage ``c`` runs from the ``0.5 - c/2`` to the ``0.5 + c/2``
        quantile.

        Parameters
        ----------
        X, y : see :meth:`predict`
        coverage : float or list of float, default=0.9
            Nominal coverages in ``(0, 1)``.

        Returns
        -------
        intervals : DataFrame, or a list or dict of DataFrames
            Columns ``(variable, coverage, "lower"/"upper")``, rows the future index.
        """
        coverages = check_probabilities(coverage, "coverage")
        panel, layout, times = self._prepare_predict(X, y)
        alphas = [a for c in coverages for a in (0.5 - c / 2, 0.5 + c / 2)]
        q = self._quantiles(panel, alphas)
        n, h, k, _ = q.shape
        return format_frames(q.reshape(n, h, -1), layout, times,
                             _columns(layout, k, coverages, ["lower", "upper"]))

    # ------------------------------------------------------------------ helpers
    def _reject_bool_integers(self):
        """``Interval(Integral, ...)`` accepts ``True``; a horizon of ``True`` is a mistake."""
        for key, constraints in self._parameter_constraints.items():
            value = getattr(self, key, None)
            if isinstance(value, (bool, np.bool_)):
                for constraint in constraints:
                    if isinstance(constraint, Interval) and constraint.type is Integral:
                        raise InvalidParameterError(
                            f"The {key!r} parameter of {type(self).__name__} must be {constraint}. "
                            f"Got {value!r} instead.")

    def _check_lengths(self, panel, needed):
        short = np.flatnonzero(panel.lengths < needed)
        if len(short):
            i = int(short[0])
            where = "in y" if panel.single else f"in every series; {panel.describe(i)} has"
            got = f", got {panel.lengths[i]}" if panel.single else f" {panel.lengths[i]}"
            raise ValueError(f"{type(self).__name__} needs at least {needed} observations {where}{got}.")

    def _prepare_predict(self, X, y):
        check_is_fitted(self, "_layout_")
        self._validate_params()
        self._reject_bool_integers()
        horizon = self.horizon
        converted = None
        if y is None:
            layout, times = self._layout_, self._times_
            panel = Panel(values=None, ids=list(layout["ids"]),
                          season=season_from_offset(offset_of(times)),
                          single=layout["container"] == SINGLE)
            lengths = np.zeros(len(panel.ids), dtype=np.int64)
        else:
            converted = convert(y, "y")
            layout, times, panel = converted.layout, converted.times, converted.panel
            self._check_history(converted)
            self._check_lengths(panel, self._min_length(panel.season, True))
            lengths = panel.lengths
        if X is None:
            if self.n_covariates_ and self._uses_covariates:
                raise ValueError(f"The forecaster was fitted with covariates: pass X with their "
                                 f"future values ({horizon} rows per series).")
        else:
            if not self.n_covariates_ and self._uses_covariates:
                raise ValueError("X was given to predict, but the forecaster was fitted without X.")
            panel.covariates, panel.future_covariates, _ = convert_covariates(
                X, layout=layout, times=times, lengths=lengths, horizon=horizon,
                target_index=None if converted is None else converted.index,
                columns=self.covariate_names_, n_columns=self.n_covariates_ or None)
        return panel, layout, times

    def _check_history(self, converted):
        k = converted.panel.flat.shape[1]
        if k != self.n_targets_:
            raise ValueError(f"y must have the {self.n_targets_} target(s) seen in fit, got {k}.")
        fitted = self._layout_["columns"]
        given = converted.layout["columns"]
        if fitted is not None and given is not None and list(given) != list(fitted):
            raise ValueError(f"y has the columns {list(given)}; the forecaster was fitted on {fitted}.")
        freq = converted.times["freq"]
        if self.freq_ is not None and freq is not None and freq != self.freq_:
            raise ValueError(f"y has the frequency {freq}; the forecaster was fitted on series of "
                             f"frequency {self.freq_}.")

    def _checked(self, values, panel, hook, n_alphas=None):
        expected = (panel.n_series, self.horizon, self.n_targets_)
        if n_alphas is not None:
            expected = (*expected, n_alphas)
        values = np.asarray(values, dtype=float)
        if values.shape != expected:
            raise ValueError(f"{type(self).__name__}.{hook} returned shape {values.shape}, expected "
                             f"{expected}.")
        if not np.isfinite(values).all():
            bad = int(np.argmax(~np.isfinite(values.reshape(len(values), -1)).all(axis=1)))
            raise ValueError(f"{type(self).__name__} forecast non-finite values for {panel.describe(bad)}.")
        return values

    def _quantiles(self, panel, alphas):
        """Quantiles at ``alphas`` (any order): ``(n_series, horizon, n_targets, len(alphas))``."""
        levels = np.unique(np.asarray(alphas, dtype=float))
        q = self._checked(self._predict_quantiles(panel, levels), panel, "_predict_quantiles",
                          len(levels))
        q = np.sort(q, axis=-1)  # quantiles that cross are rearranged, so they grow with alpha
        return q[..., np.searchsorted(levels, alphas)]
