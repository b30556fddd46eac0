"""The ``lstm-forecast`` command: forecast a CSV without writing Python.

Exit codes: 0 success, 2 bad usage or bad input (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

EXAMPLES = """examples:
  lstm-forecast demo --output-dir out/
  lstm-forecast fit sales.csv --target sales --time-column date --timesteps 24 --horizon 12 \\
      --model sales.lstmf
  lstm-forecast predict sales.lstmf --output forecast.csv
  lstm-forecast predict sales.lstmf --data recent_sales.csv
  lstm-forecast evaluate sales.csv --target sales --time-column date --horizon 12 --folds 3
"""


class UsageError(Exception):
    """A mistake of the user's: reported in one line with exit code 2."""


def _parser():
    parser = argparse.ArgumentParser(
        prog="lstm-forecast",
        description="Train LSTM forecasters on CSV series and forecast their future.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quiet", action="store_true", help="print only results and errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="train on bundled data, print metrics, write plots")
    demo.add_argument("--output-dir", default="lstm_forecast_demo", help="where the PNG plots go")
    demo.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS)

    def add_data_options(sub):
        sub.add_argument("data", help="CSV file with a header row")
        sub.add_argument("--target", required=True, help="column to forecast")
        sub.add_argument("--time-column", help="column of timestamps (parsed, sorted, checked)")
        sub.add_argument("--covariates", nargs="+", default=None, help="covariate columns")
        sub.add_argument("--fill", choices=["ffill", "bfill", "interpolate", "zero"],
                         help="how to fill missing values and gaps (default: refuse them)")
        sub.add_argument("--timesteps", type=int, default=None, help="input window length")
        sub.add_argument("--horizon", type=int, default=1, help="number of values to forecast")
        sub.add_argument("--max-epochs", type=int, default=100, help="training epochs at most")
        sub.add_argument("--hidden-size", type=int, default=32, help="LSTM units")
        sub.add_argument("--n-models", type=int, default=1, help="networks averaged")
        sub.add_argument("--seed", type=int, default=0, help="random seed")
        sub.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS)

    fit = commands.add_parser("fit", help="train a forecaster on a CSV series and save it")
    add_data_options(fit)
    fit.add_argument("--model", required=True, help="where to save the model")

    predict = commands.add_parser("predict", help="forecast the values after the series")
    predict.add_argument("model", help="a model saved by 'lstm-forecast fit'")
    predict.add_argument("--data", help="recent history to forecast from (same columns)")
    predict.add_argument("--future-covariates", help="CSV of the covariates' future values")
    predict.add_argument("--output", help="write the forecast to this CSV (default: stdout)")
    predict.add_argument("--trust-pickle", action="store_true",
                         help="also load joblib/pickle files, which can run code: only your own")
    predict.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS)

    evaluate = commands.add_parser("evaluate", help="rolling-origin backtest against baselines")
    add_data_options(evaluate)
    evaluate.add_argument("--folds", type=int, default=3, help="forecast origins")
    evaluate.add_argument("--plot", help="write the backtest plot to this PNG")
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return {"demo": _demo, "fit": _fit, "predict": _predict, "evaluate": _evaluate}[
            args.command
        ](args)
    except (UsageError, ValueError, TypeError, FileNotFoundError, ImportError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"lstm-forecast: error: {message}", file=sys.stderr)
        return 2


def _say(args, text):
    if not args.quiet:
        print(text, flush=True)


def _load_series(args):
    from .datasets import load_csv_series

    if not Path(args.data).is_file():
        raise FileNotFoundError(f"no such file: {args.data}")
    data = load_csv_series(
        args.data, target=args.target, time_column=args.time_column,
        covariates=args.covariates, fill=args.fill,
    )
    if args.covariates:
        return data[args.target], data[list(args.covariates)]
    return data, None


def _forecaster(args):
    from . import LSTMForecaster, LSTMRegressor

    estimator = LSTMRegressor(
        hidden_size=args.hidden_size, max_epochs=args.max_epochs, batch_size=16, lr=3e-3,
        early_stopping=True, validation_fraction=0.2, verbose=0 if args.quiet else 1,
        random_state=args.seed,
    )
    return LSTMForecaster(
        estimator, timesteps=args.timesteps, horizon=args.horizon, n_models=args.n_models,
        random_state=args.seed,
    )


def _fit(args):
    from .persistence import save_model

    y, X = _load_series(args)
    start = time.perf_counter()
    model = _forecaster(args).fit(y, X)
    save_model(model, args.model)
    _say(args, f"trained on {len(y)} values in {time.perf_counter() - start:.1f} s "
               f"(timesteps={model.timesteps_}, season={model.season_}); saved {args.model}")
    return 0


def _load(path, trust_pickle):
    from .persistence import load_model

    try:
        return load_model(path)
    except ValueError:
        if not trust_pickle:
            raise
    import joblib

    return joblib.load(path)


def _predict(args):
    import pandas as pd

    from .datasets import load_csv_series

    model = _load(args.model, args.trust_pickle)
    if not hasattr(model, "estimators_"):
        raise UsageError(f"{args.model} holds a {type(model).__name__}, not a fitted forecaster.")
    history = covariates = None
    if args.data:
        time_column = getattr(model.index_, "name", None)
        history = load_csv_series(args.data, target=model.target_name_, time_column=time_column)
    if args.future_covariates:
        covariates = pd.read_csv(args.future_covariates)
        time_column = getattr(model.index_, "name", None)
        if time_column in covariates.columns:  # the timestamps are the forecast's own
            covariates = covariates.drop(columns=time_column)
    forecast = model.predict(covariates, y=history)
    frame = forecast.to_frame() if isinstance(forecast, pd.Series) else pd.DataFrame(
        {model.target_name_ or "forecast": forecast}
    )
    if args.output:
        frame.to_csv(args.output, index=isinstance(forecast, pd.Series))
        _say(args, f"wrote {len(frame)} forecast values to {args.output}")
    else:
        print(frame.to_csv(index=isinstance(forecast, pd.Series)).rstrip())
    return 0


def _evaluate(args):
    from . import SeasonalNaiveForecaster, backtest
    from .forecaster import season_from_index

    y, X = _load_series(args)
    season = season_from_index(y.index)
    result = backtest(_forecaster(args), y, X, horizon=args.horizon, n_folds=args.folds,
                      seasonal_period=season)
    baseline = backtest(SeasonalNaiveForecaster(horizon=args.horizon, seasonal_period=season),
                        y, X, horizon=args.horizon, n_folds=args.folds, seasonal_period=season)
    print("LSTMForecaster")
    print(result.folds.to_string(index=False))
    print(f"\nseasonal naive (period {season})")
    print(baseline.folds.to_string(index=False))
    if args.plot:
        from .plotting import plot_backtest

        plot_backtest(result, y=y, path=args.plot)
        _say(args, f"wrote {args.plot}")
    return 0


def _demo(args):
    import numpy as np

    from . import LSTMForecaster, LSTMRegressor, SeasonalNaiveForecaster, make_windows
    from .datasets import load_airline, make_sine
    from .metrics import mape, rmse
    from .plotting import plot_forecast

    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)

    _say(args, "1/2 sine wave: 10 past values predict the next (2 stacked LSTMs of 30 units)")
    train, test = make_sine(10_000, 0.0, 100.0, n_test=1_000)
    series = np.concatenate([train.to_numpy(np.float32), test.to_numpy(np.float32)])
    X, y = make_windows(series, timesteps=10)
    n_train = len(train) - 10
    start = time.perf_counter()
    model = LSTMRegressor(hidden_size=30, num_layers=2, max_epochs=8, batch_size=64, random_state=0,
                          verbose=0 if args.quiet else 1)
    model.fit(X[:n_train], y[:n_train])
    prediction = model.predict(X[n_train:])
    last_value = X[n_train:, -1, 0]
    print(f"sine: test RMSE {rmse(y[n_train:], prediction):.2e} "
          f"(repeat-last-value baseline {rmse(y[n_train:], last_value):.2e}), "
          f"{time.perf_counter() - start:.0f} s")
    plot_forecast(test.to_numpy()[:300], prediction[:300], title="Sine: predicted vs real",
                  path=out / "sine.png")

    _say(args, "2/2 airline passengers: forecast the last 36 months from 1949-1957")
    airline = load_airline()
    history, future = airline.iloc[:-36], airline.iloc[-36:]
    start = time.perf_counter()
    forecaster = LSTMForecaster(horizon=36, random_state=0).fit(history)
    forecast = forecaster.predict()
    naive = SeasonalNaiveForecaster(horizon=36, seasonal_period=12).fit(history).predict()
    print(f"airline: MAPE {100 * mape(future, forecast):.1f}% "
          f"(seasonal naive {100 * mape(future, naive):.1f}%), {time.perf_counter() - start:.0f} s")
    plot_forecast(future, forecast, history=history, title="Airline passengers: 36-month forecast",
                  path=out / "airline.png")
    print(f"plots: {out / 'sine.png'}, {out / 'airline.png'}")
    return 0


def console_main():  # pragma: no cover - the [project.scripts] entry point
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (``| head``) closed the pipe: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.exit(code)
