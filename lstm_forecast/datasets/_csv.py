"""Reading a CSV table and its time column for :func:`~lstm_forecast.datasets.load_csv_series`.

- :func:`read_table`: the delimiter read from the header line (comma, semicolon, tab or
  bar) unless given, then :func:`pandas.read_csv`;
- :func:`parse_time`: a time column as an index: dates (formats guessed, day-first or
  month-first decided by which reading is regular), quarters such as ``1958Q1``, integers
  (years as an annual ``PeriodIndex`` with an annual ``freq``);
- :func:`regular_grid`: the regular grid of an index, given or inferred (gaps allowed);
- :func:`select_columns`: the target, time and covariate columns checked against the file.
"""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

try:  # public since pandas 2.2
    from pandas.tseries.api import guess_datetime_format
except ImportError:  # pragma: no cover - pandas 2.0 and 2.1
    from pandas._libs.tslibs.parsing import guess_datetime_format

__all__ = ["read_table", "parse_time", "regular_grid", "listing", "select_columns"]

_SHOWN = 5  # how many offending timestamps or rows an error message lists
_DELIMITERS = ",;\t|"
_QUARTER = re.compile(r"\s*\d{4}\s*-?\s*[Qq][1-4]\s*")
_DECIMAL_COMMA = r"\s*[-+]?\d[\d.]*,\d+\s*"
_SEP_NAMES = {",": "','", ";": "';'", "\t": "'\\t'", "|": "'|'"}


# ----------------------------------------------------------------------------- messages
def _show(value):
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return str(value.date())
    return str(value)


def listing(values):
    """``a, b, c, d, e and 7 more``: the first few of ``values`` for an error message."""
    values = [_show(v) for v in values]
    shown = ", ".join(values[:_SHOWN])
    more = f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else ""
    return shown + more


def _file_name(path):
    return f"CSV file {str(path)!r}" if isinstance(path, (str, Path)) else "given CSV file"


# ----------------------------------------------------------------------------- the table
def _header_line(path):
    """The first line of ``path`` (a path or a file object, left where it was), or None."""
    if isinstance(path, (str, Path)):
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
            return handle.readline()
    if hasattr(path, "seek") and hasattr(path, "tell") and hasattr(path, "readline"):
        position = path.tell()
        line = path.readline()
        path.seek(position)
        return line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    return None


def _sniff_sep(line):
    if not line or not line.strip():
        return ","
    try:
        return csv.Sniffer().sniff(line, delimiters=_DELIMITERS).delimiter
    except csv.Error:  # one column, or no candidate stands out
        return ","


def read_table(path, *, sep=None, decimal=".", dtype=None, text_columns=()):
    """Read the CSV file ``path`` with pandas; ``sep=None`` detects the delimiter.

    The delimiter is the one of ``,`` ``;`` tab ``|`` that :class:`csv.Sniffer` finds in the
    header line (a comma when it finds none). File objects that cannot seek are read with a
    comma unless ``sep`` is given. ``dtype`` is :func:`pandas.read_csv`'s (series ids are
    read as text, so that ``007`` stays ``007``). ``text_columns`` (of a file path) are read
    as text where only an empty field is missing: an id ``NA`` (Namibia) or ``null`` is an id.
    """
    if sep is None:
        sep = _sniff_sep(_header_line(path))
    try:
        frame = pd.read_csv(path, sep=sep, decimal=decimal, dtype=dtype)
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"the {_file_name(path)} is empty.") from exc
    except pd.errors.ParserError as exc:
        raise ValueError(
            f"the {_file_name(path)} could not be read as a table with sep={_SEP_NAMES.get(sep, repr(sep))}: "
            f"{str(exc).strip()}"
        ) from None
    if frame.empty:
        raise ValueError(f"the {_file_name(path)} has no data rows.")
    text = [c for c in text_columns if c in frame.columns]
    if text:
        raw = pd.read_csv(path, sep=sep, decimal=decimal, usecols=text, dtype=str,
                          keep_default_na=False)
        for column in text:
            frame[column] = raw[column].mask(raw[column] == "")
    return frame


# ----------------------------------------------------------------------------- columns
def _kind(column):
    """The kind of a column's values, the same name on pandas 2 and 3 (``str`` for text)."""
    if pd.api.types.is_bool_dtype(column):
        return "bool"
    if pd.api.types.is_string_dtype(column) or pd.api.types.infer_dtype(column) in (
        "string", "mixed", "mixed-integer",
    ):
        return "str"
    return str(column.dtype)


def _not_numeric(frame, name):
    column = frame[name]
    values = column.dropna()
    example = f", e.g. {str(values.iloc[0])!r}" if len(values) else ""
    text = f"{name!r} ({_kind(column)}{example})"
    if len(values) and values.astype(str).str.fullmatch(_DECIMAL_COMMA).all():
        text += " (numbers with a decimal comma? pass decimal=',')"
    return text


def select_columns(frame, target, time_column, covariates):
    """Check the column arguments against the file; return the value columns (target first)."""
    available = list(frame.columns)

    def check(name, what):
        if not isinstance(name, str):
            raise TypeError(f"{what} must be a column name (str), got {name!r}.")
        if name not in available:
            raise ValueError(f"unknown {what} {name!r}; the file has columns {available}.")

    check(target, "target column")
    if time_column is not None:
        check(time_column, "time_column")
        if time_column == target:
            raise ValueError(f"target and time_column are the same column {target!r}.")
    if covariates is None:
        covariates = []
    elif isinstance(covariates, str) and covariates == "all":
        covariates = [c for c in available if c not in (target, time_column)]
    elif isinstance(covariates, str):
        raise TypeError(
            f"covariates must be None, 'all' or a list of column names, got {covariates!r}."
        )
    else:
        covariates = list(covariates)
        for name in covariates:
            check(name, "covariate column")
        clash = [c for c in covariates if c in (target, time_column)]
        if clash or len(set(covariates)) != len(covariates):
            raise ValueError(
                "covariates must be distinct columns other than the target and the time "
                f"column, got {covariates}."
            )
    columns = [target, *covariates]
    bad = [
        _not_numeric(frame, c)
        for c in columns
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])
    ]
    if bad:
        raise ValueError(
            f"target and covariate columns must be numeric; not numeric: {', '.join(bad)}."
        )
    return columns


# ----------------------------------------------------------------------------- frequencies
def _offset(freq):
    """``freq`` as a pandas offset (period aliases such as ``"Y"`` included), or ValueError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # pandas 2: "Y" is deprecated, "YE" not
            return to_offset(freq)
    except (ValueError, TypeError) as exc:
        try:
            return pd.Period("2000-01-01", freq=freq).freq
        except (ValueError, TypeError):
            raise ValueError(f"freq {freq!r} is not a pandas frequency: {exc}") from exc


def _is_annual(offset):
    return isinstance(offset, (pd.offsets.YearBegin, pd.offsets.YearEnd)) and offset.n == 1


def _canonical(offset):
    """One name per grid: quarterly anchors differ between pandas 2 and 3 (QS-OCT / QS-JAN)."""
    if isinstance(offset, pd.offsets.QuarterBegin):
        return pd.offsets.QuarterBegin(offset.n, startingMonth=(offset.startingMonth - 1) % 3 + 1)
    if isinstance(offset, pd.offsets.QuarterEnd):
        return pd.offsets.QuarterEnd(offset.n, startingMonth=(offset.startingMonth - 1) % 3 + 10)
    return offset


# ----------------------------------------------------------------------------- the grid
def _infer_grid(index):
    """The coarsest regular grid holding every timestamp of ``index``, or None.

    With gaps, :func:`pandas.infer_freq` fails on the whole index, so the frequency is
    inferred on runs of three consecutive timestamps instead, and kept if its grid holds
    every timestamp and at least half of the grid's timestamps are present (otherwise the
    series counts as irregular).
    """
    if len(index) < 3:
        return None
    inferred = pd.DatetimeIndex(index, freq="infer").freq
    if inferred is not None:
        return pd.date_range(index[0], index[-1], freq=_canonical(inferred), name=index.name)
    starts = np.unique(np.linspace(0, len(index) - 3, num=64).astype(int))
    candidates = {pd.DatetimeIndex(index[s : s + 3], freq="infer").freq for s in starts}
    best = None
    for freq in candidates - {None}:
        grid = pd.date_range(index[0], index[-1], freq=_canonical(freq), name=index.name)
        if len(grid) <= 2 * len(index) and index.isin(grid).all():
            if best is None or len(grid) < len(best):
                best = grid
    return best


def _integer_grid(index):
    """The evenly spaced integers from the first to the last of ``index``, or None."""
    if len(index) < 2:
        return None
    values = index.to_numpy(dtype=np.int64)
    step = int(np.diff(values).min())
    if step <= 0 or ((values - values[0]) % step).any():
        return None
    grid = pd.RangeIndex(values[0], values[-1] + step, step, name=index.name)
    return grid if len(grid) <= 2 * len(index) else None


def regular_grid(index, freq):
    """The regular grid of the sorted, unique ``index`` (``freq`` given or inferred), or None.

    A ``PeriodIndex`` has its own frequency; integers are evenly spaced or irregular. An
    explicit ``freq`` requires every timestamp to lie on its grid (ValueError otherwise).
    """
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[0], index[-1], freq=index.freq, name=index.name)
    if not isinstance(index, pd.DatetimeIndex):
        return _integer_grid(index)
    if freq is None:
        return _infer_grid(index)
    grid = pd.date_range(index[0], index[-1], freq=_offset(freq), name=index.name)
    off_grid = index[~index.isin(grid)]
    if len(off_grid):
        raise ValueError(
            f"{len(off_grid)} timestamp(s) do not fall on the freq={freq!r} grid starting at "
            f"{index[0]}: {listing(off_grid)}."
        )
    return grid


# ----------------------------------------------------------------------------- time column
def _parse_numbers(raw, name, freq, date_format):
    values = raw.to_numpy(dtype=np.float64)
    if not np.array_equal(values, np.round(values)):
        raise ValueError(
            f"time_column {name!r} holds numbers with decimals ({raw.dtype}), not dates; write "
            "dates such as 2020-01-31 or integer years in the file, or use time_column=None."
        )
    integers = values.astype(np.int64)
    if date_format is not None:  # numbers such as 202001 written with a date format
        return _parse_with_format(pd.Series(integers.astype(str)), name, date_format)
    if freq is None:
        return pd.Index(integers, name=name)
    if not _is_annual(_offset(freq)):
        raise ValueError(
            f"time_column {name!r} holds integers; they are read as years with an annual freq "
            "such as freq='Y', not with freq={freq!r}. For numbers such as 202001 pass "
            "date_format='%Y%m'."
        )
    return pd.PeriodIndex(pd.Index(integers).astype(str), freq="Y", name=name)


def _bad_rows(stamps):
    """Positions of the rows whose text did not parse (all rows hold text: none is empty)."""
    return np.flatnonzero(stamps.isna().to_numpy())


def _parse_with_format(raw, name, date_format):
    stamps = pd.to_datetime(raw, format=date_format, errors="coerce")
    bad = _bad_rows(stamps)
    if bad.size:
        raise ValueError(
            f"time_column {name!r} could not be parsed as timestamps with "
            f"date_format={date_format!r}: {bad.size} value(s) do not match, first "
            f"{raw.iloc[bad[0]]!r} in data row {bad[0]} (0-based, header excluded)."
        )
    return pd.DatetimeIndex(stamps, name=name)


def _not_dates(raw, name, bad, how=""):
    examples = ", ".join(repr(str(v)) for v in raw.iloc[bad[:3]])
    return ValueError(
        f"time_column {name!r} could not be parsed as timestamps{how}: it holds text that is "
        f"not a date, such as {examples} (data row {bad[0]}, 0-based, header excluded). Write "
        "dates such as 2020-01-31, pass date_format (e.g. date_format='%d.%m.%Y'), or use "
        "time_column=None to keep the rows in file order."
    )


def _readings(raw, dayfirst):
    """Candidate ``(label, format or None)`` readings of the text dates ``raw``."""
    first = str(raw.iloc[0]).strip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Parsing dates in %d/%m/%Y format when dayfirst=False"
        month_first = guess_datetime_format(first, dayfirst=False)
        day_first = guess_datetime_format(first, dayfirst=True)
    if dayfirst is True:
        return [("day-first", day_first or month_first)]
    if dayfirst is False or month_first is None or day_first is None:
        return [("month-first", month_first or day_first)]
    if month_first == day_first or month_first.startswith("%Y"):
        return [("", month_first)]  # unambiguous, or year first (always year-month-day)
    return [("month-first", month_first), ("day-first", day_first)]


def _to_datetime(raw, fmt, dayfirst):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' "Could not infer format" and dateutil noise
        if fmt is not None:
            return pd.to_datetime(raw, format=fmt, errors="coerce")
        stamps = pd.to_datetime(raw, format="mixed", dayfirst=bool(dayfirst), errors="coerce")
    # dateutil, pandas' last resort, reads "t1" as 1 January of the year 1: no such dates here.
    return stamps.mask(stamps.dt.year < 1000)


def _grid_or_none(index, freq):
    try:
        return regular_grid(index.sort_values().unique(), freq)
    except ValueError:  # off the explicit freq grid
        return None


def _what(grid):
    return "irregular timestamps" if grid is None else f"a regular {grid.freqstr!r} series"


def _parse_text(raw, name, *, dayfirst, freq):
    if raw.str.fullmatch(_QUARTER).all():
        return pd.PeriodIndex(raw.str.replace(r"[\s-]", "", regex=True).str.upper(), freq="Q",
                              name=name)
    parsed = []
    for label, fmt in _readings(raw, dayfirst):
        stamps = _to_datetime(raw, fmt, dayfirst)
        parsed.append((label, fmt, pd.DatetimeIndex(stamps, name=name), _bad_rows(stamps)))
    complete = [p for p in parsed if p[3].size == 0]
    if not complete:
        _, fmt, _, bad = parsed[0]
        first_row_parsed = fmt is not None and bad[0] > 0
        how = f" (format {fmt!r} guessed from {str(raw.iloc[0])!r})" if first_row_parsed else ""
        raise _not_dates(raw, name, bad, how)
    if len(complete) == 1:
        return complete[0][2]
    (_, fmt_m, month_first, _), (_, fmt_d, day_first, _) = complete
    grid_m, grid_d = _grid_or_none(month_first, freq), _grid_or_none(day_first, freq)
    if (grid_m is None) != (grid_d is None):  # exactly one reading is regular: it wins
        return month_first if grid_m is not None else day_first
    example = str(raw.iloc[0]).strip()
    raise ValueError(
        f"time_column {name!r} has dates whose day and month order is ambiguous: read "
        f"month-first ({example!r} = {_show(month_first[0])}) they give {_what(grid_m)}, "
        f"read day-first ({_show(day_first[0])}) {_what(grid_d)}. Pass dayfirst=True for day-first dates "
        f"or date_format={fmt_m!r} for month-first ones (or date_format={fmt_d!r})."
    )


def parse_time(raw, name, *, dayfirst=None, date_format=None, freq=None):
    """The index of the time column ``raw`` (a Series), in file order, checked complete.

    Returns a ``DatetimeIndex`` (dates), a ``PeriodIndex`` (quarters such as ``1958Q1``;
    integer years with an annual ``freq``) or an integer ``Index`` (other integers).
    """
    missing = np.flatnonzero(raw.isna().to_numpy())
    if missing.size:
        raise ValueError(
            f"time_column {name!r} has {missing.size} empty timestamp(s), in data "
            f"row(s) {listing(missing)} (0-based, header excluded)."
        )
    if pd.api.types.is_bool_dtype(raw):
        raise ValueError(f"time_column {name!r} holds booleans, not dates.")
    if pd.api.types.is_numeric_dtype(raw):
        return _parse_numbers(raw, name, freq, date_format)
    if pd.api.types.is_datetime64_any_dtype(raw):
        return pd.DatetimeIndex(raw, name=name)
    raw = raw.astype(str).reset_index(drop=True)
    if date_format is not None:
        return _parse_with_format(raw, name, date_format)
    return _parse_text(raw, name, dayfirst=dayfirst, freq=freq)
