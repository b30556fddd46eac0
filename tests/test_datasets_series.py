"""Tests for make_sine, load_csv_series and the bundled series (datasets/series.py)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from lstm_forecast.datasets.series import load_airline, load_csv_series, load_us_macro, make_sine

# --------------------------------------------------------------------------- #
# make_sine
# --------------------------------------------------------------------------- #


def test_make_sine_default_is_the_tutorial_training_series():
    series = make_sine()
    assert isinstance(series, pd.Series)
    assert len(series) == 10_000 and series.name == "sine" and series.index.name == "x"
    assert series.index[0] == 0.0
    np.testing.assert_allclose(np.diff(series.index), 0.01)
    assert series.index[-1] < 100.0
    np.testing.assert_allclose(series.to_numpy(), np.sin(series.index.to_numpy()))


def test_make_sine_test_part_continues_on_the_same_grid():
    train, test = make_sine(n_test=1000)
    assert len(train) == 10_000 and len(test) == 1000
    assert test.index[0] == pytest.approx(100.0)
    whole = pd.concat([train, test])
    np.testing.assert_allclose(np.diff(whole.index), 0.01)
    np.testing.assert_allclose(whole.to_numpy(), np.sin(whole.index.to_numpy()))


def test_make_sine_zero_test_points_gives_an_empty_test_series():
    train, test = make_sine(50, n_test=0)
    assert len(train) == 50 and len(test) == 0


def test_make_sine_shape_parameters():
    series = make_sine(8, 0.0, 4.0, amplitude=2.0, period=4.0, phase=np.pi / 2)
    x = series.index.to_numpy()
    np.testing.assert_allclose(series.to_numpy(), 2.0 * np.cos(2 * np.pi * x / 4.0), atol=1e-12)


def test_make_sine_noise_is_reproducible():
    a = make_sine(100, noise=0.1, random_state=0)
    b = make_sine(100, noise=0.1, random_state=0)
    clean = make_sine(100)
    pd.testing.assert_series_equal(a, b)
    residual = (a - clean).to_numpy()
    assert 0.05 < residual.std() < 0.15
    train, test = make_sine(100, n_test=20, noise=0.1, random_state=0)
    pd.testing.assert_series_equal(train, a)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_points": 0}, ValueError, "n_points must be an integer >= 1"),
        ({"n_points": 10.0}, TypeError, "n_points must be an integer"),
        ({"n_points": True}, TypeError, "n_points must be an integer"),
        ({"start": 5.0, "stop": 5.0}, ValueError, "start must be smaller than stop"),
        ({"stop": np.inf}, ValueError, "stop must be a finite number; got inf"),
        ({"start": "0"}, TypeError, "start must be a finite number; got .0."),
        ({"n_test": -1}, ValueError, "n_test must be an integer >= 0"),
        ({"period": 0.0}, ValueError, "period must be a finite number > 0.0; got 0.0"),
        ({"noise": -0.1}, ValueError, "noise must be a finite number >= 0.0; got -0.1"),
    ],
)
def test_make_sine_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_sine(**kwargs)


# --------------------------------------------------------------------------- #
# load_csv_series
# --------------------------------------------------------------------------- #
def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


MONTHLY = "month,sales,price,store\n" + "".join(
    f"2020-{m:02d}-01,{m},{m / 10},shop{m}\n" for m in range(1, 13)
)


def _drop_lines(text, *prefixes):
    return "".join(
        line + "\n" for line in text.splitlines() if not line.startswith(prefixes)
    )


def test_reads_a_clean_monthly_series(tmp_path):
    series = load_csv_series(_write(tmp_path, MONTHLY), "sales", time_column="month")
    assert isinstance(series, pd.Series) and series.name == "sales"
    assert series.dtype == np.float64
    assert isinstance(series.index, pd.DatetimeIndex) and series.index.name == "month"
    assert series.index.freqstr == "MS"
    np.testing.assert_array_equal(series.to_numpy(), np.arange(1.0, 13.0))


def test_covariates_give_a_dataframe_with_the_target_first(tmp_path):
    path = _write(tmp_path, MONTHLY)
    frame = load_csv_series(path, "price", time_column="month", covariates=["sales"])
    assert list(frame.columns) == ["price", "sales"]
    assert (frame.dtypes == np.float64).all()
    assert frame.index.freqstr == "MS"


def test_covariates_all_takes_every_other_column(tmp_path):
    text = "t,a,b,c\n" + "".join(f"2021-01-0{d},{d},{d * 2},{d * 3}\n" for d in range(1, 6))
    frame = load_csv_series(_write(tmp_path, text), "b", time_column="t", covariates="all")
    assert list(frame.columns) == ["b", "a", "c"]
    assert frame.index.freqstr == "D"


def test_unsorted_rows_are_sorted_by_time(tmp_path):
    lines = MONTHLY.splitlines()
    shuffled = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    series = load_csv_series(_write(tmp_path, shuffled), "sales", time_column="month")
    assert series.index.is_monotonic_increasing
    np.testing.assert_array_equal(series.to_numpy(), np.arange(1.0, 13.0))
    assert series.index.freqstr == "MS"


def test_duplicated_timestamps_are_named(tmp_path):
    text = MONTHLY + "2020-03-01,3,0.3,x\n2020-07-01,7,0.7,x\n"
    with pytest.raises(ValueError, match="2 duplicated timestamp.*2020-03-01, 2020-07-01"):
        load_csv_series(_write(tmp_path, text), "sales", time_column="month")


def test_gaps_are_reported_for_the_inferred_frequency(tmp_path):
    text = _drop_lines(MONTHLY, "2020-05", "2020-09")
    with pytest.raises(ValueError, match=r"2 missing timestamp\(s\) \(gaps\) for frequency 'MS': "
                                         r"2020-05-01, 2020-09-01. Pass fill="):
        load_csv_series(_write(tmp_path, text), "sales", time_column="month")


def test_missing_values_are_reported(tmp_path):
    text = MONTHLY.replace("2020-04-01,4,", "2020-04-01,,").replace(",0.6,", ",,")
    with pytest.raises(ValueError, match=r"'sales' has 1 missing value\(s\) at 2020-04-01"):
        load_csv_series(_write(tmp_path, text), "sales", time_column="month")
    with pytest.raises(ValueError, match=r"'price' has 1 missing value\(s\) at 2020-06-01"):
        load_csv_series(_write(tmp_path, text), "sales", time_column="month", covariates=["price"])


def test_gaps_and_missing_values_reported_together(tmp_path):
    text = _drop_lines(MONTHLY, "2020-05").replace("2020-08-01,8,", "2020-08-01,,")
    with pytest.raises(ValueError, match="gaps.*2020-05-01.*missing value.*2020-08-01"):
        load_csv_series(_write(tmp_path, text), "sales", time_column="month")


@pytest.mark.parametrize(
    ("fill", "expected"),
    [
        ("ffill", [1, 2, 3, 4, 4, 6, 6, 8]),
        ("bfill", [1, 2, 3, 4, 6, 6, 8, 8]),
        ("zero", [1, 2, 3, 4, 0, 6, 0, 8]),
        ("interpolate", [1, 2, 3, 4, 5, 6, 7, 8]),
    ],
)
def test_fill_options_fill_gaps_and_missing_values(tmp_path, fill, expected):
    rows = "".join(f"2022-01-0{d},{d}\n" for d in (1, 2, 3, 4, 6, 8))  # no row for the 5th
    text = "day,y\n" + rows + "2022-01-07,\n"  # the 7th: an empty value, out of order
    series = load_csv_series(_write(tmp_path, text), "y", time_column="day", fill=fill)
    assert series.index.freqstr == "D"
    assert len(series) == 8
    np.testing.assert_allclose(series.to_numpy(), expected)


def test_interpolate_is_linear_in_time(tmp_path):
    text = "t,y\n2020-01-01,0\n2020-02-01,\n2020-03-01,60\n"  # January 31 days, February 29
    series = load_csv_series(_write(tmp_path, text), "y", time_column="t", fill="interpolate")
    assert series.iloc[1] == pytest.approx(60 * 31 / 60)


@pytest.mark.parametrize(
    ("fill", "text"),
    [
        ("ffill", "t,y\n2020-01-01,\n2020-01-02,1\n2020-01-03,2\n"),
        ("bfill", "t,y\n2020-01-01,1\n2020-01-02,1\n2020-01-03,\n"),
        ("interpolate", "t,y\n2020-01-01,1\n2020-01-02,1\n2020-01-03,\n"),
    ],
)
def test_fill_that_cannot_fill_the_edges_raises(tmp_path, fill, text):
    with pytest.raises(ValueError, match=f"fill='{fill}' cannot fill 1 row"):
        load_csv_series(_write(tmp_path, text), "y", time_column="t", fill=fill)


def test_business_days_with_a_gap(tmp_path):
    days = pd.bdate_range("2024-01-01", periods=30).delete(10)
    text = "t,y\n" + "".join(f"{d.date()},{i}\n" for i, d in enumerate(days))
    with pytest.raises(ValueError, match=r"1 missing timestamp.*'B': 2024-01-15\."):
        load_csv_series(_write(tmp_path, text), "y", time_column="t")
    series = load_csv_series(_write(tmp_path, text), "y", time_column="t", fill="ffill")
    assert series.index.freqstr == "B" and len(series) == 30


def test_explicit_freq_checks_the_grid(tmp_path):
    text = "t,y\n2020-01-01 00:00,1\n2020-01-01 01:00,2\n2020-01-01 03:00,4\n"
    with pytest.raises(ValueError, match=r"gaps\) for frequency 'h': 2020-01-01 02:00:00"):
        load_csv_series(_write(tmp_path, text), "y", time_column="t", freq="h")
    off = "t,y\n2020-01-01 00:00,1\n2020-01-01 01:00,2\n2020-01-01 01:30,4\n"
    with pytest.raises(ValueError, match="do not fall on the freq='h' grid.*01:30:00"):
        load_csv_series(_write(tmp_path, off), "y", time_column="t", freq="h")
    with pytest.raises(ValueError, match="freq 'fortnightly' is not a pandas frequency"):
        load_csv_series(_write(tmp_path, text), "y", time_column="t", freq="fortnightly")


def test_irregular_timestamps_keep_no_freq(tmp_path):
    text = "t,y\n2020-01-01 00:00,1\n2020-01-01 01:00,2\n2020-01-01 01:30,3\n"
    series = load_csv_series(_write(tmp_path, text), "y", time_column="t")
    assert series.index.freq is None and len(series) == 3


def test_without_time_column_rows_keep_file_order(tmp_path):
    text = "y,x\n3,1\n1,2\n2,3\n"
    series = load_csv_series(_write(tmp_path, text), "y")
    assert isinstance(series.index, pd.RangeIndex)
    np.testing.assert_array_equal(series.to_numpy(), [3.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="missing value"):
        load_csv_series(_write(tmp_path, "y\n1\nnan\n3\n"), "y")
    filled = load_csv_series(_write(tmp_path, "y\n1\nnan\n3\n"), "y", fill="interpolate")
    np.testing.assert_array_equal(filled.to_numpy(), [1.0, 2.0, 3.0])


def test_accepts_a_file_object(tmp_path):
    with open(_write(tmp_path, MONTHLY)) as handle:
        series = load_csv_series(handle, "sales", time_column="month")
    assert len(series) == 12


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"target": "store"}, ValueError, r"must be numeric; not numeric: 'store' \(str"),
        ({"target": "sales", "covariates": ["store"]}, ValueError, "not numeric: 'store'"),
        ({"target": "sales", "covariates": "all"}, ValueError, "not numeric: 'store'"),
        ({"target": "revenue"}, ValueError, "unknown target column 'revenue'; the file has"),
        ({"target": "sales", "time_column": "date"}, ValueError, "unknown time_column 'date'"),
        ({"target": "sales", "covariates": ["cost"]}, ValueError, "unknown covariate column"),
        ({"target": "sales", "covariates": ["sales"]}, ValueError, "covariates must be distinct"),
        ({"target": "sales", "covariates": ["price", "price"]}, ValueError, "must be distinct"),
        ({"target": "sales", "covariates": "price"}, TypeError, "covariates must be None, 'all'"),
        ({"target": 1}, TypeError, "target column must be a column name"),
        ({"target": "month"}, ValueError, "target and time_column are the same column"),
        ({"target": "sales", "fill": "mean"}, ValueError, "fill must be None or one of"),
    ],
)
def test_bad_columns_and_options(tmp_path, kwargs, error, match):
    kwargs.setdefault("time_column", "month")
    with pytest.raises(error, match=match):
        load_csv_series(_write(tmp_path, MONTHLY), **kwargs)


def test_freq_without_time_column(tmp_path):
    with pytest.raises(ValueError, match="freq needs a time_column"):
        load_csv_series(_write(tmp_path, MONTHLY), "sales", freq="MS")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "is empty"),
        ("t,y\n", "has no data rows"),
        ("t,y\n2020-01-01,1\nnot a date,2\n", "time_column 't' could not be parsed as timestamps"),
        ("t,y\n2020-01-01,1\n,2\n", r"1 empty timestamp\(s\), in data row\(s\) 1"),
        ("t,y\n1.5,1\n2.5,2\n", "holds numbers with decimals"),
        ("t,y\nTrue,1\nFalse,2\n", "holds booleans"),
        ("t,y\n2020-01-01,1\n2020-01-02,inf\n", r"\['y'\] hold infinite values"),
    ],
)
def test_bad_file_contents(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        load_csv_series(_write(tmp_path, text), "y", time_column="t")


# --------------------------------------------------------------------------- #
# time columns: day/month order, formats, periods, integers
# --------------------------------------------------------------------------- #
def _dated(stamps, fmt, sep=","):
    return f"t{sep}y\n" + "".join(f"{d.strftime(fmt)}{sep}{i}\n" for i, d in enumerate(stamps))


def _no_warnings(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(*args, **kwargs)


def test_day_first_monthly_dates_read_day_first(tmp_path):
    """01/03/1958 is 1 March when only the day-first reading is a regular series."""
    months = pd.date_range("1958-01-01", periods=30, freq="MS")
    path = _write(tmp_path, _dated(months, "%d/%m/%Y"))
    series = _no_warnings(load_csv_series, path, "y", time_column="t")
    assert series.index.freqstr == "MS"
    assert series.index[2] == pd.Timestamp("1958-03-01")


def test_month_first_dates_stay_month_first(tmp_path):
    days = pd.date_range("2021-01-01", periods=40, freq="D")  # days past the 12th: unambiguous
    series = load_csv_series(_write(tmp_path, _dated(days, "%m/%d/%Y")), "y", time_column="t")
    assert series.index.freqstr == "D" and series.index[-1] == days[-1]
    weekly = pd.date_range("2021-01-04", periods=30, freq="7D")  # both parse; month-first regular
    series = load_csv_series(_write(tmp_path, _dated(weekly, "%m/%d/%Y")), "y", time_column="t")
    assert series.index[1] == pd.Timestamp("2021-01-11")


def test_ambiguous_day_month_order_is_refused(tmp_path):
    """Both readings regular (12 days or 12 months): the user must say which."""
    months = pd.date_range("2021-01-01", periods=12, freq="MS")  # 01/01 .. 01/12: days or months
    path = _write(tmp_path, _dated(months, "%d/%m/%Y"))
    with pytest.raises(ValueError, match=r"ambiguous.*'D' series.*'MS' series.*dayfirst=True.*"
                                         r"date_format='%m/%d/%Y'"):
        load_csv_series(path, "y", time_column="t")
    assert load_csv_series(path, "y", time_column="t", dayfirst=True).index.freqstr == "MS"
    assert load_csv_series(path, "y", time_column="t", dayfirst=False).index.freqstr == "D"
    by_format = load_csv_series(path, "y", time_column="t", date_format="%m/%d/%Y")
    assert by_format.index.freqstr == "D"


def test_date_format(tmp_path):
    days = pd.date_range("2021-01-01", periods=5, freq="D")
    path = _write(tmp_path, _dated(days, "%d.%m.%Y"))
    series = load_csv_series(path, "y", time_column="t", date_format="%d.%m.%Y")
    assert series.index.freqstr == "D"
    with pytest.raises(ValueError, match=r"date_format='%Y-%m-%d': 5 value\(s\) do not match, "
                                         r"first '01.01.2021' in data row 0"):
        load_csv_series(path, "y", time_column="t", date_format="%Y-%m-%d")
    with pytest.raises(ValueError, match="date_format needs a time_column"):
        load_csv_series(path, "y", date_format="%d.%m.%Y")
    with pytest.raises(TypeError, match="dayfirst must be True, False or None"):
        load_csv_series(path, "y", time_column="t", dayfirst="yes")


@pytest.mark.parametrize("text", ["t0", "step 1", "next"])
def test_text_that_is_not_dates_says_so_without_pandas_warnings(tmp_path, text):
    path = _write(tmp_path, f"t,y\n{text},1\nt1,2\nt2,3\n")
    with pytest.raises(ValueError, match=rf"holds text that is not a date, such as '{text}'.*"
                                         "date_format.*time_column=None"):
        _no_warnings(load_csv_series, path, "y", time_column="t")


def test_labels_like_t1_are_not_read_as_dates_of_the_year_1(tmp_path):
    path = _write(tmp_path, "t,y\nt1,1\nt2,2\nt3,3\n")  # dateutil reads them as 0001-01-01 ...
    with pytest.raises(ValueError, match="such as 't1', 't2', 't3'"):
        load_csv_series(path, "y", time_column="t")
    months = _write(tmp_path, "t,y\nJan 1958,1\nFeb 1958,2\nMar 1958,3\n")  # no format guessed
    assert load_csv_series(months, "y", time_column="t").index.freqstr == "MS"


def test_a_later_row_that_is_not_a_date_is_named(tmp_path):
    path = _write(tmp_path, "t,y\n2020-01-01,1\n2020-01-02,2\nsoon,3\n")
    with pytest.raises(ValueError, match=r"format '%Y-%m-%d' guessed.*such as 'soon' \(data row 2"):
        load_csv_series(path, "y", time_column="t")


def test_integer_years(tmp_path):
    text = "year,flow\n" + "".join(f"{1871 + i},{1000 + i}\n" for i in range(10))
    path = _write(tmp_path, text)
    series = load_csv_series(path, "flow", time_column="year", freq="Y")
    assert isinstance(series.index, pd.PeriodIndex) and series.index.freqstr.startswith("Y")
    assert str(series.index[0]) == "1871" and series.index.name == "year"
    plain = load_csv_series(path, "flow", time_column="year")
    assert plain.index.dtype.kind == "i" and list(plain.index[:2]) == [1871, 1872]
    with pytest.raises(ValueError, match="read as years with an annual freq.*date_format='%Y%m'"):
        load_csv_series(path, "flow", time_column="year", freq="MS")


def test_integer_years_with_a_gap(tmp_path):
    text = "year,flow\n" + "".join(f"{y},{y}\n" for y in (2001, 2002, 2004, 2005))
    with pytest.raises(ValueError, match=r"1 missing timestamp.*'step 1': 2003"):
        load_csv_series(_write(tmp_path, text), "flow", time_column="year")
    with pytest.raises(ValueError, match=r"1 missing timestamp.*'Y-DEC': 2003"):
        load_csv_series(_write(tmp_path, text), "flow", time_column="year", freq="Y")
    filled = load_csv_series(_write(tmp_path, text), "flow", time_column="year", freq="Y",
                             fill="interpolate")
    assert filled.loc[pd.Period("2003", "Y")] == 2003


def test_integer_dates_with_a_format(tmp_path):
    text = "ym,y\n202001,1\n202002,2\n202003,3\n"
    series = load_csv_series(_write(tmp_path, text), "y", time_column="ym", date_format="%Y%m")
    assert series.index.freqstr == "MS"


def test_quarter_strings_are_quarterly_periods(tmp_path):
    text = "q,y\n1958Q1,1\n1958Q2,2\n1958-Q3,3\n1958q4,4\n"
    series = _no_warnings(load_csv_series, _write(tmp_path, text), "y", time_column="q")
    assert isinstance(series.index, pd.PeriodIndex)
    assert [str(p) for p in series.index] == ["1958Q1", "1958Q2", "1958Q3", "1958Q4"]


@pytest.mark.parametrize("start", ["1959-01-01", "1959-04-01", "1959-03-31"])
def test_quarterly_anchor_is_the_same_on_pandas_2_and_3(tmp_path, start):
    freq = "3ME" if start.endswith("31") else "3MS"
    text = _dated(pd.date_range(start, periods=8, freq=freq), "%Y-%m-%d")
    series = load_csv_series(_write(tmp_path, text), "y", time_column="t")
    assert series.index.freqstr == ("QE-DEC" if freq == "3ME" else "QS-JAN")


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_separators_are_detected(tmp_path, sep):
    text = MONTHLY.replace(",", sep)
    frame = load_csv_series(_write(tmp_path, text), "price", time_column="month",
                            covariates=["sales"])
    assert list(frame.columns) == ["price", "sales"] and frame.index.freqstr == "MS"
    with open(_write(tmp_path, text)) as handle:
        assert len(load_csv_series(handle, "sales", time_column="month")) == 12


def test_explicit_sep_and_decimal_comma(tmp_path):
    text = "t;y\n2020-01-01;1,5\n2020-01-02;2,5\n2020-01-03;3,5\n"
    with pytest.raises(ValueError, match=r"'y' \(str, e.g. '1,5'\) \(numbers with a decimal "
                                         r"comma\? pass decimal=','\)"):
        load_csv_series(_write(tmp_path, text), "y", time_column="t")
    series = load_csv_series(_write(tmp_path, text), "y", time_column="t", sep=";", decimal=",")
    np.testing.assert_array_equal(series.to_numpy(), [1.5, 2.5, 3.5])


def test_a_file_that_is_not_a_table_is_reported(tmp_path):
    text = "t,y\n2020-01-01,1\n2020-01-02,2,3,4\n"
    with pytest.raises(ValueError, match="could not be read as a table with sep=','"):
        load_csv_series(_write(tmp_path, text), "y", time_column="t")


# --------------------------------------------------------------------------- #
# bundled data
# --------------------------------------------------------------------------- #
def test_load_airline():
    y = load_airline()
    assert y.name == "passengers" and len(y) == 144 and y.dtype == np.float64
    assert y.index.freqstr == "MS"
    assert y.index[0] == pd.Timestamp("1949-01-01") and y.index[-1] == pd.Timestamp("1960-12-01")
    first_year = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118]
    np.testing.assert_array_equal(y.iloc[:12].to_numpy(), first_year)
    assert y.iloc[-1] == 432


def test_load_us_macro():
    data = load_us_macro()
    assert data.shape == (203, 12)
    assert data.columns[0] == "realgdp"
    assert data.index.freqstr == "QS-JAN" and data.index.name == "date"
    assert data.index[-1] == pd.Timestamp("2009-07-01")
    assert data["realgdp"].iloc[0] == pytest.approx(2710.349)
    assert not data.isna().any().any()


def test_load_us_macro_target_and_covariates():
    series = load_us_macro("unemp", covariates=None)
    assert isinstance(series, pd.Series) and series.name == "unemp" and len(series) == 203
    frame = load_us_macro("cpi", covariates=["m1", "tbilrate"])
    assert list(frame.columns) == ["cpi", "m1", "tbilrate"]
    with pytest.raises(ValueError, match="unknown target column 'gdp'"):
        load_us_macro("gdp")
