import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lstm_forecast.metrics import mae, mape, mase, rmse, smape

POINT_METRICS = [mae, rmse, mape, smape]


def test_hand_computed_values():
    y_true = [2.0, 4.0, 5.0, 10.0]
    y_pred = [1.0, 4.0, 7.0, 6.0]  # errors 1, 0, -2, 4
    assert mae(y_true, y_pred) == pytest.approx(7 / 4)
    assert rmse(y_true, y_pred) == pytest.approx(np.sqrt(21 / 4))
    assert mape(y_true, y_pred) == pytest.approx((1 / 2 + 0 + 2 / 5 + 4 / 10) / 4)
    assert smape(y_true, y_pred) == pytest.approx((2 / 3 + 0 + 4 / 12 + 8 / 16) / 4)


def test_metrics_return_python_floats():
    for metric in POINT_METRICS:
        assert type(metric([1.0, 2.0], [1.5, 2.0])) is float
    assert type(mase([1.0], [2.0], y_train=[0.0, 1.0])) is float


def test_perfect_forecast_scores_zero():
    y = np.array([1.0, -2.0, 3.0])
    for metric in POINT_METRICS:
        assert metric(y, y) == 0.0
    assert mase(y, y, y_train=[0.0, 2.0]) == 0.0


@pytest.mark.parametrize("shape", [(7,), (7, 3)])
def test_agree_with_sklearn(shape):
    rng = np.random.default_rng(0)
    y_true = rng.uniform(1, 10, size=shape)
    y_pred = y_true + rng.normal(size=shape)
    assert mae(y_true, y_pred) == pytest.approx(skm.mean_absolute_error(y_true, y_pred))
    assert mape(y_true, y_pred) == pytest.approx(skm.mean_absolute_percentage_error(y_true, y_pred))
    # RMSE averages over all values: the root of the (uniformly averaged) MSE.
    assert rmse(y_true, y_pred) == pytest.approx(np.sqrt(skm.mean_squared_error(y_true, y_pred)))
    if len(shape) == 1:
        assert rmse(y_true, y_pred) == pytest.approx(skm.root_mean_squared_error(y_true, y_pred))


def test_multioutput_averages_over_all_values():
    y_true = np.array([[1.0, 10.0], [2.0, 20.0]])
    y_pred = np.array([[2.0, 10.0], [2.0, 24.0]])
    assert mae(y_true, y_pred) == pytest.approx((1 + 0 + 0 + 4) / 4)
    assert rmse(y_true, y_pred) == pytest.approx(np.sqrt((1 + 16) / 4))


def test_smape_zero_over_zero_counts_as_zero():
    assert smape([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert smape([0.0, 1.0], [0.0, 3.0]) == pytest.approx((0 + 2 * 2 / 4) / 2)
    assert smape([0.0], [5.0]) == 2.0  # upper bound


def test_pandas_inputs_and_1d_vs_column():
    index = pd.date_range("2024-01-01", periods=3, freq="D")
    y_true = pd.Series([1.0, 2.0, 3.0], index=index)
    y_pred = pd.DataFrame({"a": [1.0, 2.0, 5.0]}, index=index)
    assert mae(y_true, y_pred) == pytest.approx(2 / 3)
    assert mae(y_true, np.array([1.0, 2.0, 5.0])) == pytest.approx(2 / 3)
    assert mae([1, 2, 3], [[1], [2], [5]]) == pytest.approx(2 / 3)


def test_mase_known_series():
    y_train = [1.0, 3.0, 2.0, 5.0, 4.0]  # naive in-sample errors 2, 1, 3, 1 -> scale 7/4
    assert mase([6.0, 8.0], [5.0, 5.0], y_train=y_train) == pytest.approx(2 / (7 / 4))
    # seasonal_period=2: errors |2-1|, |5-3|, |4-2| -> scale 5/3
    assert mase([6.0, 8.0], [5.0, 5.0], y_train=y_train, seasonal_period=2) == pytest.approx(
        2 / (5 / 3)
    )


def test_mase_of_in_sample_naive_forecast_is_one():
    rng = np.random.default_rng(1)
    y = np.cumsum(rng.normal(size=50))
    assert mase(y[1:], y[:-1], y_train=y) == pytest.approx(1.0)
    assert mase(y[4:], y[:-4], y_train=y, seasonal_period=4) == pytest.approx(1.0)


def test_mase_scales_each_target_by_its_own_series():
    y_train = np.column_stack([[0.0, 1.0, 2.0], [0.0, 10.0, 20.0]])  # scales 1 and 10
    y_true = np.array([[3.0, 30.0]])
    y_pred = np.array([[1.0, 10.0]])  # scaled errors 2 and 2
    assert mase(y_true, y_pred, y_train=y_train) == pytest.approx(2.0)


@pytest.mark.parametrize("metric", POINT_METRICS)
def test_shape_mismatch(metric):
    with pytest.raises(ValueError, match="same shape"):
        metric([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="same shape"):
        metric(np.ones((3, 2)), np.ones((3, 1)))


@pytest.mark.parametrize("metric", POINT_METRICS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite(metric, bad):
    with pytest.raises(ValueError, match="y_pred contains NaN or infinite"):
        metric([1.0, 2.0], [1.0, bad])
    with pytest.raises(ValueError, match="y_true contains NaN or infinite"):
        metric(pd.Series([1.0, bad]), [1.0, 2.0])


@pytest.mark.parametrize("metric", POINT_METRICS)
def test_empty_and_bad_dimensions(metric):
    with pytest.raises(ValueError, match="empty"):
        metric([], [])
    with pytest.raises(ValueError, match="1-D or 2-D"):
        metric(np.ones((2, 2, 2)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="numbers"):
        metric(["a", "b"], [1.0, 2.0])


def test_mape_rejects_zero_observations():
    with pytest.raises(ValueError, match="mape is undefined.*smape or mase"):
        mape([0.0, 1.0], [1.0, 1.0])


def test_mase_validation():
    with pytest.raises(ValueError, match="longer than seasonal_period=3"):
        mase([1.0], [1.0], y_train=[1.0, 2.0, 3.0], seasonal_period=3)
    with pytest.raises(ValueError, match="zero"):
        mase([1.0], [1.0], y_train=[2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="zero"):
        mase([1.0], [1.0], y_train=[1.0, 2.0, 1.0, 2.0], seasonal_period=2)
    with pytest.raises(ValueError, match="same number of targets"):
        mase(np.ones((2, 2)), np.ones((2, 2)), y_train=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="y_train contains NaN"):
        mase([1.0], [1.0], y_train=[1.0, np.nan, 3.0])
    for bad in (0, -1):
        with pytest.raises(ValueError, match="seasonal_period must be an integer >= 1; got"):
            mase([1.0], [1.0], y_train=[1.0, 2.0, 3.0], seasonal_period=bad)
    for bad in (1.5, True, "12"):
        with pytest.raises(TypeError, match="seasonal_period must be an integer >= 1; got"):
            mase([1.0], [1.0], y_train=[1.0, 2.0, 3.0], seasonal_period=bad)
    with pytest.raises(TypeError):
        mase([1.0], [1.0], [1.0, 2.0])  # y_train is keyword-only


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    pairs=st.integers(1, 20).flatmap(
        lambda n: st.tuples(arrays(float, n, elements=finite), arrays(float, n, elements=finite))
    )
)
def test_metric_invariants(pairs):
    y_true, y_pred = pairs
    assert 0.0 <= mae(y_true, y_pred) <= rmse(y_true, y_pred) * (1 + 1e-12) + 1e-12
    assert 0.0 <= smape(y_true, y_pred) <= 2.0
    assert mae(y_true, y_pred) == pytest.approx(mae(y_pred, y_true))
    assert smape(y_true, y_pred) == pytest.approx(smape(y_pred, y_true))


# --- panels --------------------------------------------------------------------------

from lstm_forecast import NaiveForecaster  # noqa: E402
from lstm_forecast.metrics import coverage, msis, wql  # noqa: E402


def test_panel_scores_are_means_of_per_series_scores():
    y_true = {"a": [1.0, 2.0, 3.0], "b": [10.0, 20.0]}
    y_pred = {"a": [1.0, 2.0, 6.0], "b": [12.0, 20.0]}
    for metric in POINT_METRICS:
        expected = np.mean([metric(y_true[k], y_pred[k]) for k in y_true])
        assert metric(y_true, y_pred) == pytest.approx(expected)
        as_list = metric(list(y_true.values()), [np.asarray(v) for v in y_pred.values()])
        assert as_list == pytest.approx(expected)
    y_train = {"a": [0.0, 1.0, 3.0], "b": [0.0, 10.0]}
    expected = np.mean([mase(y_true[k], y_pred[k], y_train=y_train[k]) for k in y_true])
    assert mase(y_true, y_pred, y_train=y_train) == pytest.approx(expected)
    with pytest.raises(ValueError, match="series 'b' of y_train must be longer than seasonal_period=2"):
        mase(y_true, y_pred, y_train=y_train, seasonal_period=2)
    with pytest.raises(ValueError, match=r"mase is undefined.*\(series 'a' of y_train\)"):
        mase(y_true, y_pred, y_train={"a": [1.0, 1.0], "b": [0.0, 1.0]})
    with pytest.raises(ValueError, match="same series with the same shapes"):
        mae(y_true, {"a": [1.0, 2.0], "b": [1.0, 2.0]})


def test_multiindex_forecasts_are_scored_against_multiindex_truth():
    index = pd.MultiIndex.from_product([["a", "b"], pd.period_range("2024-01", periods=6, freq="M")])
    y = pd.Series(np.arange(1.0, 13.0) ** 1.5, index=index, name="y")
    train = y.groupby(level=0).head(4)
    test = y.groupby(level=0).tail(2)
    model = NaiveForecaster(horizon=2).fit(train)
    forecast = model.predict()
    assert smape(test, forecast) == pytest.approx(np.mean(
        [smape(test.xs(k), forecast.xs(k)) for k in ["a", "b"]]))
    assert mase(test, forecast, y_train=train) == pytest.approx(np.mean(
        [mase(test.xs(k), forecast.xs(k), y_train=train.xs(k)) for k in ["a", "b"]]))
    intervals = model.predict_interval(coverage=0.8)
    lower, upper = intervals[("y", 0.8, "lower")], intervals[("y", 0.8, "upper")]
    assert 0.0 <= coverage(test, lower, upper) <= 1.0
    assert msis(test, lower, upper, y_train=train, coverage=0.8) > 0
    quantiles = model.predict_quantiles(alpha=[0.1, 0.5, 0.9])
    flat = quantiles.to_numpy()
    assert wql(test, quantiles) == pytest.approx(wql(test.to_numpy(), flat, alpha=[0.1, 0.5, 0.9]))


# --- intervals and quantiles ---------------------------------------------------------


def test_coverage_and_msis_by_hand():
    y = np.array([1.0, 5.0, 3.0, -2.0])
    lower, upper = np.array([0.0, 1.0, 3.0, 0.0]), np.array([2.0, 4.0, 3.0, 1.0])
    assert coverage(y, lower, upper) == 0.5  # the ends count as inside
    y_train = [0.0, 2.0, 0.0, 2.0, 0.0]  # scale 2
    a = 0.1
    terms = [2.0, 3.0 + 2 / a * 1.0, 0.0, 1.0 + 2 / a * 2.0]
    assert msis(y, lower, upper, y_train=y_train, coverage=0.9) == pytest.approx(np.mean(terms) / 2)
    with pytest.raises(ValueError, match="lower must not exceed upper"):
        coverage(y, upper, lower)
    with pytest.raises(ValueError, match="coverage must hold numbers strictly between 0 and 1"):
        msis(y, lower, upper, y_train=y_train, coverage=95)
    with pytest.raises(ValueError, match="same shape"):
        coverage(y, lower[:3], upper)


def test_wql_follows_the_gluonts_definition():
    rng = np.random.default_rng(0)
    y = rng.uniform(1, 5, size=(10, 2))
    alphas = [0.1, 0.5, 0.9]
    q = y[..., None] + rng.normal(size=(10, 2, 3))
    per_level = [2 * np.sum(np.abs((q[..., j] - y) * ((y <= q[..., j]) - a))) / np.sum(np.abs(y))
                 for j, a in enumerate(alphas)]
    assert wql(y, q, alpha=alphas) == pytest.approx(np.mean(per_level))
    median = y[:, :1] + 1.0
    assert wql(y[:, 0], median, alpha=0.5) == pytest.approx(np.sum(np.abs(median[:, 0] - y[:, 0])) /
                                                            np.sum(np.abs(y[:, 0])))  # WAPE
    frame = NaiveForecaster(horizon=3).fit(y[:7, 0]).predict_quantiles(alpha=alphas)
    assert wql(y[7:, 0], frame) == pytest.approx(wql(y[7:, 0], frame.to_numpy(), alpha=alphas))
    with pytest.raises(ValueError, match="alpha is needed"):
        wql(y, q)
    with pytest.raises(ValueError, match="does not match the alphas"):
        wql(y[7:, 0], frame, alpha=[0.2, 0.5, 0.9])
    with pytest.raises(ValueError, match="sum"):
        wql(np.zeros(3), np.zeros((3, 1)), alpha=0.5)
    with pytest.raises(ValueError, match="expected"):
        wql(y, q[:, :1], alpha=alphas)


def test_wql_pools_a_panel():
    y_true = {"a": [1.0, 1.0], "b": [100.0, 100.0]}
    y_q = {"a": [[2.0], [2.0]], "b": [[100.0], [100.0]]}
    # pooled: 2 * (0.5 + 0.5) / 202, not the mean of the per-series losses (1.0 and 0.0)
    assert wql(y_true, y_q, alpha=0.5) == pytest.approx(2.0 / 202.0)
