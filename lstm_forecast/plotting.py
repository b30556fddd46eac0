"""Plots of forecasts, backtests and training histories (matplotlib, an optional extra).

* :func:`plot_forecast` draws a forecast against the actual values, after the history it
  was made from (tutorial S1: predicted against real);
* :func:`plot_history` draws the training and validation loss / accuracy per epoch of a
  fitted estimator (tutorial S2);
* :func:`plot_backtest` draws a series and the forecast of every fold of
  :func:`lstm_forecast.backtest`;
* :func:`plot_panel` draws a few series of a panel, each with its forecast and prediction
  intervals, one axes per series.

matplotlib is imported only when a function is called; install it with
``pip install "lstm-forecast[plot]"``. The figures are plain
:class:`matplotlib.figure.Figure` objects that never touch pyplot's global state, so the
functions work with any backend (Agg included), in loops and in threads, and nothing is
ever shown: each function returns its figure and axes for further styling, and writes a
PNG file when given ``path``. To draw into a figure of your own (a pyplot figure in a
notebook, a panel of subplots), pass ``ax``.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._typing import Forecast, Frames, PathLike, SeriesLike, SeriesOrPanel

__all__ = ["plot_backtest", "plot_forecast", "plot_history", "plot_panel"]

_INSTALL_HINT = 'matplotlib is required for plotting; install it with pip install "lstm-forecast[plot]".'
# Lines with at most this many points get a marker on every point.
_MARKER_POINTS = 60
_METRIC_TITLES = {"loss": "loss", "acc": "accuracy"}
_FORECAST_COLUMNS = ("fold", "time", "horizon_step", "y_true", "y_pred")


# ----------------------------------------------------------------------------- helpers


def _new_axes(ncols=1, *, nrows=1, width=6.4, height=4.0):
    """A new Figure (not registered with pyplot) and ``nrows x ncols`` axes, row by row."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    return fig, list(fig.subplots(nrows, ncols, squeeze=False).ravel())


def _check_axes(ax, name="ax"):
    try:
        from matplotlib.axes import Axes
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    if not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes or None; got {type(ax).__name__}.")
    return ax


def _check_path(path):
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str, a path-like object or None; got {path!r}.")
    path = Path(path)
    if path.suffix and path.suffix.lower() != ".png":
        raise ValueError(f"path must name a PNG file (ending in .png); got {str(path)!r}.")
    return path


def _save(fig, path):
    if path is not None:
        fig.savefig(path, format="png", dpi=100)


def _values(data, name, *, allow_2d_column=True):
    """1-D float array of ``data`` (a list, array, Series or one-column DataFrame)."""
    if isinstance(data, pd.DataFrame):
        if data.shape[1] != 1:
            raise ValueError(
                f"{name} must be 1-D (one series); got a DataFrame with {data.shape[1]} columns. "
                "Plot one column at a time."
            )
        data = data.iloc[:, 0]
    try:
        values = np.asarray(data, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers; could not convert it to floats.") from None
    if values.ndim == 2 and values.shape[1] == 1 and allow_2d_column:
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one series); got shape {values.shape}.")
    if values.size == 0:
        raise ValueError(f"{name} is empty.")
    return values


def _index(data):
    """The pandas index of ``data``, or None for arrays and lists."""
    return data.index if isinstance(data, (pd.Series, pd.DataFrame)) else None


def _x(index):
    """Plottable x values of a pandas index (periods become their start time)."""
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    return np.asarray(index)


def _marker(n_points):
    return "o" if n_points <= _MARKER_POINTS else None


def _finish(fig, axes, *, path, legend=True):
    for ax in axes:
        if legend and ax.get_legend_handles_labels()[0]:
            ax.legend()
    _save(fig, path)


# ----------------------------------------------------------------------------- forecast


def _forecast_positions(y_true, y_pred, history, n):
    """x values of the forecast: an index of y_pred / y_true, or what follows the history."""
    for data in (y_pred, y_true):
        index = _index(data)
        if index is not None:
            return index
    history_index = _index(history)
    if history_index is None:
        start = 0 if history is None else len(history)
        return pd.RangeIndex(start, start + n)
    from ._time_index import future_index

    try:
        return future_index(history_index, n)
    except ValueError:
        raise ValueError(
            "history has an index that cannot be continued (irregular or not a time/integer "
            "index); pass y_true or y_pred as a pandas Series indexed by the forecast times."
        ) from None


def plot_forecast(y_true: SeriesLike, y_pred: SeriesLike, *, history: SeriesLike | None = None,
                  ax: Any = None, title: str | None = None, path: PathLike | None = None,
                  ) -> tuple[Any, Any]:
    """Plot a forecast against the actual values, optionally after the series' history.

    Parameters
    ----------
    y_true : array-like of shape (n,), Series or None
        The actual values over the forecast period; ``None`` plots the forecast alone
        (a forecast of the future, whose values are not known yet).
    y_pred : array-like of shape (n,) or Series
        The forecast, one value per step of ``y_true``.
    history : array-like of shape (n_history,), Series or None, default=None
        The series before the forecast (e.g. the training series), drawn first.
    ax : matplotlib Axes or None, default=None
        Where to draw; ``None`` creates a new figure.
    title : str or None, default=None
        Title of the axes.
    path : str, path-like or None, default=None
        Write the figure to this PNG file.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (the one of ``ax`` when given).
    ax : matplotlib.axes.Axes
        The axes, with the lines labelled ``"history"``, ``"actual"`` and ``"forecast"``
        (those drawn) and a legend.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    ValueError
        If an input is not 1-D numbers, is empty, or ``y_true`` and ``y_pred`` differ in
        length; if ``path`` does not end in ``.png``.
    TypeError
        If ``ax`` is not a matplotlib Axes.

    Notes
    -----
    The forecast is drawn at the index of ``y_pred`` (when it is a Series), else of
    ``y_true``, else right after ``history``: positions ``len(history), ...`` for an
    array history, the following time stamps for a Series with a regular time index.

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_forecast.plotting import plot_forecast
    >>> t = np.arange(60)
    >>> fig, ax = plot_forecast(np.sin(t[50:] / 5), np.sin(t[50:] / 5) + 0.05,
    ...                         history=np.sin(t[:50] / 5), title="sine")
    >>> [line.get_label() for line in ax.get_lines()]
    ['history', 'actual', 'forecast']
    >>> ax.get_lines()[2].get_xdata()[:3]
    array([50, 51, 52])
    """
    path = _check_path(path)
    pred = _values(y_pred, "y_pred")
    true = None if y_true is None else _values(y_true, "y_true")
    if true is not None and len(true) != len(pred):
        raise ValueError(
            f"y_true and y_pred must have the same length; got {len(true)} and {len(pred)}."
        )
    past = None if history is None else _values(history, "history")
    x = _x(_forecast_positions(y_true, y_pred, history, len(pred)))
    if ax is None:
        fig, (ax,) = _new_axes()
    else:
        fig = _check_axes(ax).figure
    if past is not None:
        history_index = _index(history)
        history_x = np.arange(len(past)) if history_index is None else _x(history_index)
        ax.plot(history_x, past, color="0.45", linewidth=1.2, label="history")
    if true is not None:
        ax.plot(x, true, color="C0", marker=_marker(len(true)), markersize=3, label="actual")
    ax.plot(x, pred, color="C1", linestyle="--", marker=_marker(len(pred)), markersize=3,
            label="forecast")
    name = _index(y_pred) if _index(y_pred) is not None else _index(y_true)
    if name is not None and name.name is not None:
        ax.set_xlabel(str(name.name))
    ax.set_ylabel("value")
    if title is not None:
        ax.set_title(title)
    _finish(fig, [ax], path=path)
    return fig, ax


# ----------------------------------------------------------------------------- history


def _history_rows(history):
    """The per-epoch dicts of a skorch History, a fitted estimator or net, or a list of dicts."""
    if hasattr(history, "steps") and hasattr(history, "_final_estimator"):
        history = history._final_estimator  # a Pipeline ending in the estimator
    if hasattr(history, "history_") or hasattr(history, "get_params"):
        if not hasattr(history, "history_"):
            from sklearn.exceptions import NotFittedError

            if hasattr(history, "history") and isinstance(history.history, list):
                history = history.history  # a skorch net
            else:
                raise NotFittedError(
                    f"This {type(history).__name__} instance has no history_: fit it before "
                    "plotting its training history."
                )
        else:
            history = history.history_
    if isinstance(history, (str, bytes, Mapping)) or not isinstance(history, Sequence):
        raise TypeError(
            "history must be a fitted estimator (with history_), a skorch net or History, "
            f"or a list of per-epoch dicts; got {type(history).__name__}."
        )
    rows = list(history)
    if not rows:
        raise ValueError("history is empty: the model was trained for 0 epochs.")
    if not all(isinstance(row, Mapping) for row in rows):
        raise TypeError("history must be a sequence of per-epoch dicts (a skorch History).")
    return rows


def _series(rows, key):
    """(epochs, values) of ``key`` over the epochs that recorded it."""
    epochs, values = [], []
    for i, row in enumerate(rows):
        value = row.get(key)
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            epochs.append(row.get("epoch", i + 1))
            values.append(float(value))
    return np.asarray(epochs), np.asarray(values, dtype=float)


def plot_history(history: Any, *, metrics: Sequence[str] = ("loss", "acc"), ax: Any = None,
                 path: PathLike | None = None) -> tuple[Any, list[Any]]:
    """Plot training and validation loss and accuracy per epoch.

    Parameters
    ----------
    history : fitted estimator, skorch net, skorch History or list of dicts
        A fitted :class:`~lstm_forecast.LSTMClassifier` / :class:`~lstm_forecast.LSTMRegressor`
        (its ``history_`` is used) or a Pipeline ending in one, a skorch net, or a History
        (one dict per epoch).
    metrics : sequence of str, default=("loss", "acc")
        What to plot, one axes each: for a name ``m``, the epoch values of ``train_m``
        (label ``"train"``) and ``valid_m`` (label ``"validation"``), or of the key ``m``
        itself (e.g. ``"valid_rmse"``). A name absent from the history is skipped, so the
        default also fits a regressor (which records no accuracy) or a model trained
        without a validation split (training curves only); the classifier records
        ``train_acc``/``valid_acc`` when it has a validation split (``validation_fraction``).
    ax : matplotlib Axes, sequence of Axes or None, default=None
        Where to draw: one Axes per plotted metric. ``None`` creates a new figure with
        the axes side by side.
    path : str, path-like or None, default=None
        Write the figure to this PNG file.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    axes : list of matplotlib.axes.Axes
        One per plotted metric, in the order of ``metrics``, each titled with the metric
        and with a legend.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    sklearn.exceptions.NotFittedError
        If ``history`` is an estimator that is not fitted.
    TypeError
        If ``history`` is not one of the accepted types, ``metrics`` is not a sequence of
        strings, or ``ax`` holds something else than Axes.
    ValueError
        If the history is empty, holds none of the requested metrics (the message lists
        those it has), or ``ax`` does not hold one Axes per plotted metric; if ``path``
        does not end in ``.png``.

    Examples
    --------
    >>> from lstm_forecast.plotting import plot_history
    >>> history = [
    ...     {"epoch": 1, "train_loss": 0.69, "valid_loss": 0.65, "train_acc": 0.55, "valid_acc": 0.6},
    ...     {"epoch": 2, "train_loss": 0.52, "valid_loss": 0.50, "train_acc": 0.75, "valid_acc": 0.77},
    ... ]
    >>> fig, axes = plot_history(history)
    >>> [ax.get_title() for ax in axes]
    ['loss', 'accuracy']
    >>> [line.get_label() for line in axes[1].get_lines()]
    ['train', 'validation']
    """
    path = _check_path(path)
    if isinstance(metrics, str) or not isinstance(metrics, Sequence):
        raise TypeError(f"metrics must be a sequence of names such as ('loss', 'acc'); got {metrics!r}.")
    if not all(isinstance(m, str) for m in metrics):
        raise TypeError(f"metrics must hold metric names (str); got {list(metrics)!r}.")
    rows = _history_rows(history)
    panels = []
    for metric in metrics:
        curves = []
        for key, label in ((f"train_{metric}", "train"), (f"valid_{metric}", "validation"),
                           (metric, metric)):
            epochs, values = _series(rows, key)
            if len(values):
                curves.append((key, label, epochs, values))
        if curves:
            panels.append((metric, curves))
    if not panels:
        available = sorted({k for row in rows for k, v in row.items()
                            if isinstance(v, numbers.Real) and not isinstance(v, bool)} - {"epoch"})
        raise ValueError(
            f"history records none of the metrics {list(metrics)}; it has {available}."
        )
    if ax is None:
        fig, axes = _new_axes(len(panels), width=5.0, height=3.6)
    else:
        axes = [ax] if not isinstance(ax, (Sequence, np.ndarray)) else list(np.ravel(ax))
        for a in axes:
            _check_axes(a)
        if len(axes) != len(panels):
            raise ValueError(
                f"ax must hold one Axes per plotted metric ({len(panels)}: "
                f"{[m for m, _ in panels]}); got {len(axes)}."
            )
        fig = axes[0].figure
    for a, (metric, curves) in zip(axes, panels, strict=True):
        for key, label, epochs, values in curves:
            style = "--" if key.startswith("valid_") else "-"
            a.plot(epochs, values, linestyle=style, marker=_marker(len(values)), markersize=4,
                   label=label)
        a.set_title(_METRIC_TITLES.get(metric, metric))
        a.set_xlabel("epoch")
        a.set_ylabel(_METRIC_TITLES.get(metric, metric))
        if len(rows) <= 20:
            a.set_xticks(np.unique(np.concatenate([c[2] for c in curves])))
    _finish(fig, axes, path=path)
    return fig, axes


# ----------------------------------------------------------------------------- backtest


def _forecast_table(result):
    table = getattr(result, "forecasts", result)
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            "result must be the BacktestResult of lstm_forecast.backtest (or its forecasts "
            f"DataFrame); got {type(result).__name__}."
        )
    missing = [c for c in _FORECAST_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"result.forecasts lacks the column(s) {missing}; expected the columns "
            f"{list(_FORECAST_COLUMNS)} of lstm_forecast.backtest."
        )
    if table.empty:
        raise ValueError("result.forecasts is empty: there is no fold to plot.")
    if "series" in table.columns and table["series"].nunique() > 1:
        raise ValueError(
            f"result has forecasts of {table['series'].nunique()} series of a panel; plot one at a "
            "time: plot_backtest(result.forecasts[result.forecasts['series'] == name], y=y[name])."
        )
    if "target" in table.columns and table["target"].nunique() > 1:
        targets = list(pd.unique(table["target"]))
        raise ValueError(
            f"result has forecasts of {len(targets)} targets {targets}; plot one at a time: "
            "plot_backtest(result.forecasts[result.forecasts['target'] == name], y=y[name])."
        )
    return table


def plot_backtest(result: Any, *, y: SeriesOrPanel | None = None, ax: Any = None,
                  path: PathLike | None = None) -> tuple[Any, Any]:
    """Plot a series and the forecast of every fold of a rolling-origin backtest.

    Parameters
    ----------
    result : BacktestResult or pandas.DataFrame
        The result of :func:`lstm_forecast.backtest`, or its ``forecasts`` table (columns
        ``fold``, ``time``, ``horizon_step``, ``y_true``, ``y_pred``). For a backtest of
        several targets, pass the rows of one target.
    y : array-like of shape (n_samples,), Series or None, default=None
        The whole series that was backtested, drawn as ``"series"`` (with its index when a
        Series, else at positions 0, 1, ..., as in ``result.forecasts.time``). ``None``
        draws the actual values of the forecast windows only (``"actual"``).
    ax : matplotlib Axes or None, default=None
        Where to draw; ``None`` creates a new figure.
    path : str, path-like or None, default=None
        Write the figure to this PNG file.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    ax : matplotlib.axes.Axes
        The axes: the series (or actual values) first, then one line per fold labelled
        ``"fold 0"``, ``"fold 1"``, ..., and a legend.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    TypeError
        If ``result`` is neither a BacktestResult nor a DataFrame, or ``ax`` is not an Axes.
    ValueError
        If the forecasts table lacks a column, is empty or holds several targets, if ``y``
        is not 1-D numbers, or if ``path`` does not end in ``.png``.

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_forecast import backtest
    >>> from lstm_forecast.baselines import NaiveForecaster
    >>> from lstm_forecast.plotting import plot_backtest
    >>> y = np.sin(np.arange(40) / 4)
    >>> result = backtest(NaiveForecaster(horizon=5), y, n_folds=3)
    >>> fig, ax = plot_backtest(result, y=y)
    >>> [line.get_label() for line in ax.get_lines()]
    ['series', 'fold 0', 'fold 1', 'fold 2']
    """
    path = _check_path(path)
    table = _forecast_table(result)
    series = None if y is None else _values(y, "y")
    if ax is None:
        fig, (ax,) = _new_axes(width=8.0)
    else:
        fig = _check_axes(ax).figure
    if series is not None:
        index = _index(y)
        x = np.arange(len(series)) if index is None else _x(index)
        ax.plot(x, series, color="0.35", linewidth=1.2, label="series")
        if index is not None and index.name is not None:
            ax.set_xlabel(str(index.name))
    else:
        actual = table.drop_duplicates("time").sort_values("time")
        ax.plot(_x(pd.Index(actual["time"])), actual["y_true"].to_numpy(), color="0.35",
                marker=_marker(len(actual)), markersize=3, label="actual")
    for i, (fold, rows) in enumerate(table.groupby("fold", sort=True)):
        rows = rows.sort_values("horizon_step")
        ax.plot(_x(pd.Index(rows["time"])), rows["y_pred"].to_numpy(), color=f"C{i % 10}",
                linestyle="--", marker=_marker(len(rows)), markersize=3, label=f"fold {fold}")
    ax.set_ylabel("value")
    ax.set_title("backtest: forecast of each fold")
    _finish(fig, [ax], path=path)
    return fig, ax


# ----------------------------------------------------------------------------- panel


def _by_id(data, name):
    """A panel (dict, list or (id, time) MultiIndex Series/DataFrame) as ``{id: item}``."""
    if isinstance(data, Mapping):
        return dict(data)
    if isinstance(data, (pd.Series, pd.DataFrame)) and isinstance(data.index, pd.MultiIndex):
        return {key: data.xs(key, level=0) for key in data.index.unique(level=0)}
    if isinstance(data, Sequence) and not isinstance(data, str):
        return dict(enumerate(data))
    raise TypeError(f"{name} must be a panel: a dict, a list or an (id, time) MultiIndex Series or "
                    f"DataFrame; got {type(data).__name__}.")


def _first_column(item):
    return item.iloc[:, 0] if isinstance(item, pd.DataFrame) else item


def plot_panel(history: SeriesOrPanel, forecasts: Forecast, *, intervals: Frames | None = None,
               actual: SeriesOrPanel | None = None, series: Sequence[Hashable] | None = None,
               max_series: int = 4, last: int | None = None, ncols: int = 2,
               path: PathLike | None = None) -> tuple[Any, list[Any]]:
    """Plot a few series of a panel, each with its forecast and prediction intervals.

    Parameters
    ----------
    history : dict, list or (id, time) MultiIndex Series/DataFrame
        The series the forecasts start from (a forecaster's ``y``).
    forecasts : same container
        Their forecasts (``predict()``).
    intervals : same container or None, default=None
        ``predict_interval(coverage=...)``: one band per coverage, the wider ones lighter.
    actual : same container or None, default=None
        The values that followed, when known.
    series : list or None, default=None
        Ids (dict keys, list positions or MultiIndex labels) to draw; ``None`` takes the
        first ``max_series``.
    max_series : int, default=4
        Series drawn when ``series`` is None.
    last : int or None, default=None
        Draw only the last ``last`` values of every history.
    ncols : int, default=2
        Axes per row.
    path : str, path-like or None, default=None
        Write the figure to this PNG file.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : list of matplotlib.axes.Axes
        One per series, titled with its id. With several targets, the first is drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_forecast import NaiveForecaster
    >>> from lstm_forecast.plotting import plot_panel
    >>> panel = {"a": np.arange(20.0), "b": np.arange(20.0)[::-1]}
    >>> model = NaiveForecaster(horizon=3).fit(panel)
    >>> fig, axes = plot_panel(panel, model.predict(), intervals=model.predict_interval(coverage=0.8))
    >>> [ax.get_title() for ax in axes]
    ['a', 'b']
    """
    path = _check_path(path)
    past, future = _by_id(history, "history"), _by_id(forecasts, "forecasts")
    bands = None if intervals is None else _by_id(intervals, "intervals")
    truth = None if actual is None else _by_id(actual, "actual")
    ids = list(future)[:max_series] if series is None else list(series)
    missing = [key for key in ids if key not in future or key not in past]
    if missing:
        raise ValueError(f"series {missing!r} are not in both history and forecasts.")
    if not ids:
        raise ValueError("no series to plot.")
    fig, axes = _new_axes(min(ncols, len(ids)), nrows=-(-len(ids) // ncols), height=3.2)
    for ax in axes[len(ids):]:
        ax.set_visible(False)
    for ax, key in zip(axes, ids, strict=False):
        hist = _first_column(past[key])
        values = _values(hist, f"history[{key!r}]", allow_2d_column=True)
        hist_x = np.arange(len(values)) if _index(hist) is None else _x(_index(hist))
        if last is not None:
            values, hist_x = values[-last:], hist_x[-last:]
        pred = _first_column(future[key])
        point = _values(pred, f"forecasts[{key!r}]")
        x = _x(_forecast_positions(None, pred, hist, len(point)))
        ax.plot(hist_x, values, color="0.45", linewidth=1.2, label="history")
        if bands is not None:
            frame = bands[key]
            coverages = sorted({c for _, c, _ in frame.columns}, reverse=True)
            variable = frame.columns[0][0]
            for shade, c in zip(np.linspace(0.15, 0.35, len(coverages)), coverages, strict=True):
                ax.fill_between(x, frame[(variable, c, "lower")].to_numpy(),
                                frame[(variable, c, "upper")].to_numpy(), color="C1", alpha=shade,
                                linewidth=0, label=f"{c:.0%} interval")
        if truth is not None and key in truth:
            ax.plot(x, _values(_first_column(truth[key]), f"actual[{key!r}]"), color="C0",
                    marker=_marker(len(point)), markersize=3, label="actual")
        ax.plot(x, point, color="C1", linestyle="--", marker=_marker(len(point)), markersize=3,
                label="forecast")
        ax.set_title(str(key))
        ax.set_ylabel(str(getattr(hist, "name", None) or "value"))
    _finish(fig, axes[:1], path=path)
    return fig, axes[: len(ids)]
