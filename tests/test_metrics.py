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
    for bad in (0, -1, 1.5, True, "12"):
        with pytest.raises(ValueError, match="seasonal_period must be a positive integer"):
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
