"""Plain data to JSON and back, for model files: each type's encoder beside its decoder.

JSON carries numbers, strings, booleans, ``null`` and lists as themselves; everything else is
an object tagged with a ``"type"``: tuples, dicts, NumPy scalars and arrays, pandas indexes,
timestamps, periods and frequencies (in :mod:`lstm_forecast._codec_pandas`), a
``torch.optim`` optimizer class (by name), a ``RandomState`` (by its state), an allowed
record type, or an estimator (encoded by :mod:`lstm_forecast.persistence`, which owns the
estimator nodes). Numeric arrays travel in a safetensors member and are referred to by key.

Decoding trusts nothing: every node is checked against this format, nesting depth, string
widths and array sizes are bounded, and time zones must be names of the zoneinfo database.
Any departure raises :class:`FormatError` (a ``ValueError``).
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import torch
from sklearn.base import BaseEstimator

# Dtype kinds an array may have: bool, integers, floats, complex, datetime, timedelta,
# fixed-width unicode and Python objects (the last two as JSON lists).
_NUMERIC_KINDS = "biufc"
_TIME_KINDS = "Mm"
ATTRIBUTE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Bounds on what a file may ask the decoder to build.
MAX_DEPTH = 64
MAX_STRING_WIDTH = 4096
MAX_ITEMS = 10_000_000


class Unsupported(ValueError):
    """A value the safe format cannot store (raised by ``save_model``)."""


class FormatError(ValueError):
    """A model file that does not follow the format (raised by ``load_model``)."""


def _float(value):
    """A float as JSON: a number when finite, else the string "nan", "inf" or "-inf"."""
    value = float(value)
    return value if math.isfinite(value) else str(value)


# ------------------------------------------------------------------------------ encoding
class Encoder:
    """Values to JSON, collecting numeric arrays on the side (``arrays``)."""

    def __init__(self, codecs, encode_estimator, records):
        self.codecs = codecs
        self.encode_estimator = encode_estimator
        self.records = {cls: name for name, cls in records.items()}
        self.arrays: dict[str, np.ndarray] = {}

    def value(self, value, *, where, path):
        if value is None or isinstance(value, (bool, str)) or type(value) is int:
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {"type": "float", "value": str(value)}
        if type(value) is list:
            return [self.value(v, where=f"{where}[{i}]", path=(*path, str(i)))
                    for i, v in enumerate(value)]
        if isinstance(value, BaseEstimator):
            return self.encode_estimator(value, where=where, path=path)
        for codec in self.codecs:
            if codec.accepts(value, self):
                return codec.encode(self, value, where, path)
        raise Unsupported(
            f"{where} of type {type(value).__qualname__} cannot be stored in the safe format, "
            f"which holds plain data (numbers, strings, lists, tuples, dicts, NumPy arrays, "
            f"pandas indexes, supported estimators). Use joblib.dump for arbitrary objects "
            f"(and load such pickles only from sources you trust)."
        )

    def array(self, value, *, where, path):
        return _Array.encode(self, value, where, path)

    def float(self, value):
        return _float(value)


# ------------------------------------------------------------------------------ decoding
class Decoder:
    """JSON back to values, checking every node; ``fail(message)`` makes the error."""

    def __init__(self, codecs, fail, arrays, decode_estimator, records):
        self.fail = fail
        self._arrays = arrays  # a callable: the safetensors member, read on first use
        self.decode_estimator = decode_estimator
        self.records = records
        self._tags = {codec.tag: codec for codec in codecs}

    def arrays(self):
        return self._arrays()

    def field(self, node, key, types, where):
        if not isinstance(node, dict) or key not in node:
            raise self.fail(f"{where}: the field {key!r} is missing.")
        value = node[key]
        allowed = types if isinstance(types, tuple) else (types,)
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            raise self.fail(f"{where}.{key} has an unexpected type {type(value).__name__}.")
        return value

    def value(self, node, *, where, depth=0):
        if depth > MAX_DEPTH:
            raise self.fail(f"{where} is nested more than {MAX_DEPTH} levels deep.")
        if node is None or isinstance(node, (bool, str, int)):
            return node
        if isinstance(node, float):
            if not math.isfinite(node):
                raise self.fail(f"{where} holds a non-finite number outside a tagged float.")
            return node
        if isinstance(node, list):
            return [self.value(v, where=f"{where}[{i}]", depth=depth + 1) for i, v in enumerate(node)]
        if not isinstance(node, dict):
            raise self.fail(f"{where} has an unexpected JSON type {type(node).__name__}.")
        kind = self.field(node, "type", str, where)
        if kind == "estimator":
            return self.decode_estimator(node, where=where, depth=depth + 1)
        codec = self._tags.get(kind)
        if codec is None:
            raise self.fail(f"{where} has the unknown value type {kind!r}.")
        return codec.decode(self, node, where, depth + 1)

    def dtype(self, text, where, *, kinds):
        try:
            dtype = np.dtype(text)
        except (TypeError, ValueError, SyntaxError, OverflowError):
            raise self.fail(f"{where}: {text!r} is not a NumPy dtype.") from None
        if dtype.kind not in kinds or dtype.fields is not None or dtype.subdtype is not None:
            raise self.fail(f"{where}: the dtype {text!r} is not allowed here.")
        if dtype.kind == "U" and dtype.itemsize // 4 > MAX_STRING_WIDTH:
            raise self.fail(f"{where}: strings wider than {MAX_STRING_WIDTH} characters are not allowed.")
        return dtype



# ------------------------------------------------------------------------ the value types
class _Float:
    tag = "float"

    @staticmethod
    def accepts(value, encoder):
        return False  # non-finite Python floats are tagged by Encoder.value itself

    @staticmethod
    def decode(decoder, node, where, depth):
        text = decoder.field(node, "value", str, where)
        if text not in ("nan", "inf", "-inf"):
            raise decoder.fail(f"{where}: {text!r} is not 'nan', 'inf' or '-inf'.")
        return float(text)


class _Tuple:
    tag = "tuple"

    @staticmethod
    def accepts(value, encoder):
        return type(value) is tuple

    @staticmethod
    def encode(encoder, value, where, path):
        return {"type": "tuple", "items": [
            encoder.value(v, where=f"{where}[{i}]", path=(*path, str(i))) for i, v in enumerate(value)
        ]}

    @staticmethod
    def decode(decoder, node, where, depth):
        items = decoder.field(node, "items", list, where)
        return tuple(decoder.value(v, where=f"{where}[{i}]", depth=depth) for i, v in enumerate(items))


class _Dict:
    tag = "dict"

    @staticmethod
    def accepts(value, encoder):
        return type(value) is dict

    @staticmethod
    def encode(encoder, value, where, path):
        return {"type": "dict", "items": [
            [encoder.value(k, where=f"{where} key", path=path),
             encoder.value(v, where=f"{where}[{k!r}]", path=(*path, str(k)))]
            for k, v in value.items()
        ]}

    @staticmethod
    def decode(decoder, node, where, depth):
        result = {}
        for i, pair in enumerate(decoder.field(node, "items", list, where)):
            if not isinstance(pair, list) or len(pair) != 2:
                raise decoder.fail(f"{where}: item {i} is not a [key, value] pair.")
            key = decoder.value(pair[0], where=f"{where} key {i}", depth=depth)
            try:
                hash(key)
            except TypeError:
                raise decoder.fail(f"{where}: key {i} is not hashable.") from None
            result[key] = decoder.value(pair[1], where=f"{where}[{key!r}]", depth=depth)
        return result


class _Scalar:
    tag = "scalar"

    @staticmethod
    def accepts(value, encoder):
        return isinstance(value, np.generic)

    @staticmethod
    def encode(encoder, value, where, path):
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
            raise Unsupported(
                f"{where} is a NumPy {value.dtype} scalar; the safe format stores NumPy bool, "
                f"integer, float and string scalars."
            )
        return {"type": "scalar", "dtype": value.dtype.str if kind == "U" else value.dtype.name,
                "value": data}

    @staticmethod
    def decode(decoder, node, where, depth):
        dtype = decoder.dtype(decoder.field(node, "dtype", str, where), where, kinds="biufU")
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
            raise decoder.fail(f"{where}: {value!r} is not a valid {dtype} value ({exc}).") from None


def _dtype_name(dtype):
    return dtype.str if dtype.kind == "U" else ("object" if dtype.kind == "O" else dtype.name)


class _Array:
    tag = "ndarray"

    @staticmethod
    def accepts(value, encoder):
        return isinstance(value, np.ndarray)

    @staticmethod
    def encode(encoder, value, where, path):
        dtype = value.dtype
        if dtype.fields is not None or dtype.subdtype is not None:
            raise Unsupported(f"{where} is a structured NumPy array; the safe format cannot store it.")
        node = {"type": "ndarray", "dtype": _dtype_name(dtype), "shape": list(value.shape)}
        if dtype.kind in _NUMERIC_KINDS or dtype.kind in _TIME_KINDS:
            data = value.view(np.int64) if dtype.kind in _TIME_KINDS else value
            if not data.dtype.isnative:
                data = data.astype(data.dtype.newbyteorder("="))
            key = f"a{len(encoder.arrays)}"
            encoder.arrays[key] = np.ascontiguousarray(data)
            node["key"] = key
        elif dtype.kind == "U":
            node["items"] = [str(v) for v in value.ravel().tolist()]
        elif dtype.kind == "O":
            node["items"] = [
                encoder.value(v, where=f"{where}[{i}]", path=(*path, str(i)))
                for i, v in enumerate(value.ravel())
            ]
        else:
            raise Unsupported(
                f"{where} is a NumPy array of dtype {dtype}; the safe format stores bool, "
                f"numeric, datetime, unicode and object arrays."
            )
        return node

    @staticmethod
    def decode(decoder, node, where, depth):
        dtype = decoder.dtype(decoder.field(node, "dtype", str, where), where, kinds="biufcMmUO")
        shape = decoder.field(node, "shape", list, where)
        if len(shape) > 32 or not all(
                isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_ITEMS for n in shape):
            raise decoder.fail(f"{where}.shape must be a list of non-negative integers; got {shape!r}.")
        size = math.prod(shape)
        if dtype.kind in _NUMERIC_KINDS or dtype.kind in _TIME_KINDS:
            key = decoder.field(node, "key", str, where)
            arrays = decoder.arrays()
            if key not in arrays:
                raise decoder.fail(f"{where} refers to the array {key!r}, missing from the arrays member.")
            array = arrays[key]
            stored = np.dtype(np.int64) if dtype.kind in _TIME_KINDS else dtype
            if array.dtype != stored or list(array.shape) != shape:
                raise decoder.fail(
                    f"{where}: the stored array is {array.dtype}{list(array.shape)}, the JSON "
                    f"declares {dtype}{shape}."
                )
            array = array.view(dtype) if dtype.kind in _TIME_KINDS else array
            return np.array(array, copy=True)
        items = decoder.field(node, "items", list, where)
        if len(items) != size:
            raise decoder.fail(f"{where} declares shape {shape} but holds {len(items)} items.")
        if dtype.kind == "U":
            if not all(isinstance(v, str) and len(v) <= dtype.itemsize // 4 for v in items):
                raise decoder.fail(f"{where}: a string array holds a non-string or too long item.")
            return np.array(items, dtype=dtype).reshape(shape)
        array = np.empty(size, dtype=object)
        for i, item in enumerate(items):
            array[i] = decoder.value(item, where=f"{where}[{i}]", depth=depth)
        return array.reshape(shape)


class _Optimizer:
    tag = "torch_optimizer"

    @staticmethod
    def accepts(value, encoder):
        return isinstance(value, type) and issubclass(value, torch.optim.Optimizer)

    @staticmethod
    def encode(encoder, value, where, path):
        if getattr(torch.optim, value.__name__, None) is value:
            return {"type": "torch_optimizer", "name": f"torch.optim.{value.__name__}"}
        raise Unsupported(
            f"{where}={value.__module__}.{value.__qualname__} is not a torch.optim optimizer; "
            f"the safe format stores optimizer classes from torch.optim only (by name). "
            f"Use joblib.dump for a custom optimizer."
        )

    @staticmethod
    def decode(decoder, node, where, depth):
        name = decoder.field(node, "name", str, where)
        short = name.removeprefix("torch.optim.")
        cls = getattr(torch.optim, short, None) if ATTRIBUTE_NAME.match(short) else None
        if short == name or not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
            raise decoder.fail(f"{where}: {name!r} is not an optimizer class of torch.optim.")
        return cls


class _RandomState:
    tag = "random_state"

    @staticmethod
    def accepts(value, encoder):
        return isinstance(value, np.random.RandomState)

    @staticmethod
    def encode(encoder, value, where, path):
        _, keys, pos, has_gauss, cached = value.get_state(legacy=True)
        return {"type": "random_state", "keys": encoder.array(keys, where=where, path=path),
                "pos": int(pos), "has_gauss": int(has_gauss), "cached_gaussian": _float(cached)}

    @staticmethod
    def decode(decoder, node, where, depth):
        keys = decoder.value(decoder.field(node, "keys", dict, where), where=f"{where}.keys", depth=depth)
        pos = decoder.field(node, "pos", int, where)
        has_gauss = decoder.field(node, "has_gauss", int, where)
        cached = decoder.field(node, "cached_gaussian", (int, float, str), where)
        if not (isinstance(keys, np.ndarray) and keys.dtype == np.uint32 and keys.shape == (624,)):
            raise decoder.fail(f"{where}.keys must be 624 uint32 values.")
        if not 0 <= pos <= 624 or has_gauss not in (0, 1):
            raise decoder.fail(f"{where}: pos must lie in [0, 624] and has_gauss be 0 or 1.")
        state = np.random.RandomState()
        try:
            state.set_state(("MT19937", keys, pos, has_gauss, float(cached)))
        except (TypeError, ValueError, IndexError, OverflowError) as exc:
            raise decoder.fail(f"{where} is not a valid RandomState state ({exc}).") from None
        return state


class _Record:
    tag = "dataclass"

    @staticmethod
    def accepts(value, encoder):
        return type(value) in encoder.records

    @staticmethod
    def encode(encoder, value, where, path):
        return {"type": "dataclass", "class": encoder.records[type(value)], "fields": {
            field.name: encoder.value(getattr(value, field.name), where=f"{where}.{field.name}",
                                      path=(*path, field.name))
            for field in dataclasses.fields(value)
        }}

    @staticmethod
    def decode(decoder, node, where, depth):
        name = decoder.field(node, "class", str, where)
        cls = decoder.records.get(name)
        if cls is None:
            raise decoder.fail(f"{where} names the record type {name!r}, which is not allowed.")
        fields = decoder.field(node, "fields", dict, where)
        decoded = {key: decoder.value(value, where=f"{where}.{key}", depth=depth)
                   for key, value in fields.items()}
        try:
            return cls(**decoded)
        except TypeError as exc:
            raise decoder.fail(f"{where}: the stored fields do not fit {name} ({exc}).") from None


# The value types of this module; persistence adds those of _codec_pandas.
PLAIN_CODECS = (_Float, _Tuple, _Dict, _Scalar, _Array, _Optimizer, _RandomState, _Record)
