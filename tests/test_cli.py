"""The lstm-forecast command: fit, predict, evaluate and demo, exit codes and error lines."""

import numpy as np
import pandas as pd
import pytest

from lstm_forecast import cli


@pytest.fixture
def monthly_csv(tmp_path):
    index = pd.date_range("2000-01-01", periods=72, freq="MS")
    values = 100 + np.arange(72) + 10 * np.sin(np.arange(72) * 2 * np.pi / 12)
    path = tmp_path / "sales.csv"
    pd.DataFrame({"date": index.strftime("%Y-%m-%d"), "sales": values}).to_csv(path, index=False)
    return path


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_fit_then_predict_writes_dated_forecast(monthly_csv, tmp_path, capsys):
    model = tmp_path / "sales.lstmf"
    code, out, _ = run(capsys, "--quiet", "fit", monthly_csv, "--target", "sales", "--time-column",
                       "date", "--horizon", "3", "--max-epochs", "2", "--hidden-size", "4",
                       "--model", model)
    assert code == 0 and model.is_file()
    output = tmp_path / "forecast.csv"
    code, _, _ = run(capsys, "predict", model, "--output", output)
    assert code == 0
    forecast = pd.read_csv(output)
    assert list(forecast.columns) == ["date", "sales"]
    assert list(forecast["date"]) == ["2006-01-01", "2006-02-01", "2006-03-01"]
    code, out, _ = run(capsys, "predict", model, "--data", monthly_csv)
    assert code == 0 and out.splitlines()[0] == "date,sales" and len(out.splitlines()) == 4


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fit", "missing.csv", "--target", "y", "--model", "m.lstmf"], "no such file"),
        (["predict", "missing.lstmf"], "missing.lstmf"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("lstm-forecast: error:") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_unknown_column_and_short_series_exit_2(monthly_csv, tmp_path, capsys):
    code, _, err = run(capsys, "fit", monthly_csv, "--target", "nope", "--model", tmp_path / "m")
    assert code == 2 and "nope" in err
    code, _, err = run(capsys, "fit", monthly_csv, "--target", "sales", "--time-column", "date",
                       "--timesteps", "60", "--horizon", "24", "--model", tmp_path / "m")
    assert code == 2 and "timesteps + horizon" in err


def test_pickles_are_refused_unless_trusted(monthly_csv, tmp_path, capsys):
    import joblib

    from lstm_forecast import LSTMForecaster, LSTMRegressor
    from lstm_forecast.datasets import load_csv_series

    y = load_csv_series(monthly_csv, target="sales", time_column="date")
    model = LSTMForecaster(LSTMRegressor(hidden_size=4, max_epochs=1, random_state=0), horizon=2)
    path = tmp_path / "model.joblib"
    joblib.dump(model.fit(y), path)
    code, _, err = run(capsys, "predict", path)
    assert code == 2 and "error" in err
    code, out, _ = run(capsys, "predict", path, "--trust-pickle")
    assert code == 0 and len(out.splitlines()) == 3


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["fit"])
    assert exit_info.value.code == 2


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "lstm-forecast demo" in capsys.readouterr().out


def test_evaluate_prints_fold_tables_and_writes_plot(monthly_csv, tmp_path, capsys):
    plot = tmp_path / "backtest.png"
    code, out, _ = run(capsys, "--quiet", "evaluate", monthly_csv, "--target", "sales",
                       "--time-column", "date", "--horizon", "3", "--folds", "2",
                       "--max-epochs", "2", "--hidden-size", "4", "--plot", plot)
    assert code == 0
    assert "LSTMForecaster" in out and "seasonal naive (period 12)" in out
    assert out.count("mase") == 2
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_future_covariates_csv_may_keep_its_time_column(tmp_path, capsys):
    index = pd.date_range("2000-01-01", periods=60, freq="MS")
    promo = (np.arange(60) % 5 == 0).astype(float)
    frame = pd.DataFrame({"date": index.strftime("%Y-%m-%d"), "promo": promo,
                          "sales": 100 + np.arange(60) + 20 * promo})
    frame.to_csv(tmp_path / "sales.csv", index=False)
    model = tmp_path / "sales.lstmf"
    code, _, _ = run(capsys, "--quiet", "fit", tmp_path / "sales.csv", "--target", "sales",
                     "--time-column", "date", "--covariates", "promo", "--horizon", "2",
                     "--max-epochs", "2", "--hidden-size", "4", "--model", model)
    assert code == 0
    future = pd.DataFrame({"date": ["2005-01-01", "2005-02-01"], "promo": [1.0, 0.0]})
    future.to_csv(tmp_path / "future.csv", index=False)
    code, out, err = run(capsys, "predict", model, "--future-covariates", tmp_path / "future.csv")
    assert code == 0, err
    assert out.splitlines()[1:] and out.splitlines()[1].startswith("2005-01-01,")


def test_predict_into_a_closed_pipe_ends_quietly(monthly_csv, tmp_path):
    """``lstm-forecast predict model | head -1``: the reader is gone before the forecast is out."""
    import os
    import subprocess
    import sys

    model = tmp_path / "sales.lstmf"
    assert cli.main(["--quiet", "fit", str(monthly_csv), "--target", "sales", "--horizon", "3",
                     "--max-epochs", "1", "--hidden-size", "4", "--model", str(model)]) == 0
    code = ("import sys; from lstm_forecast.cli import console_main; "
            f"sys.argv = ['lstm-forecast', 'predict', {str(model)!r}]; console_main()")
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE
    try:
        writer = subprocess.run([sys.executable, "-c", code], stdout=write_end, stderr=subprocess.PIPE,
                                timeout=120)
    finally:
        os.close(write_end)
    assert writer.returncode == 1
    assert b"Traceback" not in writer.stderr and b"BrokenPipeError" not in writer.stderr
