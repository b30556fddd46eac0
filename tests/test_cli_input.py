"""The lstm-forecast command reads real CSVs right and speaks in flags and file names.

Day/month order, covariates matched by name, integer years, delimiters, text time columns, and
library messages reworded for the command line (issue 16, points 1 to 5).
"""

import re

import numpy as np
import pandas as pd
import pytest
from cli_helpers import TINY, fit_model, one_error_line, run, write_csv

from lstm_forecast import cli


# --------------------------------------------------------------------------- 16.1 day first
def test_day_first_dates_give_a_dated_forecast(tmp_path, capsys):
    index = pd.date_range("1958-01-01", periods=48, freq="MS")
    frame = pd.DataFrame({"date": index.strftime("%d/%m/%Y"), "co2": 315 + np.arange(48) % 12})
    data = write_csv(tmp_path / "co2.csv", frame)
    model = fit_model(capsys, data, tmp_path / "co2.lstmf", "--target", "co2", "--time-column",
                      "date", "--horizon", "2")
    code, out, _ = run(capsys, "predict", model)
    assert code == 0 and out.splitlines()[1].startswith("1962-01-01,")
    code, out, _ = run(capsys, "predict", model, "--data", data)  # the same reading for --data
    assert code == 0 and out.splitlines()[2].startswith("1962-02-01,")


def test_ambiguous_dates_ask_for_dayfirst_or_a_format(tmp_path, capsys, no_training):
    index = pd.date_range("2021-01-01", periods=12, freq="MS")  # 01/01 .. 01/12: days or months
    frame = pd.DataFrame({"date": index.strftime("%d/%m/%Y"), "y": np.arange(12.0)})
    data = write_csv(tmp_path / "y.csv", frame)
    code, _, err = run(capsys, "fit", data, "--target", "y", "--time-column", "date",
                       "--model", tmp_path / "m.lstmf")
    assert code == 2 and "ambiguous" in one_error_line(err)
    assert "--dayfirst" in err and "--date-format '%m/%d/%Y'" in err and "dayfirst=" not in err


def test_dayfirst_and_date_format_flags(tmp_path, capsys, monkeypatch):
    from lstm_forecast import _cli_data

    seen = {}

    def load(path, **kwargs):
        seen.update(kwargs)
        raise ValueError("stop")

    monkeypatch.setattr("lstm_forecast.datasets.load_csv_series", load)
    data = write_csv(tmp_path / "y.csv", pd.DataFrame({"d": ["01.02.2020"], "y": [1.0]}))
    run(capsys, "fit", data, "--target", "y", "--time-column", "d", "--dayfirst",
        "--date-format", "%d.%m.%Y", "--sep", ";", "--decimal", ",", "--freq", "MS",
        "--model", tmp_path / "m.lstmf")
    assert seen["dayfirst"] is True and seen["date_format"] == "%d.%m.%Y"
    assert seen["sep"] == ";" and seen["decimal"] == "," and seen["freq"] == "MS"
    assert _cli_data.reading(cli._parser().parse_args(["predict", "m", "--sep", "tab"]))["sep"] == "\t"


# --------------------------------------------------------------------------- 16.2 covariates
@pytest.fixture
def promo_model(tmp_path, capsys):
    index = pd.date_range("2000-01-01", periods=60, freq="MS")
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"date": index.strftime("%Y-%m-%d"), "promo": rng.normal(size=60),
                          "price": rng.normal(size=60)})
    frame["sales"] = 100 + np.arange(60) + 20 * frame["promo"] - 5 * frame["price"]
    data = write_csv(tmp_path / "sales.csv", frame)
    model = fit_model(capsys, data, tmp_path / "sales.lstmf", "--target", "sales",
                      "--time-column", "date", "--covariates", "promo", "price", "--horizon", "2")
    return data, model


def _future(tmp_path, columns, name="future.csv"):
    values = {"date": ["2005-01-01", "2005-02-01"], "promo": [1.0, -1.0], "price": [0.5, 2.0],
              "foo": [1.0, 2.0], "bar": [3.0, 4.0]}
    return write_csv(tmp_path / name, pd.DataFrame({c: values[c] for c in columns}))


def test_future_covariates_are_matched_by_name(promo_model, tmp_path, capsys):
    _, model = promo_model
    code, straight, err = run(capsys, "predict", model, "--future-covariates",
                              _future(tmp_path, ["promo", "price"]))
    assert code == 0, err
    code, swapped, _ = run(capsys, "predict", model, "--future-covariates",
                           _future(tmp_path, ["price", "date", "promo"], "swapped.csv"))
    assert code == 0 and swapped == straight


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["foo", "bar"], "lacks 'promo', 'price' and has unknown column(s) 'foo', 'bar'"),
        (["promo"], "lacks 'price'; the model was fitted with --covariates promo price"),
        (["promo", "price", "foo"], "has unknown column(s) 'foo'"),
    ],
)
def test_unknown_or_missing_covariate_names_are_errors(promo_model, tmp_path, capsys, columns,
                                                       message):
    _, model = promo_model
    code, _, err = run(capsys, "predict", model, "--future-covariates", _future(tmp_path, columns))
    assert code == 2 and message in one_error_line(err)


def test_future_covariates_must_be_for_the_forecast_dates(promo_model, tmp_path, capsys):
    _, model = promo_model
    future = pd.DataFrame({"date": ["2005-02-01", "2005-03-01"], "promo": [1.0, 0.0],
                           "price": [1.0, 1.0]})
    code, _, err = run(capsys, "predict", model, "--future-covariates",
                       write_csv(tmp_path / "late.csv", future))
    assert code == 2 and "forecast is for 2005-01-01, 2005-02-01" in one_error_line(err)
    code, _, err = run(capsys, "predict", model, "--future-covariates",
                       write_csv(tmp_path / "short.csv", future.iloc[:1]))
    assert code == 2 and "has 1 rows; the model forecasts 2 steps" in one_error_line(err)
    code, _, err = run(capsys, "predict", model)
    assert code == 2 and "pass --future-covariates FILE with their next 2 values" in err


def test_predict_from_new_history_with_covariates(promo_model, tmp_path, capsys):
    data, model = promo_model
    code, out, err = run(capsys, "predict", model, "--data", data, "--future-covariates",
                         _future(tmp_path, ["promo", "price"]))
    assert code == 0, err
    assert out.splitlines()[1].startswith("2005-01-01,")


# --------------------------------------------------------------------------- 16.3 reading CSVs
def test_integer_years_with_freq_y(tmp_path, capsys):
    frame = pd.DataFrame({"year": np.arange(1871, 1931), "flow": 1000 + 50 * np.sin(np.arange(60))})
    data = write_csv(tmp_path / "nile.csv", frame)
    model = fit_model(capsys, data, tmp_path / "nile.lstmf", "--target", "flow", "--time-column",
                      "year", "--freq", "Y", "--horizon", "2")
    code, out, _ = run(capsys, "predict", model)
    assert code == 0 and [line.split(",")[0] for line in out.splitlines()] == ["year", "1931", "1932"]
    code, out, _ = run(capsys, "predict", model, "--data", data)
    assert code == 0 and out.splitlines()[1].startswith("1931,")


def test_integer_steps_continue_in_the_output(tmp_path, capsys):
    frame = pd.DataFrame({"step": np.arange(0, 120, 2), "y": np.sin(np.arange(60.0))})
    data = write_csv(tmp_path / "steps.csv", frame)
    model = fit_model(capsys, data, tmp_path / "steps.lstmf", "--target", "y", "--time-column",
                      "step", "--horizon", "2")
    code, out, _ = run(capsys, "predict", model)
    assert code == 0 and [line.split(",")[0] for line in out.splitlines()] == ["step", "120", "122"]


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_files_are_detected(monthly_csv, tmp_path, capsys, sep):
    data = write_csv(tmp_path / "sales.txt", pd.read_csv(monthly_csv), sep=sep)
    model = fit_model(capsys, data, tmp_path / "m.lstmf", "--target", "sales", "--time-column",
                      "date", "--horizon", "2")
    code, out, _ = run(capsys, "predict", model, "--data", data)
    assert code == 0 and out.splitlines()[0] == "date,sales"


def test_decimal_commas(tmp_path, capsys, monthly_csv):
    data = write_csv(tmp_path / "eu.csv", pd.read_csv(monthly_csv), sep=";", decimal=",")
    code, _, err = run(capsys, "fit", data, "--target", "sales", "--model", tmp_path / "m.lstmf")
    assert code == 2 and "pass --decimal ','" in one_error_line(err)
    fit_model(capsys, data, tmp_path / "m.lstmf", "--target", "sales", "--decimal", ",")


# --------------------------------------------------------------------------- 16.4 text times
def test_text_time_column_says_what_it_holds(tmp_path, capsys):
    frame = pd.DataFrame({"t": [f"t{i}" for i in range(30)], "y": np.arange(30.0)})
    data = write_csv(tmp_path / "t.csv", frame)
    code, _, err = run(capsys, "fit", data, "--target", "y", "--time-column", "t",
                       "--model", tmp_path / "m.lstmf")
    assert code == 2
    assert "--time-column 't' could not be parsed as timestamps: it holds text that is not a " \
           "date, such as 't0', 't1', 't2'" in one_error_line(err)
    assert "--date-format" in err and "drop --time-column" in err
    assert "Could not infer format" not in err and "warn" not in err.lower()


# --------------------------------------------------------------------------- 16.5 wording
PYTHON_WORDS = re.compile(r"\b(fill=|time_column|freq=|date_format|dayfirst|n_folds|horizon=|"
                          r"timesteps=|seasonal_period|len\(y\))|\b[Xy] (must|has|was)\b|pass X\b")


@pytest.fixture
def gappy_csv(tmp_path):
    index = pd.date_range("2000-01-01", periods=40, freq="MS").delete([5, 9])
    frame = pd.DataFrame({"date": index.strftime("%Y-%m-%d"), "sales": 100.0 + np.arange(38)})
    frame.loc[0, "sales"] = np.nan
    return write_csv(tmp_path / "gappy.csv", frame)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fit", "{gappy}", "--target", "sales", "--time-column", "date"],
         "Pass --fill {ffill,bfill,interpolate,zero} to fill them"),
        (["fit", "{gappy}", "--target", "sales", "--time-column", "date", "--fill", "ffill"],
         "--fill ffill cannot fill 1 row(s)"),
        (["fit", "{gappy}", "--target", "sales", "--time-column", "sales"],
         "--target and --time-column name the same column 'sales'"),
        (["fit", "{gappy}", "--target", "sales", "--time-column", "date", "--freq", "fortnight"],
         "--freq 'fortnight' is not a pandas frequency"),
        (["fit", "{gappy}", "--target", "sales", "--time-column", "date", "--freq", "W"],
         "do not fall on the --freq 'W' grid"),
        (["fit", "{gappy}", "--target", "date"], "--target and --covariates columns must be numeric"),
        (["fit", "{monthly}", "--target", "nope"], "unknown --target column 'nope'"),
        (["fit", "{monthly}", "--target", "sales", "--time-column", "when"],
         "unknown --time-column 'when'"),
        (["fit", "{monthly}", "--target", "sales", "--covariates", "sales"],
         "--covariates must name distinct columns other than --target and --time-column"),
        (["fit", "{monthly}", "--target", "sales", "--horizon", "70", "--timesteps", "8"],
         "--timesteps + --horizon = 8 + 70 = 78 is more than the series in {monthly} holds (72 "
         "values): lower --horizon or --timesteps."),
        (["fit", "{monthly}", "--target", "sales", "--horizon", "71"],
         "the series in {monthly} has 72 values; at least 73 (--horizon + 2) are needed: lower "
         "--horizon."),
        (["evaluate", "{monthly}", "--target", "sales", "--horizon", "12", "--folds", "9"],
         "the series in {monthly} is too short for --folds 9 with --horizon 12: 109 values are "
         "needed, it has 72. At most 5 folds fit; lower --folds or --horizon."),
        (["evaluate", "{monthly}", "--target", "sales", "--time-column", "date", "--horizon", "12",
          "--folds", "5"],
         "the first backtest fold's training part has 12 values; at least 14 (--horizon + 2) are "
         "needed: lower --horizon or --folds."),
    ],
)
def test_messages_name_flags_and_files(argv, message, tmp_path, capsys, monthly_csv, gappy_csv):
    files = {"{gappy}": str(gappy_csv), "{monthly}": str(monthly_csv)}
    argv = [files.get(a, a) for a in argv]
    if argv[0] == "fit":
        argv += ["--model", str(tmp_path / "m.lstmf")]
    code, _, err = run(capsys, *argv, *TINY)
    message = message.replace("{monthly}", str(monthly_csv))
    assert code == 2 and message in one_error_line(err), err
    assert not PYTHON_WORDS.search(err), err


def test_predict_messages_name_flags_and_files(monthly_csv, tmp_path, capsys):
    model = fit_model(capsys, monthly_csv, tmp_path / "m.lstmf", "--target", "sales",
                      "--time-column", "date", "--horizon", "3")
    code, _, err = run(capsys, "predict", model, "--future-covariates", monthly_csv)
    assert code == 2 and "--future-covariates was given, but the model was fitted without " \
                         "--covariates" in err
    for text in (err,):
        assert not PYTHON_WORDS.search(text), text


def test_python_api_messages_keep_python_names(tmp_path):
    from lstm_forecast.datasets import load_csv_series

    path = tmp_path / "gaps.csv"
    path.write_text("t,y\n2020-01-01,1\n2020-01-03,2\n2020-01-04,3\n2020-01-05,4\n")
    with pytest.raises(ValueError, match=r"Pass fill= one of"):
        load_csv_series(path, "y", time_column="t")


def test_rules_for_messages_the_command_checks_itself_first():
    """Rules whose library messages the command forestalls with its own checks still work."""
    from lstm_forecast._cli_errors import _RULES, for_cli

    args = cli._parser().parse_args(["predict", "m.lstmf", "--data", "recent.csv",
                                     "--future-covariates", "future.csv"])
    assert for_cli("X must have horizon=2 rows, got 3.", args) == "--future-covariates " \
                                                                 "future.csv must have 2 rows; got 3."
    assert for_cli("X must have len(y) + horizon = 26 rows, got 3.", args) == (
        "--future-covariates future.csv must have 26 rows (those of --data recent.csv, then the "
        "future ones); got 3.")
    assert for_cli("The forecaster was fitted with covariates: pass X with their future values "
                   "(2 rows per series).", args).startswith("the model was fitted with --covariates")
    assert for_cli("X has no (finite) values for series 'C' at 2020-01-26: covariates are needed "
                   "for the horizon steps forecast.", args) == (
        "--future-covariates future.csv has no (finite) values for series 'C' at 2020-01-26: "
        "every series needs its covariates for each forecast step.")
    assert len(_RULES) >= 25
