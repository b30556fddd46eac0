"""Containers of series: conversion, time bookkeeping, covariates and long tables."""

import numpy as np
import pandas as pd
import pytest

from lstm_forecast import NaiveForecaster, SeasonalNaiveForecaster, from_long, to_long
from lstm_forecast._panel import container_kind, convert


def monthly(n, start="2020-01-01", seed=0):
    rng = np.random.default_rng(seed)
    return pd.Series(rng.normal(size=n).cumsum() + 10, index=pd.date_range(start, periods=n, freq="MS"))


@pytest.mark.parametrize(
    ("data", "kind"),
    [([1.0, 2.0], "single"), ([[1.0, 2.0], [3.0]], "list"), ((np.ones(3), np.ones(2)), "list"),
     (np.ones((4, 2)), "single"), ({"a": [1.0]}, "dict"), (pd.Series([1.0]), "single"),
     (pd.Series([1.0], index=pd.MultiIndex.from_tuples([("a", 0)])), "multiindex")],
)
def test_container_kinds(data, kind):
    assert container_kind(data) == kind


def test_panel_arrays_are_views_of_one_flat_array():
    converted = convert({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0]})
    panel = converted.panel
    assert panel.flat.shape == (5, 1) and list(panel.lengths) == [3, 2]
    assert all(np.shares_memory(v, panel.flat) for v in panel.values)
    assert panel.describe(1) == "series 'b' of y"
    assert convert([1.0, 2.0]).panel.describe(0) == "y"


def test_integer_times_of_a_multiindex_panel_continue_with_each_series_step():
    index = pd.MultiIndex.from_tuples([("a", 2001), ("a", 2002), ("a", 2003), ("b", 10), ("b", 20)],
                                      names=["id", "year"])
    y = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=index, name="v")
    forecast = NaiveForecaster(horizon=2).fit(y).predict()
    assert forecast.index.tolist() == [("a", 2004), ("a", 2005), ("b", 30), ("b", 40)]
    assert forecast.index.names == ["id", "year"] and forecast.name == "v"
    uneven = pd.Series([1.0, 2.0, 3.0], index=pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("a", 4)]))
    with pytest.raises(ValueError, match="series 'a' of y has integer times whose step is not constant"):
        NaiveForecaster().fit(uneven)


def test_time_zone_and_short_series_of_a_panel():
    paris = {"long": monthly(12).tz_localize("Europe/Paris"),
             "short": monthly(2, start="2021-03-01").tz_localize("Europe/Paris")}
    forecasts = NaiveForecaster(horizon=2).fit(paris).predict()
    assert str(forecasts["short"].index.tz) == "Europe/Paris"
    # The short series has no frequency of its own: it gets the panel's.
    assert forecasts["short"].index[0] == pd.Timestamp("2021-05-01", tz="Europe/Paris")
    with pytest.raises(ValueError, match="different time zones"):
        NaiveForecaster().fit({"a": monthly(5).tz_localize("UTC"), "b": monthly(5)})


def test_multiindex_period_level():
    y = pd.concat({"a": monthly(14).to_period("M"), "b": monthly(12, seed=1).to_period("M")})
    model = SeasonalNaiveForecaster(horizon=2, seasonal_period=None).fit(y)
    assert model.seasonal_period_ == 12 and model.freq_ == "M"
    assert model.predict().index.get_level_values(1).astype(str).tolist() == [
        "2021-03", "2021-04", "2021-01", "2021-02"]
    quarterly = pd.Series(np.arange(4.0), index=pd.period_range("2020Q1", periods=4, freq="Q"))
    with pytest.raises(ValueError, match="series 'b' of y has the frequency Q-DEC"):
        NaiveForecaster().fit({"a": monthly(4).to_period("M"), "b": quarterly})


@pytest.mark.parametrize(
    ("panel", "message"),
    [
        ({"a": monthly(5), "b": np.arange(5.0)}, r"series 'b' of y has no time index but series 'a'"),
        ({"a": pd.DataFrame({"x": [1.0, 2.0]}), "b": pd.DataFrame({"z": [1.0, 2.0]})},
         r"series 'b' of y has the columns \['z'\]"),
        ([np.ones(3), np.ones((3, 2))], r"series 1 of y has shape \(3, 2\)"),
        ([monthly(4).iloc[::-1]], r"time index of series 0 of y must be sorted"),
        (pd.Series([1.0], index=pd.MultiIndex.from_tuples([("a", 1, 2)])), "3 levels"),
        (pd.Series([1.0, 2.0], index=pd.MultiIndex.from_tuples([("a", 0.5), ("a", 1.5)])),
         "time level of y's index must hold timestamps, periods or integers"),
        (pd.Series([1.0, 2.0], index=pd.MultiIndex.from_arrays(
            [["a", "a"], pd.to_datetime(["2020-01-01", "2020-01-05"])])),
         "Cannot infer the frequency of the time level of y"),
        (pd.Series([1.0, 2.0], index=pd.MultiIndex.from_arrays([[None, "a"], [0, 1]])), "missing series ids"),
        ({}, "empty dict"),
        (pd.Series([], dtype=float, index=pd.MultiIndex.from_tuples([], names=["a", "b"])), "empty"),
        (pd.concat({"a": monthly(3), "b": monthly(3) * np.nan}), r"series 'b' of y holds only NaN"),
        (pd.concat({"a": pd.Series(list("abc"), index=monthly(3).index)}), "must contain numbers only"),
    ],
)
def test_bad_panels(panel, message):
    with pytest.raises(ValueError, match=message):
        NaiveForecaster().fit(panel)


def test_single_series_without_a_usable_index_counts_positions():
    irregular = pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-07"]))
    model = NaiveForecaster(horizon=2).fit(irregular)
    assert isinstance(model.predict(), np.ndarray)
    assert model.predict_quantiles().index.equals(pd.RangeIndex(3, 5))
    years = pd.Series([1.0, 2.0, 3.0], index=pd.Index([2001, 2002, 2003]))
    assert NaiveForecaster(horizon=2).fit(years).predict_interval().index.tolist() == [2004, 2005]


# ------------------------------------------------------------------ covariates
def test_covariates_matched_by_column_name_and_checked():
    y = {"a": monthly(6), "b": monthly(5, seed=1)}
    X = {k: pd.DataFrame({"p": np.arange(len(v), dtype=float), "q": 1.0}, index=v.index)
         for k, v in y.items()}
    model = NaiveForecaster(horizon=2).fit(y, X)
    assert model.covariate_names_ == ["p", "q"] and model.n_covariates_ == 2
    future = {k: pd.DataFrame({"q": [1.0, 1.0], "p": [0.0, 1.0]}) for k in y}  # other column order
    assert list(model.predict(future)) == ["a", "b"]
    with pytest.raises(ValueError, match=r"series 'a' of X must have the covariate columns the "
                       r"forecaster was fitted with, \['p', 'q'\] \(matched by name, in any "
                       r"order\); missing \['p'\]"):
        model.predict({k: v[["q"]] for k, v in future.items()})
    with pytest.raises(ValueError, match=r"series 'b' of X must have horizon=2 rows, got 3"):
        model.predict({"a": future["a"], "b": pd.concat([future["b"]] * 2).iloc[:3]})
    with pytest.raises(ValueError, match=r"series 'a' of X must have len\(series\) \+ horizon = 8 rows"):
        model.predict(future, y=y)
    with pytest.raises(ValueError, match="same container as y"):
        model.predict([future["a"], future["b"]])
    with pytest.raises(ValueError, match="X holds 1 series, y holds 2"):
        NaiveForecaster().fit(list(y.values()), [X["a"]])
    with pytest.raises(ValueError, match="series 'b' of X contains NaN"):
        NaiveForecaster().fit(y, {"a": X["a"], "b": X["b"].assign(q=np.nan)})


def test_multiindex_covariates_are_aligned_by_id_and_time():
    y = pd.concat({"a": monthly(6), "b": monthly(4, start="2021-01-01")}, names=["id", "t"])
    X = pd.DataFrame({"p": np.arange(10.0)}, index=y.index).sample(frac=1.0, random_state=1)
    model = NaiveForecaster(horizon=1).fit(y, X)
    with pytest.raises(ValueError, match=r"X has no \(finite\) values for series 'b' at 2021-02-01"):
        NaiveForecaster().fit(y, X.drop(index=("b", pd.Timestamp("2021-02-01"))))
    with pytest.raises(ValueError, match="duplicate"):
        NaiveForecaster().fit(y, pd.concat([X, X.iloc[:1]]))
    history = pd.concat([X, pd.DataFrame({"p": [0.0, 0.0]}, index=pd.MultiIndex.from_tuples(
        [("a", pd.Timestamp("2020-07-01")), ("b", pd.Timestamp("2021-05-01"))]))])
    assert len(model.predict(history, y=y)) == 2


def test_new_history_must_match_the_training_frequency_and_columns():
    model = NaiveForecaster().fit(monthly(6))
    quarterly = pd.Series(np.arange(5.0), index=pd.date_range("2020-01-01", periods=5, freq="QS"))
    with pytest.raises(ValueError, match="y has the frequency QS-JAN; the forecaster was fitted on series of "
                                         "frequency MS"):
        model.predict(y=quarterly)
    frame = pd.DataFrame({"a": np.arange(4.0), "b": 1.0})
    with pytest.raises(ValueError, match=r"y has the columns \['b', 'a'\]"):
        NaiveForecaster().fit(frame).predict(y=frame[["b", "a"]])


# ------------------------------------------------------------------ long tables
def test_from_long_sorts_each_series_and_parses_times():
    table = pd.DataFrame({"store": ["b", "a", "b"], "when": ["2024-02-01", "2024-01-01", "2024-01-01"],
                          "sales": [2.0, 1.0, 3.0], "price": [9.0, 8.0, 7.0]})
    panel = from_long(table, id_col="store", time_col="when", value_cols="sales")
    assert list(panel.columns) == ["sales"] and panel.index.names == ["store", "when"]
    assert panel.index.tolist() == [("b", pd.Timestamp("2024-01-01")), ("b", pd.Timestamp("2024-02-01")),
                                    ("a", pd.Timestamp("2024-01-01"))]
    assert panel["sales"].tolist() == [3.0, 2.0, 1.0]
    back = to_long(panel, id_col="store", time_col="when")
    assert list(back.columns) == ["store", "when", "sales"]


@pytest.mark.parametrize(
    ("table", "kwargs", "error", "message"),
    [
        (pd.DataFrame({"unique_id": ["a"], "y": [1.0]}), {}, ValueError, r"no column\(s\) \['ds'\]"),
        (pd.DataFrame({"unique_id": [None], "ds": [1], "y": [1.0]}), {}, ValueError, "missing values"),
        (pd.DataFrame({"unique_id": ["a", "a"], "ds": [1, 1], "y": [1.0, 2.0]}), {}, ValueError,
         "two rows for series 'a' at 1"),
        (pd.DataFrame({"unique_id": ["a"], "ds": ["not a date"], "y": [1.0]}), {}, ValueError,
         "time column 'ds' must hold timestamps"),
        ([1, 2], {}, TypeError, "must be a pandas DataFrame"),
    ],
)
def test_from_long_errors(table, kwargs, error, message):
    with pytest.raises(error, match=message):
        from_long(table, **kwargs)


def test_to_long_errors_and_names():
    with pytest.raises(ValueError, match="2-level MultiIndex"):
        to_long(pd.Series([1.0]))
    unnamed = pd.Series([1.0], index=pd.MultiIndex.from_tuples([("a", 1)]))
    assert list(to_long(unnamed).columns) == ["unique_id", "ds", "y"]
