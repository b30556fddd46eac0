"""Example series: a generated sine wave, CSV loading with validation, bundled data.

- :func:`make_sine` generates the classic "learn a sine wave" task, with a test
  continuation on the same grid;
- :func:`load_csv_series` reads a forecasting series (and its covariates) from a
  CSV file and checks it: timestamps parsed, sorted, unique and evenly spaced,
  values numeric and complete (or explicitly filled);
- :func:`load_airline` and :func:`load_us_macro` load the CSV files bundled with
  the package (sources and licences in ``datasets/README.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import IO, Any, Literal, overload

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from .._typing import PathLike, RandomState
from .._validation import check_int, check_real
from ._csv import listing, parse_time, read_table, regular_grid, select_columns

__all__ = ["make_sine", "load_csv_series", "load_airline", "load_us_macro"]

_FILLS = ("ffill", "bfill", "interpolate", "zero")


# --------------------------------------------------------------------------- #
# make_sine
# --------------------------------------------------------------------------- #
@overload
def make_sine(n_points: int = ..., start: float = ..., stop: float = ..., *, n_test: None = None,
              amplitude: float = ..., period: float = ..., phase: float = ..., noise: float = ...,
              random_state: RandomState = ...) -> pd.Series: ...
@overload
def make_sine(n_points: int = ..., start: float = ..., stop: float = ..., *, n_test: int,
              amplitude: float = ..., period: float = ..., phase: float = ..., noise: float = ...,
              random_state: RandomState = ...) -> tuple[pd.Series, pd.Series]: ...
def make_sine(
    n_points: int = 10_000,
    start: float = 0.0,
    stop: float = 100.0,
    *,
    n_test: int | None = None,
    amplitude: float = 1.0,
    period: float = 2 * np.pi,
    phase: float = 0.0,
    noise: float = 0.0,
    random_state: RandomState = None,
) -> pd.Series | tuple[pd.Series, pd.Series]:
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
    n_points = check_int(n_points, "n_points", minimum=1)
    start = check_real(start, "start")
    stop = check_real(stop, "stop")
    if not start < stop:
        raise ValueError(f"start must be smaller than stop, got start={start}, stop={stop}.")
    if n_test is not None:
        n_test = check_int(n_test, "n_test", minimum=0)
    amplitude = check_real(amplitude, "amplitude")
    period = check_real(period, "period", low=0.0, low_inclusive=False)
    phase = check_real(phase, "phase")
    noise = check_real(noise, "noise", low=0.0)

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
def _index_by_time(frame, time_column, *, dayfirst, date_format, freq):
    """Return ``frame`` indexed by sorted, unique timestamps of ``time_column``."""
    index = parse_time(frame[time_column], time_column, dayfirst=dayfirst,
                       date_format=date_format, freq=freq)
    frame = frame.drop(columns=time_column).set_axis(index, axis=0)
    duplicated = frame.index[frame.index.duplicated()].unique()
    if len(duplicated):
        raise ValueError(
            f"time_column {time_column!r} has {len(duplicated)} duplicated timestamp(s): "
            f"{listing(duplicated)}."
        )
    return frame.sort_index(kind="stable")


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
            f"({listing(left)}): nothing to carry or interpolate from; trim the file or use "
            "another fill."
        )
    return filled


def load_csv_series(
    path: PathLike | IO[Any],
    target: str,
    *,
    time_column: str | None = None,
    covariates: Sequence[str] | Literal["all"] | None = None,
    fill: Literal["ffill", "bfill", "interpolate", "zero"] | None = None,
    freq: str | pd.offsets.BaseOffset | None = None,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
) -> pd.Series | pd.DataFrame:
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
        The CSV file (header row), as read by :func:`pandas.read_csv`.
    target : str
        The column to forecast.
    time_column : str or None, default=None
        The column of timestamps. It may hold:

        - dates in any one format :func:`pandas.to_datetime` reads; the format is
          guessed from the first row (or given as ``date_format``). When the day and
          month order is ambiguous (``01/03/1958``), the reading that gives a regular
          series wins; if both or neither do, a ValueError asks for ``dayfirst`` or
          ``date_format``;
        - quarters such as ``1958Q1`` (a quarterly :class:`pandas.PeriodIndex`);
        - integers: years with an annual ``freq`` (``freq="Y"`` gives an annual
          :class:`pandas.PeriodIndex`), or with ``date_format`` (``"%Y%m"`` for
          ``202001``), otherwise an integer index (steps such as ``1, 2, 3``).

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
        The frequency of the timestamps ("D", "MS", "h", ...; "Y" for integer
        years). ``None`` infers it, gaps allowed, as the coarsest regular
        frequency whose grid holds every timestamp with at most half of the grid
        missing. When none is found (fewer than three timestamps, or irregular
        ones) the index keeps its timestamps, with no freq and no gap check. An
        explicit ``freq`` requires every timestamp to lie on its grid. Periods
        (quarters, years) carry their own frequency; evenly spaced integers are
        checked for gaps at their smallest step.
    dayfirst : bool or None, default=None
        Whether dates such as ``01/03/1958`` are day-first (1 March). ``None``
        decides by regularity, as described under ``time_column``.
    date_format : str or None, default=None
        The :meth:`~datetime.datetime.strptime` format of the timestamps, such
        as ``"%d.%m.%Y"``: no guessing.
    sep : str or None, default=None
        The delimiter. ``None`` detects it from the header line: comma,
        semicolon, tab or ``|`` (:class:`csv.Sniffer`; a comma when none stands
        out).
    decimal : str, default="."
        The decimal mark of the numbers (``","`` for ``1,5``).

    Returns
    -------
    series : pandas.Series
        When ``covariates`` is None (or empty): the target, float64, named after it.
    frame : pandas.DataFrame
        Otherwise: the target column first, then the covariates, float64.

    Both are indexed by the time column (a :class:`pandas.DatetimeIndex`,
    :class:`pandas.PeriodIndex` or integer index named after ``time_column``,
    sorted, with ``freq`` set when it is known), or have a RangeIndex when
    ``time_column`` is None.

    Raises
    ------
    TypeError
        If ``target``, ``time_column`` or a covariate is not a string, or
        ``covariates`` is a string other than ``"all"``.
    ValueError
        If the file is empty, a column is unknown, a value column is not
        numeric or holds infinity, timestamps fail to parse, are ambiguous or
        are duplicated, timestamps are off the ``freq`` grid, or there are gaps
        or missing values and ``fill`` is None.

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

    Semicolons are detected, and day-first dates too (read month-first, these
    would be 11 January, 12 January, 1 January: not a regular series); integer
    years become periods:

    >>> csv = io.StringIO("date;level\\n01/11/1958;5\\n01/12/1958;6\\n01/01/1959;7\\n")
    >>> load_csv_series(csv, "level", time_column="date").index
    DatetimeIndex(['1958-11-01', '1958-12-01', '1959-01-01'], dtype='datetime64[...]',
                  name='date', freq='MS')
    >>> csv = io.StringIO("year,flow\\n1871,1120\\n1872,1160\\n1873,963\\n")
    >>> load_csv_series(csv, "flow", time_column="year", freq="Y").index
    PeriodIndex(['1871', '1872', '1873'], dtype='period[Y-DEC]', name='year')
    """
    if fill is not None and fill not in _FILLS:
        raise ValueError(f"fill must be None or one of {_FILLS}, got {fill!r}.")
    if time_column is None:
        if freq is not None:
            raise ValueError("freq needs a time_column: without timestamps there is no grid.")
        for name, value in (("dayfirst", dayfirst), ("date_format", date_format)):
            if value is not None:
                raise ValueError(f"{name} needs a time_column: it tells how to read timestamps.")
    if dayfirst is not None and not isinstance(dayfirst, (bool, np.bool_)):
        raise TypeError(f"dayfirst must be True, False or None, got {dayfirst!r}.")
    frame = read_table(path, sep=sep, decimal=decimal)
    columns = select_columns(frame, target, time_column, covariates)

    if time_column is not None:
        frame = _index_by_time(frame[[time_column, *columns]], time_column, dayfirst=dayfirst,
                               date_format=date_format, freq=freq)
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
                f"column {name!r} has {len(missing)} missing value(s) at {listing(missing)}"
            )
    if time_column is not None:
        grid = regular_grid(frame.index, freq)
        if grid is not None:
            gaps = grid.difference(frame.index)
            if len(gaps):
                step = getattr(grid, "freqstr", None) or f"step {grid.step}"
                problems.insert(
                    0, f"{len(gaps)} missing timestamp(s) (gaps) for frequency {step!r}: "
                       f"{listing(gaps)}",
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


def load_airline() -> pd.Series:
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


def load_us_macro(target: str = "realgdp", *,
                  covariates: Sequence[str] | Literal["all"] | None = "all") -> pd.DataFrame | pd.Series:
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
