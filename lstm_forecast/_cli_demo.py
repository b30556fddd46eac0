"""``lstm-forecast demo``: the main job on bundled data, with baselines and plots.

1. The sine-wave tutorial's network (2 stacked LSTMs of 30 units on 10 past values), made to
   forecast the next 100 values at once: what repeating the last value cannot do.
2. An ``LSTMForecaster`` on the airline passengers: 36 months ahead, next to the seasonal
   naive forecast.
"""

from __future__ import annotations

import time

from ._cli_data import need_matplotlib, output_dir, say, show_progress

__all__ = ["run"]

_AHEAD = 100  # the sine's steps forecast at once (its period is 2 pi / 0.01 = 628 steps)
_SINE_POINTS = 10_000  # the tutorial's training points on [0, 100]; the test has a tenth more
_SINE_EPOCHS = 8


def _interval(forecaster, coverage=0.9):
    """``(lower, upper)`` of the forecaster's prediction interval, or None.

    The hook for the forecasters' ``predict_interval(coverage=...)`` (sktime's layout:
    columns ``(variable, coverage, "lower"/"upper")``): drawn as soon as they have it.
    """
    predict_interval = getattr(forecaster, "predict_interval", None)
    if predict_interval is None:
        return None
    table = predict_interval(coverage=coverage)
    return tuple(table.xs(side, axis=1, level=-1).iloc[:, 0] for side in ("lower", "upper"))


def _save(fig, ax, *, ylabel, path, baseline=None, baseline_label=None, interval=None,
          coverage=0.9):
    """Add the baseline (and the interval) to a forecast plot, label it and write it."""
    forecast_line = ax.get_lines()[-1]
    x = forecast_line.get_xdata()
    if interval is not None:
        ax.fill_between(x, interval[0], interval[1], color="C1", alpha=0.2,
                        label=f"{coverage:.0%} interval")
    if baseline is not None:
        ax.plot(x, baseline, color="0.55", linestyle=":", linewidth=1.5, label=baseline_label)
    ax.set_ylabel(ylabel)
    ax.legend()
    fig.savefig(path, format="png", dpi=100)


def _sine(args, out):
    import numpy as np
    import pandas as pd

    from . import LSTMRegressor, make_windows
    from .datasets import make_sine
    from .metrics import rmse
    from .plotting import plot_forecast

    say(args, f"1/2 sine wave: 10 past values predict the next {_AHEAD} (2 stacked LSTMs of 30 "
              "units)")
    train, test = make_sine(_SINE_POINTS, 0.0, 100.0, n_test=_SINE_POINTS // 10)
    series = np.concatenate([train.to_numpy(np.float32), test.to_numpy(np.float32)])
    X, y = make_windows(series, timesteps=10, horizon=_AHEAD)
    n_train = len(train) - 10 - _AHEAD + 1  # the windows whose targets are all training values
    start = time.perf_counter()
    model = LSTMRegressor(hidden_size=30, num_layers=2, max_epochs=_SINE_EPOCHS, batch_size=64,
                          random_state=0, verbose=1 if show_progress(args) else 0)
    model.fit(X[:n_train], y[:n_train])
    # Forecasts from the end of the training series and every _AHEAD steps after it.
    origins = np.arange(len(train) - 10, len(series) - 10 - _AHEAD + 1, _AHEAD)
    forecast, actual = model.predict(X[origins]).ravel(), y[origins].ravel()
    last_value = np.repeat(X[origins, -1, 0], _AHEAD)
    print(f"sine: {_AHEAD} steps ahead, test RMSE {rmse(actual, forecast):.4f} (repeat the last "
          f"value {rmse(actual, last_value):.4f}), {time.perf_counter() - start:.0f} s")
    index = test.index[: len(forecast)]
    fig, ax = plot_forecast(pd.Series(actual, index=index), pd.Series(forecast, index=index),
                            history=train.iloc[-300:],
                            title=f"Sine: {_AHEAD} steps ahead from the last 10 values, every "
                                  f"{_AHEAD} steps")
    _save(fig, ax, ylabel=str(train.name), path=out / "sine.png", baseline=last_value,
          baseline_label="last value repeated")


def _airline(args, out):
    from . import LSTMForecaster, SeasonalNaiveForecaster
    from .datasets import load_airline
    from .metrics import mape
    from .plotting import plot_forecast

    say(args, "2/2 airline passengers: forecast the last 36 months from 1949-1957")
    airline = load_airline()
    history, future = airline.iloc[:-36], airline.iloc[-36:]
    start = time.perf_counter()
    forecaster = LSTMForecaster(horizon=36, random_state=0)  # the defaults
    forecast = forecaster.fit(history).predict()
    naive = SeasonalNaiveForecaster(horizon=36, seasonal_period=12).fit(history).predict()
    print(f"airline: MAPE {100 * mape(future, forecast):.1f}% "
          f"(seasonal naive {100 * mape(future, naive):.1f}%), {time.perf_counter() - start:.0f} s")
    fig, ax = plot_forecast(future, forecast, history=history,
                            title="Airline passengers: 36-month forecast")
    _save(fig, ax, ylabel=str(airline.name), path=out / "airline.png", baseline=naive.to_numpy(),
          baseline_label="seasonal naive", interval=_interval(forecaster))


def run(args):
    out = output_dir(args.output_dir, "--output-dir")
    need_matplotlib("the demo's plots")
    out.mkdir(parents=True, exist_ok=True)
    _sine(args, out)
    _airline(args, out)
    print(f"plots: {out / 'sine.png'}, {out / 'airline.png'}")
    return 0

