"""Recurrent networks (LSTM, GRU, RNN) as scikit-learn estimators for time series."""

from ._panel_format import from_long, to_long
from .backtest import BacktestResult, backtest
from .baselines import DriftForecaster, NaiveForecaster, SeasonalNaiveForecaster
from .classifier import LSTMClassifier
from .forecaster import LSTMForecaster
from .metrics import coverage, mae, mape, mase, msis, rmse, smape, wql
from .persistence import load_model, save_model
from .plotting import plot_backtest, plot_forecast, plot_history, plot_panel
from .presets import time_series_classifier
from .regressor import LSTMRegressor
from .sequences import PadSequences, RowSequence, pad_sequences
from .windows import SlidingWindow, make_windows

__all__ = [
    "BacktestResult",
    "DriftForecaster",
    "LSTMClassifier",
    "LSTMForecaster",
    "LSTMRegressor",
    "NaiveForecaster",
    "PadSequences",
    "RowSequence",
    "SeasonalNaiveForecaster",
    "SlidingWindow",
    "backtest",
    "coverage",
    "from_long",
    "load_model",
    "mae",
    "mape",
    "mase",
    "msis",
    "make_windows",
    "pad_sequences",
    "plot_backtest",
    "plot_forecast",
    "plot_history",
    "plot_panel",
    "rmse",
    "save_model",
    "smape",
    "time_series_classifier",
    "to_long",
    "wql",
]
__version__ = "0.1.0"
