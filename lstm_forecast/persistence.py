"""Safe, atomic saving and loading of fitted estimators (no pickle).

A model file is a zip archive that holds only data:

- ``meta.json``: the format name and version, the versions of the libraries that wrote it,
  and the estimator as a tree: its class (from an allow-list of this library's estimators),
  its ``get_params()`` and its fitted attributes. Nested estimators (such as the
  ``estimator_`` of an :class:`~lstm_forecast.LSTMForecaster`) are nodes of the same tree.
  Values are JSON numbers, strings, booleans, ``null`` and lists, or objects tagged with a
  ``"type"`` (tuples, dicts, NumPy scalars and arrays, pandas indexes and timestamps, a
  ``torch.optim`` optimizer class by name, a ``RandomState`` by its state...).
- ``arrays.safetensors``: the numeric NumPy arrays the JSON refers to, by key (present
  when there is at least one). String and object arrays are JSON lists.
- ``weights.safetensors``: the network weights (the module ``state_dict``) of the root
  estimator; a nested estimator's are in ``weights/<attribute path>.safetensors``.

Loading reads JSON and safetensors only: nothing in a file can run code. An estimator is
rebuilt by calling its class (looked up in the allow-list) with the stored parameters,
setting the stored attributes and loading the weights into a freshly built network.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import math
import os
import re
import secrets
import warnings
import zipfile
import zlib

import numpy as np
import pandas as pd
import torch
from safetensors.numpy import load as _load_arrays
from safetensors.numpy import save as _save_arrays
from safetensors.torch import load as _load_tensors
from safetensors.torch import save as _save_tensors
from sklearn.base import BaseEstimator

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_model", "save_model"]

FORMAT_NAME = "lstm_forecast.model"
FORMAT_VERSION = 1

_META = "meta.json"
_ARRAYS = "arrays.safetensors"
_WEIGHTS = "weights.safetensors"
# A corrupt or hostile archive must not make load_model inflate gigabytes of JSON.
_MAX_META_BYTES = 512 * 1024 * 1024
# Dtype kinds an array may have: bool, integers, floats, complex, datetime, timedelta,
# fixed-width unicode and Python objects (the last two as JSON lists).
_NUMERIC_KINDS = "biufc"
_TIME_KINDS = "Mm"
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# A fixed timestamp for every archive member, so that the same model gives the same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- allow-lists
def _allowed_classes():
    """The estimator classes a model file may name, by name."""
    from .baselines import DriftForecaster, NaiveForecaster, SeasonalNaiveForecaster
    from .classifier import LSTMClassifier
    from .forecaster import LSTMForecaster
    from .regressor import LSTMRegressor

    classes = [
        LSTMRegressor, LSTMClassifier, LSTMForecaster,
        NaiveForecaster, SeasonalNaiveForecaster, DriftForecaster,
    ]
    return {cls.__name__: cls for cls in classes}


def _allowed_dataclasses():
    """Small private records the estimators keep as fitted state, by name."""
    from .baselines import _SeriesInfo

    return {"baselines._SeriesInfo": _SeriesInfo}


def _library_version():
    from . import __version__

    return __version__


class _Unsupported(ValueError):
    """A value the safe format cannot store."""


class _FormatError(ValueError):
    """A model file that does not follow the format."""


# ------------------------------------------------------------------------------ writing
def save_model(estimator, path):
    """Save a (fitted or unfitted) estimator to ``path`` in a safe, pickle-free format.

    The file is a zip archive of JSON (the class, the parameters and the fitted attributes)
    and `safetensors <https://huggingface.co/docs/safetensors>`_ (the arrays and the
    network weights): loading it with :func:`load_model` never runs code from the file.
    The write is atomic: the archive is written to a temporary file in the same directory,
    flushed to disk, then renamed over ``path``, so a crash or an error part-way leaves any
    previous file at ``path`` intact.

    Supported estimators are :class:`~lstm_forecast.LSTMRegressor`,
    :class:`~lstm_forecast.LSTMClassifier`, :class:`~lstm_forecast.LSTMForecaster` and the
    baseline forecasters. Their parameters and fitted attributes must be plain data: numbers,
    strings, ``None``, lists, tuples, dicts, NumPy scalars and arrays, pandas indexes,
    timestamps and frequencies, a ``RandomState``, an optimizer class from ``torch.optim``,
    or another supported estimator. skorch ``callbacks`` are code and are refused (they only
    matter for training: ``estimator.set_params(callbacks=None)`` before saving keeps the
    fitted model). For arbitrary objects use :func:`joblib.dump`, and load such pickles
    only from sources you trust.

    Parameters
    ----------
    estimator : estimator instance
        The estimator to save; an unfitted one saves its parameters only.
    path : str or os.PathLike
        Destination file; its directory must exist. An existing file is replaced.
        The conventional extension is ``.lstmf`` (any name works).

    Raises
    ------
    TypeError
        If ``estimator`` is not one of the supported classes.
    ValueError
        If a parameter or fitted attribute cannot be stored safely (the message names it).

    See Also
    --------
    load_model : Load a file written by this function.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from lstm_forecast import LSTMRegressor, make_windows
    >>> from lstm_forecast.persistence import load_model, save_model
    >>> X, y = make_windows(np.sin(np.linspace(0, 12, 120)), timesteps=8)
    >>> model = LSTMRegressor(hidden_size=8, max_epochs=2, device="cpu", random_state=0)
    >>> model = model.fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "sine.lstmf")
    >>> save_model(model, path)
    >>> restored = load_model(path)
    >>> bool(np.array_equal(restored.predict(X), model.predict(X)))
    True
    """
    members = _encode_model(estimator)
    _atomic_write(path, members)


def _encode_model(estimator):
    """The archive members ``[(name, bytes), ...]`` of ``estimator``, all built in memory."""
    classes = _allowed_classes()
    if type(estimator) not in classes.values():
        raise TypeError(
            f"save_model supports {', '.join(sorted(classes))}; got an object of type "
            f"{type(estimator).__qualname__}. Use joblib.dump for other objects."
        )
    writer = _Writer(classes)
    root = writer.estimator(estimator, where=type(estimator).__name__, path=())
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "estimator": root,
    }
    text = json.dumps(meta, allow_nan=False, ensure_ascii=False, indent=1, sort_keys=True)
    members = [(_META, text.encode("utf-8"))]
    if writer.arrays:
        members.append((_ARRAYS, _save_arrays(writer.arrays)))
    members.extend(writer.weights)
    return members


def _versions():
    import safetensors
    import sklearn
    import skorch

    return {
        "lstm_forecast": _library_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "safetensors": safetensors.__version__,
        "scikit-learn": sklearn.__version__,
        "skorch": skorch.__version__,
        "torch": torch.__version__,
    }


def _float(value):
    """A float as JSON: a number when finite, else the string "nan", "inf" or "-inf"."""
    value = float(value)
    return value if math.isfinite(value) else str(value)


class _Writer:
    """Encodes values to JSON, collecting numeric arrays and network weights on the side."""

    def __init__(self, classes):
        self.classes = classes
        self.dataclasses = {cls: name for name, cls in _allowed_dataclasses().items()}
        self.arrays = {}
        self.weights = []

    # -- estimators
    def estimator(self, est, *, where, path):
        name = type(est).__name__
        if self.classes.get(name) is not type(est):
            raise _Unsupported(
                f"{where} is a {type(est).__qualname__}, which the safe format cannot store; it "
                f"stores {', '.join(sorted(self.classes))}. Use joblib.dump for other objects "
                f"(and load such pickles only from sources you trust)."
            )
        params = est.get_params(deep=False)
        callbacks = params.get("callbacks")
        if callbacks is not None and len(callbacks):
            raise _Unsupported(
                f"{where}.callbacks holds skorch callbacks, which are code and cannot be saved "
                f"in the safe format. They only affect training: call "
                f"set_params(callbacks=None) before save_model to keep the fitted model, or "
                f"use joblib.dump (and load it only from sources you trust)."
            )
        if params.get("accelerator") is not None:
            raise _Unsupported(
                f"{where}.accelerator holds a Hugging Face Accelerator, which cannot be saved in "
                f"the safe format. It only affects training: call set_params(accelerator=None) "
                f"before save_model to keep the fitted model."
            )
        node = {
            "type": "estimator",
            "class": name,
            "params": {
                key: self.value(value, where=f"{where}.{key}", path=(*path, key))
                for key, value in sorted(params.items())
            },
            "state": None,
            "network": None,
            "history": None,
        }
        state = {key: value for key, value in vars(est).items() if key not in params}
        if not state:
            return node
        net = state.pop("net_", None)
        history = state.pop("history_", None)
        node["state"] = {
            key: self.value(value, where=f"{where}.{key}", path=(*path, key))
            for key, value in sorted(state.items())
        }
        if net is not None:
            node["network"] = self.network(net, path)
        if history is not None:
            node["history"] = self.history(history, where=f"{where}.history_", path=path)
        return node

    def network(self, net, path):
        module = net.module_
        tensors = {
            key: tensor.detach().to("cpu").contiguous().clone()
            for key, tensor in module.state_dict().items()
        }
        member = _WEIGHTS if not path else f"weights/{'.'.join(path)}.safetensors"
        self.weights.append((member, _save_tensors(tensors)))
        return {"member": member, "n_outputs": int(module.head.out_features)}

    def history(self, history, *, where, path):
        try:
            return self.value(list(history), where=where, path=(*path, "history_"))
        except _Unsupported as exc:
            warnings.warn(
                f"{where} holds values the safe format cannot store ({exc}); the loaded "
                f"model has an empty training history.",
                UserWarning,
                stacklevel=4,
            )
            return None

    # -- values
    def value(self, value, *, where, path):
        if value is None or isinstance(value, (bool, str)):
            return value
        if type(value) is int:
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {"type": "float", "value": str(value)}
        if isinstance(value, np.generic):
            return self.scalar(value, where)
        if isinstance(value, np.ndarray):
            return self.array(value, where=where, path=path)
        if type(value) is list:
            return [self.value(v, where=f"{where}[{i}]", path=(*path, str(i)))
                    for i, v in enumerate(value)]
        if type(value) is tuple:
            return {"type": "tuple", "items": [
                self.value(v, where=f"{where}[{i}]", path=(*path, str(i))) for i, v in enumerate(value)
            ]}
        if type(value) is dict:
            return {"type": "dict", "items": [
                [self.value(k, where=f"{where} key", path=path),
                 self.value(v, where=f"{where}[{k!r}]", path=(*path, str(k)))]
                for k, v in value.items()
            ]}
        if isinstance(value, BaseEstimator):
            return self.estimator(value, where=where, path=path)
        if isinstance(value, type) and issubclass(value, torch.optim.Optimizer):
            if getattr(torch.optim, value.__name__, None) is value:
                return {"type": "torch_optimizer", "name": f"torch.optim.{value.__name__}"}
            raise _Unsupported(
                f"{where}={value.__module__}.{value.__qualname__} is not a torch.optim optimizer; "
                f"the safe format stores optimizer classes from torch.optim only (by name). "
                f"Use joblib.dump for a custom optimizer."
            )
        if isinstance(value, np.random.RandomState):
            _, keys, pos, has_gauss, cached = value.get_state(legacy=True)
            return {"type": "random_state", "keys": self.array(keys, where=where, path=path),
                    "pos": int(pos), "has_gauss": int(has_gauss), "cached_gaussian": _float(cached)}
        if isinstance(value, pd.Index):
            return self.index(value, where=where, path=path)
        if isinstance(value, pd.Timestamp):
            return {"type": "timestamp", "value": int(value.asm8.view(np.int64)), "unit": value.unit,
                    "tz": None if value.tz is None else str(value.tz)}
        if isinstance(value, pd.Period):
            return {"type": "period", "ordinal": int(value.ordinal), "freq": value.freqstr}
        if isinstance(value, pd.DateOffset):
            return self.offset(value, where)
        if type(value) in self.dataclasses:
            return {"type": "dataclass", "class": self.dataclasses[type(value)], "fields": {
                field.name: self.value(getattr(value, field.name), where=f"{where}.{field.name}",
                                       path=(*path, field.name))
                for field in dataclasses.fields(value)
            }}
        raise _Unsupported(
            f"{where} of type {type(value).__qualname__} cannot be stored in the safe format, "
            f"which holds plain data (numbers, strings, lists, tuples, dicts, NumPy arrays, "
            f"pandas indexes, supported estimators). Use joblib.dump for arbitrary objects "
            f"(and load such pickles only from sources you trust)."
        )

    def scalar(self, value, where):
        kind = value.dtype.kind
        if kind == "b":
            data = bool(value)
        elif kind in "iu":
            data = int(value)
        elif kind == "f":
            data = _float(value)
        elif kind == "U":
            data = str(value)
        else:
            raise _Unsupported(
                f"{where} is a NumPy {value.dtype} scalar; the safe format stores NumPy bool, "
                f"integer, float and string scalars."
            )
        return {"type": "scalar", "dtype": value.dtype.str if kind == "U" else value.dtype.name,
                "value": data}

    def array(self, value, *, where, path):
        dtype = value.dtype
        node = {"type": "ndarray", "dtype": _dtype_name(dtype), "shape": list(value.shape)}
        if dtype.fields is not None or dtype.subdtype is not None:
            raise _Unsupported(f"{where} is a structured NumPy array; the safe format cannot store it.")
        if dtype.kind in _NUMERIC_KINDS or dtype.kind in _TIME_KINDS:
            data = value.view(np.int64) if dtype.kind in _TIME_KINDS else value
            if not data.dtype.isnative:
                data = data.astype(data.dtype.newbyteorder("="))
            key = f"a{len(self.arrays)}"
            self.arrays[key] = np.ascontiguousarray(data)
            node["key"] = key
        elif dtype.kind == "U":
            node["items"] = [str(v) for v in value.ravel().tolist()]
        elif dtype.kind == "O":
            node["items"] = [
                self.value(v, where=f"{where}[{i}]", path=(*path, str(i)))
                for i, v in enumerate(value.ravel())
            ]
        else:
            raise _Unsupported(
                f"{where} is a NumPy array of dtype {dtype}; the safe format stores bool, "
                f"numeric, datetime, unicode and object arrays."
            )
        return node

    def index(self, index, *, where, path):
        name = self.value(index.name, where=f"{where}.name", path=path)
        if isinstance(index, pd.RangeIndex):
            return {"type": "index", "kind": "range", "start": int(index.start),
                    "stop": int(index.stop), "step": int(index.step), "name": name}
        if isinstance(index, pd.DatetimeIndex):
            return {"type": "index", "kind": "datetime", "unit": index.unit,
                    "values": self.array(index.asi8, where=where, path=path),
                    "tz": None if index.tz is None else str(index.tz),
                    "freq": index.freqstr, "name": name}
        if isinstance(index, pd.PeriodIndex):
            return {"type": "index", "kind": "period", "freq": index.freqstr,
                    "values": self.array(index.asi8, where=where, path=path), "name": name}
        if type(index) is pd.Index and _index_dtype_supported(index.dtype):
            return {"type": "index", "kind": "plain", "dtype": str(index.dtype),
                    "values": self.array(np.asarray(index.to_numpy(), dtype=_plain_dtype(index.dtype)),
                                         where=where, path=path),
                    "name": name}
        raise _Unsupported(
            f"{where} is a {type(index).__name__} of dtype {index.dtype}; the safe format stores "
            f"RangeIndex, DatetimeIndex, PeriodIndex and plain numeric, boolean or string indexes."
        )

    def offset(self, offset, where):
        freq = offset.freqstr
        try:
            same = pd.tseries.frequencies.to_offset(freq) == offset
        except ValueError:
            same = False
        if not same:
            raise _Unsupported(f"{where}={offset!r} is not described by its frequency string {freq!r}.")
        return {"type": "offset", "freq": freq}


def _dtype_name(dtype):
    return dtype.str if dtype.kind == "U" else ("object" if dtype.kind == "O" else dtype.name)


def _index_dtype_supported(dtype):
    return str(dtype) in ("str", "string", "object") or (
        isinstance(dtype, np.dtype) and dtype.kind in "biuf"
    )


def _plain_dtype(dtype):
    return object if str(dtype) in ("str", "string", "object") else dtype


def _atomic_write(path, members):
    """Write the archive to a temporary file next to ``path``, fsync it, then rename it."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, f"the directory of the model file does not exist: "
                                f"{directory!r}", path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "the model path is a directory, expected a file", path)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            _write_archive(file, members)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _write_archive(file, members):
    with zipfile.ZipFile(file, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# ------------------------------------------------------------------------------ reading
def load_model(path, *, device=None):
    """Load an estimator saved by :func:`save_model`.

    Only JSON and safetensors are read, so loading never runs code from the file: the
    estimator's class must be one of this library's (an allow-list), it is called with the
    stored parameters, the stored fitted attributes are set, and the network weights are
    loaded into a freshly built network. A fitted model predicts exactly what it predicted
    when it was saved (on the same device type).

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_model`.
    device : str or None, default=None
        Where to put the network: ``"cpu"``, ``"cuda"``, ``"cuda:1"``... ``None`` uses the
        estimator's own ``device`` parameter (``"auto"``: CUDA when available), and the CPU
        when that names a CUDA device this machine does not have.

    Returns
    -------
    estimator : estimator instance
        The estimator, fitted if it was saved fitted.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not a model file of this library (a pickle, a joblib file, a damaged
        or edited archive, a class outside the allow-list, weights that do not fit the
        stored architecture), or was written by a newer format version.

    See Also
    --------
    save_model : Write such a file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from lstm_forecast import LSTMClassifier
    >>> from lstm_forecast.persistence import load_model, save_model
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 6, 2)).astype(np.float32)
    >>> labels = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    >>> clf = LSTMClassifier(hidden_size=8, max_epochs=2, device="cpu", random_state=0)
    >>> clf = clf.fit(X, labels)
    >>> path = os.path.join(tempfile.mkdtemp(), "updown.lstmf")
    >>> save_model(clf, path)
    >>> restored = load_model(path)
    >>> restored.classes_
    array(['down', 'up'], dtype='<U4')
    >>> bool(np.array_equal(restored.predict_proba(X), clf.predict_proba(X)))
    True
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "no model file at this path", path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "the model path is a directory, expected a file", path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ValueError(
            f"{path!r} is not an lstm_forecast model file: it is not a zip archive ({exc}). "
            f"load_model reads only files written by save_model; it never unpickles (a file from "
            f"joblib.dump must be loaded with joblib.load, and only from a source you trust)."
        ) from None
    with archive:
        reader = _Reader(archive, path, device)
        meta = reader.meta()
        return reader.estimator(meta["estimator"], where="estimator")


class _Reader:
    """Decodes the JSON tree of a model file, checking every node against the format."""

    def __init__(self, archive, path, device):
        self.archive = archive
        self.path = path
        self.device = device
        self.classes = _allowed_classes()
        self.dataclasses = _allowed_dataclasses()
        self._arrays = None

    def fail(self, message):
        return _FormatError(f"{self.path!r} is not a valid lstm_forecast model file: {message}")

    def read(self, name, limit=None):
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise self.fail(f"the archive member {name!r} is missing.") from None
        if limit is not None and info.file_size > limit:
            raise self.fail(f"{name!r} is {info.file_size} bytes, more than the {limit} allowed.")
        try:
            return self.archive.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError) as exc:
            raise self.fail(f"the archive member {name!r} cannot be read ({exc}).") from None

    def meta(self):
        data = self.read(_META, limit=_MAX_META_BYTES)
        try:
            meta = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
            raise self.fail(f"{_META} is not valid JSON ({exc}).") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
            raise self.fail(f"{_META} does not declare the format {FORMAT_NAME!r}.")
        version = meta.get("format_version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise self.fail(f"format_version must be a positive integer; got {version!r}.")
        if version > FORMAT_VERSION:
            written_by = (meta.get("versions") or {}).get("lstm_forecast", "a newer release") \
                if isinstance(meta.get("versions"), dict) else "a newer release"
            raise ValueError(
                f"{self.path!r} was written in model format version {version} (by lstm_forecast "
                f"{written_by}); this lstm_forecast {_library_version()} reads format versions "
                f"up to {FORMAT_VERSION}. Upgrade lstm_forecast to load it."
            )
        if not isinstance(meta.get("estimator"), dict):
            raise self.fail(f"{_META} has no estimator.")
        return meta

    # -- helpers
    def field(self, node, key, types, where):
        if not isinstance(node, dict) or key not in node:
            raise self.fail(f"{where}: the field {key!r} is missing.")
        value = node[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in _tuple(types)):
            raise self.fail(f"{where}.{key} has an unexpected type {type(value).__name__}.")
        return value

    def arrays(self):
        if self._arrays is None:
            data = self.read(_ARRAYS)
            try:
                self._arrays = _load_arrays(data)
            except Exception as exc:  # safetensors raises its own error type for bad bytes
                raise self.fail(f"{_ARRAYS} is not a valid safetensors file ({exc}).") from None
        return self._arrays

    # -- estimators
    def estimator(self, node, *, where):
        name = self.field(node, "class", str, where)
        cls = self.classes.get(name)
        if cls is None:
            raise self.fail(
                f"{where} names the class {name!r}, which is not one of the estimators a model file "
                f"may hold ({', '.join(sorted(self.classes))})."
            )
        params = self.field(node, "params", dict, where)
        decoded = {key: self.value(value, where=f"{where}.{key}") for key, value in params.items()}
        try:
            estimator = cls(**decoded)
        except TypeError as exc:
            raise self.fail(f"{where}: the stored parameters do not fit {name} ({exc}).") from None
        state = node.get("state")
        if state is None:
            return estimator
        if not isinstance(state, dict):
            raise self.fail(f"{where}.state must be an object.")
        for key, value in state.items():
            if not _ATTRIBUTE_NAME.match(key) or key.startswith("__") or key in params \
                    or key in ("net_", "history_") or hasattr(type(estimator), key):
                raise self.fail(f"{where}: {key!r} is not a valid fitted attribute name.")
            setattr(estimator, key, self.value(value, where=f"{where}.{key}"))
        network = node.get("network")
        if network is not None:
            self.network(estimator, network, where=f"{where}.network")
        history = node.get("history")
        if history is not None and hasattr(estimator, "net_"):
            from skorch.history import History

            entries = self.value(history, where=f"{where}.history_")
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise self.fail(f"{where}.history_ must be a list of objects.")
            estimator.net_.history_ = History(entries)
            estimator.history_ = estimator.net_.history_
        return estimator

    def network(self, estimator, node, *, where):
        member = self.field(node, "member", str, where)
        n_outputs = self.field(node, "n_outputs", int, where)
        if n_outputs < 1:
            raise self.fail(f"{where}.n_outputs must be >= 1; got {n_outputs}.")
        if not hasattr(estimator, "_restore_network"):
            raise self.fail(f"{where}: {type(estimator).__name__} has no network.")
        data = self.read(member)
        try:
            state_dict = _load_tensors(data)
        except Exception as exc:  # safetensors raises its own error type for bad bytes
            raise self.fail(f"{member} is not a valid safetensors file ({exc}).") from None
        device = self.resolve_device(estimator)
        try:
            estimator._restore_network(state_dict, n_outputs, device)
        except Exception as exc:  # a shape, key or parameter mismatch anywhere in the rebuild
            raise self.fail(
                f"the weights in {member} do not fit the network described by the stored "
                f"parameters and attributes ({type(exc).__name__}: {' '.join(str(exc).split())})."
            ) from None

    def resolve_device(self, estimator):
        from ._base import resolve_device

        if self.device is not None:
            return resolve_device(self.device)
        try:
            return resolve_device(getattr(estimator, "device", "cpu"))
        except ValueError:
            return torch.device("cpu")

    # -- values
    def value(self, node, *, where):
        if node is None or isinstance(node, (bool, str, int)):
            return node
        if isinstance(node, float):
            if not math.isfinite(node):
                raise self.fail(f"{where} holds a non-finite number outside a tagged float.")
            return node
        if isinstance(node, list):
            return [self.value(v, where=f"{where}[{i}]") for i, v in enumerate(node)]
        if not isinstance(node, dict):
            raise self.fail(f"{where} has an unexpected JSON type {type(node).__name__}.")
        kind = self.field(node, "type", str, where)
        decode = getattr(self, f"_decode_{kind}", None)
        if decode is None:
            raise self.fail(f"{where} has the unknown value type {kind!r}.")
        return decode(node, where)

    def _decode_float(self, node, where):
        text = self.field(node, "value", str, where)
        if text not in ("nan", "inf", "-inf"):
            raise self.fail(f"{where}: {text!r} is not 'nan', 'inf' or '-inf'.")
        return float(text)

    def _decode_tuple(self, node, where):
        items = self.field(node, "items", list, where)
        return tuple(self.value(v, where=f"{where}[{i}]") for i, v in enumerate(items))

    def _decode_dict(self, node, where):
        items = self.field(node, "items", list, where)
        result = {}
        for i, pair in enumerate(items):
            if not isinstance(pair, list) or len(pair) != 2:
                raise self.fail(f"{where}: item {i} is not a [key, value] pair.")
            key = self.value(pair[0], where=f"{where} key {i}")
            try:
                hash(key)
            except TypeError:
                raise self.fail(f"{where}: key {i} is not hashable.") from None
            result[key] = self.value(pair[1], where=f"{where}[{key!r}]")
        return result

    def _decode_estimator(self, node, where):
        return self.estimator(node, where=where)

    def _decode_scalar(self, node, where):
        dtype = self.dtype(self.field(node, "dtype", str, where), where, kinds="biufU")
        value = node.get("value")
        try:
            if dtype.kind == "f":
                if isinstance(value, str) and value in ("nan", "inf", "-inf"):
                    value = float(value)
                elif isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise TypeError(type(value).__name__)
            elif dtype.kind in "iu" and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(type(value).__name__)
            elif dtype.kind == "b" and not isinstance(value, bool):
                raise TypeError(type(value).__name__)
            elif dtype.kind == "U" and not isinstance(value, str):
                raise TypeError(type(value).__name__)
            return dtype.type(value)
        except (TypeError, ValueError, OverflowError) as exc:
            raise self.fail(f"{where}: {value!r} is not a valid {dtype} value ({exc}).") from None

    def _decode_ndarray(self, node, where):
        dtype = self.dtype(self.field(node, "dtype", str, where), where, kinds="biufcMmUO")
        shape = self.field(node, "shape", list, where)
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise self.fail(f"{where}.shape must be a list of non-negative integers; got {shape!r}.")
        size = math.prod(shape)
        if dtype.kind in _NUMERIC_KINDS or dtype.kind in _TIME_KINDS:
            key = self.field(node, "key", str, where)
            arrays = self.arrays()
            if key not in arrays:
                raise self.fail(f"{where} refers to the array {key!r}, missing from {_ARRAYS}.")
            array = arrays[key]
            stored = np.dtype(np.int64) if dtype.kind in _TIME_KINDS else dtype
            if array.dtype != stored or list(array.shape) != shape:
                raise self.fail(
                    f"{where}: the stored array is {array.dtype}{list(array.shape)}, the JSON "
                    f"declares {dtype}{shape}."
                )
            array = array.view(dtype) if dtype.kind in _TIME_KINDS else array
            return np.array(array, copy=True)
        items = self.field(node, "items", list, where)
        if len(items) != size:
            raise self.fail(f"{where} declares shape {shape} but holds {len(items)} items.")
        if dtype.kind == "U":
            if not all(isinstance(v, str) for v in items):
                raise self.fail(f"{where}: a string array holds a non-string item.")
            return np.array(items, dtype=dtype).reshape(shape)
        array = np.empty(size, dtype=object)
        for i, item in enumerate(items):
            array[i] = self.value(item, where=f"{where}[{i}]")
        return array.reshape(shape)

    def _decode_torch_optimizer(self, node, where):
        name = self.field(node, "name", str, where)
        short = name.removeprefix("torch.optim.")
        cls = getattr(torch.optim, short, None) if _ATTRIBUTE_NAME.match(short) else None
        if short == name or not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
            raise self.fail(f"{where}: {name!r} is not an optimizer class of torch.optim.")
        return cls

    def _decode_random_state(self, node, where):
        keys = self.value(self.field(node, "keys", dict, where), where=f"{where}.keys")
        pos = self.field(node, "pos", int, where)
        has_gauss = self.field(node, "has_gauss", int, where)
        cached = self.field(node, "cached_gaussian", (int, float, str), where)
        state = np.random.RandomState()
        try:
            state.set_state(("MT19937", keys, pos, has_gauss, float(cached)))
        except (TypeError, ValueError) as exc:
            raise self.fail(f"{where} is not a valid RandomState state ({exc}).") from None
        return state

    def _decode_index(self, node, where):
        kind = self.field(node, "kind", str, where)
        name = self.value(node.get("name"), where=f"{where}.name")
        try:
            if kind == "range":
                start, stop, step = (self.field(node, key, int, where) for key in ("start", "stop", "step"))
                return pd.RangeIndex(start, stop, step, name=name)
            values = self.value(self.field(node, "values", dict, where), where=f"{where}.values")
            if kind == "datetime":
                unit = self.field(node, "unit", str, where)
                if unit not in ("s", "ms", "us", "ns"):
                    raise self.fail(f"{where}: unknown datetime unit {unit!r}.")
                index = pd.DatetimeIndex(np.asarray(values, dtype=np.int64).view(f"datetime64[{unit}]"))
                tz = node.get("tz")
                if tz is not None:
                    index = index.tz_localize("UTC").tz_convert(self.field(node, "tz", str, where))
                freq = node.get("freq")
                if freq is not None:
                    index = pd.DatetimeIndex(index, freq=self.field(node, "freq", str, where))
                return index.rename(name)
            if kind == "period":
                freq = self.field(node, "freq", str, where)
                return pd.PeriodIndex.from_ordinals(np.asarray(values, dtype=np.int64), freq=freq, name=name)
            if kind == "plain":
                dtype = self.field(node, "dtype", str, where)
                if not (dtype in ("str", "string", "object") or np.dtype(dtype).kind in "biuf"):
                    raise self.fail(f"{where}: unsupported index dtype {dtype!r}.")
                return pd.Index(values, dtype=dtype, name=name)
        except _FormatError:
            raise
        except (TypeError, ValueError, OverflowError) as exc:
            raise self.fail(f"{where} is not a valid {kind} index ({exc}).") from None
        raise self.fail(f"{where}: unknown index kind {kind!r}.")

    def _decode_timestamp(self, node, where):
        value = self.field(node, "value", int, where)
        unit = self.field(node, "unit", str, where)
        if unit not in ("s", "ms", "us", "ns"):
            raise self.fail(f"{where}: unknown datetime unit {unit!r}.")
        tz = node.get("tz")
        try:
            stamp = pd.Timestamp(np.datetime64(value, unit))
            return stamp if tz is None else stamp.tz_localize("UTC").tz_convert(str(tz))
        except (TypeError, ValueError, OverflowError) as exc:
            raise self.fail(f"{where} is not a valid timestamp ({exc}).") from None

    def _decode_period(self, node, where):
        ordinal = self.field(node, "ordinal", int, where)
        freq = self.field(node, "freq", str, where)
        try:
            return pd.Period(ordinal=ordinal, freq=freq)
        except (TypeError, ValueError, OverflowError) as exc:
            raise self.fail(f"{where} is not a valid period ({exc}).") from None

    def _decode_offset(self, node, where):
        freq = self.field(node, "freq", str, where)
        try:
            return pd.tseries.frequencies.to_offset(freq)
        except (TypeError, ValueError) as exc:
            raise self.fail(f"{where}: {freq!r} is not a pandas frequency ({exc}).") from None

    def _decode_dataclass(self, node, where):
        name = self.field(node, "class", str, where)
        cls = self.dataclasses.get(name)
        if cls is None:
            raise self.fail(f"{where} names the record type {name!r}, which is not allowed.")
        fields = self.field(node, "fields", dict, where)
        decoded = {key: self.value(value, where=f"{where}.{key}") for key, value in fields.items()}
        try:
            return cls(**decoded)
        except TypeError as exc:
            raise self.fail(f"{where}: the stored fields do not fit {name} ({exc}).") from None

    def dtype(self, text, where, *, kinds):
        try:
            dtype = np.dtype(text)
        except (TypeError, ValueError, SyntaxError):
            raise self.fail(f"{where}: {text!r} is not a NumPy dtype.") from None
        if dtype.kind not in kinds or dtype.fields is not None or dtype.subdtype is not None:
            raise self.fail(f"{where}: the dtype {text!r} is not allowed here.")
        return dtype


def _tuple(types):
    return types if isinstance(types, tuple) else (types,)


def _reject_constant(name):
    raise ValueError(f"the JSON constant {name} is not allowed")

