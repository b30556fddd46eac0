"""Forecasts in the container of their series, and long tables to and from panels.

Point forecasts keep the container of the series they start from (see ``_panel``): one
series gives an array, or a ``Series``/``DataFrame`` on the future index when the series
has a datetime or period index with a frequency; a list gives a list in the same order, a
dict a dict with the same keys, a MultiIndex frame a MultiIndex frame with each series' own
future index. Quantile and interval forecasts are always DataFrames laid out as sktime's
(columns ``(variable, alpha)`` and ``(variable, coverage, "lower"/"upper")``), in the same
container; their rows are the future index, integer positions when the series has none.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lstm_forecast._panel import DICT, MULTI, SINGLE, future_multiindex, series_future_index

__all__ = ["from_long", "to_long"]


def _series_name(layout, i):
    return layout["names"][i] if layout["names"] is not None else layout["name"]


def varnames(layout: dict, i: int, n_targets: int) -> list:
    """Names of the targets of series ``i``: the Series name (``0`` if none) or the columns."""
    if layout["ndim"] == 2:
        return list(layout["columns"]) if layout["columns"] is not None else list(range(n_targets))
    name = _series_name(layout, i)
    return [0 if name is None else name]


def _pack(outputs, layout):
    if layout["container"] == SINGLE:
        return outputs[0]
    if layout["container"] == DICT:
        return dict(zip(layout["ids"], outputs, strict=True))
    return outputs


def format_point(values: np.ndarray, layout: dict, times: dict):
    """``(n_series, horizon, n_targets)`` forecasts in the container the series came in."""
    n, horizon, k = values.shape
    if layout["container"] == MULTI:
        index = future_multiindex(layout, times, horizon)
        if layout["ndim"] == 1:
            return pd.Series(values[:, :, 0].ravel(), index=index, name=layout["name"])
        return pd.DataFrame(values.reshape(n * horizon, k), index=index, columns=layout["columns"])
    labelled = times["kind"] in ("datetime", "period")
    outputs = []
    for i in range(n):
        out = values[i] if layout["ndim"] == 2 else values[i, :, 0]
        if labelled:
            index = series_future_index(times, i, horizon)
            if layout["ndim"] == 1:
                out = pd.Series(out, index=index, name=_series_name(layout, i))
            else:
                out = pd.DataFrame(out, index=index, columns=layout["columns"])
        outputs.append(out)
    return _pack(outputs, layout)


def format_frames(values: np.ndarray, layout: dict, times: dict, columns) -> object:
    """``(n_series, horizon, n_columns)`` values as DataFrames; ``columns(i)`` labels series ``i``."""
    n, horizon, m = values.shape
    if layout["container"] == MULTI:
        index = future_multiindex(layout, times, horizon)
        return pd.DataFrame(values.reshape(n * horizon, m), index=index, columns=columns(0))
    outputs = [pd.DataFrame(values[i], index=series_future_index(times, i, horizon), columns=columns(i))
               for i in range(n)]
    return _pack(outputs, layout)


# ------------------------------------------------------------------------ long tables
def from_long(data: pd.DataFrame, *, id_col: str = "unique_id", time_col: str = "ds",
              value_cols: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Turn a long table (one row per series and time step) into a MultiIndex panel.

    A long table has a column of series ids, a column of times and one column per variable
    (targets and covariates), as neuralforecast, statsforecast and pytorch-forecasting take
    it. The panel is a DataFrame indexed by ``(id, time)``, sktime's convention, which every
    forecaster of this package accepts: ``panel["y"]`` is the target, ``panel[["price"]]``
    covariates in the same container.

    Parameters
    ----------
    data : pandas.DataFrame
        The long table, rows in any order.
    id_col : str, default="unique_id"
        Column of series ids.
    time_col : str, default="ds"
        Column of times: timestamps, periods or integers. Strings are parsed as timestamps
        (:func:`pandas.to_datetime`).
    value_cols : str or list of str, default=None
        Columns to keep; ``None`` keeps every other column.

    Returns
    -------
    pandas.DataFrame
        Indexed by a ``(id_col, time_col)`` MultiIndex; series in the order in which their
        ids first appear, each sorted by time.

    Raises
    ------
    ValueError
        If a column is missing, the ids have missing values, the times cannot be parsed, or
        a ``(id, time)`` pair appears twice (the message names the series).

    See Also
    --------
    to_long : The inverse conversion.

    Examples
    --------
    >>> import pandas as pd
    >>> from lstm_forecast import from_long
    >>> table = pd.DataFrame({"unique_id": ["b", "a", "b", "a"],
    ...                       "ds": ["2024-02", "2024-01", "2024-01", "2024-02"],
    ...                       "y": [2.0, 10.0, 1.0, 20.0]})
    >>> from_long(table)
                             y
    unique_id ds
    b         2024-01-01   1.0
              2024-02-01   2.0
    a         2024-01-01  10.0
              2024-02-01  20.0
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame (a long table); got {type(data).__name__}.")
    if isinstance(value_cols, str):
        value_cols = [value_cols]
    keys = [id_col, time_col]
    if value_cols is None:
        value_cols = [c for c in data.columns if c not in keys]
    missing = [c for c in [*keys, *value_cols] if c not in data.columns]
    if missing:
        raise ValueError(f"data has no column(s) {missing}; its columns are {list(data.columns)}. "
                         "Name them with id_col=, time_col= and value_cols=.")
    if data[id_col].isna().any():
        raise ValueError(f"The id column {id_col!r} has missing values.")
    table = data[[*keys, *value_cols]]
    times = table[time_col]
    if pd.api.types.is_object_dtype(times) or pd.api.types.is_string_dtype(times):
        try:
            table = table.assign(**{time_col: pd.to_datetime(times)})
        except (TypeError, ValueError) as exc:
            raise ValueError(f"The time column {time_col!r} must hold timestamps, periods or "
                             f"integers: {exc}") from None
    duplicated = table.duplicated(keys)
    if duplicated.any():
        row = table[duplicated.to_numpy()].iloc[0]
        raise ValueError(f"data has two rows for series {row[id_col]!r} at {row[time_col]}: each "
                         "(id, time) pair must appear once.")
    codes, _ = pd.factorize(table[id_col])
    order = np.lexsort((table[time_col].rank(method="first").to_numpy(), codes))
    return table.iloc[order].set_index(keys)


def to_long(panel: pd.Series | pd.DataFrame, *, id_col: str = "unique_id",
            time_col: str = "ds") -> pd.DataFrame:
    """Turn a MultiIndex panel (or forecast) into a long table; the inverse of :func:`from_long`.

    Parameters
    ----------
    panel : pandas.Series or pandas.DataFrame
        Indexed by a 2-level MultiIndex ``(id, time)``: a panel, or the forecasts,
        quantiles or intervals of one. A Series gives one value column, named after the
        Series (``"y"`` if unnamed); MultiIndex columns such as ``("y", 0.9, "lower")`` are
        joined with ``"_"`` into ``"y_0.9_lower"``.
    id_col : str, default="unique_id"
        Name of the id column.
    time_col : str, default="ds"
        Name of the time column.

    Returns
    -------
    pandas.DataFrame
        One row per series and time step: ``id_col``, ``time_col``, then the values.

    Raises
    ------
    ValueError
        If ``panel`` is not a pandas object with a 2-level MultiIndex.

    Examples
    --------
    >>> import pandas as pd
    >>> from lstm_forecast import NaiveForecaster, to_long
    >>> index = pd.MultiIndex.from_product([["a", "b"], pd.period_range("2024-01", periods=3, freq="M")])
    >>> y = pd.Series([1.0, 2.0, 3.0, 10.0, 20.0, 30.0], index=index, name="y")
    >>> to_long(NaiveForecaster(horizon=2).fit(y).predict())
      unique_id       ds     y
    0         a  2024-04   3.0
    1         a  2024-05   3.0
    2         b  2024-04  30.0
    3         b  2024-05  30.0
    >>> list(to_long(NaiveForecaster(horizon=2).fit(y).predict_interval(coverage=0.8)).columns)
    ['unique_id', 'ds', 'y_0.8_lower', 'y_0.8_upper']
    """
    if not isinstance(panel, (pd.Series, pd.DataFrame)) or panel.index.nlevels != 2:
        raise ValueError("panel must be a pandas Series or DataFrame indexed by a 2-level MultiIndex "
                         "(id, time); for a list or dict of frames, use pd.concat(frames) first.")
    frame = panel.to_frame(panel.name if panel.name is not None else "y") \
        if isinstance(panel, pd.Series) else panel.copy(deep=False)
    if isinstance(frame.columns, pd.MultiIndex):
        frame.columns = ["_".join(str(part) for part in column) for column in frame.columns]
    frame.index = frame.index.set_names([id_col, time_col])
    return frame.reset_index()

