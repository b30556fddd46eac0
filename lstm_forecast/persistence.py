"""Safe, atomic saving and loading of fitted estimators (no pickle).

A model file is a zip archive that holds only data:

- ``meta.json``: the format name and version, the versions of the libraries that wrote it,
  the size and SHA-256 of every other member, a digest of the whole, and the estimator as a
  tree: its class (from an allow-list of this library's estimators), its ``get_params()``
  and the fitted state the class declares (``_persist_attributes``). Nested estimators
  (the networks of an :class:`~lstm_forecast.LSTMForecaster`) are nodes of the same tree.
  Values are encoded by :mod:`lstm_forecast._codec`.
- ``arrays.safetensors``: the numeric NumPy arrays the JSON refers to, by key.
- ``weights.safetensors``: the network weights of the root estimator; a nested estimator's
  are in ``weights/<attribute path>.safetensors``.

Loading reads JSON and safetensors only, so nothing in a file can run code, and it refuses
cheaply what does not follow the format: only a regular file is opened; every member is
checked against the size and digest ``meta.json`` declares before it is used; nesting depth,
string widths and array sizes are bounded; a network's weight shapes are checked against
its stored architecture before any network is built; time zones must be zoneinfo names.
Every refusal is a ``ValueError`` naming what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
import zipfile

import numpy as np
import pandas as pd
import torch
from safetensors.numpy import load as _load_arrays
from safetensors.numpy import save as _save_arrays
from safetensors.torch import load as _load_tensors
from safetensors.torch import save as _save_tensors
from sklearn.base import BaseEstimator

from ._archive import atomic_write, checked_target, open_regular_file
from ._codec import ATTRIBUTE_NAME, PLAIN_CODECS, Decoder, Encoder, FormatError, Unsupported
from ._codec_pandas import PANDAS_CODECS
from ._network import config_problem
from ._typing import PathLike
from ._version import __version__

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_model", "save_model"]

FORMAT_NAME = "lstm_forecast.model"
FORMAT_VERSION = 2

_META = "meta.json"
_ARRAYS = "arrays.safetensors"
_WEIGHTS = "weights.safetensors"
# A hostile archive must not make load_model inflate gigabytes of JSON.
_MAX_META_BYTES = 64 * 1024 * 1024
_MAX_MEMBERS = 10_000
_CODECS = PLAIN_CODECS + PANDAS_CODECS


def _allowed_classes():
    """The estimator classes a model file may name, by name."""
    from .baselines import DriftForecaster, NaiveForecaster, SeasonalNaiveForecaster
    from .classifier import LSTMClassifier
    from .forecaster import LSTMForecaster
    from .regressor import LSTMRegressor

    classes = [LSTMRegressor, LSTMClassifier, LSTMForecaster,
               NaiveForecaster, SeasonalNaiveForecaster, DriftForecaster]
    return {cls.__name__: cls for cls in classes}


def _allowed_records():
    """Small private records (dataclasses) the estimators keep as fitted state, by name."""
    return {}


def _versions():
    import safetensors
    import sklearn
    import skorch

    return {"lstm_forecast": __version__, "numpy": np.__version__, "pandas": pd.__version__,
            "safetensors": safetensors.__version__, "scikit-learn": sklearn.__version__,
            "skorch": skorch.__version__, "torch": torch.__version__}


def _digest(meta):
    """SHA-256 of everything in ``meta`` but the digest: any edit of the file shows."""
    body = {key: value for key, value in meta.items() if key != "digest"}
    text = json.dumps(body, allow_nan=False, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------ writing
def save_model(estimator: BaseEstimator, path: PathLike) -> None:
    """Save a (fitted or unfitted) estimator to ``path`` in a safe, pickle-free format.

    The file is a zip archive of JSON (the class, the parameters and the fitted state) and
    `safetensors <https://huggingface.co/docs/safetensors>`_ (the arrays and the network
    weights): loading it with :func:`load_model` never runs code from the file. The write is
    atomic: the archive is built in memory and checked, written to a temporary file in the
    same directory, flushed to disk, then renamed over ``path`` (keeping an existing file's
    permissions), so a crash or an error part-way leaves any previous file at ``path`` intact
    and writes nothing; temporary files that a killed save left behind are removed.

    Supported estimators are :class:`~lstm_forecast.LSTMRegressor`,
    :class:`~lstm_forecast.LSTMClassifier`, :class:`~lstm_forecast.LSTMForecaster` and the
    baseline forecasters. Their parameters must be plain data: numbers, strings, ``None``,
    lists, tuples, dicts, NumPy values, pandas indexes, a ``RandomState``, an optimizer class
    from ``torch.optim``, or another supported estimator. skorch ``callbacks`` are code and
    are refused (they only matter for training: ``estimator.set_params(callbacks=None)``
    before saving keeps the fitted model). For arbitrary objects use :func:`joblib.dump`,
    and load such pickles only from sources you trust.

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
        If a parameter or fitted attribute cannot be stored safely (the message names it),
        or ``path`` does not name a file.
    OSError
        If the directory is missing (``FileNotFoundError``), ``path`` is a directory
        (``IsADirectoryError``) or the directory is not writable (``PermissionError``):
        checked before anything is written.

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
    target = checked_target(path)
    members = _encode_model(estimator)
    atomic_write(target, members)


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
    members = []
    if writer.encoder.arrays:
        members.append((_ARRAYS, _save_arrays(writer.encoder.arrays)))
    members.extend(writer.weights)
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "members": {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                    for name, data in members},
        "estimator": root,
    }
    meta["digest"] = _digest(meta)
    text = json.dumps(meta, allow_nan=False, ensure_ascii=False, indent=1, sort_keys=True)
    return [(_META, text.encode("utf-8")), *members]


class _Writer:
    """Estimator nodes; the values inside them go through the codec's encoder."""

    def __init__(self, classes):
        self.classes = classes
        self.encoder = Encoder(_CODECS, self.estimator, _allowed_records())
        self.weights = []

    def estimator(self, est, *, where, path):
        name = type(est).__name__
        if self.classes.get(name) is not type(est):
            raise Unsupported(
                f"{where} is a {type(est).__qualname__}, which the safe format cannot store; it "
                f"stores {', '.join(sorted(self.classes))}. Use joblib.dump for other objects "
                f"(and load such pickles only from sources you trust)."
            )
        params = est.get_params(deep=False)
        if params.get("callbacks") is not None and len(params["callbacks"]):
            raise Unsupported(
                f"{where}.callbacks holds skorch callbacks, which are code and cannot be saved "
                f"in the safe format. They only affect training: call "
                f"set_params(callbacks=None) before save_model to keep the fitted model, or "
                f"use joblib.dump (and load it only from sources you trust)."
            )
        if params.get("accelerator") is not None:
            raise Unsupported(
                f"{where}.accelerator holds a Hugging Face Accelerator, which cannot be saved in "
                f"the safe format. It only affects training: call set_params(accelerator=None) "
                f"before save_model to keep the fitted model."
            )
        value = self.encoder.value
        node = {
            "type": "estimator",
            "class": name,
            "params": {key: value(v, where=f"{where}.{key}", path=(*path, key))
                       for key, v in sorted(params.items())},
            "state": None,
            "network": None,
            "history": None,
        }
        state = est._get_persist_state()
        if not state:
            return node
        node["state"] = {key: value(v, where=f"{where}.{key}", path=(*path, key))
                         for key, v in sorted(state.items())}
        weights = est._get_persist_weights()
        if weights is not None:
            _check_weights_fit(est.network_config_, weights, Unsupported, where)
            member = _WEIGHTS if not path else f"weights/{'.'.join(path)}.safetensors"
            self.weights.append((member, _save_tensors(weights)))
            node["network"] = {"member": member}
            node["history"] = self.history(est.history_, where=f"{where}.history_", path=path)
        return node

    def history(self, history, *, where, path):
        """The per-epoch records (without the per-batch ones, which can be millions)."""
        epochs = [{key: value for key, value in entry.items() if key != "batches"} for entry in history]
        try:
            return self.encoder.value(epochs, where=where, path=(*path, "history_"))
        except Unsupported as exc:
            warnings.warn(
                f"{where} holds values the safe format cannot store ({exc}); the loaded "
                f"model has an empty training history.",
                UserWarning,
                stacklevel=4,
            )
            return None


def _check_weights_fit(config, weights, error, where):
    from ._network import expected_weight_shapes

    expected = expected_weight_shapes(config)
    stored = {key: tuple(tensor.shape) for key, tensor in weights.items()}
    if stored != expected:
        wrong = sorted(set(expected) ^ set(stored)) or sorted(
            key for key in expected if expected[key] != stored[key])
        raise error(
            f"{where}: the weights do not fit the network described by network_config_ "
            f"(size mismatch or missing/unexpected tensors: {', '.join(wrong[:4])}). Refit the "
            f"model before saving it."
        )


# ------------------------------------------------------------------------------ reading
def load_model(path: PathLike, *, device: str | torch.device | None = None) -> BaseEstimator:
    """Load an estimator saved by :func:`save_model`.

    Only JSON and safetensors are read, so loading never runs code from the file: the
    estimator's class must be one of this library's (an allow-list), it is called with the
    stored parameters, the stored fitted state is set, and the network weights are loaded
    into a freshly built network. A fitted model predicts exactly what it predicted when it
    was saved (on the same device type). A damaged or hostile file is refused with a
    ``ValueError`` before it costs much time or memory, and no other file is ever opened.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_model`.
    device : str, torch.device or None, default=None
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
        stored architecture, not a regular file), or was written by a newer format version.

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
    if device is not None:
        from ._net import resolve_device

        resolve_device(device)  # a bad device is the caller's mistake, said before reading
    path = os.fspath(path)
    with open_regular_file(path) as file:
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
            raise ValueError(
                f"{path!r} is not an lstm_forecast model file: it is not a zip archive ({exc}). "
                f"load_model reads only files written by save_model; it never unpickles (a file "
                f"from joblib.dump must be loaded with joblib.load, and only from a source you "
                f"trust)."
            ) from None
        with archive:
            reader = _Reader(archive, path, device, os.fstat(file.fileno()).st_size)
            try:
                meta = reader.meta()
                return reader.estimator(meta["estimator"], where="estimator", depth=0)
            except (ValueError, FileNotFoundError):
                raise
            except (Exception, RecursionError) as exc:  # any other surprise of a damaged file
                raise reader.fail(f"it cannot be decoded ({type(exc).__name__}: {exc}).") from None


class _Reader:
    """Decodes the JSON tree of a model file, checking every node against the format."""

    def __init__(self, archive, path, device, file_size):
        self.archive = archive
        self.path = path
        self.device = device
        self.file_size = file_size
        self.classes = _allowed_classes()
        self.members = {}
        self.version = None
        self.written_by = None
        self._arrays = None
        self.decoder = Decoder(_CODECS, self.fail, self.arrays, self.estimator, _allowed_records())

    def fail(self, message):
        return FormatError(f"{self.path!r} is not a valid lstm_forecast model file: {message}")

    def info(self, name):
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise self.fail(f"the archive member {name!r} is missing.") from None
        if info.flag_bits & 0x1:
            raise self.fail(f"the archive member {name!r} is encrypted.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise self.fail(f"the archive member {name!r} uses an unsupported compression.")
        return info

    def read(self, name, limit):
        info = self.info(name)
        if info.file_size > limit:
            raise self.fail(f"{name!r} is {info.file_size} bytes, more than the {limit} allowed.")
        try:
            with self.archive.open(info) as member:
                data = member.read(limit + 1)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, ValueError,
                RuntimeError) as exc:
            raise self.fail(f"the archive member {name!r} cannot be read ({exc}).") from None
        if len(data) > limit:
            raise self.fail(f"{name!r} is larger than the {limit} bytes allowed.")
        return data

    def member(self, name):
        """A member declared in meta.json: size and digest checked before it is used."""
        info = self.info(name)
        if self.version == 1:
            return self.read(name, self.file_size)
        declared = self.members.get(name)
        if declared is None:
            raise self.fail(f"the archive member {name!r} is not declared in {_META}.")
        if info.compress_type != zipfile.ZIP_STORED or info.file_size != declared["size"]:
            raise self.fail(f"the archive member {name!r} does not have the size {_META} declares.")
        data = self.read(name, declared["size"])
        if hashlib.sha256(data).hexdigest() != declared["sha256"]:
            raise self.fail(f"the archive member {name!r} does not match its SHA-256 in {_META}.")
        return data

    def meta(self):
        if len(self.archive.infolist()) > _MAX_MEMBERS:
            raise self.fail(f"the archive has more than {_MAX_MEMBERS} members.")
        data = self.read(_META, _MAX_META_BYTES)
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
            versions = meta.get("versions")
            written_by = versions.get("lstm_forecast") if isinstance(versions, dict) else None
            raise ValueError(
                f"{self.path!r} was written in model format version {version} (by lstm_forecast "
                f"{written_by if isinstance(written_by, str) else 'a newer release'}); this "
                f"lstm_forecast {__version__} reads format versions up to {FORMAT_VERSION}. "
                f"Upgrade lstm_forecast to load it."
            )
        self.version = version
        versions = meta.get("versions")
        written_by = versions.get("lstm_forecast") if isinstance(versions, dict) else None
        self.written_by = written_by if isinstance(written_by, str) else None
        if version >= 2:
            if meta.get("digest") != _digest(meta):
                raise self.fail(f"{_META} does not match its digest: the file was changed after "
                                f"save_model wrote it.")
            self.members = self.declared_members(meta.get("members"))
        if not isinstance(meta.get("estimator"), dict):
            raise self.fail(f"{_META} has no estimator.")
        return meta

    def declared_members(self, members):
        if not isinstance(members, dict):
            raise self.fail(f"{_META} does not declare its members.")
        total = 0
        for name, entry in members.items():
            size = entry.get("size") if isinstance(entry, dict) else None
            digest = entry.get("sha256") if isinstance(entry, dict) else None
            if (isinstance(size, bool) or not isinstance(size, int) or size < 0
                    or not isinstance(digest, str) or len(digest) != 64):
                raise self.fail(f"{_META} declares the member {name!r} without a valid size and digest.")
            total += size
        if total > self.file_size:
            raise self.fail(f"{_META} declares {total} bytes of members in a file of {self.file_size}.")
        return members

    def arrays(self):
        if self._arrays is None:
            data = self.member(_ARRAYS)
            try:
                self._arrays = _load_arrays(data)
            except Exception as exc:  # safetensors raises its own error type for bad bytes
                raise self.fail(f"{_ARRAYS} is not a valid safetensors file ({exc}).") from None
        return self._arrays

    # -- estimators
    def estimator(self, node, *, where, depth=0):
        fail, field = self.fail, self.decoder.field
        name = field(node, "class", str, where)
        cls = self.classes.get(name)
        if cls is None:
            raise fail(
                f"{where} names the class {name!r}, which is not one of the estimators a model file "
                f"may hold ({', '.join(sorted(self.classes))})."
            )
        params = field(node, "params", dict, where)
        decoded = {key: self.decoder.value(v, where=f"{where}.{key}", depth=depth)
                   for key, v in params.items()}
        try:
            estimator = cls(**decoded)
        except TypeError as exc:
            raise fail(f"{where}: the stored parameters do not fit {name} ({exc}).") from None
        if getattr(cls, "_parameter_constraints", None):
            try:
                estimator._validate_params()
            except (TypeError, ValueError) as exc:
                raise fail(f"{where}: a stored parameter is not valid ({exc}).") from None
        state = node.get("state")
        if state is None:
            return estimator
        if not isinstance(state, dict):
            raise fail(f"{where}.state must be an object.")
        allowed = set(cls._persisted_names())
        for key in state:
            if not ATTRIBUTE_NAME.match(key) or key.startswith("__") or key not in allowed:
                other = self.version == 1 or (self.written_by not in (None, __version__))
                older = (f" It was written by lstm_forecast {self.written_by or '0.1'}, whose "
                         f"{name} stored other state: refit the model and save it again."
                         if other else "")
                raise fail(f"{where}: {key!r} is not a valid fitted attribute name of {name}.{older}")
        values = {key: self.decoder.value(v, where=f"{where}.{key}", depth=depth)
                  for key, v in state.items()}
        if self.version == 1 and hasattr(cls, "_network_config") and "network_config_" not in values:
            values["network_config_"] = _version_1_network_config(estimator, values, node, fail, where)
        estimator._set_persist_state(values)
        network = node.get("network")
        if network is not None:
            self.network(estimator, network, node.get("history"), where=f"{where}.network", depth=depth)
        return estimator

    def network(self, estimator, node, history, *, where, depth):
        if not hasattr(estimator, "_set_persist_weights"):
            raise self.fail(f"{where}: {type(estimator).__name__} has no network.")
        config = getattr(estimator, "network_config_", None)
        problem = config_problem(config)
        if problem:
            raise self.fail(f"{where}: {problem}")
        member = self.decoder.field(node, "member", str, where)
        data = self.member(member)
        try:
            weights = _load_tensors(data)
        except Exception as exc:  # safetensors raises its own error type for bad bytes
            raise self.fail(f"{member} is not a valid safetensors file ({exc}).") from None
        _check_weights_fit(config, weights, self.fail, where)
        entries = None
        if history is not None:
            entries = self.decoder.value(history, where=f"{where}.history_", depth=depth)
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise self.fail(f"{where}.history_ must be a list of objects.")
        try:
            estimator._set_persist_weights(weights, entries, self.resolve_device(estimator))
        except (RuntimeError, ValueError, TypeError, KeyError) as exc:
            raise self.fail(
                f"the weights in {member} do not fit the network described by the stored "
                f"parameters and attributes ({type(exc).__name__}: {' '.join(str(exc).split())})."
            ) from None

    def resolve_device(self, estimator):
        from ._net import resolve_device

        if self.device is not None:
            return resolve_device(self.device)
        try:
            return resolve_device(getattr(estimator, "device", "cpu"))
        except (TypeError, ValueError):
            return torch.device("cpu")


def _version_1_network_config(estimator, values, node, fail, where):
    """Format 1 stored no network_config_: the architecture came from the parameters."""
    network = node.get("network")
    if network is None:
        return None
    n_outputs = network.get("n_outputs") if isinstance(network, dict) else None
    if isinstance(n_outputs, bool) or not isinstance(n_outputs, int) or n_outputs < 1:
        raise fail(f"{where}.network.n_outputs must be a positive integer.")
    estimator.n_features_per_step_ = values.get("n_features_per_step_")
    try:
        return estimator._network_config(n_outputs)
    except (TypeError, ValueError) as exc:
        raise fail(f"{where}: the stored parameters do not describe a network ({exc}).") from None
    finally:
        estimator.__dict__.pop("n_features_per_step_", None)


def _reject_constant(name):
    raise ValueError(f"the JSON constant {name} is not allowed")
