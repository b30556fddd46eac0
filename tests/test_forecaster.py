"""LSTMForecaster on one series: shapes, future index, strategies, covariates, new history,
sklearn tooling (panels: test_forecaster_panel.py; every container: test_forecaster_contract.py)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from lstm_forecast import LSTMForecaster, LSTMRegressor, backtest
from lstm_forecast.datasets import load_airline


def tiny(**params):
    return LSTMRegressor(hidden_size=8, max_epochs=3, batch_size=16, random_state=0, **params)


@pytest.fixture(scope="module")
def airline():
    return load_airline()


def test_forecast_has_future_monthly_index(airline):
    model = LSTMForecaster(tiny(), horizon=6, n_models=1).fit(airline)
    forecast = model.predict()
    assert isinstance(forecast, pd.Series)
    assert list(forecast.index) == list(pd.date_range("1961-01-01", periods=6, freq="MS"))
    assert forecast.name == "passengers"
    assert model.season_ == 12 and model.log_ and model.relative_to_ == "season_trend"


def test_period_index_is_continued():
    y = pd.Series(np.arange(1.0, 41.0), index=pd.period_range("2000Q1", periods=40, freq="Q"))
    forecast = LSTMForecaster(tiny(), horizon=4, n_models=1).fit(y).predict()
    assert list(forecast.index.astype(str)) == ["2010Q1", "2010Q2", "2010Q3", "2010Q4"]


def test_plain_array_gives_array_of_horizon():
    y = np.sin(np.arange(200) / 5.0)
    forecast = LSTMForecaster(tiny(), timesteps=10, horizon=5, n_models=1).fit(y).predict()
    assert isinstance(forecast, np.ndarray) and forecast.shape == (5,)


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_strategies_learn_a_sine(strategy):
    y = np.sin(np.arange(400) * 2 * np.pi / 25)
    model = LSTMForecaster(
        LSTMRegressor(hidden_size=16, max_epochs=30, random_state=0),
        timesteps=25, horizon=5, strategy=strategy, n_models=1, random_state=0,
    ).fit(y[:-5])
    error = np.abs(model.predict() - y[-5:]).max()
    naive = np.abs(y[-6] - y[-5:]).max()
    assert error < naive / 2


def test_several_targets_keep_columns():
    index = pd.date_range("2020-01-01", periods=120, freq="D")
    frame = pd.DataFrame({"a": np.arange(120.0) + 1, "b": np.cos(np.arange(120.0))}, index=index)
    forecast = LSTMForecaster(tiny(), timesteps=14, horizon=3, n_models=1).fit(frame).predict()
    assert isinstance(forecast, pd.DataFrame)
    assert list(forecast.columns) == ["a", "b"] and forecast.shape == (3, 2)
    assert forecast.index[0] == pd.Timestamp("2020-04-30")


def test_covariates_future_values_are_required_and_used():
    rng = np.random.RandomState(0)
    x = rng.normal(size=300)
    y = np.r_[0.0, x[:-1]] * 0 + x * 2.0  # y depends on the same-time covariate
    model = LSTMForecaster(
        LSTMRegressor(hidden_size=16, max_epochs=40, random_state=0), timesteps=5, horizon=2,
        transform=None, n_models=1,
    ).fit(y[:-2], x[:-2, None])
    with pytest.raises(ValueError, match="future values"):
        model.predict()
    with pytest.raises(ValueError, match="2"):
        model.predict(x[-3:, None])
    forecast = model.predict(x[-2:, None])
    assert np.abs(forecast - y[-2:]).max() < 1.0


def test_named_covariates_are_matched_by_name(tmp_path):
    from lstm_forecast import load_model, save_model

    rng = np.random.RandomState(0)
    X = pd.DataFrame({"promo": rng.normal(size=80), "price": rng.normal(size=80)})
    y = pd.Series(2.0 * X["promo"] - X["price"] + 10.0)
    model = LSTMForecaster(tiny(), timesteps=5, horizon=2).fit(y[:-2], X[:-2])
    assert list(model.feature_names_in_) == ["promo", "price"]
    future = X[-2:]
    expected = model.predict(future)
    np.testing.assert_array_equal(model.predict(future[["price", "promo"]]), expected)
    np.testing.assert_array_equal(model.predict(future.to_numpy()), expected)  # arrays: by position
    with pytest.raises(ValueError, match=r"missing \['promo', 'price'\]; unknown \['foo', 'bar'\]"):
        model.predict(future.set_axis(["foo", "bar"], axis=1))
    with pytest.raises(ValueError, match=r"missing \['price'\]"):
        model.predict(future[["promo"]])
    save_model(model, tmp_path / "m.lstmf")
    loaded = load_model(tmp_path / "m.lstmf")
    np.testing.assert_array_equal(loaded.predict(future[["price", "promo"]]), expected)
    unnamed = LSTMForecaster(tiny(), timesteps=5, horizon=2).fit(y[:-2], X[:-2].to_numpy())
    assert not hasattr(unnamed, "feature_names_in_")
    np.testing.assert_array_equal(unnamed.predict(future.to_numpy()), unnamed.predict(future))


def test_new_history_forecasts_without_refitting(airline):
    model = LSTMForecaster(tiny(), horizon=3, n_models=1).fit(airline.iloc[:-24])
    estimators = model.estimators_
    from_history = model.predict(y=airline.iloc[:-12])
    assert model.estimators_ is estimators
    assert from_history.index[0] == airline.index[-12]
    refit_free = model.predict(y=airline.iloc[:-24])
    pd.testing.assert_series_equal(refit_free, model.predict())


def test_same_seed_same_forecast(airline):
    first = LSTMForecaster(tiny(), horizon=3, n_models=1, random_state=1).fit(airline).predict()
    second = LSTMForecaster(tiny(), horizon=3, n_models=1, random_state=1).fit(airline).predict()
    pd.testing.assert_series_equal(first, second)


def test_ensemble_averages_networks(airline):
    model = LSTMForecaster(tiny(), horizon=2, n_models=2, random_state=0).fit(airline)
    assert len(model.estimators_) == 2
    seeds = {est.random_state for est in model.estimators_}
    assert len(seeds) == 2


def test_is_a_clonable_estimator_tunable_in_a_grid(airline):
    model = LSTMForecaster(tiny(), horizon=2)
    assert clone(model).get_params()["estimator__hidden_size"] == 8
    model.set_params(estimator__hidden_size=4)
    assert model.estimator.hidden_size == 4

    class Scored(LSTMForecaster):
        def score(self, y, X=None):
            return 0.0

    grid = GridSearchCV(Scored(tiny(), horizon=2, n_models=1), {"estimator__hidden_size": [4, 8]},
                        cv=2)
    grid.fit(airline.to_numpy())
    assert grid.best_params_["estimator__hidden_size"] in (4, 8)


def test_backtest_refit_free_uses_new_history(airline):
    result = backtest(LSTMForecaster(tiny(), horizon=6, n_models=1), airline, n_folds=2, refit=False,
                      seasonal_period=12)
    assert len(result.folds) == 2 and result.folds["mape"].notna().all()


@pytest.mark.parametrize(
    ("params", "data", "match"),
    [
        ({"horizon": 0}, np.arange(50.0), "'horizon' parameter"),
        ({"timesteps": -1}, np.arange(50.0), "'timesteps' parameter"),
        ({"strategy": "magic"}, np.arange(50.0), "'strategy' parameter"),
        ({"horizon": 49}, np.arange(50.0), "needs at least 51 observations in y, got 50"),
        ({}, np.r_[np.arange(50.0), np.nan], "NaN"),
        ({}, np.array(["a", "b"] * 20), "numbers"),
        ({"transform": "log"}, np.arange(-5.0, 45.0), "strictly positive"),
    ],
)
def test_bad_input_is_a_clear_value_error(params, data, match):
    with pytest.raises(ValueError, match=match):
        LSTMForecaster(tiny(), **params).fit(data)


def test_recursive_forecasts_give_no_quantiles(airline):
    model = LSTMForecaster(tiny(), horizon=3, strategy="recursive", n_models=1).fit(airline)
    assert model.predict().shape == (3,)
    with pytest.raises(ValueError, match="strategy='direct'"):
        model.predict_interval()


def test_unsorted_or_duplicate_time_index_is_rejected():
    index = pd.date_range("2020-01-01", periods=40, freq="D")
    y = pd.Series(np.arange(40.0) + 1, index=index[::-1])
    with pytest.raises(ValueError, match="sorted"):
        LSTMForecaster(tiny()).fit(y)
    y = pd.Series(np.arange(40.0) + 1, index=index.append(index[-1:])[1:])
    with pytest.raises(ValueError, match="duplicate"):
        LSTMForecaster(tiny()).fit(y)
