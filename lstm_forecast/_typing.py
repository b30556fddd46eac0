"""The types the public signatures name: one definition of "a series", "a panel", "a forecast".

A leaf (numpy and pandas only, so ``import lstm_forecast`` still does not load torch). The
aliases are evaluated at import time, so ``typing.get_type_hints`` resolves every public
annotation. pandas ships no type information: to a type checker without ``pandas-stubs``
its classes are ``Any``.
"""

import os
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Literal, Protocol, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

# One series: 1-D (one target) or 2-D (several targets), oldest first.
SeriesLike: TypeAlias = ArrayLike | pd.Series | pd.DataFrame
# One series, or a panel: a list or dict of series, or a (id, time) MultiIndex Series/DataFrame.
SeriesOrPanel: TypeAlias = SeriesLike | Sequence[SeriesLike] | Mapping[Hashable, SeriesLike]
# A point forecast, in the container of the series it starts from.
Forecast: TypeAlias = (NDArray[np.float64] | pd.Series | pd.DataFrame
                       | list[Any] | dict[Hashable, Any])
# Quantiles or intervals: a DataFrame per series, in the container of the series.
Frames: TypeAlias = pd.DataFrame | list[pd.DataFrame] | dict[Hashable, pd.DataFrame]
# A metric given to backtest: a name of lstm_forecast.metrics or f(y_true, y_pred) -> float.
Metric: TypeAlias = str | Callable[..., float]

PathLike: TypeAlias = str | os.PathLike[str]
RandomState: TypeAlias = int | np.random.RandomState | None
PadSide: TypeAlias = Literal["pre", "post"]


class Forecaster(Protocol):
    """What :func:`~lstm_forecast.backtest` calls: scikit-learn's ``get_params`` (for
    ``clone``), ``fit(y, X=None)`` and ``predict(X=None)``."""

    def get_params(self, deep: bool = ...) -> dict[str, Any]: ...

    def fit(self, y: Any, X: Any = ...) -> Any: ...

    def predict(self, X: Any = ...) -> Any: ...
