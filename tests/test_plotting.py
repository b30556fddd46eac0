"""Tests of lstm_forecast.plotting: returned artists, written PNG files, and bad input."""

import builtins
import importlib

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from lstm_forecast import LSTMClassifier, LSTMRegressor, backtest  # noqa: E402
from lstm_forecast.baselines import NaiveForecaster  # noqa: E402
from lstm_forecast.plotting import plot_backtest, plot_forecast, plot_history, plot_panel  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """The models fitted here are tiny: a second intra-op thread only adds synchronisation."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def labels(ax):
    return [line.get_label() for line in ax.get_lines()]


def legend_texts(ax):
    legend = ax.get_legend()
    assert legend is not None
    return [text.get_text() for text in legend.get_texts()]


def assert_png(path):
    assert path.exists()
    with open(path, "rb") as f:
        assert f.read(8) == PNG_SIGNATURE
    assert path.stat().st_size > 1000


# ----------------------------------------------------------------------------- plot_forecast


def test_plot_forecast_lines_positions_and_legend(tmp_path):
    history = np.arange(10.0)
    y_true = np.arange(10.0, 15.0)
    y_pred = y_true + 0.5
    path = tmp_path / "forecast.png"
    fig, ax = plot_forecast(y_true, y_pred, history=history, title="demo", path=path)
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    assert labels(ax) == ["history", "actual", "forecast"]
    assert legend_texts(ax) == ["history", "actual", "forecast"]
    assert ax.get_title() == "demo"
    history_line, actual, forecast = ax.get_lines()
    np.testing.assert_array_equal(history_line.get_xdata(), np.arange(10))
    np.testing.assert_array_equal(actual.get_xdata(), np.arange(10, 15))  # right after history
    np.testing.assert_array_equal(actual.get_ydata(), y_true)
    np.testing.assert_array_equal(forecast.get_ydata(), y_pred)
    assert_png(path)


def test_plot_forecast_without_history_or_actual():
    fig, ax = plot_forecast(None, [1.0, 2.0, 3.0])
    assert labels(ax) == ["forecast"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [0, 1, 2])
    _, ax = plot_forecast([1.0, 2.0], np.array([[1.5], [2.5]]))  # (n, 1) column is accepted
    assert labels(ax) == ["actual", "forecast"]


def test_plot_forecast_uses_series_index():
    index = pd.date_range("2024-01-01", periods=12, freq="MS")
    history = pd.Series(np.arange(9.0), index=index[:9])
    y_true = pd.Series([9.0, 10.0, 11.0], index=index[9:])
    _, ax = plot_forecast(y_true, np.array([9.5, 10.5, 11.5]), history=history)
    x = ax.get_lines()[2].get_xdata()
    assert pd.Timestamp(x[0]) == index[9]


def test_plot_forecast_continues_a_time_index_after_history():
    index = pd.period_range("2020-01", periods=6, freq="M")
    history = pd.Series(np.arange(6.0), index=index)
    _, ax = plot_forecast(None, [6.0, 7.0], history=history)
    x = ax.get_lines()[1].get_xdata()
    assert [pd.Timestamp(v) for v in x] == [pd.Timestamp("2020-07-01"), pd.Timestamp("2020-08-01")]


def test_plot_forecast_draws_into_given_axes():
    fig = Figure()
    ax = fig.add_subplot()
    out_fig, out_ax = plot_forecast([1.0, 2.0], [1.0, 2.0], ax=ax)
    assert out_fig is fig and out_ax is ax


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"y_true": [1.0, 2.0], "y_pred": [1.0]}, ValueError, "same length"),
        ({"y_true": None, "y_pred": []}, ValueError, "y_pred is empty"),
        ({"y_true": None, "y_pred": np.ones((3, 2))}, ValueError, "1-D"),
        ({"y_true": None, "y_pred": ["a", "b"]}, ValueError, "numbers"),
        ({"y_true": None, "y_pred": [1.0], "history": pd.DataFrame({"a": [1], "b": [2]})},
         ValueError, "2 columns"),
        ({"y_true": None, "y_pred": [1.0], "ax": "not axes"}, TypeError, "ax must be"),
        ({"y_true": None, "y_pred": [1.0], "path": "plot.pdf"}, ValueError, "PNG"),
        ({"y_true": None, "y_pred": [1.0], "path": 3}, TypeError, "path"),
        ({"y_true": None, "y_pred": [1.0, 2.0],
          "history": pd.Series([1.0, 2.0], index=["a", "b"])}, ValueError, "cannot be continued"),
    ],
)
def test_plot_forecast_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_forecast(**kwargs)


# ----------------------------------------------------------------------------- plot_history


HISTORY = [
    {"epoch": 1, "train_loss": 0.9, "valid_loss": 0.8, "train_acc": 0.5, "valid_acc": 0.55},
    {"epoch": 2, "train_loss": 0.6, "valid_loss": 0.65, "train_acc": 0.7, "valid_acc": 0.68},
    {"epoch": 3, "train_loss": 0.4, "valid_loss": 0.6, "train_acc": 0.85, "valid_acc": 0.7},
]


def test_plot_history_from_records(tmp_path):
    path = tmp_path / "history.png"
    fig, axes = plot_history(HISTORY, path=path)
    assert isinstance(fig, Figure) and len(axes) == 2
    loss_ax, acc_ax = axes
    assert loss_ax.get_title() == "loss" and acc_ax.get_title() == "accuracy"
    assert labels(loss_ax) == ["train", "validation"] == legend_texts(acc_ax)
    np.testing.assert_array_equal(loss_ax.get_lines()[0].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(acc_ax.get_lines()[1].get_ydata(), [0.55, 0.68, 0.7])
    assert loss_ax.get_xlabel() == "epoch"
    assert_png(path)


def test_plot_history_of_a_fitted_classifier_with_validation():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 4, 2)).astype(np.float32)
    y = (X[:, -1, 0] > 0).astype(int)
    clf = LSTMClassifier(hidden_size=4, max_epochs=2, validation_fraction=0.25,
                         random_state=0).fit(X, y)
    for source in (clf, clf.history_, clf.net_):
        _, axes = plot_history(source)
        assert [ax.get_title() for ax in axes] == ["loss", "accuracy"]
        assert [labels(ax) for ax in axes] == [["train", "validation"]] * 2
        np.testing.assert_allclose(axes[0].get_lines()[0].get_ydata(),
                                   clf.history_[:, "train_loss"])
        np.testing.assert_allclose(axes[1].get_lines()[1].get_ydata(),
                                   clf.history_[:, "valid_acc"])


def test_plot_history_skips_missing_metrics_of_a_regressor():
    X = np.random.RandomState(0).normal(size=(30, 3, 1)).astype(np.float32)
    reg = LSTMRegressor(hidden_size=4, max_epochs=2, random_state=0).fit(X, X[:, -1, 0])
    fig, axes = plot_history(reg)  # no accuracy, no validation split
    assert len(axes) == 1 and labels(axes[0]) == ["train"]


def test_plot_history_into_given_axes_and_custom_metric():
    fig = Figure()
    ax = fig.add_subplot()
    history = [{"epoch": e, "valid_rmse": 1.0 / e} for e in (1, 2)]
    out_fig, axes = plot_history(history, metrics=["valid_rmse"], ax=ax)
    assert out_fig is fig and axes == [ax]
    assert labels(ax) == ["valid_rmse"]


@pytest.mark.parametrize(
    "history, kwargs, error, match",
    [
        ([], {}, ValueError, "empty"),
        (HISTORY, {"metrics": ["r2"]}, ValueError, "none of the metrics.*train_loss"),
        (HISTORY, {"metrics": "loss"}, TypeError, "sequence of names"),
        (HISTORY, {"metrics": [1]}, TypeError, "metric names"),
        ("history", {}, TypeError, "history must be"),
        ([1, 2], {}, TypeError, "per-epoch dicts"),
        (HISTORY, {"ax": Figure().add_subplot()}, ValueError, "one Axes per plotted metric"),
        (HISTORY, {"ax": [1, 2]}, TypeError, "ax must be"),
        (HISTORY, {"path": "history.jpg"}, ValueError, "PNG"),
    ],
)
def test_plot_history_bad_input(history, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_history(history, **kwargs)


def test_plot_history_of_an_unfitted_estimator():
    with pytest.raises(NotFittedError, match="fit it before"):
        plot_history(LSTMClassifier())


# ----------------------------------------------------------------------------- plot_backtest


@pytest.fixture(scope="module")
def result_and_series():
    y = pd.Series(np.sin(np.arange(30) / 3.0), index=pd.RangeIndex(100, 130))
    return backtest(NaiveForecaster(horizon=4), y, n_folds=3), y


def test_plot_backtest_with_series(result_and_series, tmp_path):
    result, y = result_and_series
    path = tmp_path / "backtest.png"
    fig, ax = plot_backtest(result, y=y, path=path)
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    assert labels(ax) == ["series", "fold 0", "fold 1", "fold 2"] == legend_texts(ax)
    series_line, *folds = ax.get_lines()
    np.testing.assert_array_equal(series_line.get_xdata(), np.arange(100, 130))
    np.testing.assert_array_equal(folds[-1].get_xdata(), np.arange(126, 130))
    expected = result.forecasts.query("fold == 2")["y_pred"].to_numpy()
    np.testing.assert_allclose(folds[-1].get_ydata(), expected)
    assert_png(path)


def test_plot_backtest_without_series_draws_actual_values(result_and_series):
    result, _ = result_and_series
    _, ax = plot_backtest(result.forecasts)  # the forecasts table works too
    assert labels(ax) == ["actual", "fold 0", "fold 1", "fold 2"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), np.arange(118, 130))


def test_plot_backtest_bad_input(result_and_series):
    result, _ = result_and_series
    with pytest.raises(TypeError, match="BacktestResult"):
        plot_backtest([1, 2, 3])
    with pytest.raises(ValueError, match="lacks the column"):
        plot_backtest(result.forecasts.drop(columns="y_pred"))
    with pytest.raises(ValueError, match="empty"):
        plot_backtest(result.forecasts.iloc[:0])
    two_targets = result.forecasts.assign(target="a")
    two_targets.loc[::2, "target"] = "b"
    with pytest.raises(ValueError, match="2 targets"):
        plot_backtest(two_targets)
    with pytest.raises(ValueError, match="y must be 1-D"):
        plot_backtest(result, y=np.ones((30, 2)))
    with pytest.raises(TypeError, match="ax must be"):
        plot_backtest(result, ax=object())


# ----------------------------------------------------------------------------- optional extra


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    import lstm_forecast.plotting as plotting

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    module = importlib.reload(plotting)  # importing the module itself needs no matplotlib
    with pytest.raises(ImportError, match=r'pip install "lstm-forecast\[plot\]"'):
        module.plot_forecast([1.0], [1.0])
    with pytest.raises(ImportError, match=r"lstm-forecast\[plot\]"):
        module.plot_history(HISTORY)
    monkeypatch.undo()
    importlib.reload(plotting)


def test_plot_backtest_of_a_panel_plots_one_series_at_a_time():
    panel = {"a": np.arange(1.0, 21.0), "b": np.arange(30.0, 10.0, -1.0)}
    result = backtest(NaiveForecaster(horizon=3), panel, n_folds=2)
    with pytest.raises(ValueError, match="2 series of a panel; plot one at a time"):
        plot_backtest(result)
    one = result.forecasts[result.forecasts["series"] == "a"]
    _, ax = plot_backtest(one, y=panel["a"])
    assert ax.get_lines()


# ----------------------------------------------------------------------------- panel
def _panel_and_forecasts():
    index = pd.period_range("2020-01", periods=24, freq="M")
    panel = {key: pd.Series(np.arange(24.0) + level, index=index, name="sales")
             for key, level in (("a", 0.0), ("b", 10.0), ("c", 20.0))}
    model = NaiveForecaster(horizon=4).fit(panel)
    return panel, model.predict(), model.predict_interval(coverage=[0.5, 0.9])


def test_plot_panel_draws_each_series_with_its_bands(tmp_path):
    panel, forecasts, intervals = _panel_and_forecasts()
    fig, axes = plot_panel(panel, forecasts, intervals=intervals, series=["c", "a"], last=12,
                           path=tmp_path / "panel.png")
    assert [ax.get_title() for ax in axes] == ["c", "a"]
    assert (tmp_path / "panel.png").stat().st_size > 0
    history, forecast = axes[0].get_lines()
    assert len(history.get_xdata()) == 12 and history.get_ydata()[-1] == 43.0
    np.testing.assert_array_equal(forecast.get_ydata(), forecasts["c"].to_numpy())
    assert len(axes[0].collections) == 2  # one band per coverage
    assert axes[0].get_ylabel() == "sales"


def test_plot_panel_of_a_multiindex_panel_with_actual_values():
    panel, _, _ = _panel_and_forecasts()
    frame = pd.concat(panel, names=["id", "month"])
    train = frame.groupby(level=0).head(20)
    actual = frame.groupby(level=0).tail(4)
    model = NaiveForecaster(horizon=4).fit(train)
    fig, axes = plot_panel(train, model.predict(), actual=actual, max_series=2)
    assert [ax.get_title() for ax in axes] == ["a", "b"]
    assert [line.get_label() for line in axes[1].get_lines()] == ["history", "actual", "forecast"]


def test_plot_panel_bad_input():
    panel, forecasts, _ = _panel_and_forecasts()
    with pytest.raises(ValueError, match=r"\['z'\] are not in both"):
        plot_panel(panel, forecasts, series=["z"])
    with pytest.raises(TypeError, match="history must be a panel"):
        plot_panel(3.0, forecasts)
