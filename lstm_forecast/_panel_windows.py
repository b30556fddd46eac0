"""Windows over every series of a panel, encoded for one network (private to the forecaster).

All series live in one padded array: each series is preceded by ``timesteps`` rows of NaN,
so that the window ending at any observation is a strided view of that array (left-padded
where the series is shorter than the window) and never reaches into the series before.
Windows are gathered only for the origins asked for, in vectorised operations: nothing
here loops over the series in Python.

The encoding of a window ending at origin ``t`` of a series (per target column):

- **scale**: strictly positive series are modelled in logs; others (``transform`` allowing)
  in their own units divided by the mean absolute value of the window (``divisor``);
- **level**: the window relative to its last value, ``(z - z[t]) / divisor``;
- **target**: the ``horizon`` values after ``t`` relative to a classical forecast from ``t``
  (:func:`scaffold`), divided by the same divisor;
- **shape**: each step of the network reads one season (``stack`` consecutive values, with a
  flag saying which are observed); known future covariates follow as extra, flagged steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# Scaffolds: the classical forecasts the network corrects.
SCAFFOLDS = ("last", "drift", "season", "season_trend")
# The trend scaffold is chosen automatically only when it beats the plain one this clearly on
# the last horizon of every series (pooled): a noisy trend extrapolated over the whole horizon
# costs more than it brings unless the series trend strongly (Tourism yearly: 0.93, no; the
# airline passengers: 0.15, yes).
_TREND_MARGIN = 0.75


@dataclass
class PaddedPanel:
    """The series of a panel one after the other, each after ``pad`` rows of NaN.

    ``z`` holds the modelled values (logs or raw units, per series and target), ``log`` which
    columns of which series are in logs, ``covariates`` the covariates (zeros in the padding).
    ``starts[i]`` is the row of the first value of series ``i``.
    """

    z: np.ndarray  # (rows, n_targets) float64
    covariates: np.ndarray | None  # (rows, n_covariates) float64
    log: np.ndarray  # (n_series, n_targets) bool
    lengths: np.ndarray
    starts: np.ndarray
    pad: int
    window: int  # the input window length (the drift's span)

    @property
    def n_series(self) -> int:
        return len(self.lengths)

    def origin_rows(self, positions: np.ndarray, series: np.ndarray) -> np.ndarray:
        return self.starts[series] + positions


def log_columns(flat, lengths, transform, describe):
    """Which (series, target) are modelled in logs: ``(n_series, n_targets)`` booleans."""
    starts = np.cumsum(lengths) - lengths
    positive = np.minimum.reduceat(flat, starts, axis=0) > 0
    if transform == "log":
        bad = np.flatnonzero(~positive.all(axis=1))
        if len(bad):
            raise ValueError(
                f"transform='log' needs strictly positive series; {describe(int(bad[0]))} has "
                f"values <= 0. Use transform='auto' (logs where positive) or None.")
        return positive
    if transform is None:
        return np.zeros_like(positive)
    return positive


def pad_panel(flat, lengths, log, pad, covariates=None, window=None) -> PaddedPanel:
    """Lay the series of ``flat`` (rows of all series, one after the other) out with padding:
    ``pad`` rows before each series (``window``, the input length, when not given)."""
    n_series = len(lengths)
    series = np.repeat(np.arange(n_series), lengths)
    rows = np.arange(len(flat)) + (series + 1) * pad
    z = np.full((len(flat) + (n_series + 1) * pad, flat.shape[1]), np.nan)
    values = flat.astype(np.float64, copy=True)
    logged = log[series]
    values[logged] = np.log(values[logged])
    z[rows] = values
    cov = None
    if covariates is not None:
        cov = np.zeros((len(z), covariates.shape[1]))
        cov[rows] = covariates
    starts = np.cumsum(lengths) - lengths + (np.arange(n_series) + 1) * pad
    return PaddedPanel(z=z, covariates=cov, log=log, lengths=np.asarray(lengths), starts=starts,
                       pad=pad, window=pad if window is None else window)


def training_origins(lengths, horizon, min_input, per_series, exclude_last=0):
    """Origins (series, position of the last input value) of the training windows.

    The most recent ``per_series`` origins of every series whose targets lie inside it,
    after dropping its last ``exclude_last`` values; at least ``min_input`` observed inputs.
    Returns ``(series, positions)``, newest origin of each series first.
    """
    lengths = np.asarray(lengths)
    high = lengths - exclude_last - horizon - 1
    count = np.clip(high - (min_input - 1) + 1, 0, per_series)
    series = np.repeat(np.arange(len(lengths)), count)
    first = np.cumsum(count) - count
    offset = np.arange(count.sum()) - np.repeat(first, count)
    return series, high[series] - offset


def min_input(kind, season):
    """Values a window needs before its origin for the scaffold ``kind`` to be defined (no
    fallback): the training windows all have their own kind of target."""
    return {"last": 2, "drift": 2, "season": max(2, season), "season_trend": season + 1}[kind]


def last_origins(lengths, horizon, min_input, per_series):
    """The last ``per_series`` origins of each series with a full target (validation windows)."""
    return training_origins(lengths, horizon, min_input, per_series)


def divisors(panel: PaddedPanel, rows, series, timesteps):
    """Per window and target: 1 for log columns, else the mean absolute value of the window."""
    log = panel.log[series]
    if log.all():
        return np.ones(log.shape)
    window = _windows(panel.z, rows, timesteps)  # (n, T, k)
    with np.errstate(invalid="ignore"):
        level = np.nanmean(np.abs(window), axis=1)
    level = np.where(np.isfinite(level) & (level > 1e-12), level, 1.0)
    return np.where(log, 1.0, level)


def _windows(values, rows, timesteps):
    """``values[row - timesteps + 1 : row + 1]`` for every row: ``(n, timesteps, columns)``."""
    view = sliding_window_view(values, timesteps, axis=0)  # (rows - T + 1, columns, T)
    return view[rows - timesteps + 1].transpose(0, 2, 1)


def scaffold(panel: PaddedPanel, rows, positions, horizon, season, kind):
    """Classical forecasts of the ``horizon`` steps after each origin: ``(n, horizon, k)``.

    ``"last"`` repeats the last value, ``"drift"`` adds its mean change over the window,
    ``"season"`` is the seasonal naive forecast and ``"season_trend"`` last season's pattern
    at the current level plus last year's change per season ahead (SARIMA(0,1,0)(0,1,0)).
    Origins with too little history for a seasonal scaffold fall back to ``"last"``.
    """
    z = panel.z
    last = z[rows]  # (n, k)
    steps = np.arange(1, horizon + 1)
    flat_last = np.broadcast_to(last[:, None, :], (len(rows), horizon, z.shape[1]))
    if kind == "last" or (season == 1 and kind != "drift"):
        return flat_last.copy()
    if kind == "drift":
        span = np.minimum(positions, panel.window - 1)
        slope = (last - z[rows - span]) / np.maximum(span, 1)[:, None]
        return last[:, None, :] + slope[:, None, :] * steps[None, :, None]
    m = season
    ahead = np.ceil(steps / m).astype(int)
    has_season = positions >= m - 1
    back = np.where(has_season[:, None], rows[:, None] + steps - m * ahead, rows[:, None])
    seasonal = z[back]
    if kind == "season":
        return seasonal
    has_trend = positions >= m
    base = np.where(has_trend, rows, rows + m)  # any valid row where the trend is undefined
    pattern = z[base[:, None] - m + (steps - 1) % m + 1] - z[base - m][:, None, :]
    change = (z[base] - z[base - m])[:, None, :]
    trend = last[:, None, :] + pattern + (ahead - 1)[None, :, None] * change
    return np.where(has_trend[:, None, None], trend, seasonal)


def choose_scaffold(panel: PaddedPanel, horizon, season):
    """``"auto"``: the seasonal naive (or naive) forecast, or its trend variant when that is
    clearly better on the last ``horizon`` values of the series (pooled absolute error). The
    naive one when no series has a season of values before its last horizon."""
    seasonal = season > 1 and panel.lengths.max() >= horizon + min_input("season", season)
    plain, trended = ("season", "season_trend") if seasonal else ("last", "drift")
    positions = panel.lengths - horizon - 1
    ok = positions >= 1
    if not ok.any():
        return plain
    positions = positions[ok]
    rows = panel.starts[ok] + positions
    truth = panel.z[rows[:, None] + np.arange(1, horizon + 1)]
    errors = {}
    for kind in (plain, trended):
        forecast = scaffold(panel, rows, positions, horizon, season, kind)
        errors[kind] = np.nanmean(np.abs(truth - forecast))
    return trended if errors[trended] < _TREND_MARGIN * errors[plain] else plain


def encode(panel: PaddedPanel, rows, series, timesteps, stack, divisor, future_covariates=None):
    """Network inputs of the windows ending at ``rows``: ``(n, steps, features)`` float32.

    Per time step: the values relative to the last one (divided by ``divisor``, 0 where not
    observed), an observed flag, and, with covariates, the covariates, their change since the
    origin and a future flag; the
    ``horizon`` future steps (covariates only) follow the window. ``stack`` consecutive steps
    are read by the network as one.
    """
    window = _windows(panel.z, rows, timesteps)  # (n, T, k)
    observed = ~np.isnan(window[..., :1])
    x = (window - panel.z[rows][:, None, :]) / divisor[:, None, :]
    parts = [np.where(observed, x, 0.0), observed]
    if panel.covariates is not None:
        # Covariates as they are and relative to their value at the origin (their change).
        covariates, now = _windows(panel.covariates, rows, timesteps), panel.covariates[rows][:, None]
        parts += [covariates, np.where(observed, covariates - now, 0.0), np.zeros_like(observed)]
    x = np.concatenate(parts, axis=2, dtype=np.float32)
    if future_covariates is not None:
        n, h, c = future_covariates.shape
        steps = -(-h // stack) * stack
        future = np.zeros((n, steps, x.shape[2]), dtype=np.float32)
        future[:, :h, -1 - 2 * c : -1 - c] = future_covariates
        future[:, :h, -1 - c : -1] = future_covariates - now
        future[:, :h, -1] = 1.0
        x = np.concatenate([x, future], axis=1)
    n, steps, features = x.shape
    return x.reshape(n, steps // stack, stack * features)


def future_covariate_windows(panel: PaddedPanel, rows, horizon):
    """The covariates of the ``horizon`` steps after each origin: ``(n, horizon, c)``."""
    covariates = cast(np.ndarray, panel.covariates)  # called only for panels with covariates
    return sliding_window_view(covariates, horizon, axis=0)[rows + 1].transpose(0, 2, 1)


def targets(panel: PaddedPanel, rows, scaffolds, divisor):
    """Training targets: the values after each origin relative to the scaffold, ``(n, h * k)``."""
    horizon = scaffolds.shape[1]
    future = panel.z[rows[:, None] + np.arange(1, horizon + 1)]
    y = (future - scaffolds) / divisor[:, None, :]
    return y.reshape(len(rows), -1)


def compose(scaffolds, divisor, outputs):
    """Modelled values from network outputs ``(n, h, k, ...)``: scaffold + divisor * output."""
    extra = (1,) * (outputs.ndim - 3)
    return (scaffolds.reshape(*scaffolds.shape, *extra)
            + divisor.reshape(len(divisor), 1, -1, *extra) * outputs)


def decode(panel: PaddedPanel, series, z):
    """Values in the units of the series from modelled values ``z`` of shape ``(n, h, k, ...)``."""
    log = panel.log[series].reshape(len(series), 1, -1, *(1,) * (z.ndim - 3))
    with np.errstate(over="ignore"):
        return np.where(log, np.exp(np.where(log, np.minimum(z, 700.0), 0.0)), z)
