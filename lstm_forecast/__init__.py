"""Recurrent networks (LSTM, GRU, RNN) as scikit-learn estimators for time series."""

from .backtest import BacktestResult, backtest
from .baselines import DriftForecaster, NaiveForecaster, SeasonalNaiveForecaster
from .classifier import LSTMClassifier
from .metrics import mae, mape, mase, rmse, smape
from .regressor import LSTMRegressor
from .sequences import PadSequences, RowSequence, pad_sequences
from .windows import SlidingWindow, make_windows

__all__ = [
    "BacktestResult",
    "DriftForecaster",
    "LSTMClassifier",
    "LSTMRegressor",
    "NaiveForecaster",
    "PadSequences",
    "RowSequence",
    "SeasonalNaiveForecaster",
    "SlidingWindow",
    "backtest",
    "mae",
    "mape",
    "mase",
    "make_windows",
    "pad_sequences",
    "rmse",
    "smape",
]
__version__ = "0.1.0"
