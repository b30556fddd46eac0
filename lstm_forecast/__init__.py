"""Recurrent networks (LSTM, GRU, RNN) as scikit-learn estimators for time series."""

from ._version import __version__ as __version__
from .backtest import BacktestResult, backtest
from .baselines import DriftForecaster, NaiveForecaster, SeasonalNaiveForecaster
from .classifier import LSTMClassifier
from .forecaster import LSTMForecaster
from .metrics import mae, mape, mase, rmse, smape
from .persistence import load_model, save_model
from .plotting import plot_backtest, plot_forecast, plot_history
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
    "load_model",
    "mae",
    "mape",
    "mase",
    "make_windows",
    "pad_sequences",
    "plot_backtest",
    "plot_forecast",
    "plot_history",
    "rmse",
    "save_model",
    "smape",
    "time_series_classifier",
]
