"""The ``fit``, ``predict`` and ``evaluate`` commands of ``lstm-forecast`` (``demo``: _cli_demo)."""

from __future__ import annotations

import time
from pathlib import Path

from ._cli_data import (
    covariate_names,
    float_format,
    forecast_frame,
    format_metric,
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
from ._cli_panel import (
    aggregate_table,
    id_name,
    load_panel,
    load_panel_future,
    load_panel_history,
    panel_frame,
    series_table,
)

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


def _data(args):
    """``(y, X, time index)`` of ``fit``/``evaluate``: one series, or a panel (--id-column)."""
    if args.id_column is not None:
        return load_panel(args)
    y, X = load_series(args)
    return y, X, y.index


def _what(args, y):
    if args.id_column is None:
        return f"{len(y)} values"
    return f"{y.index.get_level_values(0).nunique()} series ({len(y)} values)"


# ----------------------------------------------------------------------------- fit
def fit(args):
    from .persistence import save_model

    writable(args.model, "--model", example="model.lstmf")
    args.model_existed = Path(args.model).exists()
    y, X, _ = _data(args)
    say(args, f"training on {_what(args, y)} of {args.target!r} from {args.data} ...")
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


def _coverages(texts):
    """The ``--coverage`` levels (distinct, in order) and their column names."""
    levels = []
    for text in texts or ():
        try:
            level = float(text)
        except ValueError:
            level = float("nan")
        if not 0 < level < 1:
            hint = " (levels are fractions: 0.8 for 80%)" if 1 < level < 100 else ""
            raise UsageError(f"--coverage {text!r} is not a level strictly between 0 and 1, such "
                             f"as 0.8 or 0.95{hint}")
        if level not in levels:
            levels.append(level)
    return levels, [f"{side}_{100 * level:g}" for level in levels for side in ("lower", "upper")]


def _covariates_needed(args, model):
    if model.n_covariates_ and not args.future_covariates:
        names = covariate_names(model)
        raise UsageError(
            f"the model was fitted with --covariates{' ' + ' '.join(names) if names else ''}: "
            f"pass --future-covariates FILE with their next {model.horizon} values"
        )
    if args.future_covariates and not model.n_covariates_:
        raise UsageError("--future-covariates was given, but the model was fitted without "
                         "--covariates")


def _intervals(model, covariates, history, levels):
    if not levels:
        return None
    try:
        return model.predict_interval(covariates, y=history, coverage=levels)
    except NotImplementedError as error:
        raise UsageError(f"--coverage: {error}") from None


def _predict_series(args, model, levels, labels):
    """The forecast table of a model of one series (history: the training or --data series)."""
    history = history_covariates = covariates = None
    index = model.index_
    if args.data:
        history, history_covariates = load_history(args, model)
        index = history.index
    if args.future_covariates:
        covariates = load_future_covariates(args, model, index)
        if history_covariates is not None:
            import pandas as pd

            covariates = pd.concat([history_covariates.reset_index(drop=True), covariates],
                                   ignore_index=True)
    forecast = model.predict(covariates, y=history)
    frame, with_index = forecast_frame(model, forecast, index)
    intervals = _intervals(model, covariates, history, levels)
    if intervals is not None:
        bounds = intervals.to_numpy()
        for j, label in enumerate(labels):
            frame[label] = bounds[:, j]
    return frame, with_index


def _predict_panel(args, model, levels, labels):
    """The long forecast table of a panel: the training series, or those of --data."""
    import pandas as pd

    fitted_id = id_name(model)
    if getattr(model, "ids_", None) is not None and fitted_id is None:
        raise UsageError(f"{args.model} was fitted on a list or dict of series in Python, not on "
                         "a long CSV; forecast it in Python")
    if args.data is None and args.id_column not in (None, fitted_id):
        raise UsageError(f"--id-column {args.id_column} reads --data: pass --data FILE too (the "
                         f"model's own series have the id column {fitted_id!r})")
    args.id_column = args.id_column or fitted_id
    names = covariate_names(model) if model.n_covariates_ else None
    history = history_covariates = covariates = None
    ids = list(model.ids_ or [])
    if args.data:
        history, history_covariates = load_panel_history(args, model, names)
        ids = list(pd.unique(history.index.get_level_values(0)))
    if args.future_covariates:
        covariates = load_panel_future(args, model, names, ids)
        if history_covariates is not None:
            covariates = pd.concat([history_covariates, covariates])
    forecast = model.predict(covariates, y=history)
    name = model.target_name_ or "forecast"
    return panel_frame(forecast.rename(name), _intervals(model, covariates, history, levels),
                       labels), False


def predict(args):
    _check_format(args.float_format)
    levels, labels = _coverages(args.coverage)
    if args.output:
        writable(args.output, "--output", example="forecast.csv")
    for path, flag in ((args.data, "--data"), (args.future_covariates, "--future-covariates")):
        if path:
            readable(path, flag)
    model = _load(args.model, args.trust_pickle)
    if not hasattr(model, "estimators_"):
        raise UsageError(f"{args.model} holds a {type(model).__name__}, not a fitted forecaster")
    if model.n_covariates_ and args.data and covariate_names(model) is None:
        raise UsageError(f"{args.model} does not record its covariate names (an older model); "
                         "--data cannot be read for it: fit the model again")
    _covariates_needed(args, model)
    if args.id_column is not None or getattr(model, "ids_", None) is not None:
        frame, with_index = _predict_panel(args, model, levels, labels)
    else:
        frame, with_index = _predict_series(args, model, levels, labels)
    text = frame.to_csv(index=with_index, float_format=float_format(model, args.float_format))
    if args.output:
        Path(args.output).write_text(text)
        say(args, f"wrote {len(frame)} forecast rows to {args.output}")
    else:
        print(text.rstrip())
    return 0


# ----------------------------------------------------------------------------- evaluate
def _season(args, index):
    """The seasonal period of the series on ``index`` and a line saying where it comes from."""
    from .forecaster import season_from_index

    if args.season is not None:
        return args.season, f"season {args.season} (--season)"
    season = season_from_index(index)
    freq = getattr(index, "freqstr", None)
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


def _table(result):
    """The folds of a backtest as formatted text, with a mean row."""
    import pandas as pd

    folds = result.folds
    columns = {"fold": folds["fold"].astype(str), "origin": folds["origin"].astype(str),
               "train": folds["train_size"].astype(str)}
    means = {"fold": "mean", "origin": "", "train": ""}
    for metric in result.metrics:
        columns[metric.upper()], means[metric.upper()] = format_metric(metric, folds[metric])
    columns["fit s"] = folds["fit_time"].map("{:.1f}".format)
    means["fit s"] = f"{folds['fit_time'].mean():.1f}"
    table = pd.DataFrame(columns)
    table.loc[len(table)] = means
    return table.to_string(index=False)


def _one_series(y, result, baseline):
    """The first series of a panel and its rows of the two backtests (a plot shows one)."""
    first = y.index.get_level_values(0)[0]

    def rows(table):
        return table[table["series"] == first].drop(columns="series")

    return (first, y.xs(first, level=0), rows(result.folds), rows(result.forecasts),
            rows(baseline.forecasts))


def _plot(args, y, result, baseline, season):
    from .plotting import plot_backtest

    title = "backtest"
    folds, forecasts, baseline_forecasts = result.folds, result.forecasts, baseline.forecasts
    if args.id_column is not None:
        first, y, folds, forecasts, baseline_forecasts = _one_series(y, result, baseline)
        title = f"backtest of series {first!r} ({args.id_column})"
    start = int(folds["train_size"].iloc[0])
    context = max(2 * season, 2 * result.horizon, 12)
    fig, ax = plot_backtest(forecasts, y=y.iloc[max(start - context, 0):])
    for i, (_, rows) in enumerate(baseline_forecasts.groupby("fold", sort=True)):
        rows = rows.sort_values("horizon_step")
        times = rows["time"]
        if hasattr(times.iloc[0], "to_timestamp"):
            times = times.map(lambda p: p.to_timestamp())
        ax.plot(times.to_numpy(), rows["y_pred"].to_numpy(), color="0.6", linestyle=":",
                label=_baseline_name(season) if i == 0 else None)
    ax.set_ylabel(str(y.name))
    ax.set_title(f"{title}: {len(folds)} folds of {result.horizon} steps")
    ax.legend()
    fig.savefig(args.plot, format="png", dpi=100)


def _report(args, name, result):
    if args.id_column is None:
        print(f"\n{name}: {len(result.folds)} folds of {args.horizon} steps")
        print(_table(result))
        return
    n_series = int(result.aggregate["n_series"].iloc[0])
    print(f"\n{name}: {n_series} series, {len(result.aggregate)} folds of {args.horizon} steps; "
          "each fold's scores are the means over the series")
    print(aggregate_table(result))
    print(series_table(result, args.id_column))


def evaluate(args):
    from . import SeasonalNaiveForecaster, backtest

    if args.plot:
        if Path(args.plot).suffix.lower() != ".png":
            raise UsageError(f"--plot {args.plot} must name a PNG file (ending in .png)")
        writable(args.plot, "--plot", example="backtest.png")
        need_matplotlib("--plot")
    y, X, index = _data(args)
    season, season_line = _season(args, index)
    metrics = ("mae", "rmse", "mape", "mase")
    if (y == 0).any():
        metrics = ("mae", "rmse", "smape", "mase")
        say(args, f"the {'panel' if args.id_column else 'series'} has zeros, where MAPE is "
                  "undefined: SMAPE instead")
    options = {"horizon": args.horizon, "n_folds": args.folds, "seasonal_period": season,
               "metrics": metrics}
    forecaster = _forecaster(args).set_params(season=season)
    result = backtest(forecaster, y, X, **options)  # Ctrl-C: the handler's Interrupted ends it
    baseline = backtest(SeasonalNaiveForecaster(horizon=args.horizon, seasonal_period=season),
                        y, X, **options)
    print(season_line)
    print(f"MASE: mean absolute error / that of the in-sample {_baseline_name(season)} forecast")
    _report(args, "LSTMForecaster", result)
    _report(args, _baseline_name(season), baseline)
    if args.plot:
        _plot(args, y, result, baseline, season)
        say(args, f"wrote {args.plot}")
    return 0


def demo(args):
    from ._cli_demo import run

    return run(args)


COMMANDS = {"demo": demo, "fit": fit, "predict": predict, "evaluate": evaluate}
