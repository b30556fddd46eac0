"""Model-file codecs of pandas values and time zones: each type's encoder beside its decoder.

Indexes (range, datetime, period, plain), timestamps, periods and frequencies. A time zone is
stored by name and must be a name of the zoneinfo database (or ``"UTC"`` / ``"UTC+hh:mm"``)
before pandas sees it: pandas would accept far more (``"dateutil/<path>"`` makes it read any
file).
"""

from __future__ import annotations

import datetime
import functools
import re
import zoneinfo

import numpy as np
import pandas as pd

from ._codec import FormatError, Unsupported

_TIME_UNITS = ("s", "ms", "us", "ns")
_FIXED_OFFSET = re.compile(r"UTC([+-])(\d\d):(\d\d)\Z")

# An IANA zone name: "UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5".
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]{0,29}(/[A-Za-z0-9][A-Za-z0-9_+\-]{0,29}){0,2}\Z")


@functools.lru_cache(maxsize=256)
def _is_zone(name: str) -> bool:
    """Whether the zoneinfo database has this zone (reading only that zone's own entry)."""
    if not _ZONE_NAME.match(name) or name.split("/")[0].lower() in ("dateutil", "pytz"):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def tz_name(tz) -> str | None:
    """The name a time zone is stored under: a zoneinfo key, ``"UTC"`` or ``"UTC+hh:mm"``."""
    if tz is None:
        return None
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)
    if isinstance(key, str):
        return key
    offset = tz.utcoffset(None) if isinstance(tz, datetime.tzinfo) else None
    if isinstance(tz, datetime.timezone) and offset is not None:
        if offset == datetime.timedelta(0):
            return "UTC"
        sign = "+" if offset >= datetime.timedelta(0) else "-"
        minutes = abs(int(offset.total_seconds())) // 60
        return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    raise Unsupported(f"the time zone {tz!r} has no zoneinfo name; store times in a named zone or UTC.")


def tz_from_name(name: str):
    """What pandas is given for a stored time zone: a zoneinfo name, or a fixed-offset zone.

    pandas would accept far more (``"dateutil/<path>"`` makes it read any file), so the name
    is matched against the zoneinfo database first; a name found there is handed to pandas as
    a string, which resolves it as it did when the model was saved.
    """
    if name == "UTC":
        return datetime.timezone.utc
    match = _FIXED_OFFSET.match(name)
    if match:
        sign, hours, minutes = match.groups()
        delta = datetime.timedelta(hours=int(hours), minutes=int(minutes))
        if delta >= datetime.timedelta(hours=24):
            raise ValueError(f"the UTC offset {name!r} is out of range")
        return datetime.timezone(-delta if sign == "-" else delta)
    if _is_zone(name):
        return name
    raise ValueError(f"{name!r} is not a time zone of the zoneinfo database")


def _unit(decoder, node, where):
    unit = decoder.field(node, "unit", str, where)
    if unit not in _TIME_UNITS:
        raise decoder.fail(f"{where}: unknown datetime unit {unit!r}.")
    return unit


def _tz(decoder, node, where):
    name = node.get("tz")
    if name is None:
        return None
    if not isinstance(name, str):
        raise decoder.fail(f"{where}.tz has an unexpected type {type(name).__name__}.")
    try:
        return tz_from_name(name)
    except ValueError as error:
        raise decoder.fail(f"{where}: {error}.") from None


class _Index:
    tag = "index"

    @staticmethod
    def accepts(value, encoder):
        return isinstance(value, pd.Index)

    @staticmethod
    def encode(encoder, index, where, path):
        name = encoder.value(index.name, where=f"{where}.name", path=path)
        if isinstance(index, pd.RangeIndex):
            return {"type": "index", "kind": "range", "start": int(index.start),
                    "stop": int(index.stop), "step": int(index.step), "name": name}
        if isinstance(index, pd.DatetimeIndex):
            return {"type": "index", "kind": "datetime", "unit": index.unit,
                    "values": encoder.array(index.asi8, where=where, path=path),
                    "tz": tz_name(index.tz), "freq": index.freqstr, "name": name}
        if isinstance(index, pd.PeriodIndex):
            return {"type": "index", "kind": "period", "freq": index.freqstr,
                    "values": encoder.array(index.asi8, where=where, path=path), "name": name}
        if type(index) is pd.Index and _plain_index_dtype(index.dtype):
            values = np.asarray(index.to_numpy(), dtype=_plain_dtype(index.dtype))
            return {"type": "index", "kind": "plain", "dtype": str(index.dtype),
                    "values": encoder.array(values, where=where, path=path), "name": name}
        raise Unsupported(
            f"{where} is a {type(index).__name__} of dtype {index.dtype}; the safe format stores "
            f"RangeIndex, DatetimeIndex, PeriodIndex and plain numeric, boolean or string indexes."
        )

    @staticmethod
    def decode(decoder, node, where, depth):
        kind = decoder.field(node, "kind", str, where)
        name = decoder.value(node.get("name"), where=f"{where}.name", depth=depth)
        try:
            if kind == "range":
                start, stop, step = (decoder.field(node, key, int, where)
                                     for key in ("start", "stop", "step"))
                return pd.RangeIndex(start, stop, step, name=name)
            values = decoder.value(decoder.field(node, "values", dict, where), where=f"{where}.values",
                                   depth=depth)
            if kind == "datetime":
                unit = _unit(decoder, node, where)
                index = pd.DatetimeIndex(np.asarray(values, dtype=np.int64).view(f"datetime64[{unit}]"))
                tz = _tz(decoder, node, where)
                if tz is not None:
                    index = index.tz_localize("UTC").tz_convert(tz)
                if node.get("freq") is not None:
                    index = pd.DatetimeIndex(index, freq=_offset(decoder, node, where))
                return index.rename(name)
            if kind == "period":
                return pd.PeriodIndex.from_ordinals(np.asarray(values, dtype=np.int64),
                                                    freq=_freq(decoder, node, where), name=name)
            if kind == "plain":
                dtype = decoder.field(node, "dtype", str, where)
                if not (dtype in ("str", "string", "object")
                        or decoder.dtype(dtype, where, kinds="biuf").kind in "biuf"):
                    raise decoder.fail(f"{where}: unsupported index dtype {dtype!r}.")
                return pd.Index(values, dtype=dtype, name=name)
        except FormatError:
            raise
        except (TypeError, ValueError, OverflowError, KeyError, IndexError) as exc:
            raise decoder.fail(f"{where} is not a valid {kind} index ({exc}).") from None
        raise decoder.fail(f"{where}: unknown index kind {kind!r}.")


def _plain_index_dtype(dtype):
    return str(dtype) in ("str", "string", "object") or (
        isinstance(dtype, np.dtype) and dtype.kind in "biuf"
    )


def _plain_dtype(dtype):
    return object if str(dtype) in ("str", "string", "object") else dtype


def _freq(decoder, node, where):
    """The stored frequency string, bounded (periods take pandas' period aliases: ``"Q-DEC"``)."""
    freq = decoder.field(node, "freq", str, where)
    if len(freq) > 64:
        raise decoder.fail(f"{where}: the frequency string is too long.")
    return freq


def _offset(decoder, node, where):
    freq = _freq(decoder, node, where)
    try:
        return pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError, KeyError) as exc:
        raise decoder.fail(f"{where}: {freq!r} is not a pandas frequency ({exc}).") from None


class _Timestamp:
    tag = "timestamp"

    @staticmethod
    def accepts(value, encoder):
        return isinstance(value, pd.Timestamp)

    @staticmethod
    def encode(encoder, value, where, path):
        return {"type": "timestamp", "value": int(value.asm8.view(np.int64)), "unit": value.unit,
                "tz": tz_name(value.tz)}

    @staticmethod
    def decode(decoder, node, where, depth):
        value = decoder.field(node, "value", int, where)
        unit = _unit(decoder, node, where)
        tz = _tz(decoder, node, where)
        try:
            stamp = pd.Timestamp(np.datetime64(value, unit))
            return stamp if tz is None else stamp.tz_localize("UTC").tz_convert(tz)
        except (TypeError, ValueError, OverflowError) as exc:
            raise decoder.fail(f"{where} is not a valid timestamp ({exc}).") from None


class _Period:
    tag = "period"

    @staticmethod
    def accepts(value, encoder):
        return isinstance(value, pd.Period)

    @staticmethod
    def encode(encoder, value, where, path):
        return {"type": "period", "ordinal": int(value.ordinal), "freq": value.freqstr}

    @staticmethod
    def decode(decoder, node, where, depth):
        ordinal = decoder.field(node, "ordinal", int, where)
        try:
            return pd.Period(ordinal=ordinal, freq=_freq(decoder, node, where))
        except (TypeError, ValueError, OverflowError) as exc:
            raise decoder.fail(f"{where} is not a valid period ({exc}).") from None


class _Offset:
    tag = "offset"

    @staticmethod
    def accepts(value, encoder):
        return isinstance(value, pd.offsets.BaseOffset)

    @staticmethod
    def encode(encoder, offset, where, path):
        freq = offset.freqstr
        try:
            same = pd.tseries.frequencies.to_offset(freq) == offset
        except ValueError:
            same = False
        if not same:
            raise Unsupported(f"{where}={offset!r} is not described by its frequency string {freq!r}.")
        return {"type": "offset", "freq": freq}

    @staticmethod
    def decode(decoder, node, where, depth):
        return _offset(decoder, node, where)


PANDAS_CODECS = (_Index, _Timestamp, _Period, _Offset)
