import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from lstm_forecast.backtest import BacktestResult, backtest
from lstm_forecast.baselines import NaiveForecaster, SeasonalNaiveForecaster
from lstm_forecast.metrics import mae, mase, rmse


class RecordingForecaster(BaseEstimator):
    """Stub that logs what each clone is fit on and asked, and forecasts the last value."""

    log = []

    def __init__(self, *, horizon=1):
        self.horizon = horizon

    def fit(self, y, X=None):
        self.log.append(("fit", y.copy(), None if X is None else X.copy()))
        self.last_ = np.asarray(y, dtype=float)[-1]
        return self

    def predict(self, X=None):
        self.log.append(("predict", None, None if X is None else X.copy()))
        return np.full(self.horizon, self.last_)


class RecordingHistoryForecaster(RecordingForecaster):
    """Same stub with the ``predict(X=None, y=None)`` new-history contract."""

    def predict(self, X=None, y=None):
        self.log.append(("predict", None if y is None else y.copy(), X))
        last = self.last_ if y is None else np.asarray(y, dtype=float)[-1]
        return np.full(self.horizon, last)


class WrongShapeForecaster(RecordingForecaster):
    def predict(self, X=None):
        return np.zeros(self.horizon + 1)


@pytest.fixture(autouse=True)
def _clear_log():
    RecordingForecaster.log.clear()
    yield
    RecordingForecaster.log.clear()


def fits(log):
    return [entry for entry in log if entry[0] == "fit"]


def predicts(log):
    return [entry for entry in log if entry[0] == "predict"]


def series(n=20):
    return np.arange(1.0, n + 1) ** 1.2


def test_default_folds_are_anchored_at_the_end():
    y = series(20)
    result = backtest(RecordingForecaster(horizon=3), y, metrics=("mae",))
    # step = horizon = 3, n_folds = 3, initial = 20 - 3 - 2 * 3 = 11
    assert result.folds["origin"].tolist() == [11, 14, 17]
    assert result.folds["train_size"].tolist() == [11, 14, 17]
    assert result.folds["fold"].tolist() == [0, 1, 2]
    assert result.forecasts["time"].tolist() == list(range(11, 20))
    assert result.forecasts["horizon_step"].tolist() == [1, 2, 3] * 3


def test_no_future_data_reaches_fit():
    y = series(20)
    X = np.arange(40.0).reshape(20, 2)
    backtest(RecordingForecaster(horizon=3), y, X, metrics=("mae",))
    log = RecordingForecaster.log
    fit_calls = fits(log)
    assert len(fit_calls) == 3
    for (_, y_fit, X_fit), origin in zip(fit_calls, [11, 14, 17], strict=True):
        np.testing.assert_array_equal(y_fit, y[:origin])
        np.testing.assert_array_equal(X_fit, X[:origin])
    for (_, _, X_future), origin in zip(predicts(log), [11, 14, 17], strict=True):
        np.testing.assert_array_equal(X_future, X[origin : origin + 3])


def test_explicit_initial_step_and_n_folds():
    y = series(20)
    result = backtest(RecordingForecaster(horizon=3), y, initial=5, step=4, metrics=["mae"])
    assert result.folds["origin"].tolist() == [5, 9, 13, 17]  # all folds that fit
    result = backtest(
        RecordingForecaster(horizon=3), y, initial=5, step=4, n_folds=2, metrics=["mae"]
    )
    assert result.folds["origin"].tolist() == [5, 9]
    result = backtest(RecordingForecaster(horizon=2), y, n_folds=4, step=1, metrics=["mae"])
    assert result.folds["origin"].tolist() == [15, 16, 17, 18]
    # Overlapping windows: each still gets a full horizon of true values.
    assert result.forecasts.groupby("fold").size().tolist() == [2, 2, 2, 2]


def test_pandas_inputs_keep_their_type_and_labels():
    index = pd.date_range("2024-01-01", periods=12, freq="MS")
    y = pd.Series(series(12), index=index, name="sales")
    X = pd.DataFrame({"promo": np.arange(12.0)}, index=index)
    result = backtest(RecordingForecaster(horizon=2), y, X, n_folds=2, metrics=("mae",))
    assert result.folds["origin"].tolist() == [index[8], index[10]]
    assert result.forecasts["time"].tolist() == list(index[8:])
    y_fit, X_fit = fits(RecordingForecaster.log)[0][1:]
    pd.testing.assert_series_equal(y_fit, y.iloc[:8])
    pd.testing.assert_frame_equal(X_fit, X.iloc[:8])


def test_metric_values_per_fold():
    y = series(20)
    result = backtest(NaiveForecaster(horizon=3), y, seasonal_period=2)
    assert result.metrics == ("mae", "rmse", "mape", "mase")
    for _, row in result.folds.iterrows():
        origin = int(row["origin"])
        y_true, y_pred = y[origin : origin + 3], np.full(3, y[origin - 1])
        assert row["mae"] == pytest.approx(mae(y_true, y_pred))
        assert row["rmse"] == pytest.approx(rmse(y_true, y_pred))
        # MASE is scaled on this fold's training part only.
        assert row["mase"] == pytest.approx(
            mase(y_true, y_pred, y_train=y[:origin], seasonal_period=2)
        )
    np.testing.assert_allclose(
        result.forecasts["y_pred"], np.repeat(y[[10, 13, 16]], 3), rtol=0, atol=0
    )


def test_tidy_tables_and_summary():
    y = series(20)
    result = backtest(NaiveForecaster(horizon=3), y, metrics=("mae", "smape"))
    assert isinstance(result, BacktestResult)
    assert list(result.folds.columns) == [
        "fold",
        "origin",
        "train_size",
        "mae",
        "smape",
        "fit_time",
        "predict_time",
    ]
    assert list(result.forecasts.columns) == ["fold", "time", "horizon_step", "y_true", "y_pred"]
    assert len(result.forecasts) == 9
    summary = result.summary()
    assert list(summary.index) == ["mae", "smape"]
    assert list(summary.columns) == ["mean", "std"]
    assert summary.loc["mae", "mean"] == pytest.approx(result.folds["mae"].mean())
    assert summary.loc["mae", "std"] == pytest.approx(result.folds["mae"].std())
    text = repr(result)
    assert text.startswith("BacktestResult(n_folds=3, horizon=3, refit=True)")
    assert "mae:" in text and "smape:" in text


def test_several_targets_add_a_target_column():
    index = pd.period_range("2020-01", periods=10, freq="M")
    y = pd.DataFrame({"a": series(10), "b": -series(10)}, index=index)
    result = backtest(NaiveForecaster(horizon=2), y, n_folds=2, metrics=("mae",))
    forecasts = result.forecasts
    assert list(forecasts.columns) == [
        "fold",
        "time",
        "horizon_step",
        "target",
        "y_true",
        "y_pred",
    ]
    assert forecasts["target"].tolist() == ["a", "b"] * 4
    first = forecasts[(forecasts["fold"] == 0) & (forecasts["target"] == "b")]
    assert first["time"].tolist() == list(index[6:8])
    np.testing.assert_array_equal(first["y_true"], y["b"].to_numpy()[6:8])
    np.testing.assert_array_equal(first["y_pred"], [y["b"].iloc[5]] * 2)


def test_refit_false_with_seasonal_naive_matches_refitting():
    t = np.arange(48)
    y = 10 + t * 0.5 + 3 * np.sin(2 * np.pi * t / 12)
    model = SeasonalNaiveForecaster(horizon=6, seasonal_period=12)
    kwargs = {"initial": 24, "step": 6, "seasonal_period": 12}
    refit = backtest(model, y, refit=True, **kwargs)
    no_refit = backtest(model, y, refit=False, **kwargs)
    assert no_refit.refit is False
    assert no_refit.folds["origin"].tolist() == [24, 30, 36, 42]
    pd.testing.assert_frame_equal(refit.forecasts, no_refit.forecasts)
    assert (no_refit.folds["fit_time"].iloc[1:] == 0).all()
    assert not hasattr(model, "last_season_")  # the instance passed is never fitted


def test_refit_false_fits_once_and_passes_the_history():
    y = series(20)
    X = np.arange(20.0)[:, None]
    result = backtest(RecordingHistoryForecaster(horizon=3), y, X, refit=False, metrics=("mae",))
    log = RecordingForecaster.log
    fit_calls, predict_calls = fits(log), predicts(log)
    assert len(fit_calls) == 1
    np.testing.assert_array_equal(fit_calls[0][1], y[:11])
    assert predict_calls[0][1] is None  # first fold: plain predict(X_future)
    np.testing.assert_array_equal(predict_calls[0][2], X[11:14])
    for (_, history, X_passed), origin in zip(predict_calls[1:], [14, 17], strict=True):
        np.testing.assert_array_equal(history, y[:origin])
        np.testing.assert_array_equal(X_passed, X[: origin + 3])  # history + future rows
    np.testing.assert_array_equal(result.forecasts["y_pred"], np.repeat(y[[10, 13, 16]], 3))


def test_refit_false_requires_a_y_parameter():
    with pytest.raises(TypeError, match="refit=False.*`y` parameter"):
        backtest(RecordingForecaster(horizon=2), series(20), refit=False)
    assert RecordingForecaster.log == []  # raised before fitting anything


def test_horizon_argument_overrides_a_clone():
    model = NaiveForecaster(horizon=1)
    result = backtest(model, series(20), horizon=4, metrics=("mae",))
    assert result.horizon == 4
    assert result.forecasts.groupby("fold").size().tolist() == [4, 4, 4]
    assert model.horizon == 1
    assert not hasattr(model, "last_value_")


def test_callable_metric():
    def max_error(y_true, y_pred):
        return float(np.max(np.abs(np.asarray(y_true) - np.asarray(y_pred))))

    result = backtest(NaiveForecaster(horizon=2), series(10), metrics=["mae", max_error])
    assert result.metrics == ("mae", "max_error")
    assert (result.folds["max_error"] >= result.folds["mae"]).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon": 0}, "horizon must be an integer >= 1; got"),
        ({"step": 0}, "step must be an integer >= 1; got"),
        ({"initial": 0}, "initial must be an integer >= 1; got"),
        ({"n_folds": -1}, "n_folds must be an integer >= 1; got"),
        ({"initial": 9, "horizon": 3}, r"initial=9 \+ horizon=3 = 12 .* len\(y\)=10"),
        ({"initial": 5, "n_folds": 3, "horizon": 2}, "n_folds=3 is too large.*at most 2 folds"),
        ({"n_folds": 5, "horizon": 2}, "too short for n_folds=5"),
        ({"horizon": 4}, "too short for the default n_folds=3"),
        ({"metrics": ("mae", "bogus")}, "Unknown metric 'bogus'"),
        ({"metrics": ()}, "metrics is empty"),
        ({"metrics": ("mae", "mae")}, "duplicate"),
        ({"seasonal_period": 0}, "seasonal_period must be an integer >= 1; got"),
        ({"refit": "no"}, "refit must be True or False"),
    ],
)
def test_parameter_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        backtest(NaiveForecaster(horizon=2), series(10), **kwargs)


@pytest.mark.parametrize("kwargs", [{"step": 1.5}, {"horizon": True}, {"n_folds": "3"}])
def test_parameter_type_errors(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(TypeError, match=rf"{name} must be an integer >= 1; got"):
        backtest(NaiveForecaster(horizon=2), series(10), **kwargs)


def test_data_errors():
    with pytest.raises(ValueError, match="X must have one row per observation"):
        backtest(NaiveForecaster(), series(10), np.zeros((9, 1)))
    with pytest.raises(ValueError, match="y contains NaN"):
        backtest(NaiveForecaster(), [1.0, np.nan, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match=r"returned shape \(4,\), expected \(3,\)"):
        backtest(WrongShapeForecaster(horizon=3), series(20))
    with pytest.raises(ValueError, match="fold 0 .*'mape' failed.*zeros"):
        backtest(NaiveForecaster(horizon=2), np.array([1.0, 2, 3, 4, 0, 5, 6, 7, 8, 9]))


def test_horizon_needed_when_the_forecaster_has_none():
    class NoHorizon(BaseEstimator):
        def fit(self, y, X=None):
            return self

        def predict(self, X=None):
            return np.zeros(2)

    with pytest.raises(ValueError, match="pass horizon="):
        backtest(NoHorizon(), series(10))
    result = backtest(NoHorizon(), series(10), horizon=2, metrics=("mae",))
    assert len(result.folds) == 3


# --- panels ---------------------------------------------------------------------------

from lstm_forecast import DriftForecaster, from_long, to_long  # noqa: E402
from lstm_forecast._forecaster_base import BaseForecaster  # noqa: E402
from lstm_forecast.metrics import coverage, msis, wql  # noqa: E402


def ragged_panel():
    rng = np.random.default_rng(0)
    return {name: pd.Series(20 + rng.normal(size=n).cumsum(),
                            index=pd.date_range("2015-01-01", periods=n, freq="MS"), name="v")
            for name, n in [("a", 20), ("b", 26), ("c", 23)]}


def test_panel_folds_end_at_each_series_end_and_match_single_series_backtests():
    panel = ragged_panel()
    kwargs = {"horizon": 3, "n_folds": 2, "metrics": ("mae", "mase", "smape")}
    result = backtest(DriftForecaster(), panel, **kwargs)
    assert list(result.folds.columns) == ["series", "fold", "origin", "train_size", "mae", "mase", "smape"]
    assert result.folds["train_size"].tolist() == [14, 17, 20, 23, 17, 20]
    assert list(result.aggregate.columns) == ["fold", "n_series", "mae", "mase", "smape", "fit_time",
                                              "predict_time"]
    for name, series in panel.items():
        alone = backtest(DriftForecaster(), series, **kwargs)
        rows = result.folds[result.folds["series"] == name].reset_index(drop=True)
        pd.testing.assert_frame_equal(rows[["fold", "origin", "train_size", "mae", "mase", "smape"]],
                                      alone.folds[["fold", "origin", "train_size", "mae", "mase", "smape"]])
        mine = result.forecasts[result.forecasts["series"] == name].drop(columns="series")
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), alone.forecasts)
    np.testing.assert_allclose(result.aggregate["mae"], result.folds.groupby("fold")["mae"].mean())
    assert result.summary().loc["mae", "mean"] == pytest.approx(result.aggregate["mae"].mean())
    assert repr(result).startswith("BacktestResult(n_series=3, n_folds=2, horizon=3, refit=True)")


def test_panel_containers_give_the_same_scores():
    panel = ragged_panel()
    kwargs = {"horizon": 2, "initial": 12, "step": 3, "metrics": ("mae", "rmse")}
    by_dict = backtest(NaiveForecaster(), panel, **kwargs)
    assert by_dict.folds.groupby("series").size().tolist() == [3, 3, 3]  # as many as "a" allows
    by_list = backtest(NaiveForecaster(), list(panel.values()), **kwargs)
    by_index = backtest(NaiveForecaster(), from_long(to_long(pd.concat(panel)))["v"], **kwargs)
    for other in (by_list, by_index):
        np.testing.assert_allclose(other.folds[["mae", "rmse"]], by_dict.folds[["mae", "rmse"]])
    assert by_index.folds["series"].tolist()[:3] == ["a", "a", "a"]
    assert by_index.forecasts["time"].iloc[0] == pd.Timestamp("2016-01-01")


def test_refit_false_on_a_panel_matches_refitting():
    panel = ragged_panel()
    refit = backtest(SeasonalNaiveForecaster(horizon=4, seasonal_period=4), panel, n_folds=3)
    no_refit = backtest(SeasonalNaiveForecaster(horizon=4, seasonal_period=4), panel, n_folds=3,
                        refit=False)
    pd.testing.assert_frame_equal(refit.forecasts, no_refit.forecasts)
    assert (no_refit.aggregate["fit_time"].iloc[1:] == 0).all()


def test_probabilistic_metrics_and_interval_columns():
    history = ragged_panel()["b"]
    result = backtest(NaiveForecaster(horizon=3), history, n_folds=2, seasonal_period=2,
                      metrics=["coverage", "msis", "wql"], coverage=[0.8, 0.95], alpha=[0.25, 0.5, 0.75])
    assert result.metrics == ("coverage_0.8", "coverage_0.95", "msis_0.8", "msis_0.95", "wql")
    assert {"lower_0.8", "upper_0.8", "lower_0.95", "upper_0.95"} <= set(result.forecasts.columns)
    for fold, origin in enumerate([20, 23]):
        table = result.forecasts[result.forecasts["fold"] == fold]
        model = NaiveForecaster(horizon=3).fit(history.iloc[:origin])
        y_true = history.iloc[origin : origin + 3]
        row = result.folds.iloc[fold]
        assert row["coverage_0.8"] == pytest.approx(coverage(y_true, table["lower_0.8"], table["upper_0.8"]))
        assert row["msis_0.95"] == pytest.approx(msis(
            y_true, table["lower_0.95"], table["upper_0.95"], y_train=history.iloc[:origin],
            coverage=0.95, seasonal_period=2))
        assert row["wql"] == pytest.approx(wql(y_true, model.predict_quantiles(alpha=[0.25, 0.5, 0.75])))
    with pytest.raises(TypeError, match="need a forecaster with predict_interval"):
        backtest(RecordingForecaster(horizon=2), series(20), metrics=["coverage"])


class FutureEcho(BaseForecaster):
    """Forecasts its future covariates: shows which rows of X reach predict."""

    _uses_covariates = True

    def __init__(self, *, horizon=1):
        self.horizon = horizon

    def _fit(self, panel):
        pass

    def _predict(self, panel):
        return np.stack(panel.future_covariates)


def test_panel_covariates_reach_each_fold_aligned():
    panel = pd.concat(ragged_panel(), names=["id", "month"])
    X = pd.DataFrame({"x": panel.to_numpy() * 10.0}, index=panel.index).sample(frac=1.0, random_state=0)
    for refit in (True, False):
        result = backtest(FutureEcho(), panel, X, horizon=2, n_folds=3, refit=refit, metrics=["mae"])
        np.testing.assert_allclose(result.forecasts["y_pred"], 10.0 * result.forecasts["y_true"])
    lists = backtest(FutureEcho(), [s.to_numpy() for s in ragged_panel().values()],
                     [10.0 * s.to_numpy()[:, None] for s in ragged_panel().values()],
                     horizon=2, metrics=["mae"])
    np.testing.assert_allclose(lists.forecasts["y_pred"], 10.0 * lists.forecasts["y_true"])


def test_panel_errors_name_the_series():
    panel = ragged_panel()
    with pytest.raises(ValueError, match=r"series 'a' of y is too short for n_folds=8"):
        backtest(NaiveForecaster(horizon=3), panel, n_folds=8)
    with pytest.raises(ValueError, match=r"series 'a' of y is too short: initial=18 \+ horizon=3"):
        backtest(NaiveForecaster(horizon=3), panel, initial=18)
    with pytest.raises(ValueError, match=r"at most 2 folds fit in series 'a' of y"):
        backtest(NaiveForecaster(horizon=3), panel, initial=12, n_folds=5)
    zeros = {"a": panel["a"], "z": panel["b"] * 0.0}
    with pytest.raises(ValueError, match=r"fold 0, series 'z' of y \(origin .*\): metric 'mape' failed"):
        backtest(NaiveForecaster(horizon=3), zeros, metrics=["mape"])
    with pytest.raises(ValueError, match=r"fold 0, series 'z' of y .*'mase' failed: mase is undefined"):
        backtest(NaiveForecaster(horizon=3), zeros, metrics=["mase"])
    with pytest.raises(ValueError, match="X has no series 'b'"):
        backtest(NaiveForecaster(horizon=3), panel, {"a": np.ones((20, 1))})


def test_n_jobs_gives_the_results_of_one_job():
    panel = ragged_panel()
    kwargs = {"horizon": 3, "n_folds": 4, "step": 2, "metrics": ("mae", "coverage", "wql")}
    one = backtest(DriftForecaster(), panel, n_jobs=1, **kwargs)
    two = backtest(DriftForecaster(), panel, n_jobs=2, **kwargs)
    pd.testing.assert_frame_equal(one.folds, two.folds)
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)
    timing = ["fit_time", "predict_time"]
    pd.testing.assert_frame_equal(one.aggregate.drop(columns=timing), two.aggregate.drop(columns=timing))
