"""Long CSVs of many series for ``lstm-forecast ... --id-column COL``: read, checked, written.

A long CSV holds one row per series and time step: the series id, the time (optional: rows
then count in file order within each series), the target and the covariates. It is read with
the single-series reader's pieces (delimiter detection, decimal mark, time column parsing
with its day-first decision, taken on the times of all the series together, column checks),
turned into an ``(id, time)`` MultiIndex panel by :func:`lstm_forecast.from_long`, and then
checked per series on the panel's regular grid: gaps and missing values are errors naming
the series, unless ``--fill`` fills them within each series.

- :func:`load_panel`: ``fit``/``evaluate`` data; :func:`load_panel_history`: ``predict
  --data``; :func:`load_panel_future`: ``predict --future-covariates``;
- :func:`panel_frame`: the forecasts (and intervals) as a long table.
"""

from __future__ import annotations

from argparse import Namespace
from typing import Any

import numpy as np
import pandas as pd

from ._cli_errors import UsageError
from .datasets._csv import listing, parse_time, read_table, regular_grid, select_columns

__all__ = ["aggregate_table", "id_name", "load_panel", "load_panel_future", "load_panel_history",
           "panel_frame", "series_table", "time_name"]

_FILLS = "{ffill,bfill,interpolate,zero}"


def _read(path, where, args, *, id_column, target, time_column, covariates, freq):
    """The long table of ``path`` as a MultiIndex panel (unfilled) and the time grid."""
    frame = read_table(path, sep=args.sep, decimal=args.decimal, dtype={id_column: str},
                       text_columns=[id_column])
    columns = list(frame.columns)
    if id_column not in columns:
        raise UsageError(f"unknown --id-column {id_column!r}; {where} has columns {columns}")
    for name, flag in ((target, "--target"), (time_column, "--time-column")):
        if name == id_column:
            raise UsageError(f"--id-column and {flag} name the same column {name!r}")
    if id_column in (covariates or ()):
        raise UsageError(f"--covariates must name columns other than --id-column {id_column!r}")
    values = select_columns(frame, target, time_column, covariates)
    ids = frame[id_column]
    empty = np.flatnonzero(ids.isna().to_numpy())
    if empty.size:
        raise UsageError(f"--id-column {id_column!r} of {where} is empty in {empty.size} row(s): "
                         f"data row(s) {listing(empty)} (0-based, header excluded)")
    if time_column is None:  # rows in file order within each series
        times = pd.Index(frame.groupby(id_column, sort=False).cumcount().to_numpy())
    else:
        times = parse_time(frame[time_column], time_column, dayfirst=True if args.dayfirst else None,
                           date_format=args.date_format, freq=freq)
    table = frame[values].astype(np.float64)
    infinite = np.isinf(table.to_numpy()).any(axis=0)
    if infinite.any():
        raise UsageError(f"{where}: column(s) {list(table.columns[infinite])} hold infinite values")
    key = time_column or "__step__"
    table.insert(0, key, np.asarray(times))
    table.insert(0, id_column, ids.to_numpy())
    if isinstance(times, pd.PeriodIndex):
        table[key] = times  # keeps the period dtype
    from . import from_long

    try:
        panel = from_long(table, id_col=id_column, time_col=key, value_cols=values)
    except ValueError as error:
        raise UsageError(str(error).replace("data has", f"{where} has", 1)
                         .replace("(id, time) pair", "(--id-column, --time-column) pair")) from None
    stamps = panel.index.get_level_values(1)
    if time_column is None:
        grid = pd.RangeIndex(int(stamps.max()) + 1)
    else:
        grid = regular_grid(stamps.unique().sort_values(), freq)
        if grid is None:
            raise UsageError(f"--time-column {time_column!r} of {where} has no regular frequency "
                             "(the series of a panel share one): pass --freq, e.g. --freq D")
    return panel, grid


def _grid_positions(panel, grid):
    codes, ids = pd.factorize(panel.index.get_level_values(0))
    positions = grid.get_indexer(panel.index.get_level_values(1))
    lengths = np.bincount(codes, minlength=len(ids))
    ends = np.cumsum(lengths)
    first, last = positions[ends - lengths], positions[ends - 1]
    return ids, lengths, first, last - first + 1, positions


def _on_grid(panel, grid, where, fill, time_column):
    """``panel`` with every series on its stretch of ``grid``: gaps and missing values filled
    (``fill``) or refused, naming the first series that has them."""
    ids, lengths, first, span, positions = _grid_positions(panel, grid)
    values = panel.to_numpy(dtype=np.float64)
    gaps = span - lengths
    missing = np.bincount(np.repeat(np.arange(len(ids)), lengths),
                          weights=np.isnan(values).any(axis=1), minlength=len(ids))
    flawed = np.flatnonzero((gaps > 0) | (missing > 0))
    if not len(flawed):
        return panel
    if fill is None:
        i = int(flawed[0])
        rows = panel.loc[ids[i]]
        problems = []
        if gaps[i]:
            holes = grid[first[i] : first[i] + span[i]].difference(rows.index)
            step = getattr(grid, "freqstr", None) or f"step {grid.step}"
            problems.append(f"{len(holes)} missing timestamp(s) (gaps) for frequency {step!r}: "
                            f"{listing(holes)}")
        for column in rows.columns[rows.isna().any().to_numpy()]:
            at = rows.index[rows[column].isna().to_numpy()]
            problems.append(f"column {column!r} has {len(at)} missing value(s) at {listing(at)}")
        more = f" ({len(flawed)} series have gaps or missing values)" if len(flawed) > 1 else ""
        raise UsageError(f"series {ids[i]!r} in {where}: {'; '.join(problems)}{more}. Pass --fill "
                         f"{_FILLS} to fill them within each series, or fix the file")
    codes = np.repeat(np.arange(len(ids)), span)
    starts = np.cumsum(span) - span
    full_positions = np.repeat(first, span) + np.arange(len(codes)) - np.repeat(starts, span)
    full = np.full((len(codes), values.shape[1]), np.nan)
    full[np.repeat(starts - first, lengths) + positions] = values
    full = _fill(full, codes, grid[full_positions], fill)
    left = np.isnan(full).any(axis=1)
    if left.any():
        i = int(codes[np.argmax(left)])
        at = grid[full_positions[left & (codes == i)]]
        where_text = "" if time_column is None else f" ({listing(at)})"
        raise UsageError(f"--fill {fill} cannot fill {len(at)} row(s) at the edge of series "
                         f"{ids[i]!r} in {where}{where_text}: nothing to carry or interpolate "
                         "from; trim the file or use another --fill")
    index = pd.MultiIndex.from_arrays([ids.take(codes), grid[full_positions]],
                                      names=panel.index.names)
    return pd.DataFrame(full, index=index, columns=panel.columns)


def _fill(values, codes, times, fill):
    """Fill the NaNs of ``values`` (rows of the series ``codes`` at ``times``) within each series."""
    if fill == "zero":
        return np.nan_to_num(values, nan=0.0)
    frame = pd.DataFrame(values)
    if fill in ("ffill", "bfill"):
        grouped = frame.groupby(codes, sort=False)
        return (grouped.ffill() if fill == "ffill" else grouped.bfill()).to_numpy()
    # Linear in time (in steps for periods and integers), between known values of one series:
    # the series are laid end to end on one axis, each shifted past the one before.
    x = (times.asi8 if isinstance(times, pd.DatetimeIndex) else np.arange(len(times))).astype(float)
    x = x - x.min()
    x = x + codes * (x.max() + 1.0)
    rows = np.arange(len(values))
    out = values.copy()
    for j in range(values.shape[1]):  # one pass per column
        known = ~np.isnan(values[:, j])
        if not known.any():
            continue
        out[~known, j] = np.interp(x[~known], x[known], values[known, j])
        marks = pd.Series(np.where(known, rows, np.nan)).groupby(codes)
        edge = (rows < marks.transform("min").to_numpy()) | (rows > marks.transform("max").to_numpy())
        out[edge | np.isnan(marks.transform("min").to_numpy()), j] = np.nan
    return out


def _split(panel, target, covariates):
    X = panel[list(covariates)] if covariates else None
    return panel[target], X


def load_panel(args: Namespace) -> tuple[pd.Series, pd.DataFrame | None, pd.Index]:
    """``(y, X, grid)`` of ``fit``/``evaluate --id-column``: the target panel (a MultiIndex
    Series), the covariates (a MultiIndex DataFrame, or None) and the panel's time grid."""
    from ._cli_data import readable

    readable(args.data, "data file")
    panel, grid = _read(args.data, args.data, args, id_column=args.id_column, target=args.target,
                        time_column=args.time_column, covariates=args.covariates, freq=args.freq)
    panel = _on_grid(panel, grid, args.data, args.fill, args.time_column)
    if args.time_column is None:
        panel.index = panel.index.set_names([args.id_column, None])
    return (*_split(panel, args.target, args.covariates), grid)


def time_name(model: Any) -> str | None:
    """The time column of the series ``model`` was fitted on (None: rows in file order)."""
    names = getattr(model, "_layout_", {}).get("level_names")
    if names is not None:
        return names[1]
    index = getattr(model, "index_", None)
    return None if index is None else index.name


def _reading_freq(model):
    """The ``freq`` that reads a new file onto the grid of the model's series (None: inferred)."""
    freq = getattr(model, "freq_", None)
    if freq is None or freq.startswith("Q-"):  # quarters such as 1958Q1 carry their own
        return None
    return "Y" if freq.startswith(("Y-", "A-")) else freq  # annual periods: integer years


def load_panel_history(args: Namespace, model: Any, names: list[str] | None,
                       ) -> tuple[pd.Series, pd.DataFrame | None]:
    """``(y, X)`` of ``predict --data FILE --id-column COL``: the new histories of a panel."""
    where = f"--data {args.data}"
    if model.target_name_ is None:
        raise UsageError(f"{args.model} does not record its target column; --data needs it")
    time_column = time_name(model)
    panel, grid = _read(args.data, where, args, id_column=args.id_column,
                        target=model.target_name_, time_column=time_column, covariates=names,
                        freq=_reading_freq(model) if time_column else None)
    panel = _on_grid(panel, grid, where, args.fill, time_column)
    if time_column is None:
        panel.index = panel.index.set_names([args.id_column, None])
    return _split(panel, model.target_name_, names)


def load_panel_future(args: Namespace, model: Any, names: list[str], ids: list,
                      ) -> pd.DataFrame:
    """The ``--future-covariates`` long table of a panel: ``horizon`` rows for every series of
    ``ids``, matched by ``(id, time)`` to the forecast steps and by name to the covariates."""
    where = f"--future-covariates {args.future_covariates}"
    time_column = time_name(model)
    if time_column is None:
        raise UsageError(f"{where}: a panel fitted without --time-column has no dates to match "
                         "future covariates to; fit it with --time-column")
    frame = read_table(args.future_covariates, sep=args.sep, decimal=args.decimal,
                       dtype={args.id_column: str}, text_columns=[args.id_column])
    needed = [args.id_column, time_column, *names]
    missing = [c for c in needed if c not in frame.columns]
    unknown = [c for c in frame.columns if c not in needed]
    if missing or unknown:
        parts = [f"lacks {missing}" if missing else "", f"has unknown column(s) {unknown}"
                 if unknown else ""]
        raise UsageError(f"{where} {' and '.join(p for p in parts if p)}; it needs the columns "
                         f"{needed} (--id-column, the time column, the model's --covariates)")
    times = parse_time(frame[time_column], time_column, dayfirst=True if args.dayfirst else None,
                       date_format=args.date_format, freq=_reading_freq(model))
    from . import from_long

    table = frame.assign(**{time_column: times})
    try:
        future = from_long(table, id_col=args.id_column, time_col=time_column, value_cols=names)
    except ValueError as error:
        raise UsageError(str(error).replace("data has", f"{where} has", 1)) from None
    counts = future.groupby(level=0, sort=False).size()
    unknown_ids = [i for i in counts.index if i not in set(ids)]
    wrong = counts[counts != model.horizon]
    if unknown_ids:
        raise UsageError(f"{where} has series {unknown_ids[0]!r}, which is not forecast")
    if len(wrong):
        raise UsageError(f"{where} has {int(wrong.iloc[0])} rows for series {wrong.index[0]!r}; "
                         f"the model forecasts {model.horizon} steps and needs one row per step")
    return future.astype(np.float64)


def panel_frame(forecast: pd.Series, intervals: pd.DataFrame | None, labels: list[str],
                ) -> pd.DataFrame:
    """The long table of a panel's forecasts: id, time (if any), the forecast, the intervals
    (``labels``: their column names, lower and upper of each coverage in turn)."""
    frame = forecast.to_frame()
    if intervals is not None:
        bounds = intervals.reindex(frame.index).to_numpy()
        for j, label in enumerate(labels):
            frame[label] = bounds[:, j]
    if frame.index.names[1] is None:
        frame = frame.reset_index(level=1, drop=True)
    return frame.reset_index()


def id_name(model: Any) -> str | None:
    """The id column of the long CSV ``model`` was fitted on (None: one series, or Python)."""
    layout = getattr(model, "_layout_", {})
    names = layout.get("level_names") if layout.get("container") == "multiindex" else None
    return None if names is None else names[0]


# ----------------------------------------------------------------------------- evaluate
def _metric_columns(result, scores, columns, means):
    from ._cli_data import format_metric

    for metric in result.metrics:
        columns[metric.upper()], mean = format_metric(metric, scores[metric])
        if means is not None:
            means[metric.upper()] = mean
    return columns


def aggregate_table(result: Any) -> str:
    """The folds of a panel backtest (scores over all series) as text, with a mean row."""
    table = result.aggregate
    means = {"fold": "mean", "series": ""}
    columns = _metric_columns(result, table, {"fold": table["fold"].astype(str),
                                              "series": table["n_series"].astype(str)}, means)
    columns["fit s"] = table["fit_time"].map("{:.1f}".format)
    means["fit s"] = f"{table['fit_time'].mean():.1f}"
    out = pd.DataFrame(columns)
    out.loc[len(out)] = means
    return out.to_string(index=False)


def series_table(result: Any, id_column: str, shown: int = 10) -> str:
    """Each series' scores (means over the folds): all of them for up to ``shown`` series,
    else their spread (min, quartiles, max) and the series with the largest errors."""
    metrics = list(result.metrics)
    per_series = result.folds.groupby("series", sort=False)[metrics].mean()
    if len(per_series) <= shown:
        columns = _metric_columns(result, per_series, {id_column: per_series.index.astype(str)},
                                  None)
        return (f"per series (mean over the folds):\n"
                f"{pd.DataFrame(columns).to_string(index=False)}")
    spread = per_series.quantile([0.0, 0.25, 0.5, 0.75, 1.0])
    names = ["min", "25%", "median", "75%", "max"]
    columns = _metric_columns(result, spread, {"": names}, None)
    key = "mase" if "mase" in metrics else metrics[0]
    worst = per_series[key].sort_values(ascending=False).head(3)
    listed = ", ".join(f"{i!r} ({value:.3g})" for i, value in worst.items())
    return (f"per series ({len(per_series)} series, mean over the folds):\n"
            f"{pd.DataFrame(columns).to_string(index=False)}\n"
            f"largest {key.upper()}: {listed}")
