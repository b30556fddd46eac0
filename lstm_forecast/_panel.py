"""One series or a panel of many, in any container, converted to plain NumPy.

Containers accepted for a target ``y`` (and, in the same container, covariates ``X``):

- **one series**: a 1-D array-like or ``Series`` (one target), a 2-D array or ``DataFrame``
  (several targets);
- **a list or tuple of series** (each an array, list, ``Series`` or ``DataFrame``; lengths
  may differ). A list of numbers is one series; a list of lists is a panel;
- **a dict** ``{id: series}``;
- **a pandas Series or DataFrame with a 2-level MultiIndex** ``(series id, time)``, sktime's
  panel convention. Rows may come in any order: each series is sorted by time, and the
  series keep the order in which their ids first appear.

Every series must be non-empty, finite and sorted in time; all series of a panel share the
number (and names) of targets, one kind of time index and one frequency (checked on every
step, so a gap or a duplicated time stamp is an error too). Errors name the series.

What the rest of the package keeps of a container is plain data (dicts, lists, NumPy arrays,
pandas indexes and offsets), so that a fitted forecaster can be saved safely:

- the **layout** (which container, the ids, target names, index level names);
- the **times** of the series: the kind of time labels (``"int"``, ``"datetime"`` or
  ``"period"``), the last label of every series, the integer step of every series or the
  panel's frequency, and the time index name. A datetime index without a frequency that can
  be inferred, or an index of another type, counts as positions ``0 .. n-1``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from lstm_forecast._time_index import infer_offset, season_from_offset
from lstm_forecast._validation import as_2d_float

SINGLE, LIST, DICT, MULTI = "single", "list", "dict", "multiindex"


@dataclass
class Panel:
    """Series as plain NumPy: what the hooks of a forecaster receive.

    Attributes
    ----------
    values : list of ndarray of shape (n_i, n_targets), or None
        The series, oldest first, float64 and finite (views of ``flat``). ``None`` at
        predict time when no new history was given: the forecast starts after the
        training series.
    ids : list
        The series ids (``[None]`` for one series, positions for a list).
    season : int
        Seasonal period implied by the frequency of the time index (``1`` when unknown).
    covariates : list of ndarray of shape (n_i, n_covariates), or None
        Covariates aligned with ``values``.
    future_covariates : list of ndarray of shape (horizon, n_covariates), or None
        Covariates of the ``horizon`` steps forecast (at predict time).
    flat : ndarray of shape (sum n_i, n_targets), or None
        All series one after the other (for vectorised computations).
    lengths : ndarray of shape (n_series,), or None
        Length of each series.
    single : bool
        Whether the container was one series (messages then say ``y``, not a series id).
    """

    values: list | None
    ids: list
    season: int = 1
    covariates: list | None = None
    future_covariates: list | None = None
    flat: np.ndarray | None = None
    lengths: np.ndarray | None = None
    single: bool = False

    @property
    def n_series(self) -> int:
        return len(self.ids)

    @property
    def ends(self) -> np.ndarray:
        return np.cumsum(cast(np.ndarray, self.lengths))

    @property
    def starts(self) -> np.ndarray:
        return self.ends - self.lengths

    def describe(self, i: int, name: str = "y") -> str:
        """How messages name series ``i``: ``"y"`` for one series, else ``"series 'b' of y"``."""
        return name if self.single else f"series {self.ids[i]!r} of {name}"


@dataclass
class Converted:
    """A converted container: the panel, and what formatting and slicing need."""

    panel: Panel
    layout: dict
    times: dict
    labels: pd.Index  # the time label (or position) of every row of panel.flat
    index: pd.MultiIndex | None = None  # multiindex containers: the index, rows in panel order
    order: np.ndarray | None = None  # multiindex containers: original row of each panel row
    # (None when the rows were already grouped by series and sorted by time)


def split(flat: np.ndarray, lengths) -> list:
    """``flat`` cut into consecutive views of the given lengths (``np.split`` is slower)."""
    ends = np.cumsum(lengths).tolist()
    return [flat[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def container_kind(data) -> str:
    """``"single"``, ``"list"``, ``"dict"`` or ``"multiindex"`` (see the module docstring)."""
    if isinstance(data, (pd.Series, pd.DataFrame)):
        return MULTI if isinstance(data.index, pd.MultiIndex) else SINGLE
    if isinstance(data, dict):
        return DICT
    if isinstance(data, (list, tuple)) and len(data) and all(map(_is_series_like, data)):
        return LIST
    return SINGLE


def _is_series_like(item) -> bool:
    if isinstance(item, np.ndarray):
        return item.ndim >= 1
    return isinstance(item, (pd.Series, pd.DataFrame, list, tuple))


def _describe(kind, series_id, name):
    return name if kind == SINGLE else f"series {series_id!r} of {name}"


def _check_sorted(index, label):
    if index.has_duplicates:
        raise ValueError(f"The time index of {label} has duplicate timestamps.")
    if not index.is_monotonic_increasing:
        raise ValueError(f"The time index of {label} must be sorted in increasing order.")


def _time_kind(index):
    if isinstance(index, pd.DatetimeIndex):
        return "datetime"
    if isinstance(index, pd.PeriodIndex):
        return "period"
    if index is not None and pd.api.types.is_integer_dtype(index.dtype):
        return "int"
    return None  # positions


# ------------------------------------------------------------------------ targets
def convert(data, name: str = "y") -> Converted:
    """Convert one series or a panel (any container of the module docstring) to a ``Panel``."""
    kind = container_kind(data)
    if kind == MULTI:
        return _convert_multiindex(data, name)
    if kind == SINGLE:
        ids: list = [None]
        elements = [data]
    elif kind == LIST:
        ids, elements = list(range(len(data))), list(data)
    else:
        if not data:
            raise ValueError(f"{name} is an empty dict; a panel needs at least one series.")
        ids, elements = list(data), list(data.values())
    labels = [_describe(kind, i, name) for i in ids]
    arrays: list = []
    ndims: list = []
    names, columns, indexes = [], None, []
    for element, label in zip(elements, labels, strict=True):
        arr, ndim = as_2d_float(element, label, with_ndim=True)
        index = element.index if isinstance(element, (pd.Series, pd.DataFrame)) else None
        if isinstance(index, pd.MultiIndex):
            raise ValueError(f"{label} has a MultiIndex; give a panel as one MultiIndex frame instead.")
        if isinstance(element, pd.DataFrame):
            if columns is not None and list(element.columns) != columns:
                raise ValueError(f"{label} has the columns {list(element.columns)}, {labels[0]} "
                                 f"has {columns}: the series of a panel share their targets.")
            columns = list(element.columns)
        if arrays and (ndim != ndims[0] or arr.shape[1] != arrays[0].shape[1]):
            raise ValueError(f"{label} has shape {np.shape(arr if ndim == 2 else arr[:, 0])}, "
                             f"{labels[0]} has {arrays[0].shape[1]} target(s) and {ndims[0]} "
                             "dimension(s): the series of a panel share their targets.")
        arrays.append(arr)
        ndims.append(ndim)
        names.append(element.name if isinstance(element, pd.Series) else None)
        indexes.append(index)
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    flat = arrays[0] if kind == SINGLE else np.concatenate(arrays)
    values = [flat] if kind == SINGLE else split(flat, lengths)
    times, labels_flat = _element_times(indexes, lengths, labels, single=kind == SINGLE)
    layout = {"container": kind, "ids": ids, "ndim": ndims[0], "columns": columns,
              "names": names if kind != SINGLE else None, "name": names[0]}
    panel = Panel(values=values, ids=ids, season=_season(times), flat=flat, lengths=lengths,
                  single=kind == SINGLE)
    return Converted(panel=panel, layout=layout, times=times, labels=labels_flat)


def offset_of(times: dict):
    """The frequency of ``times`` as a pandas offset (``None`` for integer times)."""
    if times["kind"] == "datetime":
        return to_offset(times["freq"])
    if times["kind"] == "period":
        return pd.PeriodDtype(times["freq"]).freq
    return None


def _season(times):
    return season_from_offset(offset_of(times))


def _positions(lengths, name):
    return {"kind": "int", "last": lengths - 1, "step": np.ones_like(lengths), "freq": None,
            "name": name}


def _element_times(indexes, lengths, labels, *, single):
    """The times dict of separate series, and their labels one after the other."""
    kinds = []
    for index, label in zip(indexes, labels, strict=True):
        kind = _time_kind(index)
        if kind in ("datetime", "period"):
            _check_sorted(index, label)
        kinds.append(kind)
    first = kinds[0]
    name = indexes[0].name if indexes[0] is not None else None
    for kind, label in zip(kinds, labels, strict=True):
        if (kind in ("datetime", "period") or first in ("datetime", "period")) and kind != first:
            raise ValueError(
                f"{label} has {_kind_text(kind)} but {labels[0]} has {_kind_text(first)}: the "
                "series of a panel share one kind of time index and one frequency.")
    if first in ("datetime", "period"):
        flat = indexes[0].append(list(indexes[1:])) if len(indexes) > 1 else indexes[0]
        if first == "datetime" and len({str(index.tz) for index in indexes}) > 1:
            raise ValueError("The series of the panel have different time zones; convert them "
                             "to one time zone first.")
        if first == "period":
            freq = indexes[0].freq
            for index, label in zip(indexes, labels, strict=True):
                if index.freq != freq:
                    raise ValueError(f"{label} has the frequency {index.freqstr}, {labels[0]} has "
                                     f"{indexes[0].freqstr}: the series of a panel share one frequency.")
        else:
            explicit = [index.freq for index in indexes if index.freq is not None]
            freq = explicit[0] if explicit else infer_offset(indexes[int(np.argmax(lengths))])
            if freq is None:
                # No regular frequency: like a single series, the series count as positions.
                return _positions(lengths, name), flat
        if not single:
            _check_regular(flat, lengths, freq, first, labels.__getitem__)
        ends = np.cumsum(lengths)
        freq_text = indexes[0].freqstr if first == "period" else freq.freqstr
        return {"kind": first, "last": flat[ends - 1], "step": None, "freq": freq_text,
                "name": name}, flat
    last, step, parts = [], [], []
    for index, kind, n in zip(indexes, kinds, lengths, strict=True):
        values = np.arange(n) if kind is None else index.to_numpy(dtype=np.int64)
        steps = np.unique(np.diff(values))
        regular = len(values) == 1 or (len(steps) == 1 and steps[0] > 0)
        if kind is None or not regular:
            values = np.arange(n)  # an uneven integer index counts as positions, as for arrays
        last.append(values[-1])
        step.append(values[1] - values[0] if n > 1 else 1)
        parts.append(values)
    flat = pd.Index(np.concatenate(parts) if len(parts) > 1 else parts[0], name=name)
    return {"kind": "int", "last": np.array(last, dtype=np.int64),
            "step": np.array(step, dtype=np.int64), "freq": None, "name": name}, flat


def _kind_text(kind):
    return {"datetime": "a DatetimeIndex", "period": "a PeriodIndex"}.get(kind, "no time index")


def _check_regular(times, lengths, freq, kind, labels):
    """Raise naming the first series whose consecutive time labels are not one ``freq`` apart."""
    if len(times) < 2:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' PerformanceWarning for non-vectorised offsets
        following = times[:-1] + (1 if kind == "period" else freq)
    ok = np.asarray(following == times[1:])
    ends = np.cumsum(lengths)
    ok[ends[:-1] - 1] = True  # pairs across two series
    bad = np.flatnonzero(~ok)
    if len(bad):
        series = int(np.searchsorted(ends, bad[0], side="right"))
        label = labels(series)
        freq_text = getattr(freq, "freqstr", freq)
        raise ValueError(
            f"{label} does not follow the frequency {freq_text} of the panel at {times[bad[0]]} -> "
            f"{times[bad[0] + 1]}: its time steps are irregular, have gaps or another frequency. "
            "The series of a panel share one frequency, with no missing steps.")


def _group_order(codes, keys, n_ids):
    """Rows sorted by series, then time: one integer sort when ``(code, key)`` fits in int64."""
    low, span = int(keys.min()), int(keys.max()) - int(keys.min()) + 1
    if n_ids * span < 2**62:
        return np.argsort(codes * np.int64(span) + (keys - low))
    return np.lexsort((keys, codes))


def _convert_multiindex(data, name):
    index = data.index
    if index.nlevels != 2:
        raise ValueError(f"{name} has a MultiIndex of {index.nlevels} levels; a panel's index has "
                         "two: (series id, time).")
    if len(data) == 0:
        raise ValueError(f"{name} is empty; a panel needs at least one series.")
    codes, ids = pd.factorize(index.get_level_values(0))
    if (codes < 0).any():
        raise ValueError(f"{name} has missing series ids in the first level of its index.")
    times = index.get_level_values(1)
    kind = _time_kind(times)
    if kind is None:
        raise ValueError(f"The time level of {name}'s index must hold timestamps, periods or "
                         f"integers; got dtype {times.dtype}.")
    keys = times.asi8 if kind != "int" else times.to_numpy(dtype=np.int64)
    step = np.diff(codes)
    if (step >= 0).all() and (keys[1:][step == 0] > keys[:-1][step == 0]).all():
        order = None  # already grouped by series and sorted by time: nothing to reorder
    else:
        order = _group_order(codes, keys, len(ids))
        codes, keys, times = codes[order], keys[order], times.take(order)
    lengths = np.bincount(codes, minlength=len(ids)).astype(np.int64)
    ends = np.cumsum(lengths)
    labels = lambda i: f"series {ids[i]!r} of {name}"  # noqa: E731
    try:
        raw = data.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain numbers only: {exc}") from exc
    flat = raw.reshape(len(raw), -1)
    if order is not None:
        flat = flat[order]
    if flat.shape[1] == 0:
        raise ValueError(f"{name} has no columns; at least one target is needed.")
    bad_rows = ~np.isfinite(flat).all(axis=1)
    if bad_rows.any():
        series = int(codes[np.argmax(bad_rows)])
        all_nan = np.bincount(codes, weights=np.isnan(flat).all(axis=1), minlength=len(ids))
        if (all_nan == lengths).any():
            series = int(np.argmax(all_nan == lengths))
            raise ValueError(f"{labels(series)} holds only NaN values; drop it or fill it first.")
        raise ValueError(f"{labels(series)} contains NaN or infinite values.")
    same = codes[1:] == codes[:-1]
    duplicated = np.flatnonzero(same & (keys[1:] == keys[:-1]))
    if len(duplicated):
        row = duplicated[0]
        raise ValueError(f"{name} has two rows for {labels(int(codes[row]))} at {times[row]}: "
                         "each (series id, time) pair must appear once.")
    time_name = index.names[1]
    if kind == "int":
        steps = np.diff(keys)
        first_step = np.where(lengths > 1, keys[np.minimum(ends - lengths + 1, len(keys) - 1)]
                              - keys[ends - lengths], 1)
        uneven = same & (steps != np.repeat(first_step, lengths)[1:])
        if uneven.any():
            raise ValueError(f"{labels(int(codes[1:][uneven][0]))} has integer times whose step is "
                             "not constant; a panel's series need evenly spaced times.")
        times_dict = {"kind": "int", "last": keys[ends - 1], "step": first_step.astype(np.int64),
                      "freq": None, "name": time_name}
    else:
        if kind == "period":
            freq = times.freq
        else:
            longest = int(np.argmax(lengths))
            freq = infer_offset(times[ends[longest] - lengths[longest] : ends[longest]])
            if freq is None:
                raise ValueError(
                    f"Cannot infer the frequency of the time level of {name}: its longest series "
                    f"({labels(longest)}) needs at least 3 regularly spaced timestamps.")
        _check_regular(times, lengths, freq, kind, labels)
        freq_text = times.freqstr if kind == "period" else freq.freqstr
        times_dict = {"kind": kind, "last": times[ends - 1], "step": None, "freq": freq_text,
                      "name": time_name}
    layout = {"container": MULTI, "ids": ids, "ndim": 2 if isinstance(data, pd.DataFrame) else 1,
              "columns": list(data.columns) if isinstance(data, pd.DataFrame) else None,
              "names": None, "name": data.name if isinstance(data, pd.Series) else None,
              "level_names": list(index.names)}
    values = split(flat, lengths)
    panel = Panel(values=values, ids=list(ids), season=_season(times_dict), flat=flat,
                  lengths=lengths)
    return Converted(panel=panel, layout=layout, times=times_dict, labels=times,
                     index=index if order is None else index.take(order), order=order)


# ------------------------------------------------------------------------ future times
def _steps(horizon):
    return np.arange(1, horizon + 1, dtype=np.int64)


def series_future_index(times: dict, i: int, horizon: int) -> pd.Index:
    """Labels of the ``horizon`` steps after series ``i`` (a ``RangeIndex`` for integer times)."""
    last, name = times["last"][i], times["name"]
    if times["kind"] == "datetime":
        offset = offset_of(times)
        return pd.date_range(start=last + offset, periods=horizon, freq=offset, name=name)
    if times["kind"] == "period":
        return pd.period_range(start=last + 1, periods=horizon, name=name)
    step = int(times["step"][i])
    return pd.RangeIndex(int(last) + step, int(last) + step * (horizon + 1), step, name=name)


def future_labels(times: dict, horizon: int) -> pd.Index:
    """Labels of the ``horizon`` steps after every series, series after series (``n * horizon``)."""
    last = times["last"]
    n = len(last)
    if times["kind"] == "int":
        labels = (last[:, None] + times["step"][:, None] * _steps(horizon)).ravel()
        return pd.Index(labels, name=times["name"])
    shift = 1 if times["kind"] == "period" else offset_of(times)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' PerformanceWarning for non-vectorised offsets
        parts = [last + shift * int(k) for k in _steps(horizon)]
    step_major = parts[0].append(parts[1:]) if horizon > 1 else parts[0]
    return step_major.take((np.arange(n)[:, None] + n * np.arange(horizon)).ravel()).rename(times["name"])


def future_multiindex(layout: dict, times: dict, horizon: int) -> pd.MultiIndex:
    """``(id, time)`` index of the forecasts of a MultiIndex panel."""
    ids = layout["ids"].repeat(horizon)
    return pd.MultiIndex.from_arrays([ids, future_labels(times, horizon)], names=layout["level_names"])


# ------------------------------------------------------------------------ covariates
def convert_covariates(X, *, layout, times, lengths, horizon, target_index=None, columns=None,
                       n_columns=None, name="X"):
    """Covariates ``X`` in the container of the target: ``(history, future, column_names)``.

    Series ``i`` of ``X`` has ``lengths[i] + horizon`` rows: its history (aligned with the
    target, ``lengths`` is 0 when there is none) followed by the ``horizon`` future steps.
    ``columns``/``n_columns``: what ``fit`` saw; a DataFrame is then matched by column name.
    Returns lists of per-series arrays (``None`` for an empty part).
    """
    kind, ids = layout["container"], list(layout["ids"])
    lengths = np.asarray(lengths, dtype=np.int64)
    given = container_kind(X)
    if given != kind and (kind != SINGLE or given in (DICT, MULTI)):
        what = "one series" if kind == SINGLE else f"a {kind} panel"
        raise ValueError(f"{name} must come in the same container as y ({what}); got "
                         f"{type(X).__name__}.")
    if kind == MULTI:
        flat, names = _multiindex_covariates(X, layout, times, lengths, horizon, target_index,
                                             columns, n_columns, name)
    else:
        if kind == DICT:
            missing = [i for i in ids if i not in X]
            if missing:
                raise ValueError(f"{name} has no series {missing[0]!r}: covariates are needed for "
                                 "every series of y.")
            elements = [X[i] for i in ids]
        elif kind == LIST:
            if len(X) != len(ids):
                raise ValueError(f"{name} holds {len(X)} series, y holds {len(ids)}: covariates are "
                                 "needed for every series of y.")
            elements = list(X)
        else:
            elements = [X]
        arrays, names = [], None
        for i, element in enumerate(elements):
            label = _describe(kind, ids[i], name)
            element, names = _match_columns(element, columns, label)
            _check_rows(element, lengths[i], horizon, label, single=kind == SINGLE)
            arr, _ = as_2d_float(element, label, with_ndim=True)
            _check_width(arr, n_columns, label)
            arrays.append(arr)
        flat = np.concatenate(arrays) if len(arrays) > 1 else arrays[0]
    if n_columns is None and flat.shape[1] == 0:
        raise ValueError(f"{name} has no columns; pass X=None for no covariates.")
    rows = lengths + horizon
    parts = split(flat, rows)
    history = [part[:n] for part, n in zip(parts, lengths, strict=True)] if lengths.any() else None
    future = [part[n:] for part, n in zip(parts, lengths, strict=True)] if horizon else None
    return history, future, names


def _match_columns(element, columns, label):
    if not isinstance(element, pd.DataFrame):
        return element, None
    if columns is None:
        return element, list(element.columns)
    given = list(element.columns)
    missing = [c for c in columns if c not in given]
    unknown = [c for c in given if c not in set(columns)]
    if missing or unknown:
        found = "; ".join(text for text in (missing and f"missing {missing}",
                                            unknown and f"unknown {unknown}") if text)
        raise ValueError(f"{label} must have the covariate columns the forecaster was fitted "
                         f"with, {list(columns)} (matched by name, in any order); {found}.")
    return element[columns], list(columns)


def _check_width(arr, n_columns, label):
    if n_columns is not None and arr.shape[1] != n_columns:
        raise ValueError(f"{label} has {arr.shape[1]} columns; the forecaster was fitted with "
                         f"{n_columns} covariate(s).")


def _check_rows(element, n, horizon, label, *, single):
    try:
        rows = len(element)
    except TypeError as exc:
        raise ValueError(f"{label} must be array-like with one row per time step.") from exc
    if rows == n + horizon:
        return
    whose = "y" if single else "its series"
    if not horizon:
        text = f"one row per observation of {whose} ({n})"
    elif not n:
        text = f"horizon={horizon} rows"
    else:
        text = f"len({'y' if single else 'series'}) + horizon = {n + horizon} rows"
    raise ValueError(f"{label} must have {text}, got {rows}.")


def _multiindex_covariates(X, layout, times, lengths, horizon, target_index, columns, n_columns,
                           name):
    ids = layout["ids"]
    parts = []
    if lengths.any():
        parts.append((np.repeat(np.arange(len(ids)), lengths), target_index.get_level_values(1)))
    if horizon:
        parts.append((np.repeat(np.arange(len(ids)), horizon), future_labels(times, horizon)))
    codes = np.concatenate([p[0] for p in parts])
    labels = parts[0][1].append([p[1] for p in parts[1:]]) if len(parts) > 1 else parts[0][1]
    order = np.argsort(codes, kind="stable")
    codes, labels = codes[order], labels.take(order)
    expected = pd.MultiIndex.from_arrays([ids.take(codes), labels], names=X.index.names)
    X, names = _match_columns(X, columns, name)
    try:
        aligned = X.reindex(expected)
    except ValueError as exc:
        raise ValueError(f"{name} has duplicate (series id, time) rows: {exc}") from None
    try:
        flat = aligned.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain numbers only: {exc}") from exc
    flat = flat.reshape(len(flat), -1)
    bad = ~np.isfinite(flat).all(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        needed = " and ".join(part for part, given in (("every time step of y", lengths.any()),
                                                      ("the horizon steps forecast", horizon)) if given)
        raise ValueError(f"{name} has no (finite) values for series {ids[codes[row]]!r} at "
                         f"{labels[row]}: covariates are needed for {needed}.")
    _check_width(flat, n_columns, name)
    return flat, names
