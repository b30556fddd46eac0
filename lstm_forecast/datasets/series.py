"""Example series: a generated sine wave, CSV loading with validation, bundled data.

- :func:`make_sine` generates the classic "learn a sine wave" task, with a test
  continuation on the same grid;
- :func:`load_csv_series` reads a forecasting series (and its covariates) from a
  CSV file and checks it: timestamps parsed, sorted, unique and evenly spaced,
  values numeric and complete (or explicitly filled);
- :func:`load_airline` and :func:`load_us_macro` load the CSV files bundled with
  the package (sources and licences in ``datasets/README.md``).
"""

from contextlib import contextmanager
from importlib import resources
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from sklearn.utils import check_random_state

__all__ = ["make_sine", "load_csv_series", "load_airline", "load_us_macro"]

_FILLS = ("ffill", "bfill", "interpolate", "zero")
_SHOWN = 5  # how many offending timestamps or rows an error message lists


# --------------------------------------------------------------------------- #
# make_sine
# --------------------------------------------------------------------------- #
def _check_real(value, name, *, positive=False, non_negative=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {value!r}.")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}.")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}.")
    if non_negative and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}.")
    return float(value)


def _check_count(value, name, minimum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}.")
    return int(value)


def make_sine(
    n_points=10_000,
    start=0.0,
    stop=100.0,
    *,
    n_test=None,
    amplitude=1.0,
    period=2 * np.pi,
    phase=0.0,
    noise=0.0,
    random_state=None,
):
    """Generate a sine wave sampled on an even grid, optionally with a test continuation.

    The values are ``amplitude * sin(2 * pi * x / period + phase)`` (plus
    Gaussian noise), sampled at ``x = start + k * (stop - start) / n_points``
    for ``k = 0, 1, ...``: ``n_points`` points cover ``[start, stop)`` and the
    ``n_test`` test points continue on the same grid from ``stop`` on. With the
    defaults this is the tutorial task "train on sin(x) over [0, 100] (10,000
    points), test on the next 1,000 points" with ``n_test=1000``.

    Parameters
    ----------
    n_points : int, default=10_000
        Number of points in ``[start, stop)`` (>= 1).
    start, stop : float, default=0.0, 100.0
        The interval the first ``n_points`` points cover; ``start < stop``.
    n_test : int or None, default=None
        ``None`` returns one Series. An integer ``>= 0`` returns
        ``(train, test)``: ``train`` has the ``n_points`` points and ``test``
        the next ``n_test`` points, same spacing.
    amplitude : float, default=1.0
        Peak value of the wave.
    period : float, default=2*pi
        Length of one cycle in units of ``x``; the default gives ``sin(x)``.
    phase : float, default=0.0
        Phase shift in radians.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to every value (train and
        test alike).
    random_state : int, RandomState instance or None, default=None
        Seed of the noise; irrelevant when ``noise=0``.

    Returns
    -------
    series : pandas.Series
        When ``n_test`` is None: ``n_points`` float64 values named ``"sine"``,
        indexed by ``x`` (a float64 index named ``"x"``).
    (train, test) : tuple of pandas.Series
        When ``n_test`` is an integer: the same Series cut in two, with
        ``n_points`` and ``n_test`` values.

    Examples
    --------
    >>> from lstm_forecast.datasets.series import make_sine
    >>> train, test = make_sine(n_test=1000)
    >>> len(train), len(test)
    (10000, 1000)
    >>> float(train.index[1] - train.index[0]), float(test.index[0])
    (0.01, 100.0)
    >>> make_sine(4, 0.0, 2.0, period=4.0).round(3).tolist()
    [0.0, 0.707, 1.0, 0.707]
    """
    n_points = _check_count(n_points, "n_points", 1)
    start = _check_real(start, "start")
    stop = _check_real(stop, "stop")
    if not start < stop:
        raise ValueError(f"start must be smaller than stop, got start={start}, stop={stop}.")
    if n_test is not None:
        n_test = _check_count(n_test, "n_test", 0)
    amplitude = _check_real(amplitude, "amplitude")
    period = _check_real(period, "period", positive=True)
    phase = _check_real(phase, "phase")
    noise = _check_real(noise, "noise", non_negative=True)

    total = n_points + (n_test or 0)
    x = start + (stop - start) / n_points * np.arange(total)
    values = amplitude * np.sin(2 * np.pi * x / period + phase)
    if noise > 0:
        values = values + check_random_state(random_state).normal(0.0, noise, size=total)
    series = pd.Series(values, index=pd.Index(x, name="x"), name="sine")
    if n_test is None:
        return series
    return series.iloc[:n_points], series.iloc[n_points:]


# --------------------------------------------------------------------------- #
# load_csv_series
# --------------------------------------------------------------------------- #
def _show(value):
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return str(value.date())
    return str(value)


def _listing(values):
    values = [_show(v) for v in values]
    shown = ", ".join(values[:_SHOWN])
    more = f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else ""
    return shown + more


def _file_name(path):
    return f"CSV file {str(path)!r}" if isinstance(path, (str, Path)) else "given CSV file"


def _select_columns(frame, target, time_column, covariates):
    """Check the column arguments against the file; return the value columns."""
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
        f"{c!r} ({frame[c].dtype})"
        for c in columns
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])
    ]
    if bad:
        raise ValueError(
            f"target and covariate columns must be numeric; not numeric: {', '.join(bad)}."
        )
    return columns


def _parse_time(frame, time_column):
    """Return ``frame`` indexed by sorted, unique timestamps of ``time_column``."""
    raw = frame[time_column]
    if pd.api.types.is_numeric_dtype(raw):
        raise ValueError(
            f"time_column {time_column!r} holds numbers ({raw.dtype}), not dates; write dates "
            "such as 2020-01-31 in the file, or use time_column=None."
        )
    try:
        stamps = pd.to_datetime(raw)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"time_column {time_column!r} could not be parsed as timestamps: {exc}"
        ) from exc
    missing = np.flatnonzero(stamps.isna().to_numpy())
    if missing.size:
        raise ValueError(
            f"time_column {time_column!r} has {missing.size} empty timestamp(s), in data "
            f"row(s) {_listing(missing)} (0-based, header excluded)."
        )
    frame = frame.drop(columns=time_column).set_index(pd.DatetimeIndex(stamps, name=time_column))
    duplicated = frame.index[frame.index.duplicated()].unique()
    if len(duplicated):
        raise ValueError(
            f"time_column {time_column!r} has {len(duplicated)} duplicated timestamp(s): "
            f"{_listing(duplicated)}."
        )
    return frame.sort_index(kind="stable")


def _infer_grid(index):
    """The coarsest regular grid holding every timestamp of ``index``, or None.

    With gaps, :func:`pandas.infer_freq` fails on the whole index, so the
    frequency is inferred on runs of three consecutive timestamps instead, and
    kept if its grid holds every timestamp and at least half of the grid's
    timestamps are present (otherwise the series counts as irregular).
    """
    if len(index) < 3:
        return None
    inferred = pd.DatetimeIndex(index, freq="infer").freq
    if inferred is not None:
        return pd.date_range(index[0], index[-1], freq=inferred, name=index.name)
    starts = np.unique(np.linspace(0, len(index) - 3, num=64).astype(int))
    candidates = {pd.DatetimeIndex(index[s : s + 3], freq="infer").freq for s in starts}
    best = None
    for freq in candidates - {None}:
        grid = pd.date_range(index[0], index[-1], freq=freq, name=index.name)
        if len(grid) <= 2 * len(index) and index.isin(grid).all():
            if best is None or len(grid) < len(best):
                best = grid
    return best


def _regular_grid(index, freq):
    """Return the regular grid of ``index`` (explicit ``freq`` or inferred), or None."""
    if freq is None:
        return _infer_grid(index)
    try:
        offset = to_offset(freq)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"freq {freq!r} is not a pandas frequency: {exc}") from exc
    grid = pd.date_range(index[0], index[-1], freq=offset, name=index.name)
    off_grid = index[~index.isin(grid)]
    if len(off_grid):
        raise ValueError(
            f"{len(off_grid)} timestamp(s) do not fall on the freq={freq!r} grid starting at "
            f"{index[0]}: {_listing(off_grid)}."
        )
    return grid


def _fill(frame, fill):
    if fill == "zero":
        return frame.fillna(0.0)
    if fill == "ffill":
        filled = frame.ffill()
    elif fill == "bfill":
        filled = frame.bfill()
    else:
        method = "time" if isinstance(frame.index, pd.DatetimeIndex) else "linear"
        filled = frame.interpolate(method=method, limit_area="inside")
    left = filled.index[filled.isna().any(axis=1).to_numpy()]
    if len(left):
        raise ValueError(
            f"fill={fill!r} cannot fill {len(left)} row(s) at the edge of the series "
            f"({_listing(left)}): nothing to carry or interpolate from; trim the file or use "
            "another fill."
        )
    return filled


def load_csv_series(path, target, *, time_column=None, covariates=None, fill=None, freq=None):
    """Read a series (and covariates) from a CSV file and check it is fit to forecast.

    The checks, in order: the named columns exist; the target and covariates
    are numeric; the timestamps of ``time_column`` parse, are all present and
    unique (rows are then sorted by time); the timestamps lie on a regular grid
    (``freq`` given, or inferred) with no gap; no value is missing. A gap or a
    missing value raises a ValueError that lists them, unless ``fill`` says
    how to fill them. Columns that are not named are ignored.

    Parameters
    ----------
    path : str, path-like or file-like
        The CSV file (comma separated, header row), as read by
        :func:`pandas.read_csv`.
    target : str
        The column to forecast.
    time_column : str or None, default=None
        The column of timestamps (any format :func:`pandas.to_datetime` reads).
        ``None`` keeps the rows in file order with a RangeIndex: no sorting and
        no gap check.
    covariates : list of str, "all" or None, default=None
        Extra numeric columns to return beside the target. ``"all"`` takes
        every column except the target and the time column.
    fill : {"ffill", "bfill", "interpolate", "zero"} or None, default=None
        How to fill gaps (missing timestamps, inserted as rows) and missing
        values: carry the last value forward, carry the next value backward,
        interpolate linearly in time (between two known values only), or put 0.
        ``None`` raises a ValueError instead. A fill that leaves values missing
        (``"ffill"`` before the first value, say) raises a ValueError too.
    freq : str, pandas offset or None, default=None
        The frequency of the timestamps ("D", "MS", "h", ...). ``None``
        infers it, gaps allowed, as the coarsest regular frequency whose grid
        holds every timestamp with at most half of the grid missing. When none
        is found (fewer than three timestamps, or irregular ones) the index
        keeps its timestamps, with no freq and no gap check. An explicit
        ``freq`` requires every timestamp to lie on its grid.

    Returns
    -------
    series : pandas.Series
        When ``covariates`` is None (or empty): the target, float64, named after it.
    frame : pandas.DataFrame
        Otherwise: the target column first, then the covariates, float64.

    Both have a :class:`pandas.DatetimeIndex` named after ``time_column``,
    sorted, with ``freq`` set when it is known, or a RangeIndex when
    ``time_column`` is None.

    Raises
    ------
    TypeError
        If ``target``, ``time_column`` or a covariate is not a string, or
        ``covariates`` is a string other than ``"all"``.
    ValueError
        If the file is empty, a column is unknown, a value column is not
        numeric or holds infinity, timestamps fail to parse or are duplicated,
        timestamps are off the ``freq`` grid, or there are gaps or missing
        values and ``fill`` is None.

    Examples
    --------
    >>> import io
    >>> from lstm_forecast.datasets.series import load_csv_series
    >>> csv = io.StringIO("day,sales,price\\n2024-01-02,12,1.5\\n2024-01-01,10,1.5\\n"
    ...                   "2024-01-04,15,1.4\\n")
    >>> load_csv_series(csv, "sales", time_column="day", freq="D", fill="interpolate")
    day
    2024-01-01    10.0
    2024-01-02    12.0
    2024-01-03    13.5
    2024-01-04    15.0
    Freq: D, Name: sales, dtype: float64
    """
    if fill is not None and fill not in _FILLS:
        raise ValueError(f"fill must be None or one of {_FILLS}, got {fill!r}.")
    if freq is not None and time_column is None:
        raise ValueError("freq needs a time_column: without timestamps there is no grid.")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"the {_file_name(path)} is empty.") from exc
    if frame.empty:
        raise ValueError(f"the {_file_name(path)} has no data rows.")
    columns = _select_columns(frame, target, time_column, covariates)

    if time_column is not None:
        frame = _parse_time(frame[[time_column, *columns]], time_column)
    else:
        frame = frame[columns]
    frame = frame.astype(np.float64)
    infinite = np.isinf(frame.to_numpy()).any(axis=0)
    if infinite.any():
        raise ValueError(
            f"column(s) {list(frame.columns[infinite])} hold infinite values; fix the file."
        )

    problems = []
    for name in columns:
        missing = frame.index[frame[name].isna().to_numpy()]
        if len(missing):
            problems.append(
                f"column {name!r} has {len(missing)} missing value(s) at {_listing(missing)}"
            )
    if time_column is not None:
        grid = _regular_grid(frame.index, freq)
        if grid is not None:
            gaps = grid.difference(frame.index)
            if len(gaps):
                problems.insert(
                    0,
                    f"{len(gaps)} missing timestamp(s) (gaps) for frequency "
                    f"{grid.freqstr!r}: {_listing(gaps)}",
                )
            frame = frame.reindex(grid)
    if problems and fill is None:
        raise ValueError(
            "; ".join(problems) + f". Pass fill= one of {_FILLS} to fill them, or fix the file."
        )
    if problems:
        frame = _fill(frame, fill)
    if len(columns) == 1:
        return frame[target]
    return frame


# --------------------------------------------------------------------------- #
# bundled data
# --------------------------------------------------------------------------- #
@contextmanager
def _bundled_path(name):
    """Path of a bundled CSV: the installed package data, else the source tree."""
    try:
        root = resources.files("lstm_forecast._bundled")
    except ModuleNotFoundError:  # running from a source checkout that is not installed
        root = Path(__file__).resolve().parents[2] / "datasets"
    with resources.as_file(root.joinpath(name)) as path:
        yield path


def load_airline():
    """Load the monthly international airline passengers, 1949-1960 (Box & Jenkins).

    The classic series G of Box, Jenkins and Reinsel: monthly totals of
    international airline passengers in thousands, January 1949 to December
    1960. Trend, growing variance and yearly seasonality.

    Returns
    -------
    passengers : pandas.Series
        144 float64 values named ``"passengers"``, indexed by a monthly
        :class:`pandas.DatetimeIndex` named ``"month"`` (``freq="MS"``).

    Examples
    --------
    >>> from lstm_forecast.datasets.series import load_airline
    >>> y = load_airline()
    >>> len(y), y.index.freqstr, y.iloc[0], y.iloc[-1]
    (144, 'MS', np.float64(112.0), np.float64(432.0))
    """
    with _bundled_path("airline_passengers.csv") as path:
        return load_csv_series(path, "passengers", time_column="month")


def load_us_macro(target="realgdp", *, covariates="all"):
    """Load quarterly US macroeconomic data, 1959Q1-2009Q3 (statsmodels' macrodata).

    203 quarters of 12 series from the Federal Reserve Bank of St. Louis and the
    Bureau of Labor Statistics: real GDP (``realgdp``), consumption
    (``realcons``), investment (``realinv``), government spending
    (``realgovt``), disposable income (``realdpi``), ``cpi``, money stock
    (``m1``), 3-month T-bill rate (``tbilrate``), unemployment rate
    (``unemp``), population (``pop``), inflation (``infl``) and real interest
    rate (``realint``). See ``datasets/README.md`` for units.

    Parameters
    ----------
    target : str, default="realgdp"
        The column to forecast.
    covariates : list of str, "all" or None, default="all"
        The other columns to return; ``None`` returns the target alone.

    Returns
    -------
    data : pandas.DataFrame or pandas.Series
        Target first, then covariates, float64, indexed by a quarterly
        :class:`pandas.DatetimeIndex` of quarter starts named ``"date"``
        (``freq="QS-JAN"``). A Series when ``covariates`` is None.

    Examples
    --------
    >>> from lstm_forecast.datasets.series import load_us_macro
    >>> data = load_us_macro()
    >>> data.shape, data.columns[0], str(data.index[0].date())
    ((203, 12), 'realgdp', '1959-01-01')
    >>> load_us_macro("unemp", covariates=["realgdp", "cpi"]).columns.tolist()
    ['unemp', 'realgdp', 'cpi']
    """
    with _bundled_path("us_macro_quarterly.csv") as path:
        return load_csv_series(path, target, time_column="date", covariates=covariates)
