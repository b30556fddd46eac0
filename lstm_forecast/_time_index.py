"""Time-index helpers shared by the forecasters: the index of the values after a series.

Rules of :func:`future_index` (``h`` = ``horizon``):

- ``PeriodIndex``: the next ``h`` periods at the index's frequency.
- ``DatetimeIndex``: the next ``h`` timestamps at the index's ``freq``, or, when it has none,
  at the frequency inferred from its values (the inference of :func:`pandas.infer_freq`,
  which needs at least 3 regularly spaced timestamps). Time zone and name are kept.
- ``RangeIndex``: continues with the same step.
- An integer index with one constant positive step (for example years ``2001, 2002, ...``)
  continues as a ``RangeIndex`` with that step; a single integer continues with step 1.
- Anything else (an irregular datetime index, floats, strings, ...) raises ``ValueError``.

Only datetime-like indexes with a known frequency count as a "time index" for the
forecasters' pandas output, see :func:`has_time_frequency`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstm_forecast._validation import check_int

__all__ = ["future_index", "has_time_frequency", "infer_offset", "season_from_offset"]

# Seasonal period of a frequency by its rule code without anchor, "S"/"E" suffix or business
# prefix: yearly data has no shorter cycle, quarterly 4, monthly 12, weekly 52 (a year),
# daily 7 and business-daily 5 (a week), hourly 24 (a day).
_SEASON_BY_CODE = {"Y": 1, "A": 1, "Q": 4, "M": 12, "W": 52, "D": 7, "B": 5, "C": 5, "h": 24, "H": 24}


def infer_offset(index):
    """Return the frequency of a ``DatetimeIndex``/``PeriodIndex`` as an offset, or ``None``.

    Parameters
    ----------
    index : pandas.Index
        Any index.

    Returns
    -------
    pandas.DateOffset or None
        ``index.freq`` when set; for a ``DatetimeIndex`` without one, the frequency
        inferred from its values; ``None`` when there is none (or for other index types).

    Examples
    --------
    >>> import pandas as pd
    >>> from lstm_forecast._time_index import infer_offset
    >>> infer_offset(pd.DatetimeIndex(["2024-01-31", "2024-02-29", "2024-03-31"]))
    <MonthEnd>
    >>> print(infer_offset(pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-05"])))
    None
    """
    if isinstance(index, pd.PeriodIndex):
        return index.freq
    if isinstance(index, pd.DatetimeIndex):
        if index.freq is not None:
            return index.freq
        if len(index) < 3:
            return None
        try:
            # Same inference as pd.infer_freq, without its pandas>=3.1 FutureWarning.
            return pd.DatetimeIndex(index, freq="infer").freq
        except ValueError:
            return None
    return None


def has_time_frequency(index):
    """Whether ``index`` is a ``DatetimeIndex``/``PeriodIndex`` whose frequency is known.

    Examples
    --------
    >>> import pandas as pd
    >>> from lstm_forecast._time_index import has_time_frequency
    >>> has_time_frequency(pd.period_range("2024-01", periods=3, freq="M"))
    True
    >>> has_time_frequency(pd.RangeIndex(3))
    False
    """
    return isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)) and (
        infer_offset(index) is not None
    )


def future_index(index, horizon):
    """Index of the ``horizon`` values that follow a series indexed by ``index``.

    Parameters
    ----------
    index : pandas.Index
        Index of the observed series, in time order; must not be empty.
    horizon : int
        Number of future labels (>= 1).

    Returns
    -------
    pandas.Index
        A ``DatetimeIndex``, ``PeriodIndex`` or ``RangeIndex`` of length ``horizon``
        with the name of ``index`` (see the module docstring for the rules).

    Raises
    ------
    ValueError
        If ``horizon`` is not a positive integer, ``index`` is empty, or no frequency
        (or constant integer step) can be found.

    Examples
    --------
    >>> import pandas as pd
    >>> from lstm_forecast._time_index import future_index
    >>> idx = future_index(pd.date_range("2024-01-31", periods=3, freq="ME"), 2)
    >>> [str(d.date()) for d in idx]
    ['2024-04-30', '2024-05-31']
    >>> future_index(pd.period_range("2024Q1", periods=4, freq="Q"), 2)
    PeriodIndex(['2025Q1', '2025Q2'], dtype='period[Q-DEC]')
    >>> future_index(pd.RangeIndex(0, 10, 2), 3)
    RangeIndex(start=10, stop=16, step=2)
    """
    horizon = check_int(horizon, "horizon")
    if not isinstance(index, pd.Index):
        raise ValueError(f"index must be a pandas Index, got {type(index).__name__}.")
    if len(index) == 0:
        raise ValueError("index is empty; cannot extend it.")
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(
            start=index[-1] + 1, periods=horizon, freq=index.freq, name=index.name
        )
    if isinstance(index, pd.DatetimeIndex):
        offset = infer_offset(index)
        if offset is None:
            raise ValueError(
                "Cannot infer the frequency of the DatetimeIndex (it needs at least 3 "
                "regularly spaced timestamps); set one with `y.asfreq(...)` or "
                "`y.index.freq = ...`."
            )
        return pd.date_range(
            start=index[-1] + offset, periods=horizon, freq=offset, name=index.name
        )
    if isinstance(index, pd.RangeIndex):
        stop = index.start + len(index) * index.step
        return pd.RangeIndex(stop, stop + horizon * index.step, index.step, name=index.name)
    if pd.api.types.is_integer_dtype(index.dtype):
        values = index.to_numpy(dtype=np.int64)
        steps = np.unique(np.diff(values))
        if len(values) == 1:
            step = 1
        elif len(steps) == 1 and steps[0] > 0:
            step = int(steps[0])
        else:
            raise ValueError(
                "Cannot extend an integer index whose step is not constant and positive."
            )
        start = int(values[-1]) + step
        return pd.RangeIndex(start, start + horizon * step, step, name=index.name)
    raise ValueError(
        f"Cannot extend an index of type {type(index).__name__} (dtype {index.dtype}); "
        "expected a DatetimeIndex or PeriodIndex with a frequency, a RangeIndex or an "
        "evenly spaced integer index."
    )


def season_from_offset(offset) -> int:
    """Seasonal period implied by a frequency (``1`` when unknown, or for a multiple like ``2h``).

    Parameters
    ----------
    offset : pandas.DateOffset or None
        A frequency, such as the one :func:`infer_offset` returns.

    Returns
    -------
    int
        Yearly 1, quarterly 4, monthly 12, weekly 52, daily 7, business-daily 5, hourly 24
        (start/end, anchored and business variants alike); ``1`` otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> from lstm_forecast._time_index import season_from_offset
    >>> [season_from_offset(pd.tseries.frequencies.to_offset(f)) for f in ["MS", "QE-DEC", "W-SUN", "h"]]
    [12, 4, 52, 24]
    >>> season_from_offset(None), season_from_offset(pd.tseries.frequencies.to_offset("2h"))
    (1, 1)
    """
    if offset is None or getattr(offset, "n", 1) != 1:
        return 1
    base = offset.rule_code.split("-")[0]
    for code in (base, base.rstrip("SE"), base.lstrip("BC").rstrip("SE")):
        if code in _SEASON_BY_CODE:
            return _SEASON_BY_CODE[code]
    return 1
