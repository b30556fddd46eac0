"""The files of the ``lstm-forecast`` command: paths checked before any work, CSVs read.

- paths: every input is a readable file and every output can be written, checked before a
  minute of training is spent (:func:`readable`, :func:`writable`, :func:`output_dir`);
- series: :func:`load_series` reads ``fit``/``evaluate`` data, :func:`load_history` the
  ``predict --data`` history, :func:`load_future_covariates` the future covariates, matched
  to the model's covariates by name and to its forecast dates by the time column;
- output: :func:`forecast_frame` gives the forecast its time column, :func:`float_format`
  a precision fit for the series, :func:`format_metric` the numbers of ``evaluate``'s tables.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
from pathlib import Path

from ._cli_errors import UsageError

__all__ = [
    "float_format",
    "forecast_frame",
    "format_metric",
    "load_future_covariates",
    "load_history",
    "load_series",
    "need_matplotlib",
    "output_dir",
    "readable",
    "writable",
]


# ----------------------------------------------------------------------------- paths
def readable(path, what):
    """Refuse ``path`` unless it is a readable regular file (``what`` names it)."""
    p = Path(path)
    if not p.exists():
        raise UsageError(f"no such file: {path} ({what})")
    if p.is_dir():
        raise UsageError(f"{what} {path} is a directory, not a file")
    if not p.is_file():
        raise UsageError(f"{what} {path} is not a regular file")
    if not os.access(p, os.R_OK):
        raise UsageError(f"{what} {path} is not readable (permission denied)")
    return p


def writable(path, what, *, example="out.csv"):
    """Refuse ``path`` unless a file can be written there (``what`` names the flag)."""
    text = os.fspath(path)
    if not text:
        raise UsageError(f"{what} is empty; give a file name such as {example}")
    p = Path(text)
    if p.is_dir() or text.endswith(("/", os.sep)):
        raise UsageError(f"{what} {text} is a directory; give a file name such as "
                         f"{p / example}")
    parent = p.parent
    if not parent.exists():
        raise UsageError(f"{what} {text}: the directory {parent} does not exist")
    if not parent.is_dir():
        raise UsageError(f"{what} {text}: {parent} is not a directory")
    if p.exists() and not p.is_file():
        raise UsageError(f"{what} {text} exists and is not a regular file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{what} {text}: the directory {parent} is not writable")
    if p.exists() and not os.access(p, os.W_OK):
        raise UsageError(f"{what} {text} is not writable (read-only)")
    return p


def output_dir(path, what):
    """Refuse ``path`` unless it is (or can be made) a writable directory; return it."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UsageError(f"{what} {path} exists and is not a directory")
    existing = p
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{what} {path}: the directory {existing} is not writable")
    return p


def need_matplotlib(what):
    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError(f'{what} needs matplotlib: pip install "lstm-forecast[plot]"')


# ----------------------------------------------------------------------------- series
def reading(args):
    """The ``load_csv_series`` options of the flags that say how to read a CSV."""
    return {"sep": args.sep, "decimal": args.decimal, "dayfirst": True if args.dayfirst else None,
            "date_format": args.date_format}


def load_series(args):
    """``(y, X)`` of ``fit``/``evaluate``: the target Series and the covariates or None."""
    from .datasets import load_csv_series

    readable(args.data, "data file")
    data = load_csv_series(
        args.data, target=args.target, time_column=args.time_column,
        covariates=args.covariates, fill=args.fill, freq=args.freq, **reading(args),
    )
    if args.covariates:
        return data[args.target], data[list(args.covariates)]
    return data, None


def _index_freq(index):
    """The ``freq`` that reads a new file onto the grid of ``index`` (None: inferred)."""
    import pandas as pd

    if isinstance(index, pd.PeriodIndex) and index.freqstr.startswith(("Y", "A")):
        return "Y"  # integer years
    if isinstance(index, pd.DatetimeIndex) and index.freq is not None:
        return index.freq
    return None


def covariate_names(model):
    names = getattr(model, "feature_names_in_", None)
    return None if names is None else [str(n) for n in names]


def load_history(args, model):
    """``(y, X)`` of ``predict --data``: the recent target and its covariates (or None)."""
    from .datasets import load_csv_series

    readable(args.data, "--data")
    if model.target_name_ is None:
        raise UsageError(f"{args.model} does not record its target column; --data needs it")
    index = model.index_
    time_column = getattr(index, "name", None)
    names = covariate_names(model) if model.n_covariates_ else None
    if model.n_covariates_ and names is None:
        raise UsageError(f"{args.model} does not record its covariate names (an older model); "
                         "--data cannot be read for it: fit the model again")
    data = load_csv_series(
        args.data, target=model.target_name_, time_column=time_column, covariates=names,
        fill=args.fill, freq=_index_freq(index) if time_column else None, **reading(args),
    )
    if names:
        return data[model.target_name_], data[names]
    return data, None


def _listing(values):
    return ", ".join(repr(str(v)) for v in values)


def load_future_covariates(args, model, history_index):
    """The ``--future-covariates`` table, columns in the model's order, rows in time order."""
    import numpy as np
    import pandas as pd

    from ._time_index import future_index
    from .datasets._csv import parse_time, read_table

    path = args.future_covariates
    flag = f"--future-covariates {path}"
    readable(path, "--future-covariates")
    frame = read_table(path, sep=args.sep, decimal=args.decimal)
    time_column = getattr(history_index, "name", None)
    if time_column is not None and time_column in frame.columns:
        times = parse_time(frame[time_column], time_column, date_format=args.date_format,
                           dayfirst=True if args.dayfirst else None,
                           freq=_index_freq(history_index))
        frame = frame.drop(columns=time_column).set_axis(times, axis=0).sort_index()
        expected = future_index(history_index, model.horizon)
        if len(frame) == len(expected) and not frame.index.equals(expected):
            raise UsageError(
                f"{flag}: its {time_column!r} column holds {_show(frame.index)}, but the forecast "
                f"is for {_show(expected)} (the {model.horizon} steps after the series)"
            )
    names = covariate_names(model)
    if names is None:
        names = list(frame.columns)  # a model from before names were kept: by position
    else:
        missing = [n for n in names if n not in frame.columns]
        unknown = [c for c in frame.columns if c not in names]
        if missing or unknown:
            parts = [f"lacks {_listing(missing)}" if missing else "",
                     f"has unknown column(s) {_listing(unknown)}" if unknown else ""]
            raise UsageError(
                f"{flag} {' and '.join(p for p in parts if p)}; the model was fitted with "
                f"--covariates {' '.join(names)} (matched by name"
                + (f"; the time column {time_column!r} may be there too)" if time_column else ")")
            )
    if len(frame) != model.horizon:
        raise UsageError(f"{flag} has {len(frame)} rows; the model forecasts {model.horizon} "
                         f"steps and needs one row per step")
    frame = frame[names]
    bad = [c for c in names if not pd.api.types.is_numeric_dtype(frame[c])
           or pd.api.types.is_bool_dtype(frame[c])]
    if bad:
        raise UsageError(f"{flag}: column(s) {_listing(bad)} are not numeric")
    values = frame.to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise UsageError(f"{flag} has empty or infinite values; every future value is needed")
    return pd.DataFrame(values, columns=names)


def _show(index):
    shown = [str(v.date()) if hasattr(v, "date") and v == v.normalize() else str(v)
             for v in index[:2]]
    return f"{shown[0]} .. {index[-1]}" if len(index) > 2 else ", ".join(shown)


# ----------------------------------------------------------------------------- output
def forecast_frame(model, forecast, history_index):
    """The forecast as a table: a time column (when the series had one), then the target."""
    import pandas as pd

    from ._time_index import future_index

    name = model.target_name_ or "forecast"
    if isinstance(forecast, pd.Series):
        return forecast.rename(name).to_frame(), True
    index = history_index
    if index is not None and index.name is not None:
        try:
            future = future_index(index, model.horizon)
        except ValueError:  # irregular timestamps: no dates to give
            future = None
        if future is not None:
            return pd.DataFrame({name: forecast}, index=future), True
    return pd.DataFrame({name: forecast}), False


def float_format(model, given):
    """``given``, or six significant digits at the scale of the training series."""
    if given is not None:
        return given
    import numpy as np

    tail = getattr(model, "tail_values_", None)
    scale = float(np.max(np.abs(tail))) if tail is not None and np.size(tail) else 1.0
    digits = 6 - (math.floor(math.log10(scale)) + 1) if scale > 0 and math.isfinite(scale) else 6
    return f"%.{min(max(digits, 0), 12)}f"


def _fixed(values):
    """A format with four significant digits for the largest of ``values``, the same for all."""
    largest = float(values.abs().max()) if len(values) else 0.0
    digits = 3 - math.floor(math.log10(largest)) if largest > 0 and math.isfinite(largest) else 3
    return f"{{:.{min(max(digits, 0), 8)}f}}".format


def format_metric(metric, values):
    """``(texts, mean)``: the scores ``values`` of ``metric`` and their mean, as table text
    (MAPE and SMAPE in %, MASE with three decimals, errors with four significant digits)."""
    if metric in ("mape", "smape"):
        fmt, values = "{:.2f}%".format, 100 * values
    elif metric == "mase":
        fmt = "{:.3f}".format
    else:
        fmt = _fixed(values)
    return values.map(fmt), fmt(values.mean())


def say(args, text):
    if not args.quiet:
        print(text, flush=True)


def show_progress(args):
    """Training progress (skorch's epoch table and bar) only on a terminal: no ANSI in logs."""
    def terminal(stream):
        return bool(getattr(stream, "isatty", lambda: False)())

    return not args.quiet and terminal(sys.stdout) and terminal(sys.stderr)
