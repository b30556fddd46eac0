"""Helpers shared by the command-line tests (tests/test_cli*.py): files, runs, error lines."""

import numpy as np
import pandas as pd

from lstm_forecast import cli


def write_monthly_csv(tmp_path):
    """``sales.csv``: 72 months of a trend and a yearly wave, columns date and sales."""
    index = pd.date_range("2000-01-01", periods=72, freq="MS")
    values = 100 + np.arange(72) + 10 * np.sin(np.arange(72) * 2 * np.pi / 12)
    path = tmp_path / "sales.csv"
    pd.DataFrame({"date": index.strftime("%Y-%m-%d"), "sales": values}).to_csv(path, index=False)
    return path


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


TINY = ["--max-epochs", "2", "--hidden-size", "4"]


def write_csv(path, frame, **kwargs):
    frame.to_csv(path, index=False, **kwargs)
    return path


def fit_model(capsys, data, model, *extra):
    code, out, err = run(capsys, "--quiet", "fit", data, *TINY, "--model", model, *extra)
    assert code == 0, err
    return model


def one_error_line(err):
    assert err.startswith("lstm-forecast: error:"), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


def forbid_training(monkeypatch):
    """Any attempt to train fails the test: the command must refuse before it trains."""
    from lstm_forecast import LSTMForecaster

    def fit(self, y, X=None):
        raise AssertionError("the command trained before checking its paths")

    monkeypatch.setattr(LSTMForecaster, "fit", fit)
