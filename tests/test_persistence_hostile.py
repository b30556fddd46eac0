"""Damaged and hostile model files: refused cheaply with a ValueError, never opening other files.

Every test runs under an audit hook that records the files Python opens while a model is
loaded: only the model file itself may appear (issue 14: no path other than the model file is
ever opened).
"""

import hashlib
import json
import os
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_forecast import LSTMClassifier, LSTMRegressor, _base, load_model, persistence, save_model

SMALL = dict(hidden_size=4, max_epochs=1, batch_size=16, device="cpu", random_state=0)
RNG = np.random.RandomState(0)
X = RNG.normal(size=(24, 5, 2)).astype(np.float32)
Y = X[:, :, 0].sum(axis=1)

_OPENED = []
_WATCHING = [False]


def _audit(event, args):
    if _WATCHING[0] and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


def _load(path, **kwargs):
    """``load_model`` while recording every file opened; only ``path`` itself may be."""
    _OPENED.clear()
    _WATCHING[0] = True
    try:
        return load_model(path, **kwargs)
    finally:
        _WATCHING[0] = False
        # Python's own modules, and a named time zone's entry in the zoneinfo database.
        others = [p for p in _OPENED if os.path.abspath(p) != os.path.abspath(path)
                  and not p.endswith((".py", ".pyc", ".so")) and "site-packages" not in p
                  and "/lib/python" not in p and "zoneinfo" not in p]
        assert not others, f"load_model opened other files: {others}"


@pytest.fixture(scope="module")
def model():
    return LSTMRegressor(**SMALL).fit(X, Y)


@pytest.fixture
def path(tmp_path, model):
    target = tmp_path / "model.lstmf"
    save_model(model, target)
    return target


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(path, members, *, consistent=True, compress=None):
    """Write ``members``; ``consistent`` re-declares sizes, digests and the digest of the whole
    (what someone who knows the format can do), so each test reaches the check it means."""
    if consistent:
        meta = json.loads(members["meta.json"])
        meta["members"] = {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                           for name, data in members.items() if name != "meta.json"}
        meta["digest"] = persistence._digest(meta)
        members = {**members, "meta.json": json.dumps(meta).encode()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            kind = compress or (zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED)
            archive.writestr(name, data, compress_type=kind)


def _edit(path, change, **kwargs):
    members = _members(path)
    meta = json.loads(members["meta.json"])
    change(meta)
    members["meta.json"] = json.dumps(meta).encode()
    _write(path, members, **kwargs)


def _config(meta, **changes):
    for pair in meta["estimator"]["state"]["network_config_"]["items"]:
        if pair[0] in changes:
            pair[1] = changes[pair[0]]


# --------------------------------------------------------------- size caps (14.4)
def test_a_network_claimed_larger_than_its_weights_is_refused_before_it_is_built(path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a network was built")

    monkeypatch.setattr(_base.RecurrentEstimatorBase, "_set_persist_weights", never)
    _edit(path, lambda meta: _config(meta, hidden_size=3000, num_layers=4))
    with pytest.raises(ValueError, match=r"weights do not fit the network described by network_config_"):
        _load(path)


@pytest.mark.parametrize(
    ("declared", "message"),
    [(10, r"'weights.safetensors' does not have the size meta.json declares"),  # member larger
     (10**12, r"declares \d+ bytes of members in a file of \d+")],  # declared larger than the file
    ids=["member-larger-than-declared", "declared-larger-than-file"],
)
def test_member_sizes_that_differ_from_the_declared_ones_are_refused(path, declared, message):
    members = _members(path)
    meta = json.loads(members["meta.json"])
    meta["members"]["weights.safetensors"]["size"] = declared
    meta["digest"] = persistence._digest(meta)
    members["meta.json"] = json.dumps(meta).encode()
    _write(path, members, consistent=False)
    with pytest.raises(ValueError, match=message):
        _load(path)


def test_compressed_weights_are_refused(path):
    """Only stored (uncompressed) weights: a deflated member could inflate to any size."""
    _write(path, _members(path), compress=zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match=r"does not have the size meta.json declares"):
        _load(path)


def test_a_meta_json_bomb_is_refused_from_its_declared_size(path, monkeypatch):
    monkeypatch.setattr(persistence, "_MAX_META_BYTES", 4096)
    members = _members(path)
    members["meta.json"] = members["meta.json"] + b" " * 10_000_000  # 10 MB of spaces deflate to kB
    _write(path, members, consistent=False)
    assert path.stat().st_size < 100_000
    with pytest.raises(ValueError, match=r"'meta.json' is \d+ bytes, more than the 4096 allowed"):
        _load(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["estimator"]["state"].update(
            feature_names_in_={"type": "ndarray", "dtype": "<U100000000", "shape": [1], "items": ["a"]}),
         r"strings wider than 4096 characters"),
        (lambda m: m["estimator"]["state"].update(
            feature_names_in_={"type": "ndarray", "dtype": "O", "shape": [10**12], "items": []}),
         r"shape must be a list of non-negative integers"),
        (lambda m: m["estimator"]["state"].update(
            feature_names_in_={"type": "ndarray", "dtype": "O", "shape": [2] * 40, "items": []}),
         r"shape must be a list"),
        (lambda m: m["estimator"]["state"].update(n_epochs_=_nested(200)), r"nested more than 64 levels"),
    ],
    ids=["wide-strings", "huge-shape", "many-dimensions", "deep-nesting"],
)
def test_bounds_on_what_the_json_may_ask_for(path, change, message):
    _edit(path, change)
    with pytest.raises(ValueError, match=message):
        _load(path)


def _nested(depth):
    node = 1
    for _ in range(depth):
        node = [node]
    return node


def test_deeply_nested_json_is_a_value_error(path):
    members = _members(path)
    members["meta.json"] = b"[" * 200_000 + b"]" * 200_000
    _write(path, members, consistent=False)
    with pytest.raises(ValueError, match=r"not valid JSON"):
        _load(path)


# --------------------------------------------------------------- only regular files (14.4)
def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "model.lstmf"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"is not a regular file"):
        _load(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_is_refused_at_once():
    with pytest.raises(ValueError, match=r"'/dev/zero' is not a regular file"):
        load_model("/dev/zero")


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError):
        load_model(tmp_path)


# ------------------------------------------------------------------- time zones (14.5)
@pytest.mark.parametrize("tz", ["dateutil//etc/passwd", "../../etc/passwd", "/etc/passwd",
                                "Europe/Nowhere", "UTC+25:00"])
def test_time_zones_must_be_zoneinfo_names(tmp_path, tz):
    import pandas as pd

    from lstm_forecast import NaiveForecaster

    y = pd.Series(np.arange(8.0), index=pd.date_range("2024-01-01", periods=8, freq="D", tz="UTC"))
    target = tmp_path / "naive.lstmf"
    save_model(NaiveForecaster(horizon=2).fit(y), target)

    def set_tz(node):
        if isinstance(node, dict):
            if "tz" in node:
                node["tz"] = tz
            for value in node.values():
                set_tz(value)
        elif isinstance(node, list):
            for value in node:
                set_tz(value)

    _edit(target, set_tz)
    with pytest.raises(ValueError, match=r"not a time zone of the zoneinfo database|offset .* out of range"):
        _load(target)


# --------------------------------------------------- every damage is a ValueError (14.6)
def test_an_encrypted_member_is_a_value_error(path):
    data = bytearray(path.read_bytes())
    start = 0
    while (entry := data.find(b"PK\x01\x02", start)) != -1:  # each central directory entry
        data[entry + 8] |= 0x1  # its "encrypted" flag bit
        start = entry + 4
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"is encrypted"):
        _load(path)


@pytest.mark.parametrize(
    "state",
    [
        {"type": "random_state", "pos": 1, "has_gauss": 0, "cached_gaussian": 0.0,
         "keys": {"type": "ndarray", "dtype": "uint32", "shape": [3], "key": "missing"}},
        {"type": "random_state", "pos": 999, "has_gauss": 7, "cached_gaussian": 0.0,
         "keys": {"type": "ndarray", "dtype": "int64", "shape": [0], "key": "a0"}},
    ],
    ids=["missing-keys", "bad-pos"],
)
def test_a_bad_random_state_is_a_value_error(path, state):
    _edit(path, lambda meta: meta["estimator"]["params"].update(random_state=state))
    with pytest.raises(ValueError):
        _load(path)


def test_an_unknown_member_name_is_a_value_error(path):
    _edit(path, lambda meta: meta["estimator"]["network"].update(member="weights/../../x"))
    with pytest.raises(ValueError, match=r"member.*missing"):
        _load(path)


def test_an_edit_without_the_digest_is_detected(path):
    _edit(path, lambda meta: meta["estimator"]["params"].update(lr=0.5), consistent=False)
    with pytest.raises(ValueError, match=r"does not match its digest"):
        _load(path)


def test_a_changed_member_is_detected(path):
    members = _members(path)
    weights = bytearray(members["weights.safetensors"])
    weights[-4:] = b"\x00\x00\x80\x7f"  # the last float becomes +inf
    members["weights.safetensors"] = bytes(weights)
    _write(path, members, consistent=False)
    with pytest.raises(ValueError, match=r"does not match its SHA-256"):
        _load(path)


# ------------------------------------------------------------------- properties (14.6)
@pytest.fixture(scope="module")
def valid_file(tmp_path_factory):
    model = LSTMClassifier(**SMALL).fit(X, np.where(Y > 0, "up", "down"))
    target = tmp_path_factory.mktemp("valid") / "model.lstmf"
    save_model(model, target)
    return target.read_bytes(), model


def _same_model(loaded, model):
    return (type(loaded) is type(model) and loaded.get_params() == model.get_params()
            and np.array_equal(loaded.predict_proba(X), model.predict_proba(X)))


_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(st.data())
def test_damaged_bytes_give_a_value_error_or_the_same_model(valid_file, tmp_path_factory, data):
    raw, model = valid_file
    damaged = bytearray(raw)
    kind = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
    if kind == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            position = data.draw(st.integers(0, len(damaged) - 1))
            damaged[position] = data.draw(st.integers(0, 255))
    elif kind == "truncate":
        damaged = damaged[: data.draw(st.integers(0, len(damaged) - 1))]
    else:
        position = data.draw(st.integers(0, len(damaged)))
        damaged[position:position] = data.draw(st.binary(min_size=1, max_size=64))
    target = tmp_path_factory.mktemp("damaged") / "model.lstmf"
    target.write_bytes(bytes(damaged))
    try:
        loaded = _load(target)
    except ValueError:
        return
    assert _same_model(loaded, model)


def _json_paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _json_paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _json_paths(value, (*path, i))


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.text(max_size=12), st.lists(st.integers(), max_size=3),
    st.sampled_from([{"type": "ndarray"}, {"type": "estimator", "class": "LSTMRegressor"}, {},
                     "dateutil//etc/passwd", 10**9, -1, "<U99999999", [10**12]]),
)


@_SETTINGS
@given(st.data())
def test_edited_json_values_give_a_value_error_or_a_working_model(valid_file, tmp_path_factory, data):
    """What an attacker who recomputes the digests can write: refused, or a model that loads in
    bounded time and whose predict gives an answer or a ValueError/TypeError."""
    raw, _ = valid_file
    target = tmp_path_factory.mktemp("edited") / "model.lstmf"
    target.write_bytes(raw)
    members = _members(target)
    meta = json.loads(members["meta.json"])
    paths = [p for p in _json_paths(meta["estimator"]) if p]
    chosen = data.draw(st.sampled_from(paths))
    node = meta["estimator"]
    for key in chosen[:-1]:
        node = node[key]
    node[chosen[-1]] = data.draw(_VALUES)
    members["meta.json"] = json.dumps(meta).encode()
    _write(target, members)
    try:
        loaded = _load(target)
    except ValueError:
        return
    try:
        loaded.predict(X)
    except (ValueError, TypeError, AttributeError):
        pass
