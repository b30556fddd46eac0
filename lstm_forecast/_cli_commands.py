"""The ``fit``, ``predict`` and ``evaluate`` commands of ``lstm-forecast`` (``demo``: _cli_demo)."""

from __future__ import annotations

import time
from pathlib import Path

from ._cli_data import (
    covariate_names,
    float_format,
    forecast_frame,
    load_future_covariates,
    load_history,
    load_series,
    need_matplotlib,
    readable,
    say,
    show_progress,
    writable,
)
from ._cli_errors import Interrupted, UsageError

__all__ = ["COMMANDS"]


def _forecaster(args):
    from . import LSTMForecaster, LSTMRegressor

    estimator = LSTMRegressor(
        hidden_size=args.hidden_size, max_epochs=args.max_epochs, batch_size=16, lr=3e-3,
        early_stopping=True, validation_fraction=0.2, verbose=1 if show_progress(args) else 0,
        random_state=args.seed,
    )
    return LSTMForecaster(
        estimator, timesteps=args.timesteps, horizon=args.horizon, season=args.season,
        n_models=args.n_models, random_state=args.seed,
    )


def _interrupted(model):
    """Whether training stopped on Ctrl-C (skorch swallows it; the estimators record it)."""
    if getattr(model, "interrupted_", False):
        return True
    return any(getattr(e, "interrupted_", False) for e in getattr(model, "estimators_", []))


def _epochs(model):
    """``37 epochs`` (or ``37, 41 epochs`` for an ensemble) from the networks' histories."""
    counts = [len(getattr(e, "history_", None) or []) for e in getattr(model, "estimators_", [])]
    if not counts or not all(counts):
        return ""
    return f"{', '.join(str(c) for c in counts)} epoch{'s' if counts != [1] else ''}, "


# ----------------------------------------------------------------------------- fit
def fit(args):
    from .persistence import save_model

    writable(args.model, "--model", example="model.lstmf")
    args.model_existed = Path(args.model).exists()
    y, X = load_series(args)
    say(args, f"training on {len(y)} values of {args.target!r} from {args.data} ...")
    start = time.perf_counter()
    model = _forecaster(args).fit(y, X)
    if _interrupted(model):
        raise Interrupted
    save_model(model, args.model)
    say(args, f"trained in {time.perf_counter() - start:.1f} s ({_epochs(model)}window "
              f"{model.timesteps_} steps, season {model.season_}); saved {args.model}")
    return 0


# ----------------------------------------------------------------------------- predict
def _load(path, trust_pickle):
    from .persistence import load_model

    readable(path, "model file")
    try:
        return load_model(path)
    except ValueError:
        if not trust_pickle:
            raise
    import joblib

    return joblib.load(path)


def _check_format(text):
    if text is None:
        return
    try:
        text % 1.5
    except (TypeError, ValueError):
        raise UsageError(f"--float-format {text!r} is not a printf-style number format such as "
                         "%.4f or %.6g") from None


def predict(args):
    _check_format(args.float_format)
    if args.output:
        writable(args.output, "--output", example="forecast.csv")
    for path, flag in ((args.data, "--data"), (args.future_covariates, "--future-covariates")):
        if path:
            readable(path, flag)
    model = _load(args.model, args.trust_pickle)
    if not hasattr(model, "estimators_"):
        raise UsageError(f"{args.model} holds a {type(model).__name__}, not a fitted forecaster")
    history = history_covariates = None
    index = model.index_
    if args.data:
        history, history_covariates = load_history(args, model)
        index = history.index
    covariates = None
    if model.n_covariates_ and not args.future_covariates:
        names = covariate_names(model)
        raise UsageError(
            f"the model was fitted with --covariates{' ' + ' '.join(names) if names else ''}: "
            f"pass --future-covariates FILE with their next {model.horizon} values"
        )
    if args.future_covariates:
        if not model.n_covariates_:
            raise UsageError("--future-covariates was given, but the model was fitted without "
                             "--covariates")
        covariates = load_future_covariates(args, model, index)
        if history_covariates is not None:
            import pandas as pd

            covariates = pd.concat([history_covariates.reset_index(drop=True), covariates],
                                   ignore_index=True)
    forecast = model.predict(covariates, y=history)
    frame, with_index = forecast_frame(model, forecast, index)
    text = frame.to_csv(index=with_index, float_format=float_format(model, args.float_format))
    if args.output:
        Path(args.output).write_text(text)
        say(args, f"wrote {len(frame)} forecast values to {args.output}")
    else:
        print(text.rstrip())
    return 0


# ----------------------------------------------------------------------------- evaluate
def _season(args, y):
    """The seasonal period and a line saying where it comes from."""
    from .forecaster import season_from_index

    if args.season is not None:
        return args.season, f"season {args.season} (--season)"
    season = season_from_index(y.index)
    freq = getattr(y.index, "freqstr", None)
    if freq is None:
        source = ("no time column with a frequency to infer it from" if args.time_column is None
                  else f"the time column {args.time_column!r} has no regular frequency")
        return 1, f"season 1: {source}; set one with --season"
    if season == 1:
        return 1, (f"season 1: no seasonal period for frequency {freq!r}; the baseline is the "
                   "naive last-value forecast; set one with --season")
    return season, f"season {season} (frequency {freq!r}; set another with --season)"


def _baseline_name(season):
    return f"seasonal naive (period {season})" if season > 1 else "naive (last value)"


def _fixed(values):
    """A format with four significant digits for the largest of ``values``, the same for all."""
    import math

    largest = float(values.abs().max()) if len(values) else 0.0
    digits = 3 - math.floor(math.log10(largest)) if largest > 0 and math.isfinite(largest) else 3
    return f"{{:.{min(max(digits, 0), 8)}f}}".format


def _table(result):
    """The folds of a backtest as formatted text, with a mean row."""
    import pandas as pd

    folds = result.folds
    columns = {"fold": folds["fold"].astype(str), "origin": folds["origin"].astype(str),
               "train": folds["train_size"].astype(str)}
    means = {"fold": "mean", "origin": "", "train": ""}
    for metric in result.metrics:
        values = folds[metric]
        if metric in ("mape", "smape"):
            fmt = "{:.2f}%".format
            values = 100 * values
        elif metric == "mase":
            fmt = "{:.3f}".format
        else:
            fmt = _fixed(values)
        columns[metric.upper()] = values.map(fmt)
        means[metric.upper()] = fmt(values.mean())
    columns["fit s"] = folds["fit_time"].map("{:.1f}".format)
    means["fit s"] = f"{folds['fit_time'].mean():.1f}"
    table = pd.DataFrame(columns)
    table.loc[len(table)] = means
    return table.to_string(index=False)


def _plot(args, y, result, baseline, season):
    from .plotting import plot_backtest

    first = int(result.folds["train_size"].iloc[0])
    context = max(2 * season, 2 * result.horizon, 12)
    fig, ax = plot_backtest(result, y=y.iloc[max(first - context, 0):])
    for i, (_, rows) in enumerate(baseline.forecasts.groupby("fold", sort=True)):
        rows = rows.sort_values("horizon_step")
        times = rows["time"]
        if hasattr(times.iloc[0], "to_timestamp"):
            times = times.map(lambda p: p.to_timestamp())
        ax.plot(times.to_numpy(), rows["y_pred"].to_numpy(), color="0.6", linestyle=":",
                label=_baseline_name(season) if i == 0 else None)
    ax.set_ylabel(str(y.name))
    ax.set_title(f"backtest: {len(result.folds)} folds of {result.horizon} steps")
    ax.legend()
    fig.savefig(args.plot, format="png", dpi=100)


def evaluate(args):
    from . import SeasonalNaiveForecaster, backtest

    if args.plot:
        if Path(args.plot).suffix.lower() != ".png":
            raise UsageError(f"--plot {args.plot} must name a PNG file (ending in .png)")
        writable(args.plot, "--plot", example="backtest.png")
        need_matplotlib("--plot")
    y, X = load_series(args)
    season, season_line = _season(args, y)
    metrics = ("mae", "rmse", "mape", "mase")
    if (y == 0).any():
        metrics = ("mae", "rmse", "smape", "mase")
        say(args, "the series has zeros, where MAPE is undefined: SMAPE instead")
    options = {"horizon": args.horizon, "n_folds": args.folds, "seasonal_period": season,
               "metrics": metrics}
    forecaster = _forecaster(args).set_params(season=season)
    result = backtest(forecaster, y, X, **options)  # Ctrl-C: the handler's Interrupted ends it
    baseline = backtest(SeasonalNaiveForecaster(horizon=args.horizon, seasonal_period=season),
                        y, X, **options)
    print(season_line)
    print(f"MASE: mean absolute error / that of the in-sample {_baseline_name(season)} forecast")
    print(f"\nLSTMForecaster: {len(result.folds)} folds of {args.horizon} steps")
    print(_table(result))
    print(f"\n{_baseline_name(season)}")
    print(_table(baseline))
    if args.plot:
        _plot(args, y, result, baseline, season)
        say(args, f"wrote {args.plot}")
    return 0


def demo(args):
    from ._cli_demo import run

    return run(args)


COMMANDS = {"demo": demo, "fit": fit, "predict": predict, "evaluate": evaluate}
