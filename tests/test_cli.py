"""The lstm-forecast command: fit, predict, evaluate and demo, exit codes and error lines.

Reading CSVs and the wording of errors: tests/test_cli_input.py.
"""

import io
import re

import numpy as np
import pandas as pd
import pytest
from cli_helpers import TINY, fit_model, one_error_line, run, write_csv

from lstm_forecast import cli


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
    assert code == 2 and "--timesteps + --horizon = 60 + 24 = 84" in err


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
    assert "season 12 (frequency 'MS'; set another with --season)" in out
    assert out.count(" MASE ") == 2
    assert len([line for line in out.splitlines() if line.startswith("mean ")]) == 2
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


# --------------------------------------------------------------------------- 16.6 help
def test_help_does_not_import_torch_or_pandas():
    import subprocess
    import sys

    for argv in (["--help"], ["fit", "--help"], ["evaluate", "--help"]):
        result = subprocess.run([sys.executable, "-X", "importtime", "-m", "lstm_forecast.cli", *argv],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and "usage: lstm-forecast" in result.stdout
        modules = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
                   if line.startswith("import time:")}
        assert "lstm_forecast.cli" in modules or "lstm_forecast" in modules
        assert not {"torch", "pandas", "sklearn", "skorch", "numpy"} & modules, argv


def _sub_parsers(parser):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_flag_has_help_and_sub_command_help_shows_defaults(capsys):
    parser = cli._parser()
    for name, sub in {"": parser, **_sub_parsers(parser)}.items():
        for action in sub._actions:
            if action.option_strings or action.dest not in ("command",):
                assert action.help and action.help.strip(), (name, action.dest)
    with pytest.raises(SystemExit):
        cli.main(["fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 100)" in text and "(default: 32)" in text and "(default: 0)" in text
    assert "(default: None)" not in text


# --------------------------------------------------------------------------- 16.7 progress
def test_no_progress_bars_or_colours_off_a_terminal(monthly_csv, tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "lstm_forecast", "fit", str(monthly_csv), "--target", "sales",
         *TINY, "--model", str(tmp_path / "m.lstmf")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout + result.stderr and "\r" not in result.stderr
    assert "epoch" in result.stdout.splitlines()[-1]  # a plain summary instead of the table
    assert "train_loss" not in result.stdout


def test_progress_on_a_terminal(monkeypatch, capsys):
    import sys

    from lstm_forecast import _cli_commands

    args = cli._parser().parse_args(["fit", "d.csv", "--target", "y", "--model", "m"])
    assert _cli_commands._forecaster(args).estimator.verbose == 0
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert _cli_commands._forecaster(args).estimator.verbose == 1
    quiet = cli._parser().parse_args(["--quiet", "fit", "d.csv", "--target", "y", "--model", "m"])
    assert _cli_commands._forecaster(quiet).estimator.verbose == 0


# --------------------------------------------------------------------------- 16.8 evaluate
def test_evaluate_numbers_are_formatted_with_a_mean_row(monthly_csv, capsys):
    code, out, _ = run(capsys, "--quiet", "evaluate", monthly_csv, "--target", "sales",
                       "--time-column", "date", "--horizon", "3", "--folds", "2", *TINY)
    assert code == 0
    lines = out.splitlines()
    header = next(line for line in lines if "MAPE" in line).split()
    assert header == ["fold", "origin", "train", "MAE", "RMSE", "MAPE", "MASE", "fit", "s"]
    rows = [line.split() for line in lines if line.split() and line.split()[0] in ("0", "1")]
    assert rows[0][1] == "2005-07-01" and rows[0][5].endswith("%")
    assert all(len(value.split(".")[-1].rstrip("%")) <= 4 for row in rows for value in row[3:7])
    assert len([line for line in lines if line.split()[:1] == ["mean"]]) == 2


def test_evaluate_season_flag_and_annual_data(tmp_path, capsys, monthly_csv):
    code, out, _ = run(capsys, "--quiet", "evaluate", monthly_csv, "--target", "sales",
                       "--time-column", "date", "--horizon", "3", "--folds", "1", "--season", "1",
                       *TINY)
    assert code == 0 and "season 1 (--season)" in out and "naive (last value)" in out
    frame = pd.DataFrame({"year": np.arange(1900, 1960), "flow": 100 + np.sin(np.arange(60.0))})
    data = write_csv(tmp_path / "annual.csv", frame)
    code, out, _ = run(capsys, "--quiet", "evaluate", data, "--target", "flow", "--time-column",
                       "year", "--freq", "Y", "--horizon", "2", "--folds", "1", *TINY)
    assert code == 0
    assert "season 1: no seasonal period for frequency 'Y-DEC'; the baseline is the naive " \
           "last-value forecast" in out
    assert "seasonal naive (period 1)" not in out and "naive (last value)" in out


def test_evaluate_plot_zooms_on_the_folds(monthly_csv, tmp_path, capsys, monkeypatch):
    from matplotlib.figure import Figure

    figures = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: figures.append(self))
    code, _, _ = run(capsys, "--quiet", "evaluate", monthly_csv, "--target", "sales",
                     "--time-column", "date", "--horizon", "3", "--folds", "2", *TINY,
                     "--plot", tmp_path / "b.png")
    assert code == 0 and len(figures) == 1
    ax = figures[0].axes[0]
    series = next(line for line in ax.get_lines() if line.get_label() == "series")
    assert len(series.get_xdata()) == 24 + 6  # context of two seasons before the 6 forecast steps
    labels = [line.get_label() for line in ax.get_lines()]
    assert "seasonal naive (period 12)" in labels and ax.get_ylabel() == "sales"


def test_predict_float_format(monthly_csv, tmp_path, capsys):
    model = fit_model(capsys, monthly_csv, tmp_path / "m.lstmf", "--target", "sales",
                      "--horizon", "2")
    code, out, _ = run(capsys, "predict", model)
    assert code == 0 and len(out.splitlines()[1].split(".")[1]) == 3  # ~100s: 3 decimals
    code, out, _ = run(capsys, "predict", model, "--float-format", "%.1f")
    assert code == 0 and len(out.splitlines()[1].split(".")[1]) == 1
    code, _, err = run(capsys, "predict", model, "--float-format", "%q")
    assert code == 2 and "--float-format '%q' is not a printf-style number format" in err


# --------------------------------------------------------------------------- 16.14 demo
def test_demo_plots_have_baselines_and_named_axes(tmp_path, capsys, monkeypatch):
    from matplotlib.figure import Figure

    from lstm_forecast import LSTMRegressor, _cli_demo

    monkeypatch.setattr(_cli_demo, "_SINE_POINTS", 1_000)
    monkeypatch.setattr(_cli_demo, "_SINE_EPOCHS", 1)
    monkeypatch.setattr("lstm_forecast._quantile_network.default_estimator",
                        lambda n_windows: LSTMRegressor(hidden_size=4, max_epochs=1))
    figures = []
    original = Figure.savefig
    monkeypatch.setattr(Figure, "savefig",
                        lambda self, path, **k: (figures.append(self), original(self, path, **k)))
    code, out, _ = run(capsys, "--quiet", "demo", "--output-dir", tmp_path / "out")
    assert code == 0 and (tmp_path / "out" / "sine.png").is_file()
    assert "sine: 100 steps ahead" in out and "repeat the last value" in out
    sine, airline = (f.axes[0] for f in figures)
    assert sine.get_ylabel() == "sine" and sine.get_xlabel() == "x"
    assert "last value repeated" in [line.get_label() for line in sine.get_lines()]
    forecast = next(line for line in sine.get_lines() if line.get_label() == "forecast")
    assert len(forecast.get_xdata()) >= 100  # many steps, not one
    assert airline.get_ylabel() == "passengers" and airline.get_xlabel() == "month"
    assert "seasonal naive" in [line.get_label() for line in airline.get_lines()]


# --------------------------------------------------------------------------- 14.1 Ctrl-C
@pytest.fixture
def old_model(monthly_csv, tmp_path, capsys):
    model = tmp_path / "old.lstmf"
    model.write_bytes(b"the previous model")
    return model


def _fit_args(monthly_csv, model):
    return ["fit", monthly_csv, "--target", "sales", *TINY, "--model", model]


def test_interrupted_training_keeps_the_old_model(monthly_csv, old_model, capsys, monkeypatch):
    from lstm_forecast import LSTMForecaster

    def fit(self, y, X=None):  # skorch swallows Ctrl-C; the estimator records it
        self.interrupted_ = True
        self.estimators_ = []
        return self

    monkeypatch.setattr(LSTMForecaster, "fit", fit)
    code, _, err = run(capsys, *_fit_args(monthly_csv, old_model))
    assert code == 130 and "interrupted" in err and "the previous file is unchanged" in err
    assert old_model.read_bytes() == b"the previous model"


def test_ctrl_c_outside_the_training_loop(monthly_csv, old_model, tmp_path, capsys, monkeypatch):
    from lstm_forecast import LSTMForecaster

    def fit(self, y, X=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(LSTMForecaster, "fit", fit)
    code, _, err = run(capsys, *_fit_args(monthly_csv, old_model))
    assert code == 130 and old_model.read_bytes() == b"the previous model"
    new = tmp_path / "new.lstmf"
    code, _, err = run(capsys, *_fit_args(monthly_csv, new))
    assert code == 130 and "nothing was written" in err and not new.exists()


def test_sigint_is_not_swallowed_by_a_training_loop(monthly_csv, old_model, capsys, monkeypatch):
    """A real SIGINT during a fit that catches KeyboardInterrupt (as skorch's loop does)."""
    import os
    import signal
    import threading
    import time

    from lstm_forecast import LSTMForecaster

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")

    def fit(self, y, X=None):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:  # skorch: "except KeyboardInterrupt: pass"
            pass
        return self

    monkeypatch.setattr(LSTMForecaster, "fit", fit)
    previous = signal.getsignal(signal.SIGINT)
    code, _, err = run(capsys, *_fit_args(monthly_csv, old_model))
    assert code == 130 and old_model.read_bytes() == b"the previous model"
    assert signal.getsignal(signal.SIGINT) is previous  # the handler is put back


def test_sigint_in_a_real_process(monthly_csv, old_model):
    import signal
    import subprocess
    import sys

    code = ("import time, sys\n"
            "from lstm_forecast import LSTMForecaster\n"
            "def fit(self, y, X=None):\n"
            "    print('training', file=sys.stderr, flush=True)\n"
            "    try:\n"
            "        time.sleep(60)\n"
            "    except KeyboardInterrupt:\n"
            "        pass\n"
            "    return self\n"
            "LSTMForecaster.fit = fit\n"
            "from lstm_forecast.cli import console_main\n"
            f"sys.argv = ['lstm-forecast', 'fit', {str(monthly_csv)!r}, '--target', 'sales',"
            f" '--model', {str(old_model)!r}]\n"
            "console_main()\n")
    process = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr.readline().strip() == "training"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert old_model.read_bytes() == b"the previous model"


# --------------------------------------------------------------------------- 14.12 OS mistakes
@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("{dir}", "is a directory; give a file name such as"),
        ("{dir}/missing/m.lstmf", "the directory {dir}/missing does not exist"),
        ("{file}/m.lstmf", "{file} is not a directory"),
        ("", "--model is empty"),
    ],
)
def test_model_path_mistakes_exit_2_before_training(monthly_csv, tmp_path, capsys, no_training,
                                                    model, message):
    names = {"{dir}": str(tmp_path), "{file}": str(monthly_csv)}
    for key, value in names.items():
        model, message = model.replace(key, value), message.replace(key, value)
    code, _, err = run(capsys, *_fit_args(monthly_csv, model))
    assert code == 2 and message in one_error_line(err)


def test_unwritable_directories_exit_2_before_training(monthly_csv, tmp_path, capsys, no_training,
                                                       monkeypatch):
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(locked)
                        else real_access(p, mode))
    code, _, err = run(capsys, *_fit_args(monthly_csv, locked / "m.lstmf"))
    assert code == 2 and f"the directory {locked} is not writable" in one_error_line(err)
    code, _, err = run(capsys, "evaluate", monthly_csv, "--target", "sales", "--plot",
                       locked / "b.png")
    assert code == 2 and "is not writable" in one_error_line(err)
    code, _, err = run(capsys, "demo", "--output-dir", locked / "out")
    assert code == 2 and "is not writable" in one_error_line(err)


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
                    reason="root writes to read-only directories")
def test_read_only_directory_for_real(monthly_csv, tmp_path, capsys, no_training):
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, _, err = run(capsys, *_fit_args(monthly_csv, locked / "m.lstmf"))
    finally:
        locked.chmod(0o700)
    assert code == 2 and "not writable" in one_error_line(err)


def test_output_and_plot_mistakes_exit_2(monthly_csv, tmp_path, capsys, no_training):
    code, _, err = run(capsys, "evaluate", monthly_csv, "--target", "sales", "--plot",
                       tmp_path / "b.pdf")
    assert code == 2 and "must name a PNG file" in one_error_line(err)
    code, _, err = run(capsys, "evaluate", monthly_csv, "--target", "sales", "--plot",
                       tmp_path / "nope" / "b.png")
    assert code == 2 and "does not exist" in one_error_line(err)
    code, _, err = run(capsys, "predict", tmp_path / "m.lstmf", "--output", tmp_path)
    assert code == 2 and "--output" in one_error_line(err) and "is a directory" in err
    code, _, err = run(capsys, "demo", "--output-dir", monthly_csv)
    assert code == 2 and "exists and is not a directory" in one_error_line(err)
    code, _, err = run(capsys, "fit", tmp_path, "--target", "y", "--model", tmp_path / "m")
    assert code == 2 and "is a directory, not a file" in one_error_line(err)


def test_unwritable_output_file_is_refused_before_loading(tmp_path, capsys, monkeypatch):
    import os

    output = tmp_path / "forecast.csv"
    output.write_text("keep")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(output)
                        else real_access(p, mode))
    code, _, err = run(capsys, "predict", tmp_path / "missing.lstmf", "--output", output)
    assert code == 2 and "is not writable (read-only)" in one_error_line(err)


# --------------------------------------------------------------------------- 14.13 -m
@pytest.mark.parametrize("module", ["lstm_forecast", "lstm_forecast.cli"])
def test_python_dash_m_runs_the_command(module, tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", module, "fit", str(tmp_path / "missing.csv"),
                             "--target", "y", "--model", str(tmp_path / "m.lstmf")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "no such file" in result.stderr
    result = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("usage: lstm-forecast")


# --------------------------------------------------------------------------- 12.8 long CSVs
ONE_EPOCH = ["--max-epochs", "1", "--hidden-size", "4"]
NOT_CLI = re.compile(r"\b(fill=|time_column|freq=|n_folds|horizon=|seasonal_period|id_col)|"
                     r"\b[Xy] (must|has|was)\b|\bof y\b|pass X\b")


def _long_table(ids=("007", "b", "c"), lengths=(30, 24, 27), start="2000-01-01", seed=0):
    """A long table: one row per store and month, rows shuffled; ragged series, own starts."""
    parts = []
    for k, (name, n) in enumerate(zip(ids, lengths, strict=True)):
        dates = pd.date_range(start, periods=n + 2 * k, freq="MS")[2 * k:]
        t = np.arange(n)
        parts.append(pd.DataFrame({"store": name, "date": dates.strftime("%Y-%m-%d"),
                                   "sales": (k + 1) * (100 + t + 10 * np.sin(t * np.pi / 6)),
                                   "promo": (t % 4 == 0).astype(int)}))
    return pd.concat(parts).sample(frac=1.0, random_state=seed)


@pytest.fixture(scope="module")
def panel_files(tmp_path_factory):
    """``stores.csv`` (3 ragged series) and a model fitted on it with --id-column."""
    folder = tmp_path_factory.mktemp("panel")
    data = write_csv(folder / "stores.csv", _long_table())
    model = folder / "stores.lstmf"
    code = cli.main(["--quiet", "fit", str(data), "--id-column", "store", "--target", "sales",
                     "--time-column", "date", "--horizon", "3", *ONE_EPOCH, "--model", str(model)])
    assert code == 0
    return data, model


def test_panel_fit_predict_writes_long_forecast_with_intervals(panel_files, tmp_path, capsys):
    data, model = panel_files
    output = tmp_path / "forecast.csv"
    code, _, err = run(capsys, "predict", model, "--coverage", "0.8", "0.95", "--output", output)
    assert code == 0, err
    forecast = pd.read_csv(output, dtype={"store": str})
    assert list(forecast.columns) == ["store", "date", "sales", "lower_80", "upper_80",
                                      "lower_95", "upper_95"]
    assert list(forecast["store"].unique()) == list(pd.read_csv(data, dtype={"store": str})
                                                     ["store"].unique())  # file order, "007" kept
    last = pd.read_csv(data, dtype={"store": str}).groupby("store")["date"].max()
    for store, rows in forecast.groupby("store"):
        expected = pd.date_range(pd.Timestamp(last[store]), periods=4, freq="MS")[1:]
        assert list(rows["date"]) == list(expected.strftime("%Y-%m-%d"))  # each its own future
    assert (forecast["lower_95"] <= forecast["lower_80"]).all()
    assert (forecast["lower_80"] <= forecast["sales"]).all()
    assert (forecast["sales"] <= forecast["upper_80"]).all()
    assert (forecast["upper_80"] <= forecast["upper_95"]).all()


def test_panel_predict_forecasts_new_series_from_data(panel_files, tmp_path, capsys):
    data, model = panel_files
    table = pd.read_csv(data, dtype={"store": str})
    new = write_csv(tmp_path / "new.csv", table[table["store"] == "b"].assign(store="new"))
    code, out, err = run(capsys, "predict", model, "--data", new, "--id-column", "store")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "store,date,sales" and len(lines) == 4
    assert all(line.startswith("new,") for line in lines[1:])
    code, same, _ = run(capsys, "predict", model, "--data", new)  # the model's id column
    assert code == 0 and same == out
    code, _, err = run(capsys, "predict", model, "--id-column", "shop")
    assert code == 2 and "--id-column shop reads --data" in one_error_line(err)


def test_single_series_predict_coverage_columns(monthly_csv, tmp_path, capsys):
    model = fit_model(capsys, monthly_csv, tmp_path / "m.lstmf", "--target", "sales",
                      "--time-column", "date", "--horizon", "2")
    code, out, err = run(capsys, "predict", model, "--coverage", "0.9", "0.5")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "date,sales,lower_90,upper_90,lower_50,upper_50" and len(lines) == 3
    values = [float(v) for v in lines[1].split(",")[1:]]
    assert values[1] <= values[3] <= values[0] <= values[4] <= values[2]


@pytest.mark.parametrize("level", ["0", "1", "-0.2", "1.5", "x", "nan", "80"])
def test_bad_coverage_levels_exit_2(level, tmp_path, capsys):
    code, _, err = run(capsys, "predict", tmp_path / "missing.lstmf", "--coverage", "0.8", level)
    assert code == 2 and f"--coverage {level!r} is not a level strictly between 0 and 1" in \
        one_error_line(err)
    assert ("0.8 for 80%" in err) == (level in ("1.5", "80"))  # read as percentages


def test_panel_covariates_and_their_future_long_csv(tmp_path, capsys):
    table = _long_table(lengths=(20, 16, 18))
    data = write_csv(tmp_path / "stores.csv", table)
    model = fit_model(capsys, data, tmp_path / "m.lstmf", "--id-column", "store", "--target",
                      "sales", "--time-column", "date", "--covariates", "promo", "--horizon", "2")
    last = table.assign(date=pd.to_datetime(table["date"])).groupby("store", sort=False)["date"].max()
    future = pd.DataFrame({"store": np.repeat(last.index, 2), "promo": [1.0, 0.0] * len(last),
                           "date": [d.strftime("%Y-%m-%d") for t in last
                                    for d in pd.date_range(t, periods=3, freq="MS")[1:]]})
    good = write_csv(tmp_path / "future.csv", future)
    code, out, err = run(capsys, "predict", model, "--future-covariates", good)
    assert code == 0 and len(out.splitlines()) == 1 + 2 * 3, err
    code, _, err = run(capsys, "predict", model, "--future-covariates",
                       write_csv(tmp_path / "short.csv", future.iloc[1:]))
    assert code == 2 and "has 1 rows for series" in one_error_line(err)
    code, _, err = run(capsys, "predict", model, "--future-covariates",
                       write_csv(tmp_path / "renamed.csv", future.rename(columns={"promo": "p"})))
    assert code == 2 and "lacks ['promo'] and has unknown column(s) ['p']" in one_error_line(err)


def test_panel_reader_fills_within_each_series(tmp_path):
    from lstm_forecast._cli_panel import load_panel

    data = tmp_path / "gaps.csv"
    data.write_text("id;t;y\na;2020-01-01;1\na;2020-01-03;3\nb;2020-01-01;10\nb;2020-01-02;\n"
                    "b;2020-01-03;30\nb;2020-01-04;40\na;2020-01-04;4\n")
    argv = ["fit", str(data), "--id-column", "id", "--target", "y", "--time-column", "t",
            "--model", "m"]
    for fill, a, b in [("interpolate", [1, 2, 3, 4], [10, 20, 30, 40]),
                       ("ffill", [1, 1, 3, 4], [10, 10, 30, 40]),
                       ("zero", [1, 0, 3, 4], [10, 0, 30, 40])]:
        y, X, grid = load_panel(cli._parser().parse_args([*argv, "--fill", fill]))
        assert X is None and grid.freqstr == "D"
        assert list(y.loc["a"]) == a and list(y.loc["b"]) == b, fill
    with pytest.raises(Exception, match=r"series 'a' in .*gaps.csv: 1 missing timestamp\(s\) "
                                        r"\(gaps\) for frequency 'D': 2020-01-02 \(2 series"):
        load_panel(cli._parser().parse_args(argv))
    data.write_text("id,y\na,1\nb,5\na,2\nb,6\na,3\n")  # no time column: rows in file order
    y, _, _ = load_panel(cli._parser().parse_args(["fit", str(data), "--id-column", "id",
                                                   "--target", "y", "--model", "m"]))
    assert y.index.names == ["id", None] and list(y.loc["a"]) == [1, 2, 3]


def test_panel_evaluate_prints_aggregate_and_per_series_tables(panel_files, capsys):
    data, _ = panel_files
    code, out, err = run(capsys, "--quiet", "evaluate", data, "--id-column", "store", "--target",
                         "sales", "--time-column", "date", "--horizon", "3", "--folds", "2",
                         *ONE_EPOCH)
    assert code == 0, err
    assert "LSTMForecaster: 3 series, 2 folds of 3 steps" in out
    assert out.count("per series (mean over the folds):") == 2
    lines = out.splitlines()
    header = next(line for line in lines if line.split()[:2] == ["fold", "series"]).split()
    assert header == ["fold", "series", "MAE", "RMSE", "MAPE", "MASE", "fit", "s"]
    assert len([line for line in lines if line.split()[:1] == ["mean"]]) == 2
    assert len([line for line in lines if line.split()[:1] == ["007"]]) == 2


def test_panel_per_series_summary_of_many_series_is_compact():
    from lstm_forecast import NaiveForecaster, backtest
    from lstm_forecast._cli_panel import series_table

    panel = {f"s{i}": np.arange(1.0, 13.0) * (i + 1) + (i % 3) * np.sin(np.arange(12.0))
             for i in range(12)}
    result = backtest(NaiveForecaster(horizon=2), panel, n_folds=2, metrics=("mae", "mase"))
    text = series_table(result, "store").splitlines()
    assert text[0] == "per series (12 series, mean over the folds):"
    assert [line.split()[0] for line in text[2:7]] == ["min", "25%", "median", "75%", "max"]
    assert text[-1].startswith("largest MASE: ") and len(text) == 8


def _errors(capsys, *argv):
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert not NOT_CLI.search(one_error_line(err)), err
    return err


def test_panel_user_mistakes_exit_2_in_cli_words(panel_files, tmp_path, capsys, no_training):
    data, _ = panel_files
    fit = ["fit", data, "--target", "sales", "--time-column", "date", "--model", tmp_path / "m"]
    assert "unknown --id-column 'shop'; " in _errors(capsys, *fit, "--id-column", "shop")
    assert "--id-column and --target name the same column 'sales'" in \
        _errors(capsys, *fit, "--id-column", "sales")
    assert "--id-column and --time-column name the same column 'date'" in \
        _errors(capsys, *fit, "--id-column", "date")
    assert "--covariates must name columns other than --id-column 'store'" in \
        _errors(capsys, *fit, "--id-column", "store", "--covariates", "store")
    table = pd.read_csv(data, dtype={"store": str})
    twice = write_csv(tmp_path / "twice.csv", pd.concat([table, table.iloc[:1]]))
    assert "twice.csv has two rows for series" in \
        _errors(capsys, "fit", twice, *fit[2:], "--id-column", "store")
    holes = write_csv(tmp_path / "holes.csv", table.drop(index=table.index[3]))
    assert "Pass --fill {ffill,bfill,interpolate,zero} to fill them within each series" in \
        _errors(capsys, "fit", holes, *fit[2:], "--id-column", "store")


def test_panel_series_too_short_names_the_series(panel_files, tmp_path, capsys):
    data, _ = panel_files
    table = pd.read_csv(data, dtype={"store": str})
    tiny = pd.DataFrame({"store": "tiny", "date": ["2000-01-01", "2000-02-01", "2000-03-01"],
                         "sales": [1.0, 2.0, 3.0], "promo": 0})
    short = write_csv(tmp_path / "short.csv", pd.concat([table, tiny]))
    common = ["--id-column", "store", "--target", "sales", "--time-column", "date", *ONE_EPOCH]
    err = _errors(capsys, "fit", short, *common, "--horizon", "3", "--model", tmp_path / "m")
    assert f"every series needs at least 5 values (--horizon + 2) to train on; series 'tiny' in " \
           f"{short} has 3: drop it from the file or lower --horizon." in err
    err = _errors(capsys, "evaluate", data, *common, "--horizon", "3", "--folds", "8")
    assert f"series 'b' in {data} is too short for --folds 8 with --horizon 3: 25 values are " \
           "needed, it has 24" in err
    err = _errors(capsys, "evaluate", data, *common, "--horizon", "3", "--folds", "7")
    assert f"series 'b' in the first backtest fold of {data} has 3: drop it from the file or " \
           "lower --horizon or --folds." in err
    err = _errors(capsys, "evaluate", data, *common, "--horizon", "3", "--folds", "6")
    assert f"fold 0, series '007' in {data} (origin" in err and "--season=12" in err  # MASE


def test_panel_history_of_another_frequency(tmp_path, capsys):
    years = pd.DataFrame({"site": np.repeat(["a", "b"], 12), "year": np.tile(np.arange(1990, 2002), 2),
                          "flow": np.r_[np.arange(12.0) + 50, np.arange(12.0) * 2 + 80]})
    model = fit_model(capsys, write_csv(tmp_path / "years.csv", years), tmp_path / "y.lstmf",
                      "--id-column", "site", "--target", "flow", "--time-column", "year",
                      "--freq", "Y", "--horizon", "2")
    code, out, _ = run(capsys, "predict", model)
    assert code == 0 and out.splitlines()[1].startswith("a,2002,")
    quarters = years.assign(year=[f"{1990 + i // 4}Q{i % 4 + 1}" for i in range(12)] * 2)
    err = _errors(capsys, "predict", model, "--data", write_csv(tmp_path / "q.csv", quarters))
    assert f"--data {tmp_path / 'q.csv'} has the frequency Q-DEC; the model was fitted on series " \
           "of frequency Y-DEC." in err


def test_panel_ids_that_look_like_missing_values_are_ids(tmp_path, capsys):
    data = write_csv(tmp_path / "countries.csv", _long_table(ids=("NA", "null", "FR")))
    model = tmp_path / "countries.lstmf"
    code, _, err = run(capsys, "--quiet", "fit", data, "--id-column", "store", "--target", "sales",
                       "--time-column", "date", "--horizon", "2", *ONE_EPOCH, "--model", model)
    assert code == 0, err
    code, out, _ = run(capsys, "predict", model)
    assert code == 0
    assert set(pd.read_csv(io.StringIO(out), keep_default_na=False)["store"]) == {"NA", "null", "FR"}
