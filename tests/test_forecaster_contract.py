"""One contract for every forecaster, in the spirit of sktime's ``TestAllForecasters``.

Every class of ``REGISTRY`` runs the same tests: each container of one series and of
panels in, the same container out (type, shape, index, names); forecasts from new
histories; quantiles and intervals in sktime's layout; scikit-learn's estimator API;
safe persistence of plain-data fitted state; and the bad input of a panel, rejected with
a message that names the series.

To add a forecaster, append ``(class, parameters)`` to ``REGISTRY``: the parameters
(besides ``horizon``) of a small, fast and deterministic configuration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError

from lstm_forecast import (
    DriftForecaster,
    LSTMForecaster,
    LSTMRegressor,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    backtest,
    from_long,
    load_model,
    save_model,
    to_long,
)

REGISTRY = [
    (NaiveForecaster, {}),
    (SeasonalNaiveForecaster, {"seasonal_period": 4}),
    (DriftForecaster, {}),
    (LSTMForecaster, {"estimator": LSTMRegressor(hidden_size=4, max_epochs=2, batch_size=16,
                                                 random_state=0),
                      "n_models": 1, "random_state": 0}),
]
H = 3
LENGTHS = (26, 32, 29)  # ragged panels


def ids(entry):
    return entry[0].__name__


@pytest.fixture(params=REGISTRY, ids=ids)
def make(request):
    cls, params = request.param

    def factory(horizon=H):
        return cls(horizon=horizon, **params)

    factory.cls = cls
    return factory


def values(n, seed=0, level=20.0):
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return level + 0.3 * t + 2.0 * np.sin(2 * np.pi * t / 4) + rng.normal(scale=0.5, size=n)


def monthly(n, seed=0, start="2020-01-01", name="sales", level=20.0):
    return pd.Series(values(n, seed, level), index=pd.date_range(start, periods=n, freq="MS"),
                     name=name)


def multiindex_panel(frame=False):
    parts = {f"s{i}": monthly(n, seed=i, start=f"20{10 + i}-01-01", level=10.0 * (i + 1))
             for i, n in enumerate(LENGTHS)}
    y = pd.concat(parts, names=["id", "month"])
    y.name = "sales"
    if frame:
        return pd.DataFrame({"sales": y, "returns": y * 0.1 + 1.0})
    return y


def as_array(out):
    return out.to_numpy() if isinstance(out, (pd.Series, pd.DataFrame)) else np.asarray(out)


# ------------------------------------------------------------------ one series
def test_array_in_array_out(make):
    y = values(30)
    model = make().fit(y)
    assert model.fit(y) is model
    forecast = model.predict()
    assert isinstance(forecast, np.ndarray) and forecast.shape == (H,)
    assert np.isfinite(forecast).all()
    assert make().fit(np.column_stack([y, 2 * y])).predict().shape == (H, 2)


@pytest.mark.parametrize("index", [pd.date_range("2020-01-01", periods=30, freq="MS"),
                                   pd.period_range("2015Q1", periods=30, freq="Q")],
                         ids=["datetime", "period"])
def test_series_with_time_index(make, index):
    y = pd.Series(values(30), index=index, name="sales")
    forecast = make().fit(y).predict()
    assert isinstance(forecast, pd.Series) and forecast.name == "sales"
    expected = pd.period_range(index[-1] + 1, periods=H) if isinstance(index, pd.PeriodIndex) \
        else pd.date_range(index[-1], periods=H + 1, freq="MS")[1:]
    assert forecast.index.equals(expected)


def test_dataframe_of_two_targets(make):
    y = pd.DataFrame({"a": values(30), "b": values(30, seed=1, level=50.0)},
                     index=pd.date_range("2021-01-04", periods=30, freq="W-MON"))
    forecast = make().fit(y).predict()
    assert isinstance(forecast, pd.DataFrame) and list(forecast.columns) == ["a", "b"]
    assert forecast.index[0] == y.index[-1] + pd.Timedelta(weeks=1) and len(forecast) == H
    quantiles = make().fit(y).predict_quantiles(alpha=[0.1, 0.9])
    assert list(quantiles.columns) == [("a", 0.1), ("a", 0.9), ("b", 0.1), ("b", 0.9)]


# ------------------------------------------------------------------ panels
def test_list_panel_with_ragged_lengths(make):
    panel = [values(n, seed=i) for i, n in enumerate(LENGTHS)]
    model = make().fit(panel)
    forecasts = model.predict()
    assert isinstance(forecasts, list) and len(forecasts) == len(panel)
    assert all(isinstance(f, np.ndarray) and f.shape == (H,) for f in forecasts)
    assert model.n_series_ == 3 and model.ids_ == [0, 1, 2]


def test_dict_panel_keeps_keys_and_each_future_index(make):
    panel = {"x": monthly(26, 0, "2019-01-01"), "y": monthly(30, 1, "2018-06-01")}
    forecasts = make().fit(panel).predict()
    assert list(forecasts) == ["x", "y"]
    for key, series in panel.items():
        assert forecasts[key].index.equals(pd.date_range(series.index[-1], periods=H + 1, freq="MS")[1:])


@pytest.mark.parametrize("frame", [False, True], ids=["series", "frame"])
def test_multiindex_panel(make, frame):
    y = multiindex_panel(frame)
    forecasts = make().fit(y).predict()
    assert type(forecasts) is type(y)
    assert forecasts.index.names == ["id", "month"]
    assert forecasts.index.get_level_values(0).unique().tolist() == ["s0", "s1", "s2"]
    for series_id in ["s0", "s1", "s2"]:
        last = y.xs(series_id).index[-1]
        got = forecasts.xs(series_id).index
        assert got.equals(pd.date_range(last, periods=H + 1, freq="MS")[1:].rename("month"))
    if frame:
        assert list(forecasts.columns) == ["sales", "returns"]


def test_rows_of_a_multiindex_panel_in_any_order(make):
    y = multiindex_panel()
    shuffled = y.sample(frac=1.0, random_state=0)
    pd.testing.assert_series_equal(make().fit(shuffled).predict(), make().fit(y).predict())


def test_long_table_round_trip(make):
    y = multiindex_panel()
    table = to_long(y)
    assert list(table.columns) == ["unique_id", "ds", "sales"] and len(table) == sum(LENGTHS)
    panel = from_long(table)
    assert panel.index.names == ["unique_id", "ds"]
    forecasts = to_long(make().fit(panel["sales"]).predict())
    assert len(forecasts) == 3 * H and list(forecasts.columns) == ["unique_id", "ds", "sales"]
    np.testing.assert_allclose(forecasts["sales"], as_array(make().fit(y).predict()))


def test_same_forecasts_whatever_the_container(make):
    parts = {f"s{i}": monthly(n, seed=i, start=f"20{10 + i}-01-01", level=10.0 * (i + 1))
             for i, n in enumerate(LENGTHS)}
    by_dict = make().fit(parts).predict()
    by_list = make().fit(list(parts.values())).predict()
    by_index = make().fit(multiindex_panel()).predict()
    stacked = np.concatenate([as_array(by_dict[k]) for k in parts])
    np.testing.assert_allclose(stacked, np.concatenate([as_array(f) for f in by_list]))
    np.testing.assert_allclose(stacked, as_array(by_index))


# ------------------------------------------------------------------ new histories
def test_predict_from_a_new_panel_of_unseen_series(make):
    model = make().fit(multiindex_panel())
    before = model.predict()
    new = {"new-a": monthly(28, seed=7, start="2022-01-01"), "new-b": monthly(27, seed=8)}
    forecasts = model.predict(y=new)
    assert list(forecasts) == ["new-a", "new-b"]
    assert forecasts["new-a"].index[0] == pd.Timestamp("2024-05-01")
    pd.testing.assert_series_equal(model.predict(), before)  # the fitted state is untouched
    with pytest.raises(ValueError, match="target"):
        model.predict(y=np.ones((30, 2)))


def test_quantiles_and_intervals_of_a_new_history(make):
    model = make().fit(values(30))
    new = pd.Series(values(28, seed=3), index=pd.period_range("2001", periods=28, freq="Y"))
    intervals = model.predict_interval(y=new, coverage=0.8)
    assert intervals.index.equals(pd.period_range("2029", periods=H, freq="Y"))


# ------------------------------------------------------------------ probabilistic API
@pytest.mark.parametrize("container", ["array", "list", "dict", "multiindex"])
def test_quantile_and_interval_layout(make, container):
    data = {"array": values(30), "list": [values(n, i) for i, n in enumerate(LENGTHS)],
            "dict": {"a": monthly(28), "b": monthly(30, 1)}, "multiindex": multiindex_panel()}[container]
    model = make().fit(data)
    alphas = [0.9, 0.1, 0.5]
    quantiles = model.predict_quantiles(alpha=alphas)
    intervals = model.predict_interval(coverage=[0.5, 0.9])
    if container == "array":
        frames_q, frames_i = [quantiles], [intervals]
    elif container == "list":
        frames_q, frames_i = quantiles, intervals
    elif container == "dict":
        assert list(quantiles) == ["a", "b"] and list(intervals) == ["a", "b"]
        frames_q, frames_i = list(quantiles.values()), list(intervals.values())
    else:
        assert quantiles.index.names == ["id", "month"] and len(quantiles) == 3 * H
        assert quantiles.index.equals(model.predict().index)
        frames_q, frames_i = [quantiles], [intervals]
    variable = "sales" if container in ("dict", "multiindex") else 0
    for q, interval in zip(frames_q, frames_i, strict=True):
        assert list(q.columns) == [(variable, a) for a in alphas]
        ends = ("lower", "upper")
        assert list(interval.columns) == [(variable, c, end) for c in (0.5, 0.9) for end in ends]
        assert (q[(variable, 0.1)] <= q[(variable, 0.5)]).all()
        assert (q[(variable, 0.5)] <= q[(variable, 0.9)]).all()
        assert (interval[(variable, 0.9, "lower")] <= interval[(variable, 0.5, "lower")]).all()
        assert (interval[(variable, 0.5, "upper")] <= interval[(variable, 0.9, "upper")]).all()
        assert (interval[(variable, 0.5, "lower")] <= q[(variable, 0.5)]).all()
        assert (q[(variable, 0.5)] <= interval[(variable, 0.5, "upper")]).all()
    if container == "array":
        assert quantiles.index.equals(pd.RangeIndex(30, 30 + H))
        default = model.predict_quantiles()
        assert list(default.columns) == [(0, 0.05), (0, 0.95)]


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"alpha": 0.0}, ValueError), ({"alpha": [0.5, 0.5]}, ValueError),
    ({"alpha": "0.5"}, TypeError), ({"alpha": []}, ValueError)])
def test_bad_probability_levels(make, kwargs, error):
    model = make().fit(values(30))
    with pytest.raises(error, match="alpha"):
        model.predict_quantiles(**kwargs)
    with pytest.raises(ValueError, match="coverage"):
        model.predict_interval(coverage=1.0)


# ------------------------------------------------------------------ estimator API
def test_clone_get_params_and_not_fitted(make):
    model = make()
    params = model.get_params()
    assert "horizon" in params and params["horizon"] == H
    copy = clone(model.set_params(horizon=5))
    assert copy.get_params()["horizon"] == 5
    for method in ("predict", "predict_quantiles", "predict_interval"):
        with pytest.raises(NotFittedError):
            getattr(copy, method)()
    fitted = make().fit(values(30))
    assert not hasattr(clone(fitted), "n_series_")
    with pytest.raises(ValueError, match="horizon"):
        make(horizon=0).fit(values(30))
    with pytest.raises(ValueError, match="horizon"):
        make(horizon=True).fit(values(30))


def _plain(value):
    """What the safe model format stores: plain data, and estimators (the fitted networks)."""
    if isinstance(value, (np.ndarray, pd.Index, str, bool, int, float, np.generic, type(None),
                          BaseEstimator)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return False


@pytest.mark.parametrize("container", ["array", "multiindex"])
def test_fitted_state_is_declared_plain_data(make, container):
    model = make().fit(values(30) if container == "array" else multiindex_panel())
    state = {k: v for k, v in vars(model).items() if k not in model.get_params(deep=False)}
    optional = {"feature_names_in_"}  # only with string-named covariate columns
    assert set(state) - optional == set(type(model)._persist_attributes) - optional
    assert set(state) <= set(type(model)._persist_attributes)
    for name, value in state.items():
        assert _plain(value), f"{name} is not plain data: {type(value)}"


@pytest.mark.parametrize("container", ["array", "datetime", "dict", "multiindex"])
def test_save_and_load_round_trip(make, container, tmp_path):
    data = {"array": values(30), "datetime": monthly(30), "dict": {"a": monthly(28), "b": monthly(30, 1)},
            "multiindex": multiindex_panel(frame=True)}[container]
    model = make().fit(data)
    save_model(model, tmp_path / "model.lstmf")
    restored = load_model(tmp_path / "model.lstmf")
    for method, kwargs in (("predict", {}), ("predict_interval", {"coverage": 0.8})):
        expected, got = getattr(model, method)(**kwargs), getattr(restored, method)(**kwargs)
        if isinstance(expected, dict):
            assert list(got) == list(expected)
            expected, got = list(expected.values()), list(got.values())
        for e, g in zip(expected if isinstance(expected, list) else [expected],
                        got if isinstance(got, list) else [got], strict=True):
            if isinstance(e, np.ndarray):
                np.testing.assert_array_equal(g, e)
            else:
                assert g.equals(e) and g.index.equals(e.index)


def test_backtest_over_a_panel(make):
    result = backtest(make(), multiindex_panel(), n_folds=2, metrics=["smape", "mase", "coverage"],
                      coverage=0.8)
    assert len(result.folds) == 3 * 2 and len(result.aggregate) == 2
    assert set(result.folds["series"]) == {"s0", "s1", "s2"}
    assert np.isfinite(result.folds[["smape", "mase", "coverage_0.8"]].to_numpy()).all()


# ------------------------------------------------------------------ bad input
def _bad_panels(make):
    good = monthly(30, 1)
    with_nan = monthly(30, 2).copy()
    with_nan.iloc[5] = np.nan
    quarterly = pd.Series(values(30), index=pd.date_range("2015-01-01", periods=30, freq="QS"))
    yield "empty", {"a": good, "b": good.iloc[:0]}, r"series 'b' of y is empty"
    yield "all-nan", {"a": good, "b": good * np.nan}, r"series 'b' of y holds only NaN"
    yield "nan", {"a": good, "b": with_nan}, r"series 'b' of y contains NaN"
    yield "frequencies", {"a": good, "q": quarterly}, r"series 'q' of y does not follow the frequency"
    yield "gap", {"a": good, "g": good.drop(good.index[10])}, r"series 'g' of y does not follow"
    doubled = pd.concat([multiindex_panel(), multiindex_panel().xs("s1", drop_level=False).iloc[:2]])
    yield "duplicate-ids", doubled, r"two rows for series 's1' of y"
    needed = make()._min_length(1, False)
    if needed > 1:
        yield "too-short", {"a": good, "short": good.iloc[: needed - 1]}, (
            rf"needs at least {needed} observations in every series; series 'short' of y has")


def test_bad_panels_name_the_series(make):
    for case, panel, message in _bad_panels(make):
        with pytest.raises(ValueError, match=message):
            make().fit(panel)
        model = make().fit({"ok": monthly(30)})
        # A forecaster may forecast from fewer values than it needs to train on.
        shorter_history_ok = model._min_length(1, True) < model._min_length(1, False)
        if case not in ("duplicate-ids",) and not (case == "too-short" and shorter_history_ok):
            with pytest.raises(ValueError, match=message):
                model.predict(y=panel)


def test_covariates_missing_for_one_series(make):
    y = {"a": monthly(30), "b": monthly(28, 1)}
    X = {"a": pd.DataFrame({"price": np.arange(30.0)}, index=y["a"].index)}
    with pytest.raises(ValueError, match=r"X has no series 'b'"):
        make().fit(y, X)
    y_index, X_index = multiindex_panel(), multiindex_panel(frame=True)[["returns"]]
    with pytest.raises(ValueError, match=r"X has no \(finite\) values for series 's2'"):
        make().fit(y_index, X_index.drop(index="s2"))
    model = make().fit(y_index, X_index)
    # (id, time) of the forecast steps (a forecaster that uses X cannot forecast without it)
    future = pd.MultiIndex.from_tuples(
        [(key, t) for key in ["s0", "s1", "s2"]
         for t in pd.date_range(y_index.xs(key).index[-1], periods=H + 1, freq="MS")[1:]],
        names=["id", "month"])
    X_future = pd.DataFrame({"returns": 1.0}, index=future)
    assert len(model.predict(X_future)) == 3 * H
    with pytest.raises(ValueError, match=r"series 's0'"):
        model.predict(X_future.drop(index="s0"))
