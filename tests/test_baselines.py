import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from lstm_forecast._time_index import future_index, has_time_frequency
from lstm_forecast.baselines import (
    DriftForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
)

ALL = [NaiveForecaster, SeasonalNaiveForecaster, DriftForecaster]


def airline_like(n_years=12, freq="MS"):
    """Monthly series with trend and multiplicative yearly seasonality (like AirPassengers)."""
    t = np.arange(12 * n_years)
    season = 1 + 0.25 * np.sin(2 * np.pi * t / 12) + 0.1 * np.cos(4 * np.pi * t / 12)
    values = (100 + 2.5 * t) * season
    index = pd.date_range("1949-01-01", periods=len(t), freq=freq)
    return pd.Series(values, index=index, name="passengers")


# --- future_index -------------------------------------------------------------------


@pytest.mark.parametrize("freq", ["MS", "ME"])
@pytest.mark.parametrize("drop_freq", [False, True])
def test_future_index_monthly(freq, drop_freq):
    index = pd.date_range("2023-11-01", periods=4, freq=freq, name="month")
    if drop_freq:
        index = pd.DatetimeIndex(list(index), name="month")
        assert index.freq is None
    future = future_index(index, 3)
    expected = pd.date_range(index[-1], periods=4, freq=freq)[1:]
    assert list(future) == list(expected)
    assert future.name == "month"
    if freq == "MS":
        assert [d.day for d in future] == [1, 1, 1]
    else:
        assert [str(d.date()) for d in future] == ["2024-03-31", "2024-04-30", "2024-05-31"]


def test_future_index_keeps_time_zone_and_business_days():
    daily = pd.date_range("2024-03-01", periods=5, freq="D", tz="Europe/Paris")
    assert future_index(daily, 2).tz == daily.tz
    # Thu 7 March 2024 .. Fri 15 March, weekend skipped, no freq set: inferred as "B".
    bdays = pd.DatetimeIndex(
        [
            "2024-03-07",
            "2024-03-08",
            "2024-03-11",
            "2024-03-12",
            "2024-03-13",
            "2024-03-14",
            "2024-03-15",
        ]
    )
    assert bdays.freq is None
    assert [str(d.date()) for d in future_index(bdays, 2)] == ["2024-03-18", "2024-03-19"]


def test_future_index_period():
    index = pd.period_range("2023-11", periods=3, freq="M")
    future = future_index(index, 3)
    assert isinstance(future, pd.PeriodIndex)
    assert list(future.astype(str)) == ["2024-02", "2024-03", "2024-04"]
    quarters = future_index(pd.period_range("2024Q3", periods=2, freq="Q"), 2)
    assert list(quarters.astype(str)) == ["2025Q1", "2025Q2"]


def test_future_index_integers():
    assert future_index(pd.RangeIndex(5), 3).equals(pd.RangeIndex(5, 8))
    assert future_index(pd.RangeIndex(10, 20, 2), 2).equals(pd.RangeIndex(20, 24, 2))
    assert list(future_index(pd.Index([2001, 2002, 2003]), 2)) == [2004, 2005]
    assert list(future_index(pd.Index([7]), 2)) == [8, 9]


@pytest.mark.parametrize(
    "index",
    [
        pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-05"]),
        pd.DatetimeIndex(["2024-01-01", "2024-01-02"]),
        pd.Index([1, 2, 4]),
        pd.Index([0.0, 1.0, 2.0]),
        pd.Index(["a", "b", "c"]),
        pd.RangeIndex(0),
    ],
)
def test_future_index_rejects_unextendable(index):
    with pytest.raises(ValueError):
        future_index(index, 1)


@pytest.mark.parametrize(("horizon", "error"), [(0, ValueError), (-2, ValueError), (1.0, TypeError),
                                                 (True, TypeError)])
def test_future_index_horizon_validation(horizon, error):
    with pytest.raises(error, match="horizon"):
        future_index(pd.RangeIndex(3), horizon)


def test_has_time_frequency():
    assert has_time_frequency(pd.date_range("2024", periods=3, freq="h"))
    assert has_time_frequency(pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-03"]))
    assert not has_time_frequency(pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-05"]))
    assert not has_time_frequency(pd.RangeIndex(3))


# --- forecasts ----------------------------------------------------------------------


def test_naive_repeats_last_value():
    forecast = NaiveForecaster(horizon=3).fit([1.0, 5.0, 2.0]).predict()
    np.testing.assert_array_equal(forecast, [2.0, 2.0, 2.0])


def test_drift_extends_first_to_last_line():
    forecast = DriftForecaster(horizon=2).fit([10.0, 7.0, 12.0, 13.0]).predict()
    np.testing.assert_allclose(forecast, [14.0, 15.0])


def test_seasonal_naive_returns_exactly_the_last_season():
    y = airline_like()
    model = SeasonalNaiveForecaster(horizon=24, seasonal_period=12).fit(y)
    forecast = model.predict()
    assert isinstance(forecast, pd.Series)
    assert forecast.name == "passengers"
    np.testing.assert_array_equal(forecast.to_numpy(), np.tile(y.to_numpy()[-12:], 2))
    assert forecast.index.equals(pd.date_range("1961-01-01", periods=24, freq="MS"))
    np.testing.assert_array_equal(model.last_season_[0, :, 0], y.to_numpy()[-12:])


def test_seasonal_naive_partial_season_and_period_one():
    y = np.arange(10.0)
    forecast = SeasonalNaiveForecaster(horizon=5, seasonal_period=3).fit(y).predict()
    np.testing.assert_array_equal(forecast, [7.0, 8.0, 9.0, 7.0, 8.0])
    naive = NaiveForecaster(horizon=4).fit(y).predict()
    np.testing.assert_array_equal(
        SeasonalNaiveForecaster(horizon=4, seasonal_period=1).fit(y).predict(), naive
    )


@pytest.mark.parametrize("Forecaster", ALL)
def test_output_types_follow_the_series(Forecaster):
    values = np.array([1.0, 3.0, 2.0, 6.0, 5.0])
    model = Forecaster(horizon=2)
    assert isinstance(model.fit(values).predict(), np.ndarray)
    assert model.predict().shape == (2,)
    # A Series without a time index gives an array, as documented.
    assert isinstance(model.fit(pd.Series(values)).predict(), np.ndarray)
    # A 2-D input keeps its 2-D shape, even with a single column.
    assert model.fit(values[:, None]).predict().shape == (2, 1)
    period = pd.Series(values, index=pd.period_range("2020", periods=5, freq="Y"), name="v")
    forecast = model.fit(period).predict()
    assert isinstance(forecast, pd.Series)
    assert list(forecast.index.astype(str)) == ["2025", "2026"]
    assert forecast.name == "v"


@pytest.mark.parametrize("Forecaster", ALL)
def test_several_targets(Forecaster):
    index = pd.date_range("2024-01-01", periods=6, freq="D")
    y = pd.DataFrame({"a": np.arange(6.0), "b": 10.0 * np.arange(6.0) ** 2}, index=index)
    model = Forecaster(horizon=3).fit(y)
    forecast = model.predict()
    assert isinstance(forecast, pd.DataFrame)
    assert list(forecast.columns) == ["a", "b"]
    assert forecast.index.equals(pd.date_range("2024-01-07", periods=3, freq="D"))
    for column in ["a", "b"]:
        single = Forecaster(horizon=3).fit(y[column]).predict()
        np.testing.assert_allclose(forecast[column].to_numpy(), single.to_numpy())
    assert model.n_targets_ == 2


@pytest.mark.parametrize("Forecaster", ALL)
def test_predict_from_new_history_equals_refitting(Forecaster):
    rng = np.random.default_rng(0)
    y = pd.Series(
        rng.normal(size=30).cumsum(), index=pd.date_range("2024-01-01", periods=30, freq="W")
    )
    params = {"seasonal_period": 4} if Forecaster is SeasonalNaiveForecaster else {}
    model = Forecaster(horizon=5, **params).fit(y.iloc[:10])
    for end in (10, 17, 30):
        history = y.iloc[:end]
        from_history = model.predict(y=history)
        refit = clone(model).fit(history).predict()
        pd.testing.assert_series_equal(from_history, refit)
        assert from_history.index[0] == history.index[-1] + history.index.freq
    # The fitted state is untouched by forecasting from another history.
    pd.testing.assert_series_equal(model.predict(), clone(model).fit(y.iloc[:10]).predict())


@pytest.mark.parametrize("Forecaster", ALL)
def test_covariates_are_accepted_and_ignored(Forecaster):
    y = np.arange(8.0) ** 1.5
    X = np.random.default_rng(0).normal(size=(8, 2))
    plain = Forecaster(horizon=3).fit(y).predict()
    with_x = Forecaster(horizon=3).fit(y, X)
    np.testing.assert_array_equal(with_x.predict(np.zeros((3, 2))), plain)
    np.testing.assert_array_equal(with_x.predict(np.zeros((11, 2)), y=y), plain)
    with pytest.raises(ValueError, match="X must have one row per observation"):
        Forecaster(horizon=3).fit(y, X[:5])
    with pytest.raises(ValueError, match="X must have horizon=3 rows"):
        with_x.predict(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"len\(y\) \+ horizon = 11"):
        with_x.predict(np.zeros((3, 2)), y=y)


@pytest.mark.parametrize("Forecaster", ALL)
def test_horizon_validation(Forecaster):
    for bad in (0, -1, 2.0, True, None):
        with pytest.raises(ValueError, match=r"The 'horizon' parameter .* must be an int in the range"):
            Forecaster(horizon=bad).fit([1.0, 2.0, 3.0])
    model = Forecaster(horizon=2).fit([1.0, 2.0, 3.0])
    model.set_params(horizon=0)
    with pytest.raises(ValueError, match="horizon"):
        model.predict()


@pytest.mark.parametrize("Forecaster", ALL)
def test_input_validation(Forecaster):
    with pytest.raises(NotFittedError):
        Forecaster().predict()
    with pytest.raises(ValueError, match="y contains NaN"):
        Forecaster().fit([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="empty"):
        Forecaster().fit([])
    model = Forecaster(horizon=1).fit(np.ones((4, 2)) * [[1.0, 2.0]] + np.arange(4)[:, None])
    with pytest.raises(ValueError, match="the 2 target"):
        model.predict(y=[1.0, 2.0, 3.0])


def test_seasonal_naive_validation():
    with pytest.raises(ValueError, match=r"The 'seasonal_period' parameter .* must be an int"):
        SeasonalNaiveForecaster(seasonal_period=0).fit([1.0, 2.0])
    with pytest.raises(ValueError, match="at least 12 observations in y"):
        SeasonalNaiveForecaster(seasonal_period=12).fit(np.arange(11.0))
    model = SeasonalNaiveForecaster(seasonal_period=3).fit(np.arange(6.0))
    with pytest.raises(ValueError, match="at least 3 observations in y"):
        model.predict(y=[1.0, 2.0])
    with pytest.raises(ValueError, match="at least 2 observations"):
        DriftForecaster().fit([1.0])


def test_sklearn_estimator_api():
    model = SeasonalNaiveForecaster(horizon=4, seasonal_period=2)
    assert model.get_params() == {"horizon": 4, "seasonal_period": 2}
    copy = clone(model.set_params(horizon=6))
    assert copy.horizon == 6
    assert not hasattr(copy, "last_season_")
    with pytest.raises(TypeError):
        NaiveForecaster(3)  # keyword-only
    assert "seasonal_period=2" in repr(model)


# --- panels and prediction intervals ----------------------------------------------------


@pytest.mark.parametrize("Forecaster", ALL)
def test_a_panel_forecasts_each_series_as_alone(Forecaster):
    rng = np.random.default_rng(3)
    panel = {f"s{i}": rng.normal(size=n).cumsum() for i, n in enumerate([9, 14, 11])}
    params = {"seasonal_period": 3} if Forecaster is SeasonalNaiveForecaster else {}
    together = Forecaster(horizon=4, **params).fit(panel)
    intervals = together.predict_interval(coverage=[0.5, 0.9])
    for key, series in panel.items():
        alone = Forecaster(horizon=4, **params).fit(series)
        np.testing.assert_allclose(together.predict()[key], alone.predict())
        pd.testing.assert_frame_equal(intervals[key], alone.predict_interval(coverage=[0.5, 0.9]))


def test_textbook_interval_widths():
    """FPP3 section 5.5: naive sigma*sqrt(h), seasonal naive sigma*sqrt(k+1), drift sigma*sqrt(h(1+h/T))."""
    from scipy.stats import norm

    y = np.array([3.0, 5.0, 4.0, 8.0, 6.0, 9.0, 7.0, 12.0])
    z = norm.ppf(0.9)
    naive = NaiveForecaster(horizon=4).fit(y)
    sigma = np.sqrt(np.mean(np.diff(y) ** 2))
    assert naive.sigma_[0, 0] == pytest.approx(sigma)
    upper = naive.predict_interval(coverage=0.8)[(0, 0.8, "upper")].to_numpy()
    np.testing.assert_allclose(upper - y[-1], z * sigma * np.sqrt([1, 2, 3, 4]))

    seasonal = SeasonalNaiveForecaster(horizon=5, seasonal_period=2).fit(y)
    sigma = np.sqrt(np.mean((y[2:] - y[:-2]) ** 2))
    lower = seasonal.predict_interval(coverage=0.8)[(0, 0.8, "lower")].to_numpy()
    np.testing.assert_allclose(seasonal.predict() - lower, z * sigma * np.sqrt([1, 1, 2, 2, 3]))

    drift = DriftForecaster(horizon=3).fit(y)
    changes = np.diff(y) - (y[-1] - y[0]) / 7
    sigma = np.sqrt(np.sum(changes**2) / (len(changes) - 1))
    assert drift.sigma_[0, 0] == pytest.approx(sigma)
    h = np.arange(1, 4)
    band = drift.predict_interval(coverage=0.8)
    width = band[(0, 0.8, "upper")] - band[(0, 0.8, "lower")]
    np.testing.assert_allclose(width, 2 * z * sigma * np.sqrt(h * (1 + h / 8)))


@pytest.mark.parametrize("Forecaster", ALL)
def test_intervals_are_calibrated_on_their_own_model(Forecaster):
    """On 3000 series simulated from each method's own model, coverage is the nominal one."""
    rng = np.random.default_rng(0)
    n_series, n, horizon, m = 3000, 40, 6, 4
    shocks = rng.normal(size=(n_series, n + horizon))
    if Forecaster is SeasonalNaiveForecaster:
        paths = np.zeros_like(shocks)
        paths[:, :m] = rng.normal(size=(n_series, m)) * 5
        for t in range(m, n + horizon):
            paths[:, t] = paths[:, t - m] + shocks[:, t]
        params = {"seasonal_period": m}
    else:
        drift = 0.5 if Forecaster is DriftForecaster else 0.0
        paths = (shocks + drift).cumsum(axis=1)
        params = {}
    index = pd.MultiIndex.from_product([range(n_series), range(n)], names=["id", "t"])
    model = Forecaster(horizon=horizon, **params).fit(pd.Series(paths[:, :n].ravel(), index=index))
    intervals = model.predict_interval(coverage=[0.8, 0.95])
    future = paths[:, n:].ravel()  # rows (id, t) of the forecasts, series after series
    for level in (0.8, 0.95):
        lower, upper = intervals[(0, level, "lower")], intervals[(0, level, "upper")]
        inside = ((lower <= future) & (future <= upper)).mean()
        assert inside == pytest.approx(level, abs=0.025)


def test_intervals_need_residuals():
    with pytest.raises(ValueError, match=r"needs at least 2 observations in a series .*; y has 1"):
        NaiveForecaster().fit([1.0]).predict_interval()
    model = DriftForecaster().fit({"a": [1.0, 2.0, 4.0], "b": [1.0, 2.0]})
    assert list(model.predict()) == ["a", "b"]
    with pytest.raises(ValueError, match=r"needs at least 3 observations .*; series 'b' of y has 2"):
        model.predict_quantiles()
    with pytest.raises(ValueError, match=r"needs at least 3 observations .*; series 'b' of y has 2"):
        seasonal = SeasonalNaiveForecaster(seasonal_period=2)
        seasonal.fit({"a": [1.0, 2.0, 4.0], "b": [1.0, 2.0]}).predict_interval()


def test_seasonal_period_from_the_frequency():
    monthly = pd.Series(np.arange(30.0), index=pd.date_range("2020-01-01", periods=30, freq="MS"))
    assert SeasonalNaiveForecaster(seasonal_period=None).fit(monthly).seasonal_period_ == 12
    assert SeasonalNaiveForecaster(seasonal_period=None).fit(np.arange(5.0)).seasonal_period_ == 1
    model = SeasonalNaiveForecaster(seasonal_period=None, horizon=2).fit(monthly)
    with pytest.raises(ValueError, match="at least 12 observations in y, got 5"):
        model.predict(y=monthly.iloc[:5])
