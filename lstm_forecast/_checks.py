"""Checks of numbers and numeric inputs used by the forecasting modules (a leaf module).

Kept in one place so that they can be re-pointed at the shared validation module
(``_validation.py``, issue 15) in one edit; the messages are the ones the forecasting
modules have always raised.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

__all__ = ["as_2d_float", "check_positive_int", "check_probabilities"]


def check_positive_int(value, name):
    """Return ``value`` as an ``int`` or raise ``ValueError`` if it is not an integer >= 1."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def check_probabilities(value, name):
    """``value`` (a number or a sequence of distinct numbers in ``(0, 1)``) as a list of floats."""
    items = [value] if np.ndim(value) == 0 else list(np.asarray(value, dtype=object).ravel())
    if not items:
        raise ValueError(f"{name} is empty; give at least one probability in (0, 1).")
    out = []
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Real):
            raise TypeError(f"{name} must hold numbers in (0, 1); got {item!r}.")
        if not 0.0 < float(item) < 1.0:
            raise ValueError(f"{name} must hold numbers strictly between 0 and 1; got {item!r}.")
        out.append(float(item))
    if len(set(out)) != len(out):
        raise ValueError(f"{name} holds duplicate values: {out}.")
    return out


def as_2d_float(values, name, *, with_ndim=False):
    """Convert an array-like or pandas object to a finite 2-D float array ``(n, k)``.

    With ``with_ndim``, return ``(array, ndim)``, the number of dimensions of the input.
    """
    try:
        if isinstance(values, (pd.Series, pd.DataFrame)):
            arr = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain numbers only: {exc}") from exc
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); at least one value is needed.")
    if not np.all(np.isfinite(arr)):
        if np.isnan(arr).all():
            raise ValueError(f"{name} holds only NaN values; drop it or fill it first.")
        raise ValueError(f"{name} contains NaN or infinite values.")
    out = arr.reshape(arr.shape[0], -1)
    return (out, arr.ndim) if with_ndim else out
