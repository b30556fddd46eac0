"""Recurrent networks (LSTM, GRU, RNN) as scikit-learn estimators for time series.

The public names are imported on first use (PEP 562), so that ``import lstm_forecast`` and
the ``lstm-forecast --help`` command do not load torch.
"""

import importlib
import sys
import types
from typing import TYPE_CHECKING

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
from ._version import __version__ as __version__  # noqa: E402 - a constant, imports nothing

_MODULES = {
    "backtest": ["BacktestResult", "backtest"],
    "baselines": ["DriftForecaster", "NaiveForecaster", "SeasonalNaiveForecaster"],
    "classifier": ["LSTMClassifier"],
    "forecaster": ["LSTMForecaster"],
    "metrics": ["coverage", "mae", "mape", "mase", "msis", "rmse", "smape", "wql"],
    "_panel_format": ["from_long", "to_long"],
    "persistence": ["load_model", "save_model"],
    "plotting": ["plot_backtest", "plot_forecast", "plot_history", "plot_panel"],
    "presets": ["time_series_classifier"],
    "regressor": ["LSTMRegressor"],
    "sequences": ["PadSequences", "RowSequence", "pad_sequences"],
    "windows": ["SlidingWindow", "make_windows"],
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """Keeps ``lstm_forecast.backtest`` the function once the module of that name is imported.

    Importing a submodule binds it as an attribute of the package; for ``backtest`` that
    attribute is the public function of the same name.
    """

    def __setattr__(self, name, value):
        if isinstance(value, types.ModuleType) and name in _WHERE and \
                value.__name__ == f"{__name__}.{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

if TYPE_CHECKING:  # what static tools and IDEs read
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
